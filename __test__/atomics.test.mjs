// atomics: load/store/exchange/compareExchange and numeric read-modify-write operations on
// struct fields and element slots, within one thread and across workers.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, SharedMap, Mutex, atomics, share } = require('../index.js');
const { run, killAll, withTimeout } = require('./sync-helpers.js');
const { uniqueKey: uniqueKeyA } = require('./helpers.js');

afterEach(() => killAll());

const Box = new SharedStructType(['v', 'w', 'label']);
const Elems = new SharedStructType(['count'], { elements: true });

describe('atomics: load, store, exchange on fields and elements', () => {
  it('load and store read and write a field; store returns the value written', () => {
    const b = new Box();
    expect(atomics.load(b, 'v')).toBe(undefined);
    expect(atomics.store(b, 'v', 7)).toBe(7);
    expect(b.v).toBe(7);
    expect(atomics.load(b, 'v')).toBe(7);
    b.w = 'plain write';
    expect(atomics.load(b, 'w')).toBe('plain write');
  });

  it('round-trips every shareable kind of value through store/load', () => {
    const b = new Box();
    const other = new Box();
    const arr = SharedArray.of(1, 2);
    const map = new SharedMap();
    const mutex = new Mutex();
    const values = [undefined, null, true, false, 0, 1.5, -(2 ** 53), Infinity, 'text', '', '\uD800 lone', 2n ** 70n, -1n, other, arr, map, mutex];
    for (const v of values) {
      atomics.store(b, 'v', v);
      expect(atomics.load(b, 'v')).toBe(v);
      expect(b.v).toBe(v);
    }
    atomics.store(b, 'v', -0);
    expect(Object.is(atomics.load(b, 'v'), -0)).toBe(true);
    atomics.store(b, 'v', NaN);
    expect(atomics.load(b, 'v')).toBeNaN();
  });

  it('exchange writes and returns the previous value', () => {
    const b = new Box();
    expect(atomics.exchange(b, 'v', 'first')).toBe(undefined);
    expect(atomics.exchange(b, 'v', 2n)).toBe('first');
    expect(atomics.exchange(b, 'v', null)).toBe(2n);
    expect(b.v).toBe(null);
    const s = new Box();
    expect(atomics.exchange(b, 'v', s)).toBe(null);
    expect(atomics.exchange(b, 'v', 0)).toBe(s);
  });

  it('works on SharedArray elements', () => {
    const arr = new SharedArray(4);
    expect(atomics.load(arr, 0)).toBe(undefined);
    expect(atomics.store(arr, 1, 'one')).toBe('one');
    expect(arr.get(1)).toBe('one');
    expect(atomics.exchange(arr, 1, 11)).toBe('one');
    expect(atomics.load(arr, 1)).toBe(11);
    expect(atomics.compareExchange(arr, 1, 11, 12)).toBe(11);
    expect(atomics.compareExchange(arr, 1, 11, 13)).toBe(12);
    expect(arr.get(1)).toBe(12);
    arr.set(3, 5);
    expect(atomics.add(arr, 3, 10)).toBe(5);
    expect(atomics.sub(arr, 3, 1)).toBe(15);
    expect(arr.toArray()).toEqual([undefined, 12, undefined, 14]);
  });

  it('works on the fields and the elements of an element struct type', () => {
    const e = new Elems(3);
    e.count = 1;
    e.set(2, 10);
    expect(atomics.add(e, 'count', 1)).toBe(1);
    expect(atomics.add(e, 2, 5)).toBe(10);
    expect(e.count).toBe(2);
    expect(e.get(2)).toBe(15);
    expect(atomics.exchange(e, 0, 'x')).toBe(undefined);
    expect(e.get(0)).toBe('x');
  });
});

