'use strict';
// One timed run of the parse demo, in the current process (lib/child.js runs each in a
// fresh process so every mode starts equally cold). Every mode ends with the same visitor
// (lib/visitor.js: ts.forEachChild from each SourceFile) over every file:
//
//   single     the main thread reads and parses every file, then walks TypeScript's own
//              ASTs: the baseline a TypeScript user has.
//   message    pool workers read, parse and convert each file into plain objects of the
//              schema's shape and post them (structured clone); the main thread walks
//              each batch as its message arrives.
//   shared     pool workers read, parse and convert each file into the TypeScript-shaped
//              shared AST (lib/shared-ast.js) in a SharedMap; the main thread walks each
//              batch in place as it completes.
//   processes  N child processes (lib/proc.js) each read, parse and walk batches of files
//              on TypeScript's own AST, handing nothing over but counts: the physical limit
//              of N cores on this machine.
//
// The clock starts before TypeScript is loaded anywhere (worker and process start-up are
// counted) and stops when the last file has been walked. With `passes` > 1 the same
// process parses the corpus again (same main thread, same pool or processes): later passes
// measure the warm steady state of a long-running program.

const path = require('path');
const { fork } = require('child_process');
const ss = require('./library');
const { WalkStats, makeVisitor } = require('./visitor');
const { Progress } = require('./progress');

const { WorkerPool } = ss;
const WORKER = path.join(__dirname, 'worker.js');
const PROC = path.join(__dirname, 'proc.js');
const BATCH_FIELDS = ['files', 'paths', 'shapes'];
const BATCH_KEY = 'shared-structs-parse/Batch@2';
const MODES = ['single', 'message', 'shared', 'processes'];

/** Batches for `threads` workers: about 16 per thread, largest first. */
function makeBatches(files, threads) {
  let total = 0;
  for (const f of files) total += f.size;
  const batchSize = Math.max(16 * 1024, Math.ceil(total / (threads * 16)));
  return WorkerPool.batchBySize(files, { batchSize, maxItems: 64 });
}

function gcNow() {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
}

function heapUsed() {
  return process.memoryUsage().heapUsed;
}

/** Lets pending microtasks run (the library releases its per-job wrapper caches in one). */
const yieldJob = () => null;

function makeTimeout(timeoutMs, what) {
  let timer = null;
  const promise =
    timeoutMs > 0
      ? new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
          timer.unref();
        })
      : null;
  return {
    race: (p) => (promise ? Promise.race([p, promise]) : p),
    clear: () => timer && clearTimeout(timer),
  };
}

