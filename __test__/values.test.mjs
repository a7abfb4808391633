import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, SharedMap, canBeShared, share, atomics } = require('../index.js');
const { uniqueKey, runChild, runWorker } = require('./helpers.js');

const Box = new SharedStructType(['v', 'w'], uniqueKey('Box'));

/** The 64 bits of a double, as a BigInt. */
function bits(d) {
  const f = new Float64Array([d]);
  return new BigUint64Array(f.buffer)[0];
}
/** The double with the given 64 bits. */
function fromBits(b) {
  return new Float64Array(new BigUint64Array([b]).buffer)[0];
}

function roundTrip(v) {
  const b = new Box();
  b.v = v;
  return b.v;
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  -123.456,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53 - 1,
  -(2 ** 53) + 1,
  2 ** 53 + 2,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE, // smallest denormal
  -Number.MIN_VALUE,
  2.2250738585072009e-308, // largest denormal
  2.2250738585072014e-308, // smallest normal
  Number.EPSILON,
  Infinity,
  -Infinity,
  Math.PI,
  1e300,
  -1e-300,
];

describe('values: numbers', () => {
  it('round-trips every number bit-exactly through a struct field', () => {
    for (const n of NUMBERS) {
      const r = roundTrip(n);
      expect(bits(r)).toBe(bits(n));
    }
  });

  it('keeps -0 distinct from +0', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is(roundTrip(0), 0)).toBe(true);
  });

  it('reads NaN back as NaN', () => {
    expect(Number.isNaN(roundTrip(NaN))).toBe(true);
    expect(Number.isNaN(roundTrip(0 / 0))).toBe(true);
  });

  it('reads NaNs with unusual payloads and signs back as numbers (NaN)', () => {
    const payloads = [0x7ff8000000000001n, 0x7ff0000000000001n, 0xfff8000000000000n, 0xffffffffffffffffn, 0x7fffffffffffffffn];
    for (const p of payloads) {
      const r = roundTrip(fromBits(p));
      expect(typeof r).toBe('number');
      expect(Number.isNaN(r)).toBe(true);
    }
  });

  it('keeps every NaN bit-exact: payload, sign, signalling bit, in fields, elements and map values, in every thread', async () => {
    const f = new Float64Array(1);
    const u = new BigUint64Array(f.buffer);
    const nan = (b) => ((u[0] = b), f[0]);
    const bitsOf = (d) => ((f[0] = d), u[0]);
    // Quiet, signalling, negative, and bits inside the tag space (boxed in the heap).
    const patterns = [0x7ff8000000000000n, 0x7ff8dead00000000n, 0x7ff0000000000001n, 0xfff0000000000001n, 0xfff8000000000000n, 0xfffeffffffffffffn, 0xffff000000000000n, 0xffff0003deadbeefn, 0xffffffffffffffffn];
    const b = new Box();
    const arr = new SharedArray(patterns.length);
    const map = new SharedMap();
    patterns.forEach((p, i) => {
      b.v = nan(p);
      expect(bitsOf(b.v)).toBe(p);
      arr.set(i, nan(p));
      map.set(i, nan(p));
    });
    expect(patterns.map((p, i) => bitsOf(arr.get(i)))).toEqual(patterns);
    expect(patterns.map((p, i) => bitsOf(map.get(i)))).toEqual(patterns);
    const seen = await runWorker(
      `const f = new Float64Array(1); const u = new BigUint64Array(f.buffer);
       const a = open(data.a); const m = open(data.m); const out = [];
       for (let i = 0; i < a.length; i++) { f[0] = a.get(i); const x = u[0]; f[0] = m.get(i); out.push([x.toString(16), u[0].toString(16)]); }
       return out;`,
      { a: share(arr), m: share(map) },
    );
    expect(seen).toEqual(patterns.map((p) => [p.toString(16), p.toString(16)]));
    // Map keys still compare like Map's: every NaN is the same key.
    map.set(nan(0x7ff8dead00000000n), 'nan');
    expect(map.get(NaN)).toBe('nan');
    expect(map.get(nan(0xffffffffffffffffn))).toBe('nan');
  });

  it('never decodes a NaN whose bits look like an internal tag as another value', () => {
    // The high word of these NaNs equals the tags for undefined, null, bool, ref, string, bigint.
    for (let tag = 0xffff0000n; tag <= 0xffff0007n; tag++) {
      for (const lo of [0n, 1n, 512n, 0x12345n]) {
        const n = fromBits((tag << 32n) | lo);
        const b = new Box();
        b.v = n;
        expect(typeof b.v).toBe('number');
        expect(Number.isNaN(b.v)).toBe(true);
        const a = new SharedArray(1);
        a.set(0, n);
        expect(Number.isNaN(a.get(0))).toBe(true);
        a.fill(n);
        expect(Number.isNaN(a[0])).toBe(true);
        expect(Number.isNaN(SharedArray.of(n).get(0))).toBe(true);
      }
    }
  });

  it('stores integers of every size exactly in a hot loop', () => {
    const b = new Box();
    let bad = 0;
    for (let i = -50000; i < 50000; i++) {
      b.v = i * 65537;
      if (b.v !== i * 65537) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('values: undefined, null and booleans', () => {
  it('round-trips undefined, null, true and false', () => {
    for (const v of [undefined, null, true, false]) expect(roundTrip(v)).toBe(v);
  });

  it('distinguishes false, 0, null, undefined and empty string', () => {
    const b = new Box();
    const seen = [false, 0, null, undefined, ''].map((v) => {
      b.v = v;
      return b.v;
    });
    expect(seen).toEqual([false, 0, null, undefined, '']);
    expect(Object.is(seen[0], false)).toBe(true);
  });

  it('sets a field back to undefined after it held a value', () => {
    const b = new Box();
    b.v = 'x';
    b.v = undefined;
    expect(b.v).toBeUndefined();
  });
});

describe('values: strings', () => {
  const cases = {
    empty: '',
    ascii: 'hello world',
    latin1: 'naïve café ÿ',
    bmp: 'Привет, 世界',
    emoji: '👍🏽 family: 👨‍👩‍👧‍👦',
    'lone high surrogate': 'a\uD800b',
    'lone low surrogate': 'a\uDC00b',
    'reversed pair': '\uDC00\uD800',
    'only a surrogate': '\uDBFF',
    nul: 'a\u0000b\u0000',
    'U+FFFF and U+FFFE': '\uFFFF\uFFFE',
    'one char': 'x',
    'three chars': 'abc',
    'four chars': 'abcd',
    'five chars': 'abcde',
  };
  for (const [name, str] of Object.entries(cases)) {
    it(`round-trips ${name} exactly`, () => {
      const r = roundTrip(str);
      expect(r).toBe(str);
      expect(r.length).toBe(str.length);
    });
  }

  it('decodes strings of every short length in a thread that did not write them', async () => {
    // The writer's string cache answers its own reads; a worker decodes from the heap.
    const units = [0x41, 0x7a, 0xe9, 0x4e16, 0xd83d, 0xdc4d, 0xdc00, 0xd800, 0xffff, 0, 0x30];
    const strs = [];
    for (let len = 0; len <= 80; len++) {
      let s = '';
      for (let k = 0; k < len; k++) s += String.fromCharCode(units[(k * 7 + len) % units.length]);
      strs.push(s);
    }
    const arr = SharedArray.from(strs);
    const got = await runWorker('const a = open(data.t); const out = []; for (let i = 0; i < a.length; i++) out.push(a.get(i)); return out;', { t: share(arr) });
    expect(got.length).toBe(strs.length);
    for (let len = 0; len <= 80; len++) expect(got[len]).toBe(strs[len]);
  });

  it('round-trips every UTF-16 code unit', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c);
    const r = roundTrip(all);
    expect(r.length).toBe(0x10000);
    let mismatches = 0;
    for (let c = 0; c < 0x10000; c++) if (r.charCodeAt(c) !== c) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('round-trips a 100,000-character string', () => {
    let s = '';
    for (let i = 0; i < 100000; i++) s += String.fromCharCode(32 + (i % 9000));
    expect(roundTrip(s)).toBe(s);
  });

  it('round-trips strings around internal chunk and buffer sizes', () => {
    for (const n of [8191, 8192, 8193, 16383, 16384, 16385, 32764, 32767, 32768, 32769, 65536, 131072]) {
      const s = 'abcdefg'.repeat(Math.ceil(n / 7)).slice(0, n - 1) + '\uD83D';
      const r = roundTrip(s);
      expect(r.length).toBe(n);
      expect(r).toBe(s);
    }
  });

  it('keeps a field string when the same text is written to several fields', () => {
    const a = new Box();
    const b = new Box();
    a.v = 'same';
    b.v = 'same';
    a.w = 'same';
    expect([a.v, a.w, b.v]).toEqual(['same', 'same', 'same']);
    b.v = 'changed';
    expect(a.v).toBe('same');
  });

  it('keeps thousands of distinct strings apart', () => {
    const arr = new SharedArray(5000);
    for (let i = 0; i < 5000; i++) arr.set(i, `s${i}-${'x'.repeat(i % 40)}`);
    let bad = 0;
    for (let i = 0; i < 5000; i++) if (arr.get(i) !== `s${i}-${'x'.repeat(i % 40)}`) bad++;
    expect(bad).toBe(0);
  });

  it('reads a long string whole while another thread overwrites it and collects (field, SharedMap.get, atomics.exchange)', async () => {
    // A 2 MB string is decoded in chunks: a collection can run in between, and once the
    // writer has replaced it, nothing but the reader roots it. Without the in-flight pin the
    // reader got poisoned units within a second (field read, map get and exchange alike).
    const LEN = 1 << 20;
    const S = new SharedStructType(['x', 'stop', 'started'], uniqueKey('LongStringRace'));
    const s = new S();
    const m = new SharedMap();
    const A = 'A'.repeat(LEN);
    const B = 'B'.repeat(LEN);
    s.x = A;
    m.set('k', A);
    s.stop = false;
    s.started = false;
    const writer = runWorker(
      `const s = open(data.s);
       const m = open(data.m);
       const A = 'A'.repeat(data.len);
       const B = 'B'.repeat(data.len);
       let i = 0;
       ss.atomics.store(s, 'started', true);
       while (!ss.atomics.load(s, 'stop')) {
         const v = (i++ & 1) ? A : B;
         s.x = v;
         m.set('k', v);
         if ((i & 7) === 0) ss.gc();
       }
       return i;`,
      { s: share(s), m: share(m), len: LEN },
      { timeout: 30000 },
    );
    while (!atomics.load(s, 'started')) await new Promise((r) => setTimeout(r, 5));
    const bad = { field: 0, map: 0, exchange: 0 };
    const reads = { field: 0, map: 0, exchange: 0 };
    let n = 0;
    const modes = { field: () => s.x, map: () => m.get('k'), exchange: () => atomics.exchange(s, 'x', n++ & 1 ? A : B) };
    for (const [mode, read] of Object.entries(modes)) {
      const end = Date.now() + 1000;
      while (Date.now() < end) {
        const v = read();
        reads[mode]++;
        if (v !== A && v !== B) bad[mode]++;
      }
    }
    atomics.store(s, 'stop', true);
    expect(await writer).toBeGreaterThan(0);
    expect(Math.min(reads.field, reads.map, reads.exchange)).toBeGreaterThan(0);
    expect(bad).toEqual({ field: 0, map: 0, exchange: 0 });
  }, 30000);

  it('does not mistake a string for the number it spells', () => {
    expect(roundTrip('1')).toBe('1');
    expect(roundTrip('NaN')).toBe('NaN');
    expect(roundTrip('undefined')).toBe('undefined');
  });
});

describe('values: bigints', () => {
  it('stores and reads back bigints of hundreds of KiB in linear time (both signs, every limb boundary)', () => {
    const T = new SharedStructType(['v']);
    const t = new T();
    const values = [2n ** 512n, -(2n ** 512n) + 12345n, 2n ** 511n - 1n, 3n ** 5000n, -(7n ** 20000n)];
    for (const v of values) {
      t.v = v;
      expect(t.v === v).toBe(true);
    }
    // ~490 KiB: 18-20 s each way with the old quadratic limb shifting, ~10 ms now (the
    // test's default time limit catches a regression).
    const big = 3n ** 2500000n;
    t.v = big;
    expect(t.v === big).toBe(true);
    t.v = -big;
    expect(t.v === -big).toBe(true);
  });

  const cases = [
    0n,
    1n,
    -1n,
    255n,
    2n ** 63n - 1n,
    2n ** 63n,
    -(2n ** 63n),
    2n ** 64n - 1n,
    2n ** 64n,
    -(2n ** 64n),
    2n ** 64n + 1n,
    2n ** 128n - 1n,
    -(2n ** 200n) + 12345n,
    2n ** 5000n + 3n,
    -(3n ** 4000n),
    BigInt('0x' + 'f'.repeat(2000)),
  ];
  it('round-trips zero, small, word-boundary, huge and negative bigints', () => {
    for (const v of cases) {
      const r = roundTrip(v);
      expect(typeof r).toBe('bigint');
      expect(r === v).toBe(true);
    }
  });

  it('keeps a bigint and the equal number distinct', () => {
    expect(roundTrip(5n)).toBe(5n);
    expect(roundTrip(5)).toBe(5);
  });
});

describe('values: shared objects', () => {
  it('stores references to structs and arrays', () => {
    const b = new Box();
    const inner = new Box();
    const arr = SharedArray.of(1, 2);
    b.v = inner;
    b.w = arr;
    expect(b.v).toBe(inner);
    expect(b.w).toBe(arr);
    expect(b.w.get(1)).toBe(2);
  });

  it('stores a reference to the object itself', () => {
    const b = new Box();
    b.v = b;
    expect(b.v).toBe(b);
    expect(b.v.v.v).toBe(b);
  });

  it('sees writes made through another reference to the same object', () => {
    const b = new Box();
    const inner = new Box();
    b.v = inner;
    inner.w = 'via inner';
    expect(b.v.w).toBe('via inner');
  });
});

describe('values: changing the kind of value in a field', () => {
  it('reads the last value written whatever its kind, also in an optimised loop', () => {
    const b = new Box();
    const inner = new Box();
    const kinds = [1.5, 'str', undefined, null, true, false, 7n, inner, -0, NaN, '', 0];
    let bad = 0;
    for (let i = 0; i < 60000; i++) {
      const v = kinds[i % kinds.length];
      b.v = v;
      const r = b.v;
      if (!Object.is(r, v)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('reads the last value written in an element slot, also in an optimised loop', () => {
    const a = new SharedArray(3);
    const inner = new Box();
    const kinds = [1.5, 'str', undefined, null, true, 9n, inner, -0, NaN];
    let bad = 0;
    for (let i = 0; i < 60000; i++) {
      const v = kinds[i % kinds.length];
      a.set(i % 3, v);
      if (!Object.is(a.get(i % 3), v)) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('values: optimised code', () => {
  it('keeps tagged values intact when written and read by TurboFan-optimised functions', () => {
    // A fresh process with --allow-natives-syntax forces optimisation of the accessors' callers.
    const r = runChild(
      `
      const T = new ss.SharedStructType(['a', 'b', 'c', 'd', 'e']);
      const inner = new T();
      const s = new T();
      const arr = new ss.SharedArray(5);
      function write(s, i) { s.a = 'str' + (i & 7); s.b = inner; s.c = BigInt(i & 3) - 1n; s.d = (i & 1) === 0 ? null : true; s.e = (i & 2) ? undefined : NaN; }
      function read(s) { return [s.a, s.b, s.c, s.d, s.e]; }
      function writeArr(a, i) { a.set(0, 'e' + (i & 7)); a.set(1, inner); a.set(2, BigInt(i & 3) - 1n); a.set(3, (i & 1) === 0 ? null : true); a.set(4, (i & 2) ? undefined : NaN); }
      function readArr(a) { return [a.get(0), a.get(1), a.get(2), a.get(3), a.get(4)]; }
      const fns = [write, read, writeArr, readArr];
      for (const f of fns) %PrepareFunctionForOptimization(f);
      for (let i = 0; i < 100; i++) { write(s, i); read(s); writeArr(arr, i); readArr(arr); }
      for (const f of fns) %OptimizeFunctionOnNextCall(f);
      let bad = 0;
      const same = (x, y) => Object.is(x, y);
      for (let i = 0; i < 5000; i++) {
        write(s, i);
        const r = read(s);
        const e = (i & 2) ? undefined : NaN;
        if (!(same(r[0], 'str' + (i & 7)) && same(r[1], inner) && same(r[2], BigInt(i & 3) - 1n) && same(r[3], (i & 1) === 0 ? null : true) && same(r[4], e))) bad++;
        writeArr(arr, i);
        const q = readArr(arr);
        if (!(same(q[0], 'e' + (i & 7)) && same(q[1], inner) && same(q[2], BigInt(i & 3) - 1n) && same(q[3], (i & 1) === 0 ? null : true) && same(q[4], e))) bad++;
      }
      const optimised = fns.every((f) => (%GetOptimizationStatus(f) & 16) !== 0);
      console.log(JSON.stringify({ bad, optimised }));
      `,
      {},
      { nodeArgs: ['--allow-natives-syntax'] },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ bad: 0, optimised: true });
  });
});

describe('values: what cannot be stored', () => {
  const Point = new SharedStructType(['x', 'y'], uniqueKey('Point'));
  const bad = {
    'a plain object': {},
    'an Array': [1, 2],
    'a function': function named() {},
    'a symbol': Symbol('sym'),
    'a Uint8Array': new Uint8Array(2),
    'a Map': new Map(),
    'a Date': new Date(0),
    'a Promise': Promise.resolve(),
    'a boxed number': Object(1),
    'a null-prototype object': Object.create(null),
    'an ArrayBuffer': new ArrayBuffer(8),
  };

  for (const [what, value] of Object.entries(bad)) {
    it(`throws a TypeError naming the field when storing ${what}`, () => {
      const p = new Point();
      p.x = 5;
      let err;
      try {
        p.x = value;
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toContain('.x');
      expect(p.x).toBe(5);
    });
  }

  it('names the value type in the error message', () => {
    const p = new Point();
    expect(() => {
      p.y = {};
    }).toThrow(/plain object/);
    expect(() => {
      p.y = [];
    }).toThrow(/Array/);
    expect(() => {
      p.y = () => {};
    }).toThrow(/function/);
    expect(() => {
      p.y = Symbol('q');
    }).toThrow(/symbol/);
    expect(() => {
      p.y = new Uint8Array(1);
    }).toThrow(/Uint8Array/);
    expect(() => {
      p.y = new Map();
    }).toThrow(/Map/);
  });

  it('names the type and field in the error message', () => {
    const key = uniqueKey('Named');
    const T = new SharedStructType(['field'], key);
    expect(() => {
      new T().field = {};
    }).toThrow(`${key}.field`);
  });

  it('names the element index when storing into an array slot', () => {
    const a = new SharedArray(3);
    expect(() => a.set(2, {})).toThrow(TypeError);
    expect(() => a.set(2, {})).toThrow(/\[2\]/);
    expect(() => {
      a[1] = [];
    }).toThrow(TypeError);
    expect(a.get(2)).toBeUndefined();
  });

  it('agrees with canBeShared about what can be stored', () => {
    const ok = [undefined, null, true, 0, -0, NaN, 'x', '', 1n, new Point(), new SharedArray(0)];
    for (const v of ok) expect(canBeShared(v)).toBe(true);
    for (const v of Object.values(bad)) expect(canBeShared(v)).toBe(false);
  });

  // BUG: wrappers keep their offset under an own, enumerable, writable symbol property,
  // and "is this a shared object?" only checks for that property. An object spread or
  // Object.assign copy of a wrapper is a plain object that carries the property, so it is
  // accepted as a reference to the original shared object instead of being rejected.
  it('rejects a plain object copied from a struct with spread syntax', () => {
    const p = new Point();
    const copy = { ...p };
    expect(canBeShared(copy)).toBe(false);
    expect(SharedStructType.isSharedStruct(copy)).toBe(false);
    const holder = new Point();
    expect(() => {
      holder.x = copy;
    }).toThrow(TypeError);
  });

  it('rejects a plain object made with Object.assign from a struct when sharing', () => {
    const p = new Point();
    expect(() => share(Object.assign({}, p))).toThrow(TypeError);
  });
});
