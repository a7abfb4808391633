// The bulk path (lib/bulk.js, docs/bulk.md): handles and views read and build graphs without
// a wrapper per object, stay valid across collections, and refuse stale, forged, foreign and
// mistyped handles with a TypeError.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, SharedMap, bulk, share } = require('../index.js');
const { uniqueKey, runWorker, runChild, INDEX } = require('./helpers.js');

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const nan = (b) => ((u64[0] = b), f64[0]);
const bitsOf = (d) => ((f64[0] = d), u64[0]);

describe('bulk views', () => {
  it('read and write every kind of value as wrappers do, with shared objects as handles', () => {
    const T = new SharedStructType(['num', 'str', 'big', 'nil', 'undef', 'ref', 'data'], uniqueKey('BulkAll'));
    const V = bulk.view(T, { refs: ['ref'] });
    const a = V.create();
    const b = V.create();
    V.set.num(a, -0);
    V.set.str(a, 'h\u00e9llo \ud83d\ude00 \ud800');
    V.set.big(a, -(2n ** 100n));
    V.set.nil(a, null);
    V.set.ref(a, b);
    V.set.data(a, nan(0x7ff0000000000001n));
    expect(Object.is(V.get.num(a), -0)).toBe(true);
    expect(V.get.str(a)).toBe('h\u00e9llo \ud83d\ude00 \ud800');
    expect(V.get.big(a)).toBe(-(2n ** 100n));
    expect(V.get.nil(a)).toBe(null);
    expect(V.get.undef(a)).toBe(undefined);
    expect(V.get.ref(a)).toBe(b);
    expect(V.get.ref(b)).toBe(undefined);
    expect(bitsOf(V.get.data(a))).toBe(0x7ff0000000000001n);
    // The same object gives the same handle; handles and wrappers convert both ways.
    const w = bulk.object(a);
    expect(w.ref).toBe(bulk.object(b));
    expect(bulk.handle(w)).toBe(a);
    expect(bulk.handle(w.ref)).toBe(V.get.ref(a));
    // A wrapper stored through a view reads back as its handle; a field outside `refs` gives wrappers.
    V.set.ref(b, w);
    expect(V.get.ref(b)).toBe(a);
    V.set.data(b, w);
    expect(V.get.data(b)).toBe(w);
    expect(bitsOf(w.data)).toBe(0x7ff0000000000001n);
    expect(bulk.object(b).data).toBe(w);
  });

  it('give elements and named fields of element types, with ranges checked', () => {
    const E = new SharedStructType(['pos', 'end'], { key: uniqueKey('BulkNodeArray'), elements: true });
    const V = bulk.view(E, { elements: 'refs' });
    const A = bulk.view(SharedArray);
    const arr = A.create(3);
    A.setAt(arr, 0, 'x');
    A.setAt(arr, 2, 2.5);
    expect(A.length(arr)).toBe(3);
    expect([A.at(arr, 0), A.at(arr, 1), A.at(arr, 2)]).toEqual(['x', undefined, 2.5]);
    const e = V.create(2);
    V.set.pos(e, 4);
    V.setAt(e, 0, arr);
    expect(V.get.pos(e)).toBe(4);
    expect(V.at(e, 0)).toBe(arr);
    expect(V.length(e)).toBe(2);
    expect(() => V.at(e, 2)).toThrow(RangeError);
    expect(() => V.setAt(e, -1, arr)).toThrow(RangeError);
    expect(() => A.at(arr, 1.5)).toThrow(RangeError);
    const w = bulk.object(e);
    expect(w.length).toBe(2);
    expect(w.get(0).get(0)).toBe('x');
    expect(w.pos).toBe(4);
  });

  it('refuse stale, forged, foreign, mistyped and non-number handles with a TypeError', async () => {
    const T = new SharedStructType(['x', 'next'], uniqueKey('BulkErr'));
    const U = new SharedStructType(['y'], uniqueKey('BulkErrU'));
    const V = bulk.view(T, { refs: ['next'] });
    const h = V.create();
    const u = bulk.view(U).create();
    expect(() => V.get.x(u)).toThrow(/names an? .*BulkErrU.*not an? .*BulkErr/);
    expect(() => V.get.x(h + 1)).toThrow(TypeError);
    expect(() => V.get.x(123456)).toThrow(TypeError);
    expect(() => V.get.x('1')).toThrow(/expected a handle/);
    expect(() => V.get.x({ valueOf: () => h })).toThrow(/expected a handle/);
    expect(() => V.set.next(h, h + 2)).toThrow(TypeError);
    expect(() => bulk.view({})).toThrow(TypeError);
    expect(() => bulk.view(T, { refs: ['nope'] })).toThrow(/has no field "nope"/);
    expect(() => bulk.view(T, { refs: 'next' })).toThrow(TypeError);
    expect(() => bulk.view(T, { elements: 'yes' })).toThrow(TypeError);
    expect(() => bulk.view(T, 5)).toThrow(TypeError);
    expect(() => bulk.handle({})).toThrow(TypeError);
    expect(() => bulk.view(SharedMap)).toThrow(TypeError);
    // Another thread's handles (and ours in another thread) mean nothing there.
    const foreign = await runWorker(
      `const T = new SharedStructType(['x', 'next'], data.key); const V = ss.bulk.view(T); const h = V.create();
       let err = ''; try { V.get.x(data.h); } catch (e) { err = e.name; }
       return { h, err };`,
      { key: T.name, h },
    );
    expect(foreign.err).toBe('TypeError');
    expect(() => V.get.x(foreign.h)).toThrow(TypeError);
    // Released: every handle of the session is stale, and says so.
    bulk.release();
    expect(() => V.get.x(h)).toThrow(/stale handle/);
    expect(() => bulk.object(h)).toThrow(/stale handle/);
    // Handles outlive event-loop turns; a session ends them, the outermost one only.
    const h2 = V.create();
    await new Promise((r) => setImmediate(r));
    expect(V.get.x(h2)).toBe(undefined);
    let inner;
    const r = bulk.session(() => {
      bulk.session(() => {
        inner = V.create();
      });
      expect(V.is(inner)).toBe(true);
      return 7;
    });
    expect(r).toBe(7);
    expect(V.is(h2)).toBe(false);
    expect(V.is(inner)).toBe(false);
    expect(() => V.get.x(h2)).toThrow(/stale handle/);
    const h3 = await bulk.session(async () => {
      const h = V.create();
      await new Promise((res) => setImmediate(res));
      V.set.x(h, 3);
      return h;
    });
    expect(() => V.get.x(h3)).toThrow(/stale handle/);
    expect(() => bulk.session(() => {
      V.create();
      throw new Error('boom');
    })).toThrow('boom');
    expect(bulk.stats().handles).toBe(0);
  });
});

