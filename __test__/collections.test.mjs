// SharedSet and SharedVector: the Set and Array APIs, atomicity across workers, snapshot
// and fail-fast iteration (docs/collections.md).
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';
import util from 'node:util';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedSet, SharedVector, SharedMap, ConcurrentModificationError, share, gc, freeze } = require('../index.js');
const { spawn, run, killAll, until } = require('./sync-helpers.js');

afterEach(() => killAll());

describe('SharedSet', () => {
  it('has the Set API with SameValueZero keys', () => {
    const s = new SharedSet([1, 'a', NaN, -0, null, undefined, true, 5n]);
    expect(s.size).toBe(8);
    expect(s.has(0)).toBe(true);
    expect(s.has(-0)).toBe(true);
    expect(s.has(NaN)).toBe(true);
    expect(s.has(5n)).toBe(true);
    expect(s.has('b')).toBe(false);
    expect(s.has({})).toBe(false);
    expect(s.add('a')).toBe(s);
    expect(s.size).toBe(8);
    expect(s.delete('a')).toBe(true);
    expect(s.delete('a')).toBe(false);
    expect(s.size).toBe(7);
    expect(new Set(s)).toEqual(new Set([1, NaN, 0, null, undefined, true, 5n]));
    expect([...s.entries()].every(([a, b]) => Object.is(a, b))).toBe(true);
    expect([...s.keys()]).toEqual([...s.values()]);
    const seen = [];
    s.forEach((v, k, set) => seen.push([v, k, set]));
    expect(seen.length).toBe(7);
    expect(seen.every(([v, k, set]) => Object.is(v, k) && set === s)).toBe(true);
    s.clear();
    expect(s.size).toBe(0);
    expect([...s]).toEqual([]);
    expect(Object.prototype.toString.call(s)).toBe('[object SharedSet]');
    expect(util.inspect(new SharedSet(['x']))).toBe("SharedSet(1) { 'x' }");
    expect(JSON.stringify(new SharedSet(['x', 1]))).toMatch(/^\[("x",1|1,"x")\]$/);
  });

  it('keys shared objects by identity and keeps them alive', () => {
    const T = new SharedStructType(['v']);
    const s = new SharedSet();
    const a = new T();
    a.v = 'kept';
    s.add(a);
    s.add(new T());
    expect(s.has(a)).toBe(true);
    expect(s.has(new T())).toBe(false);
    gc();
    expect([...s].some((x) => x.v === 'kept')).toBe(true);
    expect(s.size).toBe(2);
  });

  it('rejects values that cannot be keys with a TypeError naming SharedSet', () => {
    const s = new SharedSet();
    for (const bad of [{}, [], () => {}, Symbol('s')]) expect(() => s.add(bad)).toThrow(/SharedSet: cannot use/);
    expect(() => SharedSet.prototype.add.call(new SharedMap(), 1)).toThrow(/receiver is not a SharedSet/);
    expect(() => new SharedSet(5)).toThrow(TypeError);
    expect(SharedSet.isSharedSet(s)).toBe(true);
    expect(SharedSet.isSharedSet(new SharedMap())).toBe(false);
  });

  it('addIfAbsent gives true to exactly one of several threads adding the same value', async () => {
    const s = new SharedSet();
    const body = `
      const s = open(data.s);
      let won = 0;
      for (let i = 0; i < 3000; i++) if (s.addIfAbsent('k' + i)) won++;
      return won;
    `;
    const wins = await Promise.all([0, 1, 2].map(() => run(body, { s: share(s) })));
    expect(wins.reduce((a, b) => a + b, 0)).toBe(3000);
    expect(s.size).toBe(3000);
  });

  it('workers adding and deleting concurrently leave exactly the expected values; iteration is a snapshot', async () => {
    const s = new SharedSet();
    const body = `
      const s = open(data.s);
      const k = data.k;
      for (let i = 0; i < 4000; i++) s.add(k * 100000 + i);
      for (let i = 0; i < 4000; i += 2) s.delete(k * 100000 + i);
      return s.has(k * 100000 + 1);
    `;
    const ws = [0, 1, 2].map((k) => spawn(body, { s: share(s), k }));
    // Iterating while the workers write never throws and only ever sees values they add.
    let rounds = 0;
    let done = false;
    Promise.all(ws.map((w) => w.result)).then(() => (done = true), () => (done = true));
    while (!done && rounds < 10000) {
      for (const v of s) if (typeof v !== 'number' || v % 100000 >= 4000) throw new Error(`bad value ${v}`);
      rounds++;
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(ws.map((w) => w.result))).toEqual([true, true, true]);
    expect(s.size).toBe(3 * 2000);
    for (let k = 0; k < 3; k++) for (let i = 0; i < 4000; i++) expect(s.has(k * 100000 + i)).toBe(i % 2 === 1);
  });
});