function cpuSince(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/**
 * Runs `mode` over `files` ([{ path, size }]) `passes` times (default 1) and returns
 * { mode, threads, ms, passMs, cpuMs, passCpuMs, setupMs, nodes, identifiers, badParents,
 *   checksum, kinds, memory, errors, codeCache } for the last pass (`passMs` lists every
 * pass). `cpuMs` is the CPU time of the whole process (every thread; in processes mode
 * plus every child process) during the pass. `kinds` is an array of counts indexed by
 * SyntaxKind. `memory` is { bytes, how } or null (measured on the last pass).
 */
async function run({ mode, threads = 1, files, progress: showProgress, measureMemory = true, timeoutMs = 0, cacheFile = null, passes = 1 }) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}`);
  if (files.length === 0) throw new Error('no input files');
  const paths = files.map((f) => f.path);
  let totalBytes = 0;
  for (const f of files) totalBytes += f.size;
  const label = `${mode}${mode === 'single' ? '' : ` x${threads}`}`;
  const ctx = {
    mode,
    threads,
    files,
    paths,
    totalBytes,
    label,
    passes,
    measureMemory,
    cacheFile,
    showProgress,
    timeout: makeTimeout(timeoutMs, `${label} run`),
    // Single mode parses synchronously, so the timer above cannot fire there: it checks
    // this deadline between files instead.
    deadline: timeoutMs > 0 ? performance.now() + timeoutMs : Infinity,
    timeoutMs,
    setupMs: [],
    codeCache: 'off',
    passMs: [],
    passCpuMs: [],
    last: null,
    memory: null,
  };
  try {
    if (mode === 'single') runSingle(ctx);
    else if (mode === 'processes') await runProcesses(ctx);
    else await runPool(ctx);
  } finally {
    ctx.timeout.clear();
  }
  const { st, errors } = ctx.last;
  return {
    mode,
    threads: mode === 'single' ? 1 : threads,
    ms: ctx.passMs[ctx.passMs.length - 1],
    passMs: ctx.passMs,
    cpuMs: ctx.passCpuMs[ctx.passCpuMs.length - 1],
    passCpuMs: ctx.passCpuMs,
    setupMs: ctx.setupMs.length ? Math.max(...ctx.setupMs) : 0,
    nodes: st.nodes,
    identifiers: st.identifiers,
    badParents: st.badParents,
    checksum: st.checksum(paths),
    kinds: Array.from(st.kinds),
    memory: ctx.memory,
    errors,
    codeCache: ctx.codeCache,
  };
}

function newBar(ctx, pass) {
  return new Progress(ctx.showProgress, ctx.passes > 1 ? `${ctx.label} ${pass + 1}/${ctx.passes}` : ctx.label, ctx.totalBytes);
}

// ---- single -------------------------------------------------------------------------------

function runSingle(ctx) {
  const { files, paths, passes } = ctx;
  const checkDeadline = () => {
    if (performance.now() > ctx.deadline) throw new Error(`${ctx.label} run timed out after ${ctx.timeoutMs} ms`);
  };
  let ts = null;
  let tsl = null;
  let visitFile = null;
  for (let pass = 0; pass < passes; pass++) {
    const isLast = pass === passes - 1;
    ctx.last = null; // drop the previous pass's ASTs before the next one
    gcNow();
    const st = new WalkStats();
    const bar = newBar(ctx, pass);
    const errors = [];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    if (ts === null) {
      tsl = require('./typescript');
      ts = tsl.load({ cacheFile: ctx.cacheFile });
      visitFile = makeVisitor(ts);
      ctx.setupMs.push(performance.now() - t0);
      ctx.codeCache = tsl.codeCacheStatus();
    }
    let asts = new Array(files.length);
    let done = 0;
    for (let i = 0; i < files.length; i++) {
      asts[i] = tsl.parseFile(ts, paths[i]);
      errors.push(...tsl.syntaxErrors(ts, asts[i]));
      done += files[i].size;
      bar.update(done);
      checkDeadline();
    }
    for (let i = 0; i < files.length; i++) st.fileSums.set(paths[i], visitFile(asts[i], st));
    checkDeadline();
    ctx.passMs.push(performance.now() - t0);
    ctx.passCpuMs.push(cpuSince(c0));
    bar.done();
    ctx.last = { st, errors };
    if (isLast && ctx.measureMemory) {
      gcNow();
      const withAst = heapUsed();
      asts = null;
      gcNow();
      ctx.memory = { bytes: withAst - heapUsed(), how: "V8 heapUsed after gc(), with TypeScript's ASTs minus without" };
    }
  }
}

// ---- message and shared: a worker pool --------------------------------------------------------

async function runPool(ctx) {
  const { mode, threads, files, passes } = ctx;
  const batches = makeBatches(files, threads);
  const sizes = batches.map((b) => b.reduce((s, f) => s + f.size, 0));
  const Batch = new ss.SharedStructType(BATCH_FIELDS, BATCH_KEY);
  let pool = null;
  let onMessage = null;
  let ts = null;
  let visitFile = null;
  let sa = null;
  let shapes = null;
  try {
    for (let pass = 0; pass < passes; pass++) {
      const isLast = pass === passes - 1;
      ctx.last = null;
      gcNow();
      let shared0 = 0;
      if (mode === 'shared' && isLast && ctx.measureMemory) {
        ss.gc();
        shared0 = ss.heapStats().bytesInUse;
      }
      const st = new WalkStats();
      const bar = newBar(ctx, pass);
      const errors = [];
      const keep = isLast && ctx.measureMemory && mode === 'message' ? [] : null;
      let done = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (pool === null) {
        pool = new WorkerPool(WORKER, { threads, name: `parse-${mode}`, data: { mode, cacheFile: ctx.cacheFile } });
        onMessage = (m) => {
          if (m.setupMs !== undefined) {
            ctx.setupMs.push(m.setupMs);
            ctx.codeCache = m.codeCache;
          } else if (m.batch !== undefined) {
            onMessage.current(m);
          }
        };
        for (const w of pool.workers) w.on('message', onMessage);
        // The main thread's TypeScript (for the visitor) loads while the workers start.
        const tsl = require('./typescript');
        ts = tsl.load({ cacheFile: ctx.cacheFile });
        visitFile = makeVisitor(ts);
        if (mode === 'shared') {
          sa = require('./shared-ast').sharedAst(ts);
          shapes = sa.newUsedList();
        }
      }
      const map = mode === 'shared' ? new ss.SharedMap() : null;
      const tasks = batches.map((b) => {
        const t = new Batch();
        t.files = map;
        t.paths = ss.SharedArray.from(b, (f) => f.path);
        t.shapes = shapes;
        return t;
      });
      // message mode: batches arrive as messages (plain ASTs, structured-cloned).
      let received = 0;
      let allReceived;
      const allIn = new Promise((resolve) => {
        allReceived = resolve;
      });
      onMessage.current = (m) => {
        const b = batches[m.batch];
        for (let i = 0; i < b.length; i++) {
          st.fileSums.set(b[i].path, visitFile(m.asts[i], st));
          if (keep) keep.push(m.asts[i]);
        }
        done += sizes[m.batch];
        bar.update(done);
        if (++received === batches.length) allReceived();
      };
      await ctx.timeout.race(
        pool.run(tasks, {
          async onResult(result, i) {
            if (result !== undefined) errors.push(result);
            if (mode !== 'shared') return;
            // shared mode: walk the batch's files in place, one job per file.
            sa.declareUsed(shapes);
            const b = batches[i];
            for (let k = 0; k < b.length; k++) {
              const p = b[k].path;
              st.fileSums.set(p, visitFile(map.get(p), st));
              await yieldJob();
            }
            done += sizes[i];
            bar.update(done);
          },
        }),
      );
      if (mode === 'message') await ctx.timeout.race(allIn);
      ctx.passMs.push(performance.now() - t0);
      ctx.passCpuMs.push(cpuSince(c0));
      bar.done();
      ctx.last = { st, errors };
      if (isLast && ctx.measureMemory) {
        gcNow();
        if (mode === 'shared') {
          ss.gc();
          ctx.memory = { bytes: ss.heapStats().bytesInUse - shared0, how: 'shared heap bytesInUse (heapStats) after the run minus before, each after gc()' };
          if (map.size !== files.length) throw new Error(`the shared map holds ${map.size} files, expected ${files.length}`);
        } else {
          const withAst = heapUsed();
          keep.length = 0;
          gcNow();
          ctx.memory = { bytes: withAst - heapUsed(), how: 'V8 heapUsed of the main thread after gc(), with the received ASTs minus without' };
        }
      }
    }
  } finally {
    if (pool !== null) await pool.close();
  }
}

// ---- processes ----------------------------------------------------------------------------------

/** A child process of processes mode, answering one request at a time (lib/proc.js). */
class Proc {
  constructor(index, onFail) {
    this.index = index;
    this.pending = null;
    this.exited = false;
    this.child = fork(PROC, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child.on('message', (m) => {
      const p = this.pending;
      this.pending = null;
      if (p === null) return;
      if (m && m.error) p.reject(new Error(`process ${index}: ${m.error}`));
      else p.resolve(m);
    });
    const fail = (why) => {
      this.exited = true;
      const e = new Error(`process ${index} ${why}`);
      if (this.pending !== null) {
        const p = this.pending;
        this.pending = null;
        p.reject(e);
      }
      onFail(e);
    };
    this.child.on('exit', (code, signal) => fail(`exited (${signal || `code ${code}`})`));
    this.child.on('error', (e) => fail(`failed: ${e.message}`));
  }
  request(msg) {
    if (this.exited) return Promise.reject(new Error(`process ${this.index} has exited`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(msg);
    });
  }
  close() {
    this.exited = true;
    this.child.removeAllListeners('exit');
    if (this.child.connected) this.child.disconnect();
    const c = this.child;
    setTimeout(() => c.kill('SIGKILL'), 2000).unref();
  }
}

async function runProcesses(ctx) {
  const { threads, files, passes } = ctx;
  const batches = makeBatches(files, threads);
  const sizes = batches.map((b) => b.reduce((s, f) => s + f.size, 0));
  let procs = null;
  let failure = null;
  let failed;
  const failedP = new Promise((_, reject) => {
    failed = reject;
  });
  failedP.catch(() => {});
  const onFail = (e) => {
    if (failure === null) {
      failure = e;
      failed(e);
    }
  };
  /** Each process's CPU ms at the end of the previous pass (0 before the first). */
  let cpuBefore = null;
  try {
    for (let pass = 0; pass < passes; pass++) {
      const isLast = pass === passes - 1;
      ctx.last = null;
      const st = new WalkStats();
      const bar = newBar(ctx, pass);
      const errors = [];
      let done = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (procs === null) {
        procs = Array.from({ length: threads }, (_, i) => new Proc(i, onFail));
        cpuBefore = procs.map(() => 0);
        const ready = await ctx.timeout.race(Promise.race([failedP, Promise.all(procs.map((p) => p.request({ setup: { cacheFile: ctx.cacheFile } })))]));
        for (const r of ready) {
          ctx.setupMs.push(r.ready.setupMs);
          ctx.codeCache = r.ready.codeCache;
        }
      }
      // Each process takes the next batch when it is done with one (as the pool's workers do).
      let next = 0;
      const keep = isLast && ctx.measureMemory;
      const drive = async (p) => {
        while (next < batches.length) {
          const i = next++;
          const r = await p.request({ batch: i, paths: batches[i].map((f) => f.path), keep });
          st.merge(r.stats);
          errors.push(...r.errors);
          done += sizes[i];
          bar.update(done);
        }
      };
      await ctx.timeout.race(Promise.race([failedP, Promise.all(procs.map(drive))]));
      const reports = await ctx.timeout.race(Promise.race([failedP, Promise.all(procs.map((p) => p.request({ report: true, measureMemory: keep })))]));
      ctx.passMs.push(performance.now() - t0);
      let cpu = cpuSince(c0);
      reports.forEach((r, i) => {
        cpu += r.report.cpuMs - cpuBefore[i];
        cpuBefore[i] = r.report.cpuMs;
      });
      ctx.passCpuMs.push(cpu);
      bar.done();
      ctx.last = { st, errors: errors.length ? [errors.join('\n')] : [] };
      if (keep) {
        const bytes = reports.reduce((s, r) => s + (r.report.memory || 0), 0);
        ctx.memory = { bytes, how: "V8 heapUsed of each process after gc(), with TypeScript's ASTs minus without, summed" };
      }
    }
  } finally {
    if (procs !== null) for (const p of procs) p.close();
  }
}

module.exports = { run, makeBatches, MODES };