describe('bulk handles and the collector', () => {
  it('keep a graph alive while another thread unlinks it and collections run, and let it go after release', () => {
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const { SharedStructType, SharedArray, bulk, share, open, heapStats } = ss;
      const collect = ss.gc;
      const N = new SharedStructType(['id', 'parent', 'kids', 'name'], 'BulkGcNode');
      const tick = () => new Promise((r) => setImmediate(r));
      (async () => {
        for (let i = 0; i < 3; i++) { await tick(); global.gc(); }
        collect(); await tick(); global.gc(); collect();
        const base = heapStats().liveObjects;
        const holder = new SharedArray(1);
        // A worker builds a 3-ary tree of 9,841 nodes with the builder and links it into holder.
        const w = new Worker(\`
          const ss = require(${JSON.stringify(INDEX)});
          const { workerData, parentPort } = require('worker_threads');
          const N = new ss.SharedStructType(['id', 'parent', 'kids', 'name'], 'BulkGcNode');
          const V = ss.bulk.view(N, { refs: ['parent', 'kids'] });
          const A = ss.bulk.view(ss.SharedArray, { refs: true });
          let id = 0;
          function build(depth, parent) {
            const n = V.create();
            V.set.id(n, id); V.set.name(n, 'node ' + id++); V.set.parent(n, parent);
            const k = A.create(depth > 0 ? 3 : 0);
            V.set.kids(n, k);
            for (let i = 0; i < A.length(k); i++) A.setAt(k, i, build(depth - 1, n));
            return n;
          }
          const holder = ss.open(workerData.holder);
          holder.set(0, ss.bulk.object(build(8, null)));
          parentPort.postMessage('built');
          parentPort.once('message', () => { holder.set(0, null); ss.gc(); parentPort.postMessage('unlinked'); });
        \`, { eval: true, workerData: { holder: share(holder) } });
        const next = () => new Promise((r) => w.once('message', r));
        await next();
        // Main takes handles of every node (no wrapper but the root's).
        const V = bulk.view(N, { refs: ['parent', 'kids'] });
        const A = bulk.view(SharedArray, { refs: true });
        const all = [];
        const stack = [bulk.handle(holder.get(0))];
        while (stack.length) { const n = stack.pop(); all.push(n); const k = V.get.kids(n); for (let i = 0; i < A.length(k); i++) stack.push(A.at(k, i)); }
        // The worker unlinks the tree and collects; main collects again, several times.
        w.postMessage('unlink');
        await next();
        for (let i = 0; i < 3; i++) collect();
        let ids = 0, bad = 0;
        for (const n of all) {
          ids += V.get.id(n);
          if (V.get.name(n) !== 'node ' + V.get.id(n)) bad++;
          const k = V.get.kids(n);
          for (let i = 0; i < A.length(k); i++) if (V.get.parent(A.at(k, i)) !== n) bad++;
        }
        const liveWhileHeld = heapStats().liveObjects - base;
        await w.terminate();
        bulk.release();
        for (let i = 0; i < 3; i++) { await tick(); global.gc(); }
        collect(); await tick(); global.gc(); collect();
        console.log(JSON.stringify({ count: all.length, ids, bad, liveWhileHeld, liveBack: heapStats().liveObjects - base }));
      })().catch((e) => { console.log(JSON.stringify({ error: String(e.stack) })); });
      `,
      {},
      { nodeArgs: ['--expose-gc'], timeout: 60000 },
    );
    const line = r.stdout.trim().split('\n').pop();
    if (!line) throw new Error(`child printed nothing (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
    const o = JSON.parse(line);
    expect(o.error, r.stderr).toBeUndefined();
    const n = (3 ** 9 - 1) / 2;
    expect(o.count).toBe(n);
    expect(o.ids).toBe((n * (n - 1)) / 2);
    expect(o.bad).toBe(0);
    // Nodes, their names and kid arrays stayed alive through the collections...
    expect(o.liveWhileHeld).toBeGreaterThanOrEqual(3 * n);
    // ...and were freed once the handles went.
    expect(o.liveBack).toBe(0);
  });
});

describe('native calls', () => {
  // In a child process: under vitest's threads pool other test files share this process's
  // heap, and their collections make this thread demote its older pages (a read of a demoted
  // page makes one native call per page).
  it('none on reads of fields, elements and references, through wrappers or views, and none per object allocated', () => {
    const r = runChild(
      `(async () => {
      const { SharedStructType, SharedArray, bulk, heapStats } = ss;
      // heapStats() reports the calls made before it, then makes one itself: hence the - 1.
      let last = heapStats().thread.nativeCalls;
      const calls = () => { const c = heapStats().thread.nativeCalls; const d = c - last - 1; last = c; return d; };
      const T = new SharedStructType(['id', 'next', 'name', 'kids'], 'NativeCountNode');
      const names = []; for (let i = 0; i < 100; i++) names.push('n' + i);
      // Allocation: 100,000 objects (and 20,000 arrays) made with new and six writes each.
      calls();
      let head = null;
      for (let i = 0; i < 100000; i++) {
        const t = new T(); t.id = i; t.next = head; t.name = names[i % 100];
        t.kids = (i % 5) === 0 ? new SharedArray(2) : null;
        head = t;
      }
      const allocCalls = calls();
      const words = 100000 * 5 + 20000 * 4;
      await new Promise((r) => setTimeout(r, 0));
      // Reads in a later job: every field, reference and element of every object.
      calls();
      let s = 0;
      for (let x = head; x !== null; x = x.next) { s += x.id + x.name.length; const k = x.kids; if (k !== null) s += k.length + (k.get(0) === undefined ? 1 : 0); }
      const readCalls = calls();
      // The same through a view.
      const V = bulk.view(T, { refs: ['next', 'kids'] });
      const A = bulk.view(SharedArray, { refs: true });
      calls();
      let s2 = 0;
      for (let x = bulk.handle(head); x !== null; x = V.get.next(x)) { s2 += V.get.id(x) + V.get.name(x).length; const k = V.get.kids(x); if (k !== null) s2 += A.length(k) + (A.at(k, 0) === undefined ? 1 : 0); }
      const viewCalls = calls();
      console.log(JSON.stringify({ allocCalls, tlabs: Math.ceil(words / 32768), readCalls, viewCalls, same: s === s2 }));
      })().catch((e) => console.log(JSON.stringify({ error: String(e.stack) })));
      `,
      {},
      { timeout: 60000 },
    );
    const line = r.stdout.trim().split('\n').pop();
    if (!line) throw new Error(`child printed nothing (status ${r.status}): ${r.stderr}`);
    const o = JSON.parse(line);
    expect(o.error).toBeUndefined();
    expect(o.same).toBe(true);
    expect(o.readCalls).toBe(0);
    expect(o.viewCalls).toBe(0);
    // TLAB refills (one per 256 KiB) and a few batched bookkeeping calls: not one per object.
    expect(o.allocCalls).toBeLessThanOrEqual(o.tlabs + 20);
  });
});

describe('bulk cursors', () => {
  it('read and write the fields of the object they are at, refs as handles, and refuse a position after release', () => {
    const T = new SharedStructType(['id', 'next', 'odd-name'], uniqueKey('BulkCursor'));
    const V = bulk.view(T, { refs: ['next'] });
    const a = V.create();
    const b = V.create();
    const c = V.cursor(a);
    c.id = 5;
    c.next = b;
    c['odd-name'] = 'x';
    expect([c.id, c.next, c['odd-name'], c.handle]).toEqual([5, b, 'x', a]);
    expect(c.at(b).id).toBe(undefined);
    expect(c.next).toBe(undefined);
    expect(V.cursor(a).next).toBe(b);
    expect(bulk.object(a).next).toBe(bulk.object(b));
    expect(() => V.cursor().id).toThrow(/not positioned/);
    expect(() => c.at(a + 1)).toThrow(TypeError);
    expect(c.handle).toBe(b); // a failed at() leaves the cursor where it was
    const E = new SharedStructType(['len'], { key: uniqueKey('BulkCursorE'), elements: true });
    const VE = bulk.view(E, { elements: 'refs' });
    const e = VE.cursor(VE.create(2));
    e.setItem(1, a);
    expect([e.length, e.item(0), e.item(1)]).toEqual([2, undefined, a]);
    expect(() => e.item(2)).toThrow(RangeError);
    expect(() => c.at(e.handle)).toThrow(/names an? /);
    bulk.release();
    expect(() => c.id).toThrow(/session has ended/);
    expect(() => e.length).toThrow(/session has ended/);
  });
});
