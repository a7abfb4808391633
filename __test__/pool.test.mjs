// WorkerPool and TaskError (lib/pool.js): a worker pool fed by a shared work queue.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const { SharedStructType, WorkerPool, TaskError } = require('../index.js');

let tmp;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-pool-test-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writeModule(name, source) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, source);
  return p;
}

describe('WorkerPool', () => {
  const SQUARE = () =>
    writeModule(
      'square-worker.js',
      `
      const { SharedStructType } = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
      module.exports = {
        setup(data) {
          return { Box: new SharedStructType(['value', 'by'], data.key), threadId: require('worker_threads').threadId };
        },
        handle(task, ctx) {
          if (task === 'throw') throw new RangeError('bad task');
          if (task === 'throw-odd') throw Object.create(null); // String() of it throws
          if (task === 'exit') process.exit(3);
          if (task === 'slow') { const end = Date.now() + 100; while (Date.now() < end); return 0; }
          if (task === 'box') { const b = new ctx.Box(); b.value = 7; b.by = ctx.threadId; return b; }
          return task * task;
        },
      };
      `,
    );

  it('runs tasks on its workers, reports results as they complete, and is reusable', async () => {
    const key = `pool-box-${process.pid}-${Date.now()}`;
    const Box = new SharedStructType(['value', 'by'], key);
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key } });
    try {
      await pool.ready();
      const seen = [];
      const out = await pool.run([1, 2, 3, 4, 5, 6], { onResult: (r, i) => seen.push([i, r]) });
      expect(out).toEqual([1, 4, 9, 16, 25, 36]);
      expect(seen.sort((a, b) => a[0] - b[0])).toEqual(out.map((r, i) => [i, r]));
      const many = await pool.run(Array.from({ length: 200 }, (_, i) => i));
      expect(many.reduce((a, b) => a + b, 0)).toBe(Array.from({ length: 200 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
      // Results can be shared objects made in the workers: no copy.
      const [box] = await pool.run(['box']);
      expect(box).toBeInstanceOf(Box);
      expect(box.value).toBe(7);
      expect(box.by).toBeGreaterThan(0);
      expect(await pool.run([])).toEqual([]);
    } finally {
      await pool.close();
    }
    await expect(pool.run([1])).rejects.toThrow(/closed/);
  });

  it('rejects a run whose task throws, and stays usable', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-box2-${process.pid}` } });
    try {
      const err = await pool.run([1, 'throw', 3]).catch((e) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect(err.index).toBe(1);
      expect(err.message).toMatch(/task 1 failed in a worker: RangeError: bad task/);
      expect(await pool.run([9])).toEqual([81]);
      // A thrown value that cannot even be turned into a string is still a TaskError.
      const odd = await pool.run([1, 'throw-odd']).catch((e) => e);
      expect(odd).toBeInstanceOf(TaskError);
      expect(odd.message).toMatch(/task 1 failed in a worker: a thrown value that cannot be described/);
      expect(await pool.run([4])).toEqual([16]);
    } finally {
      await pool.close();
    }
  });

  it('rejects, instead of hanging, when a worker exits or its setup fails', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-box3-${process.pid}` } });
    await expect(pool.run([1, 'exit', 2, 3])).rejects.toThrow(/worker \d exited with code 3/);
    await pool.close();
    const broken = new WorkerPool(writeModule('broken-worker.js', 'module.exports = { setup() { throw new Error("no setup"); }, handle() {} };'), { threads: 2 });
    await expect(broken.run([1])).rejects.toThrow(/worker \d setup failed: Error: no setup/);
    // The pool's failure is that error at once, and stays it once the workers are gone
    // (a later run, and `failure`, name the setup failure, not their exit).
    expect(broken.failure && broken.failure.message).toMatch(/worker \d setup failed: Error: no setup/);
    await new Promise((r) => setTimeout(r, 200));
    await expect(broken.run([1])).rejects.toThrow(/worker \d setup failed: Error: no setup/);
    expect(broken.failure.message).toMatch(/worker \d setup failed: Error: no setup/);
    const broken2 = new WorkerPool(writeModule('broken-worker.js', 'module.exports = { setup() { throw new Error("no setup"); }, handle() {} };'), { threads: 1 });
    await expect(broken2.ready()).rejects.toThrow(/worker 0 setup failed: Error: no setup/);
    expect(broken2.failure && broken2.failure.message).toMatch(/worker 0 setup failed/);
    await new Promise((r) => setTimeout(r, 200));
    expect(broken2.failure.message).toMatch(/worker 0 setup failed/);
    await broken2.close();
    await broken.close();
    const missing = new WorkerPool(path.join(tmp, 'does-not-exist.js'), { threads: 1 });
    await expect(missing.ready()).rejects.toThrow(/Cannot find module/);
    await missing.close();
  });

  it('rejects a run when the pool is closed under it', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-box4-${process.pid}` } });
    await pool.ready();
    const running = pool.run(Array.from({ length: 20 }, () => 'slow')).catch((e) => e);
    await new Promise((r) => setTimeout(r, 150));
    await pool.close();
    const err = await running;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/closed during the run/);
  });

  it('batches items by size, largest first', () => {
    const items = [5, 100, 3, 40, 60, 1].map((size) => ({ size }));
    const batches = WorkerPool.batchBySize(items, { batchSize: 50 });
    expect(batches.map((b) => b.map((x) => x.size))).toEqual([[100], [60], [40, 5, 3, 1]]);
    expect(WorkerPool.batchBySize(items, { batchSize: 1000, maxItems: 2 }).map((b) => b.length)).toEqual([2, 2, 2]);
    expect(() => new WorkerPool('x.js', { threads: 0 })).toThrow(RangeError);
    // A size that is not a number >= 0 would silently merge every later item into one batch.
    for (const bad of [NaN, undefined, -1, '5']) {
      expect(() => WorkerPool.batchBySize([{ size: 1 }, { size: bad }], { batchSize: 10 })).toThrow(/item 1 has size/);
    }
    expect(() => WorkerPool.batchBySize([null], { batchSize: 10 })).toThrow(/item 0 has size undefined/);
    expect(() => WorkerPool.batchBySize([], { batchSize: '6' })).toThrow(/batchSize must be a positive number, got "6"/);
    for (const maxItems of [0, -1, NaN, 1.5, '2']) {
      expect(() => WorkerPool.batchBySize([], { batchSize: 6, maxItems })).toThrow(/maxItems must be a positive integer/);
    }
    expect(() => WorkerPool.batchBySize([], { batchSize: 6, sizeOf: 3 })).toThrow(/sizeOf must be a function, got 3/);
  });

  it('checks run() and close() options before starting anything', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 1, data: { key: `pool-opts-${process.pid}` } });
    try {
      await expect(pool.run([1], { onResult: 5 })).rejects.toThrow(/onResult must be a function, got 5/);
      await expect(pool.run([1], null)).rejects.toThrow(/options must be an object, got null/);
      expect(await pool.run([3])).toEqual([9]);
      await expect(pool.close('abc')).rejects.toThrow(/timeoutMs must be a number >= 0, got "abc"/);
    } finally {
      await pool.close();
    }
  });

  it('run() with an AbortSignal rejects with its reason, cancels the tasks not started, and the pool stays usable', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-abort-${process.pid}` } });
    try {
      await pool.ready();
      const reason = new Error('enough');
      await expect(pool.run([1], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      const ac = new AbortController();
      let results = 0;
      const p = pool.run(Array.from({ length: 200 }, () => 'slow'), {
        signal: ac.signal,
        onResult: () => {
          if (++results === 2) ac.abort(reason);
        },
      });
      await expect(p).rejects.toBe(reason);
      // Cancelled: far fewer than 200 tasks of 100 ms ran (the run returned right away).
      expect(results).toBeLessThan(200);
      expect(await pool.run([2, 3])).toEqual([4, 9]);
      await expect(pool.run([1], { signal: 'x' })).rejects.toThrow(/options.signal must be an AbortSignal/);
    } finally {
      await pool.close();
    }
  });

  it('ready() with an AbortSignal rejects with its reason while the workers start; a later ready() resolves', async () => {
    const file = writeModule(
      'slow-setup-worker.js',
      `
      module.exports = {
        setup() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500); return {}; },
        handle(task) { return task + 1; },
      };
      `,
    );
    const pool = new WorkerPool(file, { threads: 2 });
    try {
      const reason = new Error('not waiting any longer');
      await expect(pool.ready({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      const ac = new AbortController();
      const p = pool.ready({ signal: ac.signal });
      setTimeout(() => ac.abort(reason), 50);
      await expect(p).rejects.toBe(reason);
      await pool.ready();
      expect(await pool.run([1, 2])).toEqual([2, 3]);
      await expect(pool.ready({ signal: 'x' })).rejects.toThrow(/options.signal must be an AbortSignal/);
      await expect(pool.ready(null)).rejects.toThrow(/options must be an object/);
    } finally {
      await pool.close();
    }
  });
});
