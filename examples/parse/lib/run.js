'use strict';
// One timed run of the parse demo, in the current process (lib/child.js runs each
// in a fresh process so every mode starts equally cold).
//
//   single   main thread: read, parse, convert to plain objects; then walk every file.
//   message  pool workers read, parse, convert to plain objects and postMessage them;
//            the main thread walks each file as its message arrives.
//   shared   pool workers read, parse, convert to shared structs into a SharedMap;
//            the main thread walks each batch from the map as it completes.
//
// The clock starts before TypeScript is loaded (main thread in single mode, the workers
// otherwise: worker start-up is counted) and stops when the last file has been walked.
// With `passes` > 1 the same process parses the corpus again (same main thread, same pool):
// later passes measure the warm steady state of a long-running program.

const path = require('path');
const ss = require('./library');

const { WorkerPool } = ss;
const ast = require('./ast');
const { Progress } = require('./progress');

const WORKER = path.join(__dirname, 'worker.js');
const BATCH_FIELDS = ['files', 'paths'];
const BATCH_KEY = 'shared-structs/parse.Batch@1';

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

/**
 * Runs `mode` over `files` ([{ path, size }]) `passes` times (default 1) and returns
 * { mode, threads, ms, passMs, cpuMs, passCpuMs, setupMs, nodes, arrays, identifiers, badParents, checksum,
 *   kinds, memory, errors, codeCache } for the last pass (`passMs` lists every pass).
 * `cpuMs` is the CPU time of the whole process (every thread) during the pass.
 * `kinds` is an array of counts indexed by SyntaxKind. `memory` is { bytes, how } or null.
 */
