// freeze(): a shared object, or a whole subgraph, becomes immutable in every thread.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, SharedMap, Mutex, atomics, bulk, freeze, isFrozen, share } = require('../index.js');
const { uniqueKey, runWorker, runChild, INDEX } = require('./helpers.js');

describe('freeze', () => {
  it('refuses every kind of write to a frozen object, in this thread and in a worker, and leaves others writable', async () => {
    const key = uniqueKey('Frozen');
    const T = new SharedStructType(['x', 'next'], key);
    const a = new T();
    const b = new T();
    a.x = 1;
    a.next = b;
    expect(freeze(a)).toBe(a);
    expect(isFrozen(a)).toBe(true);
    expect(isFrozen(b)).toBe(false);
    expect(() => {
      a.x = 2;
    }).toThrow(/frozen/);
    expect(() => {
      a.next = null;
    }).toThrow(/frozen/);
    expect(() => atomics.store(a, 'x', 3)).toThrow(/frozen/);
    expect(() => atomics.add(a, 'x', 1)).toThrow(/frozen/);
    expect(() => atomics.compareExchange(a, 'x', 1, 2)).toThrow(/frozen/);
    expect(atomics.load(a, 'x')).toBe(1);
    const V = bulk.view(T, { refs: ['next'] });
    const h = bulk.handle(a);
    expect(() => V.set.x(h, 5)).toThrow(/frozen/);
    expect(() => V.set.next(h, null)).toThrow(/frozen/);
    expect(() => {
      V.cursor(h).x = 5;
    }).toThrow(/frozen/);
    bulk.release();
    b.x = 7; // not frozen (shallow)
    expect([a.x, a.next, b.x]).toEqual([1, b, 7]);
    const r = await runWorker(
      `const a = open(data.a);
       const tries = [() => { a.x = 9; }, () => { a.next = null; }, () => ss.atomics.exchange(a, 'x', 9)];
       const errs = tries.map((f) => { try { f(); return 'no error'; } catch (e) { return e.name; } });
       a.next.x = 8;
       return { errs, x: a.x, frozen: ss.isFrozen(a) };`,
      { a: share(a) },
    );
    expect(r).toEqual({ errs: ['TypeError', 'TypeError', 'TypeError'], x: 1, frozen: true });
    expect(b.x).toBe(8);
  });

  it('freezes a whole graph with deep: true (cycles, arrays, elements, maps), leaving locks alone', async () => {
    const N = new SharedStructType(['id', 'parent', 'kids', 'lock', 'meta'], uniqueKey('FrozenTree'));
    const E = new SharedStructType(['pos'], { key: uniqueKey('FrozenElems'), elements: true });
    const root = new N();
    root.id = 0;
    root.parent = null;
    root.lock = new Mutex();
    root.meta = new SharedMap([['k', 1]]);
    root.kids = new SharedArray(3);
    const nodes = [root];
    for (let i = 1; i <= 3; i++) {
      const n = new N();
      n.id = i;
      n.parent = root; // a cycle
      n.kids = new E(1);
      root.kids.set(i - 1, n);
      nodes.push(n);
    }
    const outside = new N();
    freeze(root, { deep: true });
    for (const n of nodes) {
      expect(isFrozen(n)).toBe(true);
      expect(isFrozen(n.kids)).toBe(true);
    }
    expect(isFrozen(root.meta)).toBe(true);
    expect(isFrozen(root.lock)).toBe(false);
    expect(isFrozen(outside)).toBe(false);
    expect(() => root.kids.set(0, null)).toThrow(/frozen/);
    expect(() => root.kids.fill(0)).toThrow(/frozen/);
    expect(() => nodes[1].kids.set(0, 1)).toThrow(/frozen/);
    expect(() => {
      nodes[1].kids.pos = 3;
    }).toThrow(/frozen/);
    expect(() => root.meta.set('k', 2)).toThrow(/frozen/);
    expect(() => root.meta.delete('k')).toThrow(/frozen/);
    expect(() => root.meta.clear()).toThrow(/frozen/);
    expect(root.meta.get('k')).toBe(1);
    expect(root.meta.getOrInsert('k', 5)).toBe(1);
    expect(() => root.meta.getOrInsert('z', 5)).toThrow(/frozen/);
    // The lock still locks.
    expect(Mutex.lock(root.lock, () => 'locked')).toBe('locked');
    outside.id = 1;
    // A worker sees the same: reads work, writes throw.
    const r = await runWorker(
      `const root = open(data.root);
       let sum = 0; for (const k of root.kids) sum += k.id + (k.parent === root ? 10 : 0);
       let err = ''; try { root.kids.get(0).id = 5; } catch (e) { err = e.name; }
       return { sum, err };`,
      { root: share(root) },
    );
    expect(r).toEqual({ sum: 36, err: 'TypeError' });
  });

  it('a deep freeze does not hold up a collection another thread is running (none gives up)', () => {
    // A deep freeze waits for the collection lock; waiting outside the stopped state, it held
    // a collection that was stopping the world up until its arrival deadline, which then gave
    // up (abortedCollections). In a process of its own, so no other file's collections count.
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const N = new ss.SharedStructType(['a', 'b', 'v'], 'FreezeRaceNode');
      const w = new Worker('const ss = require(process.env.SS_INDEX); const end = Date.now() + 1500; let n = 0; while (Date.now() < end) { ss.gc(); n++; } require("worker_threads").parentPort.postMessage(n);', { eval: true });
      const before = ss.heapStats().abortedCollections;
      (async () => {
        let stop = false;
        const done = new Promise((r) => w.once('message', r));
        done.then(() => { stop = true; });
        let freezes = 0;
        while (!stop) {
          let root = null;
          for (let i = 0; i < 2000; i++) { const x = new N(); x.a = root; x.b = root; x.v = i; root = x; }
          ss.freeze(root, { deep: true });
          if (!ss.isFrozen(root)) throw new Error('not frozen');
          freezes++;
          await new Promise((r) => setImmediate(r));
        }
        const gcs = await done;
        console.log(JSON.stringify({ freezes, gcs, aborted: ss.heapStats().abortedCollections - before }));
        process.exit(0);
      })();
      `,
      { SS_INDEX: INDEX },
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.freezes).toBeGreaterThan(0);
    expect(out.gcs).toBeGreaterThan(0);
    expect(out.aborted).toBe(0);
  });

  it('refuses what cannot be frozen, and passes primitives through', () => {
    expect(() => freeze({})).toThrow(TypeError);
    expect(() => freeze(new Mutex())).toThrow(/lock/);
    expect(() => freeze(new (new SharedStructType(['x']))(), 5)).toThrow(TypeError);
    expect(freeze(5)).toBe(5);
    expect(freeze('s')).toBe('s');
    expect(freeze(null)).toBe(null);
    expect(isFrozen({})).toBe(false);
    expect(isFrozen(5)).toBe(false);
  });
});