describe('atomics.compareExchange compares like ===', () => {
  it('writes only when the current value === expected and always returns the value seen', () => {
    const b = new Box();
    b.v = 1;
    expect(atomics.compareExchange(b, 'v', 2, 'no')).toBe(1);
    expect(b.v).toBe(1);
    expect(atomics.compareExchange(b, 'v', 1, 'yes')).toBe(1);
    expect(b.v).toBe('yes');
  });

  it("'42' does not match 42, and 42 does not match '42'", () => {
    const b = new Box();
    b.v = 42;
    expect(atomics.compareExchange(b, 'v', '42', 'swapped')).toBe(42);
    expect(b.v).toBe(42);
    b.v = '42';
    expect(atomics.compareExchange(b, 'v', 42, 'swapped')).toBe('42');
    expect(b.v).toBe('42');
  });

  it('0 matches -0 and -0 matches 0', () => {
    const b = new Box();
    b.v = -0;
    expect(Object.is(atomics.compareExchange(b, 'v', 0, 'a'), -0)).toBe(true);
    expect(b.v).toBe('a');
    b.v = 0;
    expect(Object.is(atomics.compareExchange(b, 'v', -0, 'b'), 0)).toBe(true);
    expect(b.v).toBe('b');
  });

  it('NaN never matches, not even NaN', () => {
    const b = new Box();
    b.v = NaN;
    expect(atomics.compareExchange(b, 'v', NaN, 'swapped')).toBeNaN();
    expect(b.v).toBeNaN();
  });

  it('null, undefined, booleans and numbers do not match each other', () => {
    const b = new Box();
    const pairs = [
      [undefined, null],
      [null, undefined],
      [null, 0],
      [false, 0],
      [true, 1],
      [0, false],
      ['', 0],
      [1n, 1],
    ];
    for (const [stored, expected] of pairs) {
      b.v = stored;
      expect(atomics.compareExchange(b, 'v', expected, 'swapped')).toBe(stored);
      expect(b.v).toBe(stored);
    }
    for (const same of [undefined, null, true, false]) {
      b.v = same;
      expect(atomics.compareExchange(b, 'v', same, 'swapped')).toBe(same);
      expect(b.v).toBe('swapped');
    }
  });

  it('strings and bigints match by content; shared objects by identity', () => {
    const b = new Box();
    b.v = 'hello world';
    const sameContent = ['hello', 'world'].join(' ');
    expect(atomics.compareExchange(b, 'v', sameContent, 'swapped')).toBe('hello world');
    expect(b.v).toBe('swapped');
    b.v = 2n ** 80n;
    expect(atomics.compareExchange(b, 'v', 2n ** 80n, 'big swapped')).toBe(2n ** 80n);
    expect(b.v).toBe('big swapped');
    const s1 = new Box();
    const s2 = new Box(); // same (empty) contents, different object
    b.v = s1;
    expect(atomics.compareExchange(b, 'v', s2, 'swapped')).toBe(s1);
    expect(b.v).toBe(s1);
    expect(atomics.compareExchange(b, 'v', s1, s2)).toBe(s1);
    expect(b.v).toBe(s2);
  });

  it('matches a string written by another thread by content', async () => {
    const b = new Box();
    await run("const b = open(data.b); b.v = ['written', 'by', 'a', 'worker'].join(' '); b.w = 'w ' + 42;", { b: share(b) });
    expect(atomics.compareExchange(b, 'v', 'written by a worker', 'main swapped it')).toBe('written by a worker');
    expect(b.v).toBe('main swapped it');
    expect(atomics.compareExchange(b, 'w', 'w 42', 1)).toBe('w 42');
    expect(b.w).toBe(1);
    // And the other way round: the worker matches a string main wrote.
    b.label = 'from ' + 'main';
    const r = await run("const b = open(data.b); return [atomics.compareExchange(b, 'label', 'from main', 'worker swapped it'), b.label];", { b: share(b) });
    expect(r).toEqual(['from main', 'worker swapped it']);
    expect(b.label).toBe('worker swapped it');
  });
});