async function run({ mode, threads = 1, files, identifierKind, progress: showProgress, measureMemory = true, timeoutMs = 0, cacheFile = null, passes = 1 }) {
  if (!['single', 'message', 'shared'].includes(mode)) throw new Error(`unknown mode ${mode}`);
  const paths = files.map((f) => f.path);
  let totalBytes = 0;
  for (const f of files) totalBytes += f.size;
  const label = `${mode}${mode === 'single' ? '' : ` x${threads}`}`;
  const timeout = makeTimeout(timeoutMs, `${label} run`);
  // Single mode parses synchronously, so the timer above cannot fire there: it checks this
  // deadline between files (and between the walks) instead.
  const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
  const checkDeadline = () => {
    if (performance.now() > deadline) throw new Error(`${label} run timed out after ${timeoutMs} ms`);
  };
  const setupMs = [];
  let codeCache = 'off';
  const passMs = [];
  const passCpuMs = [];
  const cpuMs = (c0) => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  let last = null;
  let memory = null;

  try {
    if (mode === 'single') {
      let ts = null;
      let tsl = null;
      let conv = null;
      for (let pass = 0; pass < passes; pass++) {
        const isLast = pass === passes - 1;
        if (isLast) last = null; // drop the previous pass's ASTs before the measured one
        gcNow();
        const st = new ast.WalkStats(identifierKind);
        const bar = new Progress(showProgress, passes > 1 ? `${label} ${pass + 1}/${passes}` : label, totalBytes);
        const errors = [];
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        if (ts === null) {
          tsl = require('./typescript');
          ts = tsl.load({ cacheFile });
          conv = ast.makeConverter(ts);
          setupMs.push(performance.now() - t0);
          codeCache = tsl.codeCacheStatus();
        }
        let asts = new Array(files.length);
        let done = 0;
        for (let i = 0; i < files.length; i++) {
          const sf = tsl.parseFile(ts, files[i].path);
          errors.push(...tsl.syntaxErrors(ts, sf));
          asts[i] = conv.toPlain(sf);
          done += files[i].size;
          bar.update(done);
          checkDeadline();
        }
        conv.clear();
        for (let i = 0; i < files.length; i++) {
          st.fileSums.set(paths[i], ast.walkPlain(asts[i], st));
          checkDeadline();
        }
        passMs.push(performance.now() - t0);
        passCpuMs.push(cpuMs(c0));
        bar.done();
        last = { st, errors };
        if (isLast && measureMemory) {
          gcNow();
          const withAst = heapUsed();
          asts = null;
          gcNow();
          memory = { bytes: withAst - heapUsed(), how: 'V8 heapUsed after gc(), with the plain ASTs minus without' };
        }
      }
    } else {
      const batches = makeBatches(files, threads);
      const sizes = batches.map((b) => b.reduce((s, f) => s + f.size, 0));
      const Batch = new ss.SharedStructType(BATCH_FIELDS, BATCH_KEY);
      let pool = null;
      let onMessage = null;
      try {
        for (let pass = 0; pass < passes; pass++) {
          const isLast = pass === passes - 1;
          last = null;
          gcNow();
          let shared0 = 0;
          if (mode === 'shared' && isLast && measureMemory) {
            ss.gc();
            shared0 = ss.heapStats().bytesInUse;
          }
          const st = new ast.WalkStats(identifierKind);
          const bar = new Progress(showProgress, passes > 1 ? `${label} ${pass + 1}/${passes}` : label, totalBytes);
          const errors = [];
          const keep = isLast && measureMemory && mode === 'message' ? [] : null;
          let done = 0;
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          const map = mode === 'shared' ? new ss.SharedMap() : null;
          const tasks = batches.map((b) => {
            const t = new Batch();
            t.files = map;
            t.paths = ss.SharedArray.from(b, (f) => f.path);
            return t;
          });
          // message mode: batches arrive as messages (plain ASTs, structured-cloned).
          let received = 0;
          let allReceived;
          const allIn = new Promise((resolve) => {
            allReceived = resolve;
          });
          const onBatch = (m) => {
            const b = batches[m.batch];
            for (let i = 0; i < b.length; i++) {
              st.fileSums.set(b[i].path, ast.walkPlain(m.asts[i], st));
              if (keep) keep.push(m.asts[i]);
            }
            done += sizes[m.batch];
            bar.update(done);
            if (++received === batches.length) allReceived();
          };
          if (pool === null) {
            pool = new WorkerPool(WORKER, { threads, name: `parse-${mode}`, data: { mode, cacheFile } });
            onMessage = (m) => {
              if (m.setupMs !== undefined) {
                setupMs.push(m.setupMs);
                codeCache = m.codeCache;
              } else if (m.batch !== undefined) {
                onMessage.current(m);
              }
            };
            for (const w of pool.workers) w.on('message', onMessage);
          }
          onMessage.current = onBatch;
          await timeout.race(
            pool.run(tasks, {
              async onResult(result, i) {
                if (result !== undefined) errors.push(result);
                if (mode !== 'shared') return;
                // shared mode: walk the batch's files in place, one job per file.
                const b = batches[i];
                for (let k = 0; k < b.length; k++) {
                  const p = b[k].path;
                  st.fileSums.set(p, ast.walkShared(map.get(p), st));
                  await yieldJob();
                }
                done += sizes[i];
                bar.update(done);
              },
            }),
          );
          if (mode === 'message') await timeout.race(allIn);
          passMs.push(performance.now() - t0);
          passCpuMs.push(cpuMs(c0));
          bar.done();
          last = { st, errors };
          if (isLast && measureMemory) {
            gcNow();
            if (mode === 'shared') {
              ss.gc();
              memory = { bytes: ss.heapStats().bytesInUse - shared0, how: 'shared heap bytesInUse (heapStats) after the run minus before, each after gc()' };
              if (map.size !== files.length) throw new Error(`the shared map holds ${map.size} files, expected ${files.length}`);
            } else {
              const withAst = heapUsed();
              keep.length = 0;
              gcNow();
              memory = { bytes: withAst - heapUsed(), how: "V8 heapUsed of the main thread after gc(), with the received ASTs minus without" };
            }
          }
        }
      } finally {
        if (pool !== null) await pool.close();
      }
    }
  } finally {
    timeout.clear();
  }
  const { st, errors } = last;
  return {
    mode,
    threads: mode === 'single' ? 1 : threads,
    ms: passMs[passMs.length - 1],
    passMs,
    cpuMs: passCpuMs[passCpuMs.length - 1],
    passCpuMs,
    setupMs: setupMs.length ? Math.max(...setupMs) : 0,
    nodes: st.nodes,
    arrays: st.arrays,
    identifiers: st.identifiers,
    badParents: st.badParents,
    checksum: st.checksum(paths),
    kinds: Array.from(st.kinds),
    memory,
    errors,
    codeCache,
  };
}

module.exports = { run, makeBatches };
