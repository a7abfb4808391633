'use strict';
// Micro-benchmarks: the same loop over plain JS objects, shared-structs, and V8's harmony
// shared structs. Every side has its OWN function literal (so inline caches and
// optimization feedback never mix between sides), and every loop returns a value that the
// harness consumes, so nothing is dead code. For each case, `plain`, `shared` and
// `harmony` are setup functions returning `fn(reps)` (or `fn(n)` for batched cases), or
// null when the side has no such operation. `harmony` setups use the globals of
// `node --harmony-struct` and only run in bench/harmony.js.

/** Objects per pass in the field benchmarks. */
const N = 1024;
/** Elements in the array benchmarks (harmony's SharedArray allows at most 16382). */
const AN = 16000;

const lib = () => require('../index.js');

/** Sum of 0..n-1: the expected result of one pass over `i`-valued fields or elements. */
const tri = (n) => (n * (n - 1)) / 2;

const cases = [];

// ---------------------------------------------------------------------------------------
// 1. number field read / write

cases.push({
  id: 'num-read',
  name: 'number field read',
  unit: 'ns/op',
  ops: N,
  target: { maxPlain: 1.5 },
  plain() {
    const objs = [];
    for (let i = 0; i < N; i++) objs.push({ x: i, y: 0 });
    return function numReadPlain(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].x;
      return s;
    };
  },
  shared() {
    const P = new (lib().SharedStructType)(['x', 'y']);
    const objs = [];
    for (let i = 0; i < N; i++) {
      const o = new P();
      o.x = i;
      o.y = 0;
      objs.push(o);
    }
    return function numReadShared(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].x;
      return s;
    };
  },
  harmony() {
    const P = new SharedStructType(['x', 'y']);
    const objs = [];
    for (let i = 0; i < N; i++) {
      const o = new P();
      o.x = i;
      o.y = 0;
      objs.push(o);
    }
    return function numReadHarmony(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].x;
      return s;
    };
  },
});

cases.push({
  id: 'num-write',
  name: 'number field write',
  unit: 'ns/op',
  ops: N,
  target: { maxPlain: 1.5 },
  plain() {
    const objs = [];
    for (let i = 0; i < N; i++) objs.push({ x: i, y: 0 });
    return function numWritePlain(reps) {
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) objs[i].x = r + i;
      return objs[N - 1].x + objs[0].x;
    };
  },
  shared() {
    const P = new (lib().SharedStructType)(['x', 'y']);
    const objs = [];
    for (let i = 0; i < N; i++) {
      const o = new P();
      o.x = i;
      o.y = 0;
      objs.push(o);
    }
    return function numWriteShared(reps) {
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) objs[i].x = r + i;
      return objs[N - 1].x + objs[0].x;
    };
  },
  harmony() {
    const P = new SharedStructType(['x', 'y']);
    const objs = [];
    for (let i = 0; i < N; i++) {
      const o = new P();
      o.x = i;
      o.y = 0;
      objs.push(o);
    }
    return function numWriteHarmony(reps) {
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) objs[i].x = r + i;
      return objs[N - 1].x + objs[0].x;
    };
  },
});

// ---------------------------------------------------------------------------------------
// 2. string field read (the field keeps its value, so the same string is read again)

cases.push({
  id: 'str-read',
  name: 'string field read (same value again)',
  unit: 'ns/op',
  ops: N,
  target: { maxPlain: 2 },
  plain() {
    const objs = [];
    for (let i = 0; i < N; i++) objs.push({ name: `name-${i}`, y: 0 });
    return function strReadPlain(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].name.length;
      return s;
    };
  },
  shared() {
    const P = new (lib().SharedStructType)(['name', 'y']);
    const objs = [];
    for (let i = 0; i < N; i++) {
      const o = new P();
      o.name = `name-${i}`;
      o.y = 0;
      objs.push(o);
    }
    return function strReadShared(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].name.length;
      return s;
    };
  },
  harmony() {
    const P = new SharedStructType(['name', 'y']);
    const objs = [];
    for (let i = 0; i < N; i++) {
      const o = new P();
      o.name = `name-${i}`;
      o.y = 0;
      objs.push(o);
    }
    return function strReadHarmony(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].name.length;
      return s;
    };
  },
});

// ---------------------------------------------------------------------------------------
// 3. reference field read: `p.child` returns the same child object again (identity checked)

