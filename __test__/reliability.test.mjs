import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, SharedMap, SharedMutex, share, gc } = require('../index.js');
const { uniqueKey } = require('./helpers.js');

const f = new Float64Array(1);
const u = new BigUint64Array(f.buffer);
const nan = (b) => ((u[0] = b), f[0]);
const bitsOf = (d) => ((f[0] = d), u[0]);
// Quiet, signalling, negative, and bits inside the tag space (boxed in the heap).
const PATTERNS = [0x7ff8000000000000n, 0x7ff0000000000001n, 0xfff0000000000001n, 0x7ff4dead00000000n, 0xffff0003deadbeefn];

describe('wrong receivers found by fuzzing', () => {
  it('SharedMap.prototype.toJSON on an elements struct throws and leaves the heap intact', () => {
    const P = new SharedStructType(['x', 'y', 'z'], uniqueKey('ReproP'));
    const E = new SharedStructType(['pos', 'end'], { key: uniqueKey('ReproE'), elements: true });
    const p = new P();
    p.x = 1;
    p.y = 'str';
    p.z = p;
    const e = new E(4);
    e.set(0, 1);
    e.set(1, p);
    const rw = new SharedMutex();
    const tok = share(p);
    expect(() => SharedMap.prototype.toJSON.call(e)).toThrow(/receiver is not a SharedMap/);
    expect(() => SharedMap.prototype.toJSON.call({})).toThrow(TypeError);
    gc();
    for (const bad of [tok, Object(1n)]) expect(() => new SharedMap(bad)).toThrow(TypeError);
    gc();
    expect(p.x).toBe(1);
    expect(p.y).toBe('str');
    expect(p.z).toBe(p);
    expect(e.get(1)).toBe(p);
    const l = SharedMutex.lock(rw);
    l.unlock();
  });
});

