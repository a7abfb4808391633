'use strict';
// WorkerPool: a reusable pool of worker_threads fed from a shared work queue built on this
// library's own primitives (a Mutex, two Conditions and SharedArrays in the shared heap).
// No task or result is ever copied: tasks and results are shareable values (primitives or
// shared objects) that workers read and write in place. See docs/pool.md.
//
//   // worker module
//   module.exports = {
//     setup(data) { return context; },          // optional, once per worker
//     handle(task, context, index) { ... },     // required; returns a shareable (or a promise of one)
//   };
//   // (or module.exports = function handle(task, context, index) { ... })
//
//   const pool = new WorkerPool(require.resolve('./my-worker.js'), { threads: 2, data });
//   const results = await pool.run(tasks, { onResult(result, index) { ... } });
//   await pool.close();
//
// Protocol (one queue object, every field read and written under `mutex`):
//   main  run():   tasks/results/failures/order := new arrays; total := n; next := 0;
//                  done := 0; run := run + 1; notify(work)
//   worker loop:   wait on `work` until next < total or closing; take i := next++;
//                  unlock; handle(tasks[i]); store results[i] or failures[i];
//                  lock; if run unchanged: order[done++] := i; notify(progress)
//   main:          waits (asynchronously, the event loop keeps running) on `progress`
//                  and hands every completed index to onResult in completion order.
// A worker that throws outside a task, exits or dies fails the current run (and the pool)
// with an error naming it: a run never hangs on a dead worker.

const path = require('path');
const os = require('os');
const { Worker, isMainThread, workerData } = require('worker_threads');
const { SharedStructType, SharedArray } = require('./structs');
const { Mutex, Condition, AbandonedMutexError } = require('./sync');
const { share, open, release } = require('./share');

const MARK = 'shared-structs/pool';
/** Marks the pool failure made from a worker's setup failure. */
const SETUP = Symbol('setup failure');
const QUEUE_FIELDS = ['mutex', 'work', 'progress', 'tasks', 'results', 'failures', 'order', 'run', 'total', 'next', 'done', 'closing', 'ready', 'setupFailure'];
const QUEUE_KEY = 'shared-structs/pool.Queue@1';
/** Most items batchBySize takes from an array-like (as SharedArray's plain copies: 2^25). */
const MAX_BATCH_ITEMS = 2 ** 25;

let Queue = null;
function queueType() {
  if (Queue === null) Queue = new SharedStructType(QUEUE_FIELDS, QUEUE_KEY);
  return Queue;
}

/** Locks `m`, taking over a mutex abandoned by a dead worker. Returns an unlock token. */
function lock(m) {
  try {
    return Mutex.lock(m);
  } catch (e) {
    if (e instanceof AbandonedMutexError) return e.token;
    throw e;
  }
}

/**
 * Condition waits that take over the queue mutex if a worker died holding it (the waiter
 * holds it again either way; the dead worker is reported by the pool's exit handling).
 */
function waitSync(cv, tok) {
  try {
    Condition.wait(cv, tok);
  } catch (e) {
    if (!(e instanceof AbandonedMutexError)) throw e;
  }
}

async function waitAsync(cv, tok, timeoutMs, signal = null) {
  try {
    await Condition.waitAsync(cv, tok, signal === null ? timeoutMs : { timeout: timeoutMs, signal });
  } catch (e) {
    if (!(e instanceof AbandonedMutexError)) throw e;
  }
}

/** A task's error as text; never throws (a thrown Proxy or a value without toString). */
/** A short description of a bad argument for an error message. */
function describeArg(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null || typeof v === 'bigint') return String(v) + (typeof v === 'bigint' ? 'n' : '');
  return typeof v === 'function' ? 'a function' : `a ${typeof v}`;
}

