import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, share, release, heapStats } = require('../index.js');
const { runChild } = require('./helpers.js');

const SMALL_HEAP = { SHARED_STRUCTS_HEAP_SIZE: '2m' };

describe('heap statistics', () => {
  it('reports the reserved size and bytes in use', () => {
    const T = new SharedStructType(['x']);
    new T().x = 'allocates';
    const s = heapStats();
    expect(s.bytesReserved).toBeGreaterThan(0);
    expect(s.bytesInUse).toBeGreaterThan(0);
    expect(s.bytesInUse).toBeLessThanOrEqual(s.bytesReserved);
    expect(typeof s.thread.wrappers).toBe('number');
  });

  it('counts bytes handed out for a large array', () => {
    // A collection (other tests' garbage, under the threads pool) can free memory between
    // the two readings: bytesInUse must grow by the array in at least one of 20 tries
    // (bytesAllocatedTotal, which only grows, in every one).
    let grew = 0;
    for (let attempt = 0; attempt < 20 && grew === 0; attempt++) {
      const s0 = heapStats();
      const a = new SharedArray(50000);
      const s1 = heapStats();
      expect(a.length).toBe(50000);
      expect(s1.bytesAllocatedTotal - s0.bytesAllocatedTotal).toBeGreaterThanOrEqual(50000 * 8);
      if (s1.bytesInUse - s0.bytesInUse >= 50000 * 8) grew++;
    }
    expect(grew).toBe(1);
  });

  it('counts registered types and in-flight tokens', () => {
    const before = heapStats();
    const T = new SharedStructType(['x']);
    const t = share(new T());
    const during = heapStats();
    expect(during.types).toBeGreaterThanOrEqual(before.types + 1);
    expect(during.tokens).toBeGreaterThanOrEqual(1);
    expect(release(t)).toBe(true);
  });

  it('honours SHARED_STRUCTS_HEAP_SIZE in a fresh process', () => {
    const r = runChild('console.log(ss.heapStats().bytesReserved);', SMALL_HEAP);
    expect(r.status).toBe(0);
    expect(Number(r.stdout.trim())).toBe(2 * 1024 * 1024);
  });

  it('fails to load with a RangeError when SHARED_STRUCTS_HEAP_SIZE cannot be parsed', () => {
    const r = runChild('', { SHARED_STRUCTS_HEAP_SIZE: 'lots' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/RangeError: SHARED_STRUCTS_HEAP_SIZE: cannot parse "lots"/);
  });
});

describe('a full heap', () => {
  it('throws a RangeError naming the heap size when structs no longer fit', () => {
    const r = runChild(
      `
      const T = new ss.SharedStructType(['v']);
      const keep = new T();
      keep.v = 'kept';
      const all = [];
      let err = null;
      try {
        for (let i = 0; i < 1e7; i++) { const t = new T(); t.v = i; all.push(t); }
      } catch (e) { err = e; }
      console.log(JSON.stringify({
        name: err && err.name, isRange: err instanceof RangeError, message: err && err.message,
        count: all.length, kept: keep.v, lastOk: all[all.length - 1].v === all.length - 1,
      }));
      `,
      SMALL_HEAP,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.name).toBe('RangeError');
    expect(out.isRange).toBe(true);
    expect(out.message).toMatch(/heap is full/);
    expect(out.message).toMatch(/SHARED_STRUCTS_HEAP_SIZE/);
    expect(out.count).toBeGreaterThan(1000);
    expect(out.kept).toBe('kept');
    expect(out.lastOk).toBe(true);
  });

  it('keeps the process usable after the heap filled up', () => {
    const r = runChild(
      `
      const T = new ss.SharedStructType(['v']);
      const keep = new T();
      keep.v = 'kept';
      const all = []; // held, so the heap really fills even once a collector exists
      try { for (;;) all.push(new T()); } catch (e) {}
      const out = {};
      try { new T(); out.again = 'no error'; } catch (e) { out.again = e.name; }
      try { keep.v = 'a string never written before'; out.str = 'no error'; } catch (e) { out.str = e.name; }
      out.afterFailedString = keep.v;
      try { keep.v = 123n; out.big = 'no error'; } catch (e) { out.big = e.name; }
      keep.v = 42.5;
      out.num = keep.v;
      keep.v = keep;
      out.self = keep.v === keep;
      try { new ss.SharedArray(100000); out.arr = 'no error'; } catch (e) { out.arr = e.name; }
      console.log(JSON.stringify(out));
      `,
      SMALL_HEAP,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    // The collection run on a full heap may free a little (thread bookkeeping, buffer
    // tails), so a small string or bigint may fit afterwards; either way the field stays
    // consistent and nothing crashes.
    expect(out).toMatchObject({ again: 'RangeError', num: 42.5, self: true, arr: 'RangeError' });
    expect(['RangeError', 'no error']).toContain(out.str);
    expect(['RangeError', 'no error']).toContain(out.big);
    expect(out.afterFailedString).toBe(out.str === 'RangeError' ? 'kept' : 'a string never written before');
  });

  it('recovers a full heap once its objects are dropped: gc() and allocation work again', () => {
    const r = runChild(
      `
      const T = new ss.SharedStructType(['v']);
      let all = [];
      const out = {};
      try { for (;;) all.push(new T()); } catch (e) { out.filled = e.name; }
      out.made = all.length;
      all = null; // dropped, but V8 has not collected the wrappers yet
      try { out.gc = ss.gc(); } catch (e) { out.gc = e.message; }
      out.inUseAfterGc = ss.heapStats().bytesInUse;
      // Allocation finds the heap full of dead objects and recovers by itself, too.
      let again = [];
      try { for (let i = 0; i < out.made; i++) again.push(new T()); } catch (e) { out.error = e.message; }
      out.again = again.length;
      console.log(JSON.stringify(out));
      `,
      { SHARED_STRUCTS_HEAP_SIZE: '16m' },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.filled).toBe('RangeError');
    expect(out.gc).toBe(true);
    expect(out.inUseAfterGc).toBeLessThan(8 << 20); // of 16 MB: the identity table stays
    // Most of it again (the identity table sized for the first batch still takes room).
    expect(out.again).toBeGreaterThan(out.made / 2);
  });

  it('lets big arrays made and dropped in one synchronous loop go', () => {
    // 400 arrays of 800 KB (320 MB) through a 64 MB heap, without returning to the event loop.
    const r = runChild(
      `
      let n = 0;
      for (let i = 0; i < 400; i++) { const a = new ss.SharedArray(100000); a.set(0, i); n++; }
      console.log(JSON.stringify({ n }));
      `,
      { SHARED_STRUCTS_HEAP_SIZE: '64m' },
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).n).toBe(400);
  });

  it('frees a dropped big array at the next gc() in the same synchronous job, and reuses the space', () => {
    // 40 MB of a 64 MB heap, dropped, collected, made again: three times without yielding.
    const r = runChild(
      `
      const out = [];
      for (let i = 0; i < 3; i++) {
        let a = new ss.SharedArray(5e6);
        a.set(0, i);
        a = null;
        ss.gc();
        out.push(ss.heapStats().liveBytes);
      }
      console.log(JSON.stringify(out));
      `,
      { SHARED_STRUCTS_HEAP_SIZE: '64m' },
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    for (const live of JSON.parse(r.stdout)) expect(live).toBeLessThan(1e6);
  });

  it('gives a freed run at the end of the heap back, and joins touching freed big arrays', () => {
    // A: 32 MB dropped at the top of a 64 MB heap, then 48 MB asked for.
    // B: 24 MB + 12 MB side by side dropped below a live array, then 32 MB asked for.
    const r = runChild(
      `
      const tick = () => new Promise((r) => setImmediate(r));
      const settle = async () => { await tick(); ss.gc(); ss.gc(); };
      const tryAlloc = (n) => { try { const a = new ss.SharedArray(n); a.set(n - 1, 'end'); return 'ok'; } catch (e) { return e.name + ': ' + e.message; } };
      (async () => {
        const out = {};
        let a = new ss.SharedArray(4e6); a.set(0, 1); a = null;
        await settle();
        out.a = tryAlloc(6e6);
        await settle();
        let b = new ss.SharedArray(3e6), c = new ss.SharedArray(1.5e6);
        const sentinel = new ss.SharedArray(8190);
        sentinel.set(0, 'alive');
        b = c = null;
        await settle();
        out.b = tryAlloc(4e6);
        out.sentinel = sentinel.get(0);
        console.log(JSON.stringify(out));
      })();
      `,
      { SHARED_STRUCTS_HEAP_SIZE: '64m' },
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ a: 'ok', b: 'ok', sentinel: 'alive' });
  });

  it('keeps wrapper bookkeeping bounded in one long synchronous job that re-reads old objects', () => {
    // 1.2M objects made in one job; a random parent's child is re-read at every step after
    // filler objects pushed it out of the front cache. Every arena met used to stay held
    // until the job ended, so nothing made in it could be collected.
    const r = runChild(
      `
      const N = new ss.SharedStructType(['id', 'kid'], 'SyncJobLeak');
      const win = [];
      for (let i = 0; i < 120000; i++) {
        const p = new N(); p.kid = new N();
        win.push(p); if (win.length > 1000) win.shift();
        for (let k = 0; k < 8; k++) new N();
        win[(Math.random() * win.length) | 0].kid.id = i;
      }
      global.gc(); ss.gc(); global.gc(); ss.gc();
      console.log(JSON.stringify({ live: ss.heapStats().liveObjects }));
      `,
      {},
      { nodeArgs: ['--expose-gc'], timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).live).toBeLessThan(500000);
  });

  it('never lets the identity table fill up when the heap leaves no room to grow it', () => {
    // 270k live wrappers (more than a quarter of a 2^20-slot table) and a heap too full for
    // a 2^21-slot one, then churn: tombstones used to pile up until no slot was empty and
    // the next insert probed forever (a hang at 100% CPU).
    const r = runChild(
      `
      const P = new ss.SharedStructType(['x'], 'FullTableP');
      (async () => {
        let tmp = [];
        for (let j = 0; j < 30; j++) { for (let i = 0; i < 10000; i++) tmp.push(new P()); await null; }
        tmp = null;
        for (let k = 0; k < 3; k++) { global.gc(); await new Promise((r) => setImmediate(r)); ss.gc(); }
        for (let j = 0; j < 60; j++) { for (let i = 0; i < 10000; i++) new P(); global.gc(); await null; }
        const filler = new ss.SharedArray(2200000);
        const live = [];
        for (let j = 0; j < 27; j++) { for (let i = 0; i < 10000; i++) live.push(new P()); await null; }
        let errors = 0;
        for (let round = 0; round < 100; round++) {
          try { for (let i = 0; i < 10000; i++) new P(); } catch (e) { if (!(e instanceof RangeError)) throw e; errors++; }
          global.gc();
          await null;
        }
        console.log(JSON.stringify({ live: live.length, filler: filler.length, errors }));
      })();
      `,
      { SHARED_STRUCTS_HEAP_SIZE: '32m' },
      { nodeArgs: ['--expose-gc'], timeout: 60000 },
    );
    expect(r.status, r.stderr + r.signal).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ live: 270000, filler: 2200000 });
  });

  it('gc() and a full heap free objects dropped earlier in the same synchronous job', () => {
    // The last wrappers made (their arena) and the front cache kept a dropped list alive
    // until the job ended: gc() found it live, and a filled heap stayed full.
    const r = runChild(
      `
      const N = new ss.SharedStructType(['next', 'v'], 'SameJobList');
      const build = (n) => { let head = null; for (let i = 0; i < n; i++) { const x = new N(); x.next = head; x.v = i; head = x; } return head.v; };
      build(100000);
      ss.gc();
      const liveAfterGc = ss.heapStats().liveObjects;
      // Each round fills the heap in a call of its own: a frame that is not yet optimized
      // keeps its last values in its registers (the previous round's head, in V8's
      // interpreter, under load), and V8 scans them as roots until the frame returns.
      const fill = () => {
        let n = 0;
        try { let head = null; for (;;) { const x = new N(); x.next = head; head = x; n++; } } catch (e) { if (!(e instanceof RangeError)) throw e; }
        return n;
      };
      const rounds = [];
      for (let round = 0; round < 3; round++) rounds.push(fill());
      console.log(JSON.stringify({ liveAfterGc, rounds }));
      `,
      { SHARED_STRUCTS_HEAP_SIZE: '16m' },
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.liveAfterGc).toBeLessThan(1000);
    for (const n of out.rounds) expect(n).toBeGreaterThan(100000);
  });

  it('throws a RangeError for one array larger than the whole heap', () => {
    const r = runChild(
      `
      try { new ss.SharedArray(1e6); console.log('no error'); }
      catch (e) { console.log(e.name + ': ' + e.message); }
      `,
      SMALL_HEAP,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^RangeError: /);
  });

  it('reports a full heap in a worker as a RangeError without disturbing the main thread', () => {
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const T = new ss.SharedStructType(['v'], 'FullHeapT');
      const keep = new T();
      keep.v = 'main value';
      const token = ss.share(keep);
      const w = new Worker(\`
        const { workerData, parentPort } = require('worker_threads');
        const ss = require(workerData.index);
        const T = new ss.SharedStructType(['v'], 'FullHeapT');
        const keep = ss.open(workerData.token);
        let name = 'no error', message = '';
        const all = [];
        try { for (;;) { const t = new T(); t.v = 1; all.push(t); } } catch (e) { name = e.name; message = e.message; }
        keep.v = name === 'RangeError' ? 1 : 0; // a number: nothing left to allocate a string
        parentPort.postMessage({ name, message });
      \`, { eval: true, workerData: { index: ${JSON.stringify(require.resolve('../index.js'))}, token } });
      w.on('message', (m) => {
        console.log(JSON.stringify({ worker: m, keep: keep.v }));
      });
      w.on('error', (e) => { console.log(JSON.stringify({ error: String(e) })); });
      `,
      SMALL_HEAP,
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.worker.name).toBe('RangeError');
    expect(out.worker.message).toMatch(/heap is full/);
    expect(out.keep).toBe(1);
  });
});