describe('atomics: add, sub, and, or, xor', () => {
  it('return the old value and store the result', () => {
    const b = new Box();
    b.v = 10;
    expect(atomics.add(b, 'v', 5)).toBe(10);
    expect(b.v).toBe(15);
    expect(atomics.sub(b, 'v', 20)).toBe(15);
    expect(b.v).toBe(-5);
    expect(atomics.add(b, 'v', 0.25)).toBe(-5);
    expect(b.v).toBe(-4.75);
    b.v = 0b1100;
    expect(atomics.and(b, 'v', 0b1010)).toBe(0b1100);
    expect(b.v).toBe(0b1000);
    expect(atomics.or(b, 'v', 0b0011)).toBe(0b1000);
    expect(b.v).toBe(0b1011);
    expect(atomics.xor(b, 'v', 0b1111)).toBe(0b1011);
    expect(b.v).toBe(0b0100);
  });

  it('bitwise operations work on the int32 values', () => {
    const b = new Box();
    b.v = 2 ** 32 + 5;
    expect(atomics.or(b, 'v', 0)).toBe(2 ** 32 + 5);
    expect(b.v).toBe(5);
    b.v = -1;
    expect(atomics.and(b, 'v', 0xff)).toBe(-1);
    expect(b.v).toBe(0xff);
    b.v = 0;
    atomics.or(b, 'v', 0x80000000);
    expect(b.v).toBe(-0x80000000);
  });

  it('accept -0, NaN and Infinity like the corresponding JS operators', () => {
    const b = new Box();
    b.v = -0;
    expect(Object.is(atomics.add(b, 'v', -0), -0)).toBe(true);
    expect(Object.is(b.v, -0)).toBe(true);
    b.v = 1;
    atomics.add(b, 'v', NaN);
    expect(b.v).toBeNaN();
    b.v = 1;
    atomics.sub(b, 'v', Infinity);
    expect(b.v).toBe(-Infinity);
  });

  it('throw TypeError on a field that does not hold a number, leaving it untouched', () => {
    const b = new Box();
    for (const v of ['1', undefined, null, true, 1n, new Box()]) {
      b.v = v;
      for (const op of ['add', 'sub', 'and', 'or', 'xor']) {
        expect(() => atomics[op](b, 'v', 1)).toThrow(TypeError);
      }
      expect(b.v).toBe(v);
    }
    expect(() => atomics.add(b, 'v', 1)).toThrow(/not a number/);
  });

  it('throw TypeError on an operand that is not a number', () => {
    const b = new Box();
    b.v = 1;
    expect(() => atomics.add(b, 'v', '1')).toThrow(TypeError);
    expect(() => atomics.or(b, 'v', 1n)).toThrow(TypeError);
    expect(() => atomics.sub(b, 'v', undefined)).toThrow(TypeError);
    expect(b.v).toBe(1);
  });
});

describe('atomics: argument errors', () => {
  it('an unknown field is a TypeError naming it', () => {
    const b = new Box();
    for (const op of ['load', 'store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor']) {
      expect(() => atomics[op](b, 'nope', 1, 2)).toThrow(TypeError);
      expect(() => atomics[op](b, 'nope', 1, 2)).toThrow(/"nope"/);
    }
  });

  it('an out-of-range index is a RangeError', () => {
    const arr = new SharedArray(3);
    arr.fill(0);
    for (const i of [3, 4, 2 ** 32, -1, 1.5, NaN]) {
      expect(() => atomics.load(arr, i)).toThrow(RangeError);
      expect(() => atomics.store(arr, i, 1)).toThrow(RangeError);
      expect(() => atomics.add(arr, i, 1)).toThrow(RangeError);
      expect(() => atomics.compareExchange(arr, i, 0, 1)).toThrow(RangeError);
    }
    expect(() => atomics.load(arr, 3)).toThrow(/out of range/);
    const e = new Elems(2);
    expect(() => atomics.load(e, 2)).toThrow(RangeError);
    expect(arr.toArray()).toEqual([0, 0, 0]);
  });

  it('an index on a type without elements, or a field name on a SharedArray, is a TypeError', () => {
    const b = new Box();
    expect(() => atomics.load(b, 0)).toThrow(TypeError);
    const arr = new SharedArray(2);
    expect(() => atomics.load(arr, 'pos')).toThrow(TypeError);
    expect(() => atomics.store(arr, 'length', 1)).toThrow(TypeError); // read-only (load gives the length)
    expect(() => atomics.load(arr, '0')).toThrow(TypeError);
  });

  it('a target that is not a shared struct or SharedArray is a TypeError', () => {
    for (const t of [{}, [], null, undefined, 1, 'x', new Mutex(), new SharedMap()]) {
      expect(() => atomics.load(t, 'v')).toThrow(TypeError);
      expect(() => atomics.add(t, 'v', 1)).toThrow(TypeError);
    }
  });

  it('storing a value that cannot be shared is a TypeError and leaves the slot as it was', () => {
    const b = new Box();
    b.v = 'kept';
    expect(() => atomics.store(b, 'v', {})).toThrow(TypeError);
    expect(() => atomics.exchange(b, 'v', () => {})).toThrow(TypeError);
    expect(() => atomics.compareExchange(b, 'v', 'kept', Symbol('s'))).toThrow(TypeError);
    expect(b.v).toBe('kept');
  });
});

