import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray } = require('../index.js');
const { uniqueKey, runChild } = require('./helpers.js');

const sloppy = (params, body) => new Function(...params, body); // eslint-disable-line no-new-func

describe('SharedArray: construction', () => {
  it('creates an array of the given length filled with undefined', () => {
    const a = new SharedArray(4);
    expect(a.length).toBe(4);
    expect([...a]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('creates an empty array without an argument', () => {
    const a = new SharedArray();
    expect(a.length).toBe(0);
    expect([...a]).toEqual([]);
  });

  it('rejects lengths that are not integers in range', () => {
    expect(() => new SharedArray(-1)).toThrow(RangeError);
    expect(() => new SharedArray(1.5)).toThrow(RangeError);
    expect(() => new SharedArray(NaN)).toThrow(RangeError);
    expect(() => new SharedArray(2 ** 32)).toThrow(RangeError);
    expect(() => new SharedArray('3')).toThrow(TypeError);
    expect(() => new SharedArray({})).toThrow(TypeError);
  });

  it('rejects a length too large for the shared heap with a RangeError', () => {
    expect(() => new SharedArray(2 ** 32 - 2)).toThrow(RangeError);
  });

  it('supports lengths far above 16,382 (100,000 elements)', () => {
    const n = 100000;
    const a = new SharedArray(n);
    expect(a.length).toBe(n);
    for (let i = 0; i < n; i++) a.set(i, i * 2);
    expect(a.get(0)).toBe(0);
    expect(a.get(16382)).toBe(32764);
    expect(a.get(16383)).toBe(32766);
    expect(a.get(n - 1)).toBe(2 * (n - 1));
    expect(a[n - 1]).toBe(2 * (n - 1));
    let sum = 0;
    for (const v of a) sum += v;
    expect(sum).toBe(n * (n - 1));
    expect(JSON.parse(JSON.stringify(a)).length).toBe(n);
  });

  it('keeps neighbouring objects intact around allocation-buffer boundaries', () => {
    // Arrays whose sizes straddle the thread-local buffer and large-object thresholds,
    // interleaved with small structs; every slot must keep what was written to it.
    const T = new SharedStructType(['tag']);
    const sizes = [8189, 8190, 8191, 8192, 16381, 16382, 16383, 16384, 32765, 32766, 32767, 32768, 40000];
    const items = [];
    for (const n of sizes) {
      const before = new T();
      const arr = new SharedArray(n);
      const after = new T();
      items.push({ n, before, arr, after });
    }
    items.forEach(({ n, before, arr, after }, k) => {
      before.tag = `before${k}`;
      after.tag = `after${k}`;
      for (let i = 0; i < n; i++) arr.set(i, k * 100000 + i);
    });
    items.forEach(({ n, before, arr, after }, k) => {
      expect(before.tag).toBe(`before${k}`);
      expect(after.tag).toBe(`after${k}`);
      expect(arr.length).toBe(n);
      let bad = 0;
      for (let i = 0; i < n; i++) if (arr.get(i) !== k * 100000 + i) bad++;
      expect(bad).toBe(0);
    });
  });

  it('builds arrays with from() from arrays, iterables, strings and array-likes', () => {
    expect(SharedArray.from([1, 'a', null]).toArray()).toEqual([1, 'a', null]);
    expect(SharedArray.from(new Set([3, 4])).toArray()).toEqual([3, 4]);
    expect(SharedArray.from('abc').toArray()).toEqual(['a', 'b', 'c']);
    expect(SharedArray.from({ length: 2, 0: 'x', 1: 'y' }).toArray()).toEqual(['x', 'y']);
    function* gen() {
      yield 1n;
      yield 2n;
    }
    expect(SharedArray.from(gen()).toArray()).toEqual([1n, 2n]);
    expect(SharedArray.from(SharedArray.of(7, 8)).toArray()).toEqual([7, 8]);
  });

  it('maps with from(items, mapFn, thisArg)', () => {
    const a = SharedArray.from(
      [1, 2, 3],
      function (v, i) {
        return v * this.k + i;
      },
      { k: 10 },
    );
    expect(a.toArray()).toEqual([10, 21, 32]);
    expect(SharedArray.from({ length: 3 }, (_, i) => i * i).toArray()).toEqual([0, 1, 4]);
  });

  it('rejects bad arguments to from()', () => {
    expect(() => SharedArray.from(null)).toThrow(TypeError);
    expect(() => SharedArray.from(undefined)).toThrow(TypeError);
    expect(() => SharedArray.from([1], 'notfn')).toThrow(TypeError);
    expect(() => SharedArray.from([1, {}])).toThrow(TypeError);
  });

  it('builds arrays with of()', () => {
    expect(SharedArray.of().length).toBe(0);
    const s = new SharedArray(0);
    const a = SharedArray.of(1, 'two', s, undefined);
    expect(a.length).toBe(4);
    expect(a.get(2)).toBe(s);
    expect(a.toArray()).toEqual([1, 'two', s, undefined]);
  });

  it('recognises shared arrays with isSharedArray', () => {
    expect(SharedArray.isSharedArray(new SharedArray(1))).toBe(true);
    expect(SharedArray.isSharedArray(SharedArray.of(1))).toBe(true);
    for (const v of [[], {}, null, undefined, 1, 'a', new Uint8Array(1)]) expect(SharedArray.isSharedArray(v)).toBe(false);
    const T = new SharedStructType(['x']);
    expect(SharedArray.isSharedArray(new T())).toBe(false);
  });

  it('is an instance of SharedArray and not a JS Array', () => {
    const a = new SharedArray(2);
    expect(a instanceof SharedArray).toBe(true);
    expect(Array.isArray(a)).toBe(false);
  });

  it('refuses properties it does not declare', () => {
    const a = new SharedArray(1);
    expect(() => {
      a.foo = 1;
    }).toThrow(TypeError);
    expect(sloppy(['a'], 'a.foo = 1; return a.foo;')(a)).toBeUndefined();
  });
});

describe('SharedArray: element access', () => {
  it('reads and writes with get and set', () => {
    const a = new SharedArray(3);
    a.set(0, 'a');
    a.set(2, 3n);
    expect([a.get(0), a.get(1), a.get(2)]).toEqual(['a', undefined, 3n]);
  });

  it('reads and writes with index syntax', () => {
    const a = new SharedArray(3);
    a[0] = 1;
    a['1'] = 'b';
    expect(a[0]).toBe(1);
    expect(a[1]).toBe('b');
    expect(a.get(1)).toBe('b');
    expect(a[2]).toBeUndefined();
  });

  it('returns undefined for out-of-range and non-index reads', () => {
    const a = SharedArray.of(1, 2);
    expect(a.get(2)).toBeUndefined();
    expect(a.get(-1)).toBeUndefined();
    expect(a.get(1.5)).toBeUndefined();
    expect(a[2]).toBeUndefined();
    expect(a[100000]).toBeUndefined();
    expect(a[-1]).toBeUndefined();
    expect(a['01']).toBeUndefined();
    expect(a['1.0']).toBeUndefined();
  });

  it('throws a TypeError naming the method for get/set with an index that is not a number', () => {
    const a = SharedArray.of(10, 20);
    for (const bad of ['1', 1n, Symbol('i'), null, {}]) {
      expect(() => a.get(bad)).toThrow(/SharedArray\.get: the index must be a number, got/);
      expect(() => a.set(bad, 0)).toThrow(/SharedArray\.set: the index must be a number, got/);
    }
    expect(a.toArray()).toEqual([10, 20]);
  });

  it('stores a length of -0 as 0', () => {
    expect(Object.is(new SharedArray(-0).length, 0)).toBe(true);
    const E = new SharedStructType(['pos'], { elements: true });
    expect(Object.is(new E(-0).length, 0)).toBe(true);
  });

  it('throws a RangeError for out-of-range writes, in strict and sloppy code', () => {
    const a = SharedArray.of(1, 2);
    expect(() => a.set(2, 0)).toThrow(RangeError);
    expect(() => a.set(-1, 0)).toThrow(RangeError);
    expect(() => {
      a[2] = 0;
    }).toThrow(RangeError);
    expect(() => sloppy(['a'], 'a[5] = 0;')(a)).toThrow(RangeError);
    expect(a.toArray()).toEqual([1, 2]);
  });

  it('has a read-only length', () => {
    const a = new SharedArray(3);
    expect(() => {
      a.length = 10;
    }).toThrow(TypeError);
    expect(a.length).toBe(3);
    expect(sloppy(['a'], 'a.length = 0; return a.length;')(a)).toBe(3);
  });

  it('works with index syntax inside an optimised loop', () => {
    const a = new SharedArray(1000);
    for (let r = 0; r < 20; r++) for (let i = 0; i < 1000; i++) a[i] = i + r;
    let sum = 0;
    for (let i = 0; i < 1000; i++) sum += a[i];
    expect(sum).toBe(499500 + 19 * 1000);
  });
});

describe('SharedArray: methods behave like Array methods', () => {
  const DATA = [1, 'a', null, undefined, NaN, 2, 'a', 0, -0, 1];
  const make = () => SharedArray.from(DATA);

  it('at() handles positive, negative, fractional and out-of-range indices', () => {
    const a = make();
    for (const i of [0, 1, 9, 10, -1, -10, -11, 1.7, -1.2, NaN, Infinity, -Infinity, '2']) {
      expect(Object.is(a.at(i), DATA.at(i))).toBe(true);
    }
  });

  it('indexOf(), lastIndexOf() and includes() match Array semantics', () => {
    const a = make();
    const probes = [1, 'a', null, undefined, NaN, 0, -0, 2, 'missing'];
    const froms = [0, 1, 3, -1, -3, -100, 100, 2.5];
    for (const v of probes) {
      expect(a.indexOf(v)).toBe(DATA.indexOf(v));
      expect(a.lastIndexOf(v)).toBe(DATA.lastIndexOf(v));
      expect(a.includes(v)).toBe(DATA.includes(v));
      for (const f of froms) {
        expect(a.indexOf(v, f)).toBe(DATA.indexOf(v, f));
        expect(a.lastIndexOf(v, f)).toBe(DATA.lastIndexOf(v, f));
        expect(a.includes(v, f)).toBe(DATA.includes(v, f));
      }
    }
  });

  it('find(), findIndex(), findLast() and findLastIndex() match Array semantics', () => {
    const a = make();
    const preds = [(v) => v === 'a', (v) => typeof v === 'number' && v > 1, (v) => v === 'none', (v, i) => i === 4];
    for (const p of preds) {
      expect(Object.is(a.find(p), DATA.find(p))).toBe(true);
      expect(a.findIndex(p)).toBe(DATA.findIndex(p));
      expect(Object.is(a.findLast(p), DATA.findLast(p))).toBe(true);
      expect(a.findLastIndex(p)).toBe(DATA.findLastIndex(p));
    }
  });

  it('passes (value, index, array) and thisArg to callbacks', () => {
    const a = SharedArray.of('x', 'y');
    const ctx = { seen: [] };
    for (const m of ['forEach', 'some', 'every', 'map', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex']) {
      ctx.seen = [];
      a[m](function (v, i, arr) {
        this.seen.push([v, i, arr === a]);
        return m === 'every';
      }, ctx);
      const expected = m.startsWith('findLast')
        ? [
            ['y', 1, true],
            ['x', 0, true],
          ]
        : [
            ['x', 0, true],
            ['y', 1, true],
          ];
      expect(ctx.seen, m).toEqual(expected);
    }
  });

  it('forEach(), some(), every(), map() and filter() match Array semantics', () => {
    const a = make();
    const seen = [];
    a.forEach((v, i) => seen.push([v, i]));
    const expected = [];
    DATA.forEach((v, i) => expected.push([v, i]));
    expect(seen).toEqual(expected);
    const isNum = (v) => typeof v === 'number';
    expect(a.some(isNum)).toBe(true);
    expect(a.some((v) => v === 'zz')).toBe(false);
    expect(a.every(isNum)).toBe(false);
    expect(SharedArray.of(1, 2).every(isNum)).toBe(true);
    expect(SharedArray.of().every(() => false)).toBe(true);
    const mapped = a.map((v) => typeof v);
    expect(Array.isArray(mapped)).toBe(true);
    expect(mapped).toEqual(DATA.map((v) => typeof v));
    expect(a.filter(isNum)).toEqual(DATA.filter(isNum));
  });

  it('reduce() works with and without an initial value', () => {
    const a = SharedArray.of(1, 2, 3, 4);
    expect(a.reduce((acc, v) => acc + v)).toBe(10);
    expect(a.reduce((acc, v) => acc + v, 100)).toBe(110);
    expect(a.reduce((acc, v, i) => [...acc, i], [])).toEqual([0, 1, 2, 3]);
    expect(SharedArray.of().reduce((acc) => acc, 'init')).toBe('init');
    expect(SharedArray.of(5).reduce(() => 'never')).toBe(5);
    expect(() => SharedArray.of().reduce((x) => x)).toThrow(TypeError);
  });

  it('rejects non-function callbacks with a TypeError', () => {
    const a = SharedArray.of(1);
    for (const m of ['find', 'findIndex', 'findLast', 'findLastIndex', 'forEach', 'some', 'every', 'map', 'filter', 'reduce']) {
      expect(() => a[m](null), m).toThrow(TypeError);
    }
  });

  it('join() and toString() match Array semantics', () => {
    const d = [1, 'a', null, undefined, 2.5, true, 3n];
    const a = SharedArray.from(d);
    expect(a.join()).toBe(d.join());
    expect(a.join('-')).toBe(d.join('-'));
    expect(a.join('')).toBe(d.join(''));
    expect(a.join(0)).toBe(d.join(0));
    expect(String(a)).toBe(String(d));
    expect(SharedArray.of().join()).toBe('');
  });

  it('slice() returns a plain array and matches Array semantics', () => {
    const a = make();
    const args = [[], [2], [-3], [2, 5], [-5, -2], [5, 2], [0, 100], [-100], [1.5, 3.9], [NaN, 2]];
    for (const arg of args) {
      const r = a.slice(...arg);
      expect(Array.isArray(r)).toBe(true);
      expect(r).toEqual(DATA.slice(...arg));
    }
  });

  it('toArray() returns a plain copy that does not alias the shared array', () => {
    const a = SharedArray.of(1, 2);
    const copy = a.toArray();
    copy[0] = 99;
    expect(a.get(0)).toBe(1);
    a.set(1, 'x');
    expect(copy[1]).toBe(2);
  });

  it('fill() matches Array semantics and returns the array', () => {
    const args = [[], [1], [-2], [1, 3], [-3, -1], [3, 1], [0, 100]];
    for (const arg of args) {
      const a = SharedArray.of(0, 0, 0, 0, 0);
      const d = [0, 0, 0, 0, 0];
      expect(a.fill('v', ...arg)).toBe(a);
      d.fill('v', ...arg);
      expect(a.toArray()).toEqual(d);
    }
    expect(() => new SharedArray(2).fill({})).toThrow(TypeError);
  });

  it('keys(), values(), entries() and the default iterator match Array semantics', () => {
    const a = SharedArray.of('a', 'b', 'c');
    expect([...a.keys()]).toEqual([0, 1, 2]);
    expect([...a.values()]).toEqual(['a', 'b', 'c']);
    expect([...a.entries()]).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    expect([...a]).toEqual(['a', 'b', 'c']);
    expect(Array.from(a)).toEqual(['a', 'b', 'c']);
    const it = a.values();
    expect(it[Symbol.iterator]()).toBe(it);
    it.next();
    it.next();
    it.next();
    expect(it.next()).toEqual({ value: undefined, done: true });
    expect(it.next()).toEqual({ value: undefined, done: true });
  });

  it('supports destructuring and spreading', () => {
    const [x, y, ...rest] = SharedArray.of(1, 2, 3, 4);
    expect([x, y, rest]).toEqual([1, 2, [3, 4]]);
    expect(Math.max(...SharedArray.of(3, 9, 4))).toBe(9);
  });

  it('iterators see writes made during iteration', () => {
    const a = SharedArray.of(1, 2, 3);
    const out = [];
    for (const v of a) {
      out.push(v);
      if (v === 1) a.set(2, 'changed');
    }
    expect(out).toEqual([1, 2, 'changed']);
  });

  it('keeps its methods non-enumerable', () => {
    const a = SharedArray.of(1);
    const keys = [];
    for (const k in a) keys.push(k);
    expect(keys).toEqual([]);
  });
});

describe('element struct types', () => {
  it('creates instances with a length and named fields', () => {
    const Row = new SharedStructType(['id', 'label'], { key: uniqueKey('Row'), elements: true });
    const r = new Row(3);
    expect(r.length).toBe(3);
    expect(r.id).toBeUndefined();
    r.id = 7;
    r.label = 'seven';
    r.set(0, 'a');
    r[1] = 'b';
    expect([r.id, r.label]).toEqual([7, 'seven']);
    expect([...r]).toEqual(['a', 'b', undefined]);
  });

  it('keeps named fields and elements separate at every position', () => {
    const E = new SharedStructType(['f0', 'f1', 'f2'], { elements: true });
    const e = new E(4);
    e.fill('elem');
    expect([e.f0, e.f1, e.f2]).toEqual([undefined, undefined, undefined]);
    e.f0 = 'a';
    e.f1 = 'b';
    e.f2 = 'c';
    expect([...e]).toEqual(['elem', 'elem', 'elem', 'elem']);
    expect([e.f0, e.f1, e.f2]).toEqual(['a', 'b', 'c']);
  });

  it('defaults to length 0', () => {
    const E = new SharedStructType(['x'], { elements: true });
    expect(new E().length).toBe(0);
  });

  it('has the shared array methods', () => {
    const E = new SharedStructType(['name'], { elements: true });
    const e = new E(3);
    e.fill(2);
    e.name = 'twos';
    expect(e.reduce((a, b) => a + b)).toBe(6);
    expect(e.map((v) => v * 2)).toEqual([4, 4, 4]);
    expect(e.includes(2)).toBe(true);
    expect(e.join('+')).toBe('2+2+2');
  });

  it('throws a RangeError for out-of-range writes', () => {
    const E = new SharedStructType(['x'], { elements: true });
    const e = new E(1);
    expect(() => e.set(1, 0)).toThrow(RangeError);
    expect(() => {
      e[1] = 0;
    }).toThrow(RangeError);
  });

  it('lists only named fields with for...in', () => {
    const E = new SharedStructType(['b', 'a'], { elements: true });
    const e = new E(2);
    const keys = [];
    for (const k in e) keys.push(k);
    expect(keys).toEqual(['b', 'a']);
  });

  it('rejects field names that clash with indices or element members', () => {
    for (const name of ['0', '42', 'length', 'get', 'set', 'map', 'forEach', 'toArray']) {
      expect(() => new SharedStructType([name], { elements: true }), name).toThrow(TypeError);
    }
  });

  it('rejects undeclared properties in strict code', () => {
    const E = new SharedStructType(['x'], { elements: true });
    const e = new E(1);
    expect(() => {
      e.y = 1;
    }).toThrow(TypeError);
    expect(() => {
      e[-1] = 1;
    }).toThrow(TypeError);
  });

  it('names the type and index or field in TypeErrors', () => {
    const key = uniqueKey('Grid');
    const E = new SharedStructType(['title'], { key, elements: true });
    const e = new E(2);
    expect(() => e.set(1, {})).toThrow(`${key}[1]`);
    expect(() => {
      e.title = [];
    }).toThrow(`${key}.title`);
  });
});

describe('SharedArray: very large arrays and plain copies', () => {
  it('inspects only what inspect shows, and refuses plain copies V8 could not hold instead of aborting', () => {
    const util = require('node:util');
    const small = SharedArray.from({ length: 150 }, (_, i) => i);
    expect(util.inspect(small)).toMatch(/ 99,\s+\.\.\. 50 more items\s+\]$/);
    expect(util.inspect(small, { maxArrayLength: 2 })).toMatch(/^SharedArray\(150\) \[ 0, 1, \.\.\. 148 more items \]$/);
    // 2^25 + 1 elements (256 MiB of heap): inspect, slice, toArray, map, JSON used to copy
    // every element into a plain array (at 120M elements V8 aborted the process).
    const r = runChild(
      `
      const util = require('util');
      const a = new ss.SharedArray(2 ** 25 + 1);
      a.set(0, 'x');
      const out = { inspect: util.inspect(a).split('\\n').pop(), head: a.slice(0, 2) };
      for (const [name, f] of [['slice', () => a.slice()], ['toArray', () => a.toArray()], ['map', () => a.map((v) => v)], ['json', () => JSON.stringify(a)]]) {
        try { f(); out[name] = 'no error'; } catch (e) { out[name] = e.name + ': ' + e.message; }
      }
      console.log(JSON.stringify(out));
      `,
      {},
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.inspect).toBe(']');
    expect(out.head).toEqual(['x', null]);
    for (const k of ['slice', 'toArray', 'map', 'json']) expect(out[k], k).toMatch(/^RangeError: SharedArray\.prototype\.(slice|map): 33554433 elements do not fit/);
  });
});