cases.push({
  id: 'ref-read',
  name: 'reference field read (same child again)',
  unit: 'ns/op',
  ops: N,
  target: { maxPlain: 3 },
  plain() {
    const objs = [];
    const kids = [];
    for (let i = 0; i < N; i++) {
      const c = { x: i, child: null };
      kids.push(c);
      objs.push({ x: i, child: c });
    }
    return function refReadPlain(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].child === kids[i] ? 1 : 0;
      return s;
    };
  },
  shared() {
    const P = new (lib().SharedStructType)(['x', 'child']);
    const objs = [];
    const kids = [];
    for (let i = 0; i < N; i++) {
      const c = new P();
      c.x = i;
      c.child = null;
      const p = new P();
      p.x = i;
      p.child = c;
      kids.push(c);
      objs.push(p);
    }
    return function refReadShared(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].child === kids[i] ? 1 : 0;
      return s;
    };
  },
  harmony() {
    const P = new SharedStructType(['x', 'child']);
    const objs = [];
    const kids = [];
    for (let i = 0; i < N; i++) {
      const c = new P();
      c.x = i;
      c.child = null;
      const p = new P();
      p.x = i;
      p.child = c;
      kids.push(c);
      objs.push(p);
    }
    return function refReadHarmony(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (let i = 0; i < N; i++) s += objs[i].child === kids[i] ? 1 : 0;
      return s;
    };
  },
});

// ---------------------------------------------------------------------------------------
// 4. creation: new T() of a 6-field type + 6 field writes (plain: a 6-field literal).
// Objects escape into a ring of 1024 so the allocation cannot be optimized away.

const FIELDS6 = ['a', 'b', 'c', 'd', 'e', 'f'];

cases.push({
  id: 'new6',
  name: 'new T() + 6 field writes (batches of 1000/job)',
  unit: 'ns/op',
  batched: true,
  target: { maxPlain: 4, beatHarmony: true },
  plain() {
    const keep = new Array(1024).fill(null);
    let k = 0;
    return function newPlain(n) {
      for (let i = 0; i < n; i++) {
        const o = { a: i, b: i + 1, c: i + 2, d: i + 3, e: i + 4, f: i + 5 };
        keep[k++ & 1023] = o;
      }
      return keep[(k - 1) & 1023].f;
    };
  },
  shared() {
    const T = new (lib().SharedStructType)(FIELDS6);
    const keep = new Array(1024).fill(null);
    let k = 0;
    return function newShared(n) {
      for (let i = 0; i < n; i++) {
        const o = new T();
        o.a = i;
        o.b = i + 1;
        o.c = i + 2;
        o.d = i + 3;
        o.e = i + 4;
        o.f = i + 5;
        keep[k++ & 1023] = o;
      }
      return keep[(k - 1) & 1023].f;
    };
  },
  harmony() {
    const T = new SharedStructType(FIELDS6);
    const keep = new Array(1024).fill(null);
    let k = 0;
    return function newHarmony(n) {
      for (let i = 0; i < n; i++) {
        const o = new T();
        o.a = i;
        o.b = i + 1;
        o.c = i + 2;
        o.d = i + 3;
        o.e = i + 4;
        o.f = i + 5;
        keep[k++ & 1023] = o;
      }
      return keep[(k - 1) & 1023].f;
    };
  },
});

// ---------------------------------------------------------------------------------------
// 5. array element reads over 16000 numbers. Plain is always `a[i]` / for...of on a JS
// array; harmony is always `a[i]` (its SharedArray has no methods and is not iterable).

function plainArray() {
  const a = [];
  for (let i = 0; i < AN; i++) a.push(i);
  return a;
}
function sharedArray() {
  const a = new (lib().SharedArray)(AN);
  for (let i = 0; i < AN; i++) a.set(i, i);
  return a;
}
function harmonyArray() {
  const a = new SharedArray(AN);
  for (let i = 0; i < AN; i++) a[i] = i;
  return a;
}

cases.push({
  id: 'arr-get',
  name: 'array read: arr.get(i), hoisted length',
  unit: 'ns/op',
  ops: AN,
  target: { maxPlain: 1.5 },
  plain() {
    const a = plainArray();
    return function arrGetPlain(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) {
        const n = a.length;
        for (let i = 0; i < n; i++) s += a[i];
      }
      return s;
    };
  },
  shared() {
    const a = sharedArray();
    return function arrGetShared(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) {
        const n = a.length;
        for (let i = 0; i < n; i++) s += a.get(i);
      }
      return s;
    };
  },
  harmony() {
    const a = harmonyArray();
    return function arrGetHarmony(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) {
        const n = a.length;
        for (let i = 0; i < n; i++) s += a[i];
      }
      return s;
    };
  },
});