function describeError(e) {
  try {
    if (e instanceof Error) return e.stack || `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return 'a thrown value that cannot be described (converting it to a string threw)';
  }
}

/** Error of a task that threw in a worker. */
class TaskError extends Error {
  constructor(index, message) {
    super(`task ${index} failed in a worker: ${message}`);
    this.name = 'TaskError';
    this.index = index;
    this.workerMessage = message;
  }
}

class WorkerPool {
  #queue;
  #m;
  #workers = [];
  #failure = null;
  #running = false;
  #closed = false;
  #exited = 0;
  #exitPromise;

  /**
   * Starts `threads` workers that each load `modulePath` (absolute, or relative to the
   * current directory) and call its `setup(data)` once.
   * Options: threads (default: available parallelism), data (structured-cloneable value
   * handed to setup; put shared objects in it as share() tokens), name (thread name prefix),
   * execArgv, resourceLimits, env (passed to each Worker).
   */
  constructor(modulePath, options = {}) {
    if (typeof modulePath !== 'string' || modulePath === '') throw new TypeError('WorkerPool: modulePath must be a non-empty string');
    if (options === null || typeof options !== 'object') throw new TypeError(`WorkerPool: options must be an object, got ${describeArg(options)}`);
    const threads = options.threads === undefined ? Math.max(1, (os.availableParallelism ? os.availableParallelism() : os.cpus().length)) : options.threads;
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) throw new RangeError(`WorkerPool: threads must be an integer from 1 to 1024, got ${describeArg(threads)}`);
    const Q = queueType();
    const q = new Q();
    q.mutex = new Mutex();
    q.work = new Condition();
    q.progress = new Condition();
    q.run = 0;
    q.total = 0;
    q.next = 0;
    q.done = 0;
    q.closing = false;
    q.ready = 0;
    this.#queue = q;
    this.#m = q.mutex;
    Object.defineProperty(this, 'threads', { value: threads, enumerable: true });
    const file = path.resolve(modulePath);
    const exits = [];
    for (let k = 0; k < threads; k++) {
      // Pins the queue until the worker opens it; released once the worker has exited, so
      // a worker terminated before it opened its token does not pin the queue for good.
      const token = share(q);
      let w;
      try {
        w = new Worker(__filename, {
          workerData: { [MARK]: { queue: token, module: file, index: k }, data: options.data },
          name: `${options.name || 'pool'}-${k}`,
          execArgv: options.execArgv,
          resourceLimits: options.resourceLimits,
          env: options.env,
        });
      } catch (e) {
        // Worker's own checks (execArgv, env, ...) throw here: unpin this worker's token,
        // stop the workers already started (their exits release theirs), and rethrow.
        release(token);
        this.#closed = true;
        for (const started of this.#workers) started.terminate();
        throw e;
      }
      exits.push(
        new Promise((resolve) => {
          w.once('exit', (code) => {
            release(token);
            this.#exited++;
            if (!this.#closed) this.#fail(new Error(`WorkerPool: worker ${k} exited with code ${code} while the pool was open`));
            resolve(code);
          });
        }),
      );
      w.on('error', (e) => this.#fail(new Error(`WorkerPool: worker ${k} failed: ${describeError(e)}`)));
      this.#workers.push(w);
    }
    this.#exitPromise = Promise.all(exits);
  }

  /** The Worker objects (to listen for messages that handlers post with parentPort). */
  get workers() {
    return this.#workers.slice();
  }

  /** The error that broke the pool, or null. */
  get failure() {
    return this.#failure;
  }

  /** The setup failure a worker recorded, as the pool's failure (it outranks that worker's exit). */
  #setupFailed() {
    const s = this.#queue.setupFailure;
    if (s === undefined) return null;
    if (this.#failure === null || !this.#failure[SETUP]) {
      const err = new Error(`WorkerPool: ${s}`);
      err[SETUP] = true;
      this.#failure = err;
    }
    return this.#failure;
  }

  #fail(err) {
    if (this.#failure === null && !this.#closed) this.#failure = this.#setupFailed() || err;
    // Wake run()/ready() so they see the failure now rather than at their next poll.
    try {
      Condition.notify(this.#queue.progress);
    } catch {
      // The shared heap is unusable: the poll below still ends the wait.
    }
  }

  /**
   * Resolves when every worker has finished setup (rejects if one failed). With
   * `options.signal`, rejects with its reason once it is aborted (the workers go on starting).
   */
  async ready(options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`WorkerPool.ready: options must be an object, got ${describeArg(options)}`);
    const signal = options.signal === undefined || options.signal === null ? null : options.signal;
    if (signal !== null && !(signal instanceof AbortSignal)) throw new TypeError(`WorkerPool.ready: options.signal must be an AbortSignal, got ${describeArg(signal)}`);
    if (signal !== null) signal.throwIfAborted();
    const q = this.#queue;
    const tok = lock(this.#m);
    try {
      while (q.ready < this.threads && this.#failure === null && q.setupFailure === undefined && !this.#closed) {
        await waitAsync(q.progress, tok, 200, signal);
      }
    } finally {
      tok.unlock();
    }
    if (q.setupFailure !== undefined) throw this.#setupFailed();
    if (this.#failure !== null) throw this.#failure;
    if (q.ready < this.threads) throw new Error('WorkerPool: the pool was closed before its workers were ready');
  }

  /**
   * Runs `handle(task)` for every task (an array or iterable of shareable values) on the
   * workers; resolves to the array of results in task order. `onResult(result, index)` is
   * called in this thread as each task completes (completion order), while the others run;
   * if it returns a promise, the next result waits for it.
   * Rejects with a TaskError if a task throws (tasks not yet started are cancelled), with
   * the pool's failure if a worker dies, or with `options.signal`'s reason once it is
   * aborted (tasks not yet started are cancelled; running ones finish on their workers).
   */
  async run(tasks, options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`WorkerPool.run: options must be an object, got ${describeArg(options)}`);
    const { onResult } = options;
    if (onResult !== undefined && typeof onResult !== 'function') throw new TypeError(`WorkerPool.run: onResult must be a function, got ${describeArg(onResult)}`);
    const signal = options.signal === undefined || options.signal === null ? null : options.signal;
    if (signal !== null && !(signal instanceof AbortSignal)) throw new TypeError(`WorkerPool.run: options.signal must be an AbortSignal, got ${describeArg(signal)}`);
    // Aborted: the run rejects with the signal's reason and its remaining tasks are cancelled.
    if (signal !== null) signal.throwIfAborted();
    if (this.#closed) throw new Error('WorkerPool: the pool is closed');
    if (this.#running) throw new Error('WorkerPool: a run is already in progress (await it first)');
    // A setup failure first: the failed worker's exit is what set #failure.
    if (this.#queue.setupFailure !== undefined) throw this.#setupFailed();
    if (this.#failure !== null) throw this.#failure;
    if (tasks === null || (typeof tasks !== 'object' && typeof tasks !== 'string')) {
      throw new TypeError(`WorkerPool.run: tasks must be an iterable or array-like of shareable values, got ${describeArg(tasks)}`);
    }
    // Straight into the shared array: SharedArray.from checks an array-like's length first
    // (Array.from({ length: 1e9 }) made V8 abort the process).
    const taskArr = SharedArray.from(tasks);
    const n = taskArr.length;
    const q = this.#queue;
    const results = new SharedArray(n);
    const failures = new SharedArray(n);
    const order = new SharedArray(n);
    this.#running = true;
    const out = new Array(n);
    try {
      let tok = lock(this.#m);
      try {
        q.tasks = taskArr;
        q.results = results;
        q.failures = failures;
        q.order = order;
        q.total = n;
        q.next = 0;
        q.done = 0;
        q.run += 1;
        Condition.notify(q.work);
      } finally {
        tok.unlock();
      }
      let seen = 0;
      while (seen < n) {
        if (signal !== null) signal.throwIfAborted();
        let done;
        tok = lock(this.#m);
        try {
          while (q.done === seen && this.#failure === null && q.setupFailure === undefined && !this.#closed) {
            await waitAsync(q.progress, tok, 250, signal);
          }
          done = q.done;
        } finally {
          tok.unlock();
        }
        for (; seen < done; seen++) {
          const i = order.get(seen);
          const f = failures.get(i);
          if (f !== undefined) {
            this.#cancel();
            throw new TaskError(i, f);
          }
          const r = results.get(i);
          out[i] = r;
          if (onResult) {
            const p = onResult(r, i);
            if (p !== null && typeof p === 'object' && typeof p.then === 'function') await p;
          }
        }
        if (seen < n) {
          if (q.setupFailure !== undefined) {
            this.#cancel();
            throw this.#setupFailed();
          }
          if (this.#failure !== null) {
            this.#cancel();
            throw this.#failure;
          }
          if (this.#closed && q.done === seen) throw new Error('WorkerPool: the pool was closed during the run');
        }
      }
      return out;
    } catch (e) {
      this.#cancel();
      throw e;
    } finally {
      this.#running = false;
    }
  }

  /** Stops handing out the tasks of the current run. */
  #cancel() {
    const q = this.#queue;
    const tok = lock(this.#m);
    try {
      q.total = q.next;
    } finally {
      tok.unlock();
    }
  }

  /**
   * Lets every worker finish its current task and exit; resolves when all have exited.
   * Workers that have not exited within `timeoutMs` (default 5000) are terminated.
   */
  async close(timeoutMs = 5000) {
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) throw new RangeError(`WorkerPool.close: timeoutMs must be a number >= 0, got ${describeArg(timeoutMs)}`);
    if (!this.#closed) {
      this.#closed = true;
      const q = this.#queue;
      const tok = lock(this.#m);
      try {
        q.closing = true;
        Condition.notify(q.work);
      } finally {
        tok.unlock();
      }
    }
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.#exitPromise, timeout]);
    clearTimeout(timer);
    if (this.#exited < this.#workers.length) await this.terminate();
  }

  /** Terminates every worker now. */
  async terminate() {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  /**
   * Groups items into batches for a pool: sorted by size, largest first; an item of
   * `batchSize` or more is a batch of its own, smaller ones are packed (in that order) into
   * batches of about `batchSize`, at most `maxItems` items each. Returns arrays of items,
   * largest batch first, which balances load like longest-processing-time scheduling.
   * `sizeOf(item)` gives an item's size (default: item.size).
   */
  static batchBySize(items, options = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`WorkerPool.batchBySize: options must be an object, got ${describeArg(options)}`);
    const { batchSize, maxItems = Infinity, sizeOf = (x) => (x == null ? undefined : x.size) } = options;
    if (typeof batchSize !== 'number' || !(batchSize > 0)) throw new RangeError(`WorkerPool.batchBySize: batchSize must be a positive number, got ${describeArg(batchSize)}`);
    if (typeof maxItems !== 'number' || !(maxItems >= 1) || (maxItems !== Infinity && !Number.isInteger(maxItems))) {
      throw new RangeError(`WorkerPool.batchBySize: maxItems must be a positive integer or Infinity, got ${describeArg(maxItems)}`);
    }
    if (typeof sizeOf !== 'function') throw new TypeError(`WorkerPool.batchBySize: sizeOf must be a function, got ${describeArg(sizeOf)}`);
    if (items === null || items === undefined) throw new TypeError(`WorkerPool.batchBySize: items must be an iterable or array-like, got ${describeArg(items)}`);
    // An array-like's length first: Array.from of a huge one made V8 abort the process.
    if (typeof items[Symbol.iterator] !== 'function' && Math.trunc(Number(items.length)) > MAX_BATCH_ITEMS) {
      throw new RangeError(`WorkerPool.batchBySize: ${items.length} items do not fit in one plain JS array here (at most ${MAX_BATCH_ITEMS})`);
    }
    const sorted = Array.from(items, (item, i) => {
      const size = sizeOf(item);
      if (typeof size !== 'number' || !(size >= 0)) throw new RangeError(`WorkerPool.batchBySize: item ${i} has size ${typeof size === 'number' ? size : typeof size}, not a number >= 0`);
      return { item, size };
    }).sort((a, b) => b.size - a.size);
    const batches = [];
    let cur = [];
    let curSize = 0;
    for (const { item, size } of sorted) {
      if (cur.length > 0 && (curSize + size > batchSize || cur.length >= maxItems)) {
        batches.push({ items: cur, size: curSize });
        cur = [];
        curSize = 0;
      }
      cur.push(item);
      curSize += size;
    }
    if (cur.length > 0) batches.push({ items: cur, size: curSize });
    batches.sort((a, b) => b.size - a.size);
    return batches.map((b) => b.items);
  }
}

// ---------------------------------------------------------------------------------------
// Worker side: the loop every pool worker runs.

async function workerMain(spec, data) {
  // The whole library, so that every built-in shared type (SharedMap, ...) can be read in
  // tasks (lib/pool.js itself only needs structs, locks and tokens).
  require('../index.js');
  const q = open(spec.queue);
  const m = q.mutex;
  let handle;
  let context;
  let setupError;
  try {
    const mod = require(spec.module);
    handle = typeof mod === 'function' ? mod : mod && mod.handle;
    if (typeof handle !== 'function') throw new TypeError(`${spec.module} exports neither a function nor { handle }`);
    if (mod && typeof mod.setup === 'function') context = mod.setup(data);
  } catch (e) {
    setupError = describeError(e);
  }
  let tok = lock(m);
  try {
    if (setupError !== undefined && q.setupFailure === undefined) q.setupFailure = `worker ${spec.index} setup failed: ${setupError}`;
    q.ready += 1;
    Condition.notify(q.progress);
  } finally {
    tok.unlock();
  }
  if (setupError !== undefined) return;
  for (;;) {
    let i;
    let task;
    let run;
    let results;
    let failures;
    tok = lock(m);
    try {
      while (!q.closing && q.next >= q.total) waitSync(q.work, tok);
      if (q.closing) break;
      i = q.next;
      q.next = i + 1;
      run = q.run;
      task = q.tasks.get(i);
      results = q.results;
      failures = q.failures;
    } finally {
      tok.unlock();
    }
    let failure;
    try {
      let r = handle(task, context, i);
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') r = await r;
      results.set(i, r);
    } catch (e) {
      failure = describeError(e);
      try {
        failures.set(i, failure);
      } catch {
        failures.set(i, 'task failed (error not describable)');
      }
    }
    tok = lock(m);
    try {
      if (q.run === run) {
        q.order.set(q.done, i);
        q.done += 1;
        Condition.notify(q.progress);
      }
    } finally {
      tok.unlock();
    }
    // Let the microtasks queued by the task run (the library releases this thread's
    // wrapper caches in one at the end of every job) before blocking again.
    await null;
  }
}

module.exports = { WorkerPool, TaskError };

if (!isMainThread && workerData && workerData[MARK]) {
  workerMain(workerData[MARK], workerData.data).catch((e) => {
    // Outside any task (the queue itself failed): make the pool see this worker fail.
    setImmediate(() => {
      throw e;
    });
  });
}