describe('SharedVector', () => {
  it('push, pop, get, set, length that grows and shrinks', () => {
    const v = new SharedVector();
    expect(v.length).toBe(0);
    expect(v.pop()).toBe(undefined);
    expect(v.push(1, 'two', null)).toBe(3);
    expect(v.get(1)).toBe('two');
    expect(v.get(3)).toBe(undefined);
    expect(v.get(-1)).toBe(undefined);
    expect(() => v.get('1')).toThrow(TypeError);
    v.set(0, 10);
    v.set(3, 'appended');
    expect(v.toArray()).toEqual([10, 'two', null, 'appended']);
    expect(() => v.set(5, 1)).toThrow(RangeError);
    expect(() => v.set(1.5, 1)).toThrow(RangeError);
    expect(v.pop()).toBe('appended');
    v.length = 5;
    expect(v.toArray()).toEqual([10, 'two', null, undefined, undefined]);
    v.length = 1;
    expect(v.toArray()).toEqual([10]);
    expect(() => (v.length = -1)).toThrow(RangeError);
    expect(() => (v.length = 1.5)).toThrow(RangeError);
    expect(() => (v.length = '2')).toThrow(TypeError);
    for (let i = 0; i < 10000; i++) v.push(i);
    expect(v.length).toBe(10001);
    expect(v.capacity).toBeGreaterThanOrEqual(10001);
    while (v.length > 10) v.pop();
    expect(v.capacity).toBeLessThan(1000);
    expect(v.toArray()).toEqual([10, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    v.clear();
    expect(v.length).toBe(0);
  });

  it('splice, shift, unshift and the read-only Array methods behave as Array', () => {
    const base = [0, 1, 2, 3, 4, 5, 6];
    const cases = [[2, 2, 'a', 'b', 'c'], [-2, 1], [1], [], [10, 0, 'end'], [0, 100], [-100, 1, 'x']];
    for (const args of cases) {
      const a = base.slice();
      const v = new SharedVector(base);
      expect(v.splice(...args)).toEqual(a.splice(...args));
      expect(v.toArray()).toEqual(a);
    }
    const v = SharedVector.of(3, 1, 2);
    expect(v.unshift('a', 'b')).toBe(5);
    expect(v.shift()).toBe('a');
    expect(v.toArray()).toEqual(['b', 3, 1, 2]);
    expect(v.at(-1)).toBe(2);
    expect(v.indexOf(1)).toBe(2);
    expect(v.lastIndexOf(2)).toBe(3);
    expect(v.includes('b')).toBe(true);
    expect(v.find((x) => typeof x === 'number')).toBe(3);
    expect(v.findIndex((x) => x === 1)).toBe(2);
    expect(v.findLast((x) => typeof x === 'number' && x < 3)).toBe(2);
    expect(v.findLastIndex((x) => x === 'b')).toBe(0);
    expect(v.some((x) => x === 2)).toBe(true);
    expect(v.every((x) => x !== undefined)).toBe(true);
    expect(v.map((x) => String(x))).toEqual(['b', '3', '1', '2']);
    expect(v.filter((x) => typeof x === 'number')).toEqual([3, 1, 2]);
    expect(v.reduce((a, x) => a + String(x), '')).toBe('b312');
    expect(v.reduceRight((a, x) => a + String(x), '')).toBe('213b');
    expect(v.join('-')).toBe('b-3-1-2');
    expect(v.slice(1, -1)).toEqual([3, 1]);
    expect([...v.keys()]).toEqual([0, 1, 2, 3]);
    expect([...v.entries()]).toEqual([[0, 'b'], [1, 3], [2, 1], [3, 2]]);
    expect(JSON.stringify(v)).toBe('["b",3,1,2]');
    expect(util.inspect(v)).toBe("SharedVector(4) [ 'b', 3, 1, 2 ]");
    expect(SharedVector.from([1, 2], (x) => x * 2).toArray()).toEqual([2, 4]);
    expect(SharedVector.isSharedVector(v)).toBe(true);
    expect(() => new SharedVector(3)).toThrow(TypeError);
  });

  it('from() of an array-like checks its length before copying (a huge one aborted the process)', () => {
    // In a child process: on the old code, V8 aborts the process that runs it.
    const { spawnSync } = require('node:child_process');
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const { SharedVector } = require(${JSON.stringify(require.resolve('../index.js'))});
        const out = [];
        for (const n of [1e9, 2 ** 32, 2 ** 53]) { try { SharedVector.from({ length: n }); out.push('made'); } catch (e) { out.push(e.constructor.name); } }
        out.push(SharedVector.from({ length: 3, 0: 'a', 2: 2 }, (x, i) => (x === undefined ? i : x)).toArray());
        out.push(SharedVector.from({ length: -1 }).length, SharedVector.from({ length: NaN }).length);
        console.log(JSON.stringify(out));`,
      ],
      { encoding: 'utf8', timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['RangeError', 'RangeError', 'RangeError', ['a', 1, 2], 0, 0]);
  });

  it('keeps numbers bit-exact and values of every kind', () => {
    const T = new SharedStructType(['x']);
    const t = new T();
    const nan = new Float64Array(new BigUint64Array([0xfff8000000000123n]).buffer)[0];
    const v = new SharedVector([-0, nan, 2n ** 70n, t, 'ü\uD800']);
    expect(Object.is(v.get(0), -0)).toBe(true);
    const bits = new BigUint64Array(new Float64Array([v.get(1)]).buffer)[0];
    expect(bits).toBe(0xfff8000000000123n);
    expect(v.get(2)).toBe(2n ** 70n);
    expect(v.get(3)).toBe(t);
    expect(v.get(4)).toBe('ü\uD800');
    v.splice(1, 0, nan);
    expect(new BigUint64Array(new Float64Array([v.get(1)]).buffer)[0]).toBe(0xfff8000000000123n);
  });

  it('a push or splice with a value that cannot be shared changes nothing', () => {
    const v = new SharedVector([1, 2]);
    expect(() => v.push(3, {}, 4)).toThrow(/SharedVector.prototype.push: cannot store a plain object/);
    expect(v.toArray()).toEqual([1, 2]);
    expect(() => v.splice(0, 1, () => 1)).toThrow(/SharedVector.prototype.splice/);
    expect(v.toArray()).toEqual([1, 2]);
    expect(v.push(3)).toBe(3);
  });

  it('large splices and pushes of strings survive collections', () => {
    const v = new SharedVector();
    v.push(...Array.from({ length: 3000 }, (_, i) => `p${i}`));
    v.splice(10, 100, ...Array.from({ length: 5000 }, (_, i) => `s${i}`));
    gc();
    expect(v.length).toBe(7900);
    expect(v.get(10)).toBe('s0');
    expect(v.get(5009)).toBe('s4999');
    expect(v.get(5010)).toBe('p110');
    expect(v.get(7899)).toBe('p2999');
  });

  it('iteration throws ConcurrentModificationError on a change of length, not on element writes', () => {
    const v = new SharedVector([1, 2, 3]);
    const seen = [];
    for (const x of v) {
      seen.push(x);
      v.set(2, 'written');
    }
    expect(seen).toEqual([1, 2, 'written']);
    expect(() => {
      for (const x of v) v.push(x);
    }).toThrow(ConcurrentModificationError);
    const it2 = v.values();
    it2.next();
    v.pop();
    expect(() => it2.next()).toThrow(/changed length during iteration/);
  });

  it('pushes from 3 workers are all kept, in per-worker order; a reader sees consistent snapshots', async () => {
    const v = new SharedVector();
    const body = `
      const v = open(data.v);
      for (let i = 0; i < 3000; i++) v.push(data.k * 10000 + i);
      return v.length;
    `;
    const ws = [0, 1, 2].map((k) => spawn(body, { v: share(v), k }));
    let done = false;
    Promise.all(ws.map((w) => w.result)).then(() => (done = true), () => (done = true));
    while (!done) {
      const snap = v.toArray();
      const last = [-1, -1, -1];
      for (const x of snap) {
        const k = Math.floor(x / 10000);
        expect(x % 10000).toBe(last[k] + 1);
        last[k] = x % 10000;
      }
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(ws.map((w) => w.result));
    expect(v.length).toBe(9000);
    const last = [-1, -1, -1];
    for (const x of v) {
      const k = Math.floor(x / 10000);
      expect(x % 10000).toBe(last[k] + 1);
      last[k] = x % 10000;
    }
  });

  it('a worker popping while others push: every value is popped exactly once (a shared stack)', async () => {
    const v = new SharedVector();
    const got = new SharedVector();
    const producer = `
      const v = open(data.v);
      for (let i = 0; i < 2000; i++) v.push('w' + data.k + ':' + i);
    `;
    const consumer = `
      const v = open(data.v);
      const got = open(data.got);
      let n = 0;
      const t0 = Date.now();
      while (n < data.want && Date.now() - t0 < 10000) {
        const x = v.pop();
        if (x !== undefined) { got.push(x); n++; }
      }
      return n;
    `;
    const ps = [0, 1].map((k) => spawn(producer, { v: share(v), k }));
    const c = spawn(consumer, { v: share(v), got: share(got), want: 4000 });
    await Promise.all(ps.map((p) => p.result));
    expect(await c.result).toBe(4000);
    expect(new Set(got.toArray()).size).toBe(4000);
    expect(v.length).toBe(0);
  });

  it('an iterator in one worker fails fast while another worker pushes', async () => {
    const v = new SharedVector(Array.from({ length: 100 }, (_, i) => i));
    const w = spawn(
      `
      const v = open(data.v);
      send('ready');
      const t0 = Date.now();
      while (Date.now() - t0 < 10000) {
        try { for (const x of v) {} } catch (e) { return e.name; }
      }
      return 'never failed';
      `,
      { v: share(v) },
    );
    await w.next();
    const t0 = Date.now();
    let r;
    w.result.then((x) => (r = x));
    while (r === undefined && Date.now() - t0 < 10000) {
      v.push(1);
      v.pop();
      await new Promise((res) => setImmediate(res));
    }
    expect(await w.result).toBe('ConcurrentModificationError');
  });

  it('a frozen set or vector refuses every write with a TypeError and still reads', () => {
    const s = freeze(new SharedSet(['a']));
    for (const f of [() => s.add('b'), () => s.addIfAbsent('b'), () => s.delete('a'), () => s.clear()]) expect(f).toThrow(/the set is frozen/);
    expect([...s]).toEqual(['a']);
    const v = freeze(new SharedVector([1, 2]));
    for (const f of [() => v.push(3), () => v.pop(), () => v.shift(), () => v.unshift(0), () => v.splice(0, 1), () => v.clear(), () => v.set(0, 9), () => (v.length = 0)]) {
      expect(f).toThrow(/the vector is frozen/);
    }
    expect(v.toArray()).toEqual([1, 2]);
  });
});