cases.push({
  id: 'arr-forof',
  name: 'array read: for...of',
  unit: 'ns/op',
  ops: AN,
  target: null,
  unsupported: { harmony: "SharedArray is not iterable (null prototype) in Node 20" },
  plain() {
    const a = plainArray();
    return function arrForOfPlain(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (const v of a) s += v;
      return s;
    };
  },
  shared() {
    const a = sharedArray();
    return function arrForOfShared(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (const v of a) s += v;
      return s;
    };
  },
  harmony() {
    const a = harmonyArray();
    if (typeof a[Symbol.iterator] !== 'function') return null; // not iterable in Node 20
    return function arrForOfHarmony(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) for (const v of a) s += v;
      return s;
    };
  },
});

cases.push({
  id: 'arr-index',
  name: 'array read: arr[i] (shared: Proxy compat path)',
  unit: 'ns/op',
  ops: AN,
  target: null,
  plain() {
    const a = plainArray();
    return function arrIndexPlain(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) {
        const n = a.length;
        for (let i = 0; i < n; i++) s += a[i];
      }
      return s;
    };
  },
  shared() {
    const a = sharedArray();
    return function arrIndexShared(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) {
        const n = a.length;
        for (let i = 0; i < n; i++) s += a[i];
      }
      return s;
    };
  },
  harmony() {
    const a = harmonyArray();
    return function arrIndexHarmony(reps) {
      let s = 0;
      for (let r = 0; r < reps; r++) {
        const n = a.length;
        for (let i = 0; i < n; i++) s += a[i];
      }
      return s;
    };
  },
});

/** Expected results of fn(1) for the read cases (a sanity check that every side did the work). */
const expected = {
  'num-read': tri(N),
  'num-write': N - 1,
  'str-read': Array.from({ length: N }, (_, i) => `name-${i}`.length).reduce((a, b) => a + b, 0),
  'ref-read': N,
  new6: 5,
  'arr-get': tri(AN),
  'arr-forof': tri(AN),
  'arr-index': tri(AN),
};

const { measureLoops, measureBatched, log, fmt } = require('./lib');

/**
 * Runs the given sides ('plain' | 'shared' | 'harmony') of a case: loops interleaved
 * (measureLoops), creation one side after the other (measureBatched: its garbage would
 * otherwise be collected on the other side's time). Returns { [side]: result } where a
 * result is { ns, samples, check, ok } or { ns: null, error } (failed or unsupported).
 */
async function runCase(c, sides) {
  const out = {};
  const fns = {};
  for (const side of sides) {
    try {
      const fn = c[side]();
      if (fn === null) out[side] = { ns: null, error: (c.unsupported && c.unsupported[side]) || 'not supported' };
      else fns[side] = fn;
    } catch (e) {
      log(`  ${c.id} [${side}] setup failed: ${e.message}`);
      out[side] = { ns: null, error: `setup: ${e.message}` };
    }
  }
  const finish = (side, r) => {
    r.ok = r.check === expected[c.id];
    if (!r.ok) log(`  ${c.id} [${side}] WARNING: fn(1) returned ${r.check}, expected ${expected[c.id]}`);
    log(`  ${c.id} [${side}] ${fmt(r.ns)} ns/op`);
    out[side] = r;
  };
  const fail = (side, e) => {
    log(`  ${c.id} [${side}] failed: ${e.stack || e.message}`);
    out[side] = { ns: null, error: e.message };
  };
  if (c.batched) {
    for (const side of Object.keys(fns)) {
      try {
        finish(side, await measureBatched(fns[side]));
      } catch (e) {
        fail(side, e);
      }
    }
  } else if (Object.keys(fns).length > 0) {
    try {
      const rs = await measureLoops(fns, c.ops);
      for (const side of Object.keys(fns)) finish(side, rs[side]);
    } catch (e) {
      for (const side of Object.keys(fns)) fail(side, e);
    }
  }
  return out;
}

module.exports = { cases, runCase, N, AN };