describe('atomics: bounds come from the heap, not from an overridable length', () => {
  it('refuses an index past the real length even when a subclass says the array is longer', () => {
    class Liar extends SharedArray {
      get length() {
        return 100;
      }
    }
    const T = new SharedStructType(['v'], uniqueKeyA('AtomicsNeighbour'));
    const a = new Liar(2);
    const t = new T();
    t.v = 'intact';
    for (const i of [2, 3, 99]) {
      expect(() => atomics.store(a, i, 'overwritten')).toThrow(/index \d+ is out of range for .* of length 2/);
      expect(() => atomics.load(a, i)).toThrow(RangeError);
    }
    expect(t.v).toBe('intact');
    atomics.store(a, 1, 7);
    expect(a.get(1)).toBe(7);
  });
});

describe('atomics.pause', () => {
  it('exists and returns undefined, with or without a count', () => {
    expect(typeof atomics.pause).toBe('function');
    expect(atomics.pause()).toBe(undefined);
    expect(atomics.pause(1)).toBe(undefined);
    expect(atomics.pause(100)).toBe(undefined);
    expect(atomics.pause(0)).toBe(undefined);
    expect(atomics.pause(-5)).toBe(undefined);
    // As the TC39 Atomics.pause: anything but undefined or an integral number is a TypeError.
    for (const bad of ['x', 1.5, NaN, Infinity, null, 1n]) expect(() => atomics.pause(bad)).toThrow(TypeError);
    const t0 = Date.now();
    atomics.pause(1e12); // clamped: returns in bounded time
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('the atomics namespace is frozen', () => {
    expect(Object.isFrozen(atomics)).toBe(true);
  });
});

describe('atomics across workers', () => {
  it('4 workers x 100,000 atomics.add on a struct field, with no lock, give exactly 400,000', async () => {
    const b = new Box();
    b.v = 0;
    const body = "const b = open(data.b); for (let i = 0; i < 100000; i++) atomics.add(b, 'v', 1); return true;";
    await withTimeout(Promise.all([0, 1, 2, 3].map(() => run(body, { b: share(b) }))), 15000, 'adders');
    expect(b.v).toBe(400000);
  });

  it('concurrent sub, add and xor on SharedArray elements lose no update', async () => {
    const arr = SharedArray.from([40000, 0, 0]);
    const body = `
      const arr = open(data.arr);
      for (let i = 0; i < 10000; i++) {
        atomics.sub(arr, 0, 1);
        atomics.add(arr, 1, 2);
        atomics.xor(arr, 2, 1 << data.k);
      }
    `;
    await withTimeout(Promise.all([0, 1, 2, 3].map((k) => run(body, { arr: share(arr), k }))), 15000, 'workers');
    // 10,000 xors of each bit cancel out.
    expect(arr.toArray()).toEqual([0, 80000, 0]);
  });

  it('a compareExchange retry loop increments exactly, and every worker’s successful swaps add up', async () => {
    const b = new Box();
    b.v = 0;
    const body = `
      const b = open(data.b);
      let retries = 0;
      for (let i = 0; i < 20000; i++) {
        for (;;) {
          const old = atomics.load(b, 'v');
          if (atomics.compareExchange(b, 'v', old, old + 1) === old) break;
          retries++;
        }
      }
      return retries;
    `;
    const retries = await withTimeout(Promise.all([0, 1, 2, 3].map(() => run(body, { b: share(b) }))), 15000, 'workers');
    expect(b.v).toBe(80000);
    expect(retries.every((r) => Number.isInteger(r) && r >= 0)).toBe(true);
  });

  it('exchange hands out each value exactly once', async () => {
    // Every worker swaps its own ids into the slot and collects what it took out; together
    // with the final value, every id appears exactly once.
    const b = new Box();
    b.v = 'initial';
    const body = `
      const b = open(data.b);
      const got = [];
      for (let i = 0; i < 2000; i++) got.push(atomics.exchange(b, 'v', 'w' + data.k + ':' + i));
      return got;
    `;
    const taken = await withTimeout(Promise.all([0, 1, 2].map((k) => run(body, { b: share(b), k }))), 15000, 'workers');
    const all = [...taken.flat(), b.v].sort();
    const expected = ['initial'];
    for (let k = 0; k < 3; k++) for (let i = 0; i < 2000; i++) expected.push(`w${k}:${i}`);
    expect(all).toEqual(expected.sort());
  });

  it('a worker sees values stored atomically by the main thread and vice versa', async () => {
    const b = new Box();
    atomics.store(b, 'v', 'from main');
    const r = await run("const b = open(data.b); const seen = atomics.load(b, 'v'); atomics.store(b, 'w', 123n); return seen;", { b: share(b) });
    expect(r).toBe('from main');
    expect(atomics.load(b, 'w')).toBe(123n);
  });
});

describe('atomics read-modify-write races', () => {
  it('compareExchange and add act on exactly the value they swap out, even when the slot goes A -> B -> A meanwhile', () => {
    // A writer flips a field between two strings (re-stored at the same offsets, so the
    // slot really goes A -> B -> A); the reader misses its string cache on every call (it
    // reads pool strings that map to the same cache sets). compareExchange(f, 'B', 'C')
    // used to decode the slot's newer value on a miss and so replace an 'A'.
    const { runChild, INDEX } = require('./helpers.js');
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const T = new ss.SharedStructType(['f', 'stop'], 'AtomicsAbaT');
      const t = new T(); t.f = 'B'; t.stop = 0;
      const pool = ss.SharedArray.from(Array.from({ length: 30000 }, (_, i) => 'p' + i));
      const code = ${JSON.stringify(`
        const { workerData, parentPort } = require('worker_threads');
        const ss = require(${JSON.stringify(INDEX)});
        const rt = require(${JSON.stringify(INDEX.replace(/index\.js$/, 'lib/runtime.js'))});
        const { entryOf } = require(${JSON.stringify(INDEX.replace(/index\.js$/, 'lib/structs.js'))});
        const t = ss.open(workerData.t);
        if (workerData.role === 'writer') {
          let bad = 0;
          while (ss.atomics.load(t, 'stop') === 0) {
            for (let k = 0; k < 1000; k++) { ss.atomics.exchange(t, 'f', 'A'); if (ss.atomics.exchange(t, 'f', 'B') === 'C') bad++; }
          }
          parentPort.postMessage({ bad });
        } else {
          const pool = ss.open(workerData.pool);
          const base = pool[rt.OFF] + entryOf(pool).elementsStart;
          const SF = new Float64Array(1), SU = new Uint32Array(SF.buffer);
          const setOf = (off) => (off >>> 2) & 4095;
          const fslot = t[rt.OFF] + entryOf(t).slotOf.get('f');
          const offs = new Set();
          const until = Date.now() + 2000;
          while (offs.size < 2 && Date.now() < until) { SF[0] = rt.F64[fslot]; if (SU[1] === 0xffff0004) offs.add(SU[0]); }
          const ev = [];
          for (const o of offs) {
            let c = 0;
            for (let i = 0; i < pool.length && c < 3; i++) { SF[0] = rt.F64[base + i]; if (setOf(SU[0]) === setOf(o)) { ev.push(i); c++; } }
          }
          let calls = 0;
          while (ss.atomics.load(t, 'stop') === 0) {
            for (let k = 0; k < 1000; k++) {
              for (let j = 0; j < ev.length; j++) pool.get(ev[j]);
              ss.atomics.compareExchange(t, 'f', 'B', 'C');
              calls++;
            }
          }
          parentPort.postMessage({ calls, evictors: ev.length });
        }
      `)};
      const res = {};
      let n = 0;
      for (const role of ['writer', 'reader']) {
        const w = new Worker(code, { eval: true, workerData: { t: ss.share(t), pool: ss.share(pool), role } });
        w.on('message', (m) => { res[role] = m; if (++n === 2) { console.log(JSON.stringify(res)); process.exit(0); } });
      }
      setTimeout(() => { ss.atomics.store(t, 'stop', 1); }, 2500);
      `,
      {},
      { timeout: 30000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out.writer.bad).toBe(0);
    expect(out.reader.calls).toBeGreaterThan(1000);
  });
});