describe('SharedArray.from with huge or mapped inputs', () => {
  it('rejects an array-like too large for the heap with a RangeError before copying anything', () => {
    const t0 = Date.now();
    expect(() => SharedArray.from({ length: 1e9 })).toThrow(RangeError);
    expect(() => SharedArray.from({ length: 2 ** 40 })).toThrow(RangeError);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('copies array-likes as Array.from does (ToLength of length, missing indices undefined)', () => {
    expect(SharedArray.from({ length: '3', 0: 'a', 2: 'c' }).toArray()).toEqual(['a', undefined, 'c']);
    expect(SharedArray.from({ length: -5 }).length).toBe(0);
    expect(SharedArray.from({ length: 2.7, 0: 1, 1: 2 }).toArray()).toEqual([1, 2]);
    expect(SharedArray.from('ab').toArray()).toEqual(['a', 'b']);
    expect(SharedArray.from(new Set([1, 2])).toArray()).toEqual([1, 2]);
    expect(SharedArray.from({ length: 2 }, (v, i) => i * 10).toArray()).toEqual([0, 10]);
  });

  it('keeps the exact bits of NaNs returned by mapFn', () => {
    const a = SharedArray.from(PATTERNS, (p) => nan(p));
    expect(PATTERNS.map((p, i) => bitsOf(a.get(i)))).toEqual(PATTERNS);
    const b = SharedArray.from({ length: PATTERNS.length }, (v, i) => nan(PATTERNS[i]));
    expect(PATTERNS.map((p, i) => bitsOf(b.get(i)))).toEqual(PATTERNS);
  });
});

describe('NaN bits through plain copies', () => {
  it('slice, toArray, values, entries and for...of keep each NaN bit-exact', () => {
    const a = new SharedArray(PATTERNS.length);
    PATTERNS.forEach((p, i) => a.set(i, nan(p)));
    expect(a.slice().map(bitsOf)).toEqual(PATTERNS);
    expect(a.toArray().map(bitsOf)).toEqual(PATTERNS);
    expect([...a.values()].map(bitsOf)).toEqual(PATTERNS);
    expect([...a].map(bitsOf)).toEqual(PATTERNS);
    expect([...a.entries()].map(([, v]) => bitsOf(v))).toEqual(PATTERNS);
    expect(a.filter(() => true).map(bitsOf)).toEqual(PATTERNS);
    expect(a.map((v) => v).map(bitsOf)).toEqual(PATTERNS);
  });

  it('SharedMap entries, values and forEach keep each value NaN bit-exact', () => {
    const m = new SharedMap();
    PATTERNS.forEach((p, i) => m.set(i, nan(p)));
    const byKey = (pairs) => pairs.sort((x, y) => x[0] - y[0]).map(([, v]) => bitsOf(v));
    expect(byKey([...m.entries()])).toEqual(PATTERNS);
    expect(byKey([...m])).toEqual(PATTERNS);
    const vals = [...m.values()].map(bitsOf).sort();
    expect(vals).toEqual(PATTERNS.slice().sort());
    // (The test's own pairs hold the bits, not the values: a [number, number] literal is a
    // double array, which canonicalizes NaNs.)
    const seen = [];
    m.forEach((v, k) => seen.push([k, bitsOf(v)]));
    expect(seen.sort((x, y) => x[0] - y[0]).map(([, b]) => b)).toEqual(PATTERNS);
  });
});

describe('found by the fuzz layer (lib/share.js, lib/map.js, lib/pool.js)', () => {
  it('isToken answers false, and open/release throw a TypeError, for an object whose getters throw', () => {
    const { isToken, open, release } = require('../index.js');
    const trap = new Proxy({}, { get() { throw new Error('trap'); }, has() { throw new Error('trap'); } });
    expect(isToken(trap)).toBe(false);
    expect(() => open(trap)).toThrow(TypeError);
    expect(() => release(trap)).toThrow(TypeError);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(isToken(revoked.proxy)).toBe(false);
    expect(() => open(revoked.proxy)).toThrow(/open\(\): reading the token threw/);
  });

  it('open() reads each field of a token once: a getter cannot pass the checks with one value and return another', () => {
    const { open, canBeShared } = require('../index.js');
    let n = 0;
    const token = { 'shared-structs/token': 1, get value() { return n++ === 0 ? 1 : { not: 'shared' }; } };
    const v = open(token);
    expect(canBeShared(v)).toBe(true);
    expect(v).toBe(1);
  });

  it('SharedMap.prototype[Symbol.iterator] checks its receiver (it called any entries() method)', () => {
    const it = SharedMap.prototype[Symbol.iterator];
    expect(() => it.call(new Map([[1, 2]]))).toThrow(/receiver is not a SharedMap/);
    expect(() => it.call(undefined)).toThrow(/receiver is not a SharedMap/);
    expect([...it.call(new SharedMap([['k', 1]]))]).toEqual([['k', 1]]);
  });

  it('a WorkerPool terminated before its workers opened the queue token does not pin the queue', () => {
    const { runChild } = require('./helpers.js');
    const mod = require('node:path').join(require('node:path').dirname(new URL(import.meta.url).pathname), 'fuzz', 'pool-worker.js');
    const r = runChild(`
      const tick = () => new Promise((r) => setImmediate(r));
      const settle = async () => { for (let i = 0; i < 3; i++) { await tick(); ss.gc(); } };
      (async () => {
        await settle();
        const s0 = ss.heapStats();
        const one = async () => { const p = new ss.WorkerPool(${JSON.stringify(mod)}, { threads: 2 }); await p.terminate(); };
        for (let k = 0; k < 3; k++) await one();
        await settle();
        const s1 = ss.heapStats();
        console.log(JSON.stringify({ tokens: s1.tokens - s0.tokens, live: s1.liveObjects - s0.liveObjects }));
      })();
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual({ tokens: 0, live: 0 });
  });
});

describe('WorkerPool with huge array-likes (found by the fuzz layer)', () => {
  it('run({ length: 1e9 }) and batchBySize of a huge array-like throw a RangeError instead of aborting the process', () => {
    const { runChild } = require('./helpers.js');
    const mod = require('node:path').join(require('node:path').dirname(new URL(import.meta.url).pathname), 'fuzz', 'pool-worker.js');
    const r = runChild(`
      (async () => {
        const p = new ss.WorkerPool(${JSON.stringify(mod)}, { threads: 1 });
        const out = [];
        for (const t of [{ length: 1e9 }, { length: 2 ** 53 }, null]) {
          try { await p.run(t); out.push('ok'); } catch (e) { out.push(e.name); }
        }
        out.push((await p.run(new Set([3]))).join());
        try { ss.WorkerPool.batchBySize({ length: 1e9 }, { batchSize: 1, sizeOf: () => 1 }); out.push('ok'); } catch (e) { out.push(e.name); }
        await p.terminate();
        console.log(JSON.stringify(out));
      })();
    `, {}, { timeout: 60000 });
    expect(r.signal, r.stderr.slice(0, 300)).toBe(null);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual(['RangeError', 'RangeError', 'TypeError', '9', 'RangeError']);
  }, 70000);
});

describe('WorkerPool constructor with bad options (found by the fuzz layer)', () => {
  it('a Worker that cannot start leaves no queue token pinned, and null options are a clear TypeError', () => {
    const { runChild } = require('./helpers.js');
    const mod = require('node:path').join(require('node:path').dirname(new URL(import.meta.url).pathname), 'fuzz', 'pool-worker.js');
    const r = runChild(`
      const out = [];
      const t0 = ss.heapStats().tokens;
      for (const opts of [{ threads: 2, execArgv: ['--no-such-flag'] }, { threads: 2, env: 5 }, null, { threads: Symbol('x') }]) {
        try { new ss.WorkerPool(${JSON.stringify(mod)}, opts); out.push('made'); } catch (e) { out.push(e.name + (/Cannot read properties/.test(e.message) ? ' (accidental)' : '')); }
      }
      out.push(ss.heapStats().tokens - t0);
      console.log(JSON.stringify(out));
      setTimeout(() => process.exit(0), 300);
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual(['Error', 'TypeError', 'TypeError', 'RangeError', 0]);
  });
});
