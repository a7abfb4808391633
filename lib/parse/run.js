'use strict';
// One timed run of the parse demo, in the current process (lib/parse/child.js runs each
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

const path = require('path');
const ss = require('../../index.js');
const { WorkerPool } = require('../pool');
const ast = require('./ast');
const { Progress } = require('./progress');

const WORKER = path.join(__dirname, 'worker.js');

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

/**
 * Runs `mode` over `files` ([{ path, size }]) and returns
 * { mode, threads, ms, setupMs, nodes, arrays, identifiers, badParents, checksum, kinds, memory, errors }.
 * `kinds` is an array of counts indexed by SyntaxKind. `memory` is { bytes, how }.
 */
async function run({ mode, threads, files, identifierKind, progress: showProgress, measureMemory = true, timeoutMs }) {
  const st = new ast.WalkStats(identifierKind);
  const paths = files.map((f) => f.path);
  let totalBytes = 0;
  for (const f of files) totalBytes += f.size;
  const bar = new Progress(showProgress, `${mode}${mode === 'single' ? '' : ` x${threads}`}`, totalBytes);
  const errors = [];
  let setupMs = [];
  let memory = null;
  let timer = null;
  const timeout =
    timeoutMs > 0
      ? new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${mode} run timed out after ${timeoutMs} ms`)), timeoutMs);
          timer.unref();
        })
      : null;
  const withTimeout = (p) => (timeout ? Promise.race([p, timeout]) : p);

  let t0;
  let t1;
  if (mode === 'single') {
    t0 = performance.now();
    const tsl = require('./typescript');
    const ts = tsl.load();
    const conv = ast.makeConverter(ts);
    setupMs.push(performance.now() - t0);
    let asts = new Array(files.length);
    let done = 0;
    for (let i = 0; i < files.length; i++) {
      const sf = tsl.parseFile(ts, files[i].path);
      errors.push(...tsl.syntaxErrors(ts, sf));
      asts[i] = conv.toPlain(sf);
      done += files[i].size;
      bar.update(done);
    }
    conv.clear();
    for (let i = 0; i < files.length; i++) st.fileSums.set(paths[i], ast.walkPlain(asts[i], st));
    t1 = performance.now();
    bar.done();
    if (measureMemory) {
      gcNow();
      const withAst = heapUsed();
      asts = null;
      gcNow();
      memory = { bytes: withAst - heapUsed(), how: 'V8 heapUsed after gc(), with the plain ASTs minus without' };
    }
  } else if (mode === 'message' || mode === 'shared') {
    const batches = makeBatches(files, threads);
    const sizes = batches.map((b) => b.reduce((s, f) => s + f.size, 0));
    const tasks = batches.map((b) => ss.SharedArray.from(b, (f) => f.path));
    let map = null;
    let shared0 = 0;
    let plainAsts = measureMemory && mode === 'message' ? [] : null;
    if (mode === 'shared') {
      gcNow();
      shared0 = ss.heapStats().bytesInUse;
    }
    let done = 0;
    t0 = performance.now();
    if (mode === 'shared') map = new ss.SharedMap();
    const pool = new WorkerPool(WORKER, {
      threads,
      name: `parse-${mode}`,
      data: { mode, files: map ? ss.share(map) : undefined },
    });
    let received = 0;
    let allReceived;
    const allIn = new Promise((resolve) => {
      allReceived = resolve;
    });
    const onMessage = (m) => {
      if (m.setupMs !== undefined) {
        setupMs.push(m.setupMs);
        return;
      }
      // message mode: one batch of plain ASTs, structured-cloned.
      const b = batches[m.batch];
      for (let i = 0; i < b.length; i++) {
        st.fileSums.set(b[i].path, ast.walkPlain(m.asts[i], st));
        if (plainAsts) plainAsts.push(m.asts[i]);
      }
      done += sizes[m.batch];
      bar.update(done);
      if (++received === batches.length) allReceived();
    };
    for (const w of pool.workers) w.on('message', onMessage);
    try {
      await withTimeout(
        pool.run(tasks, {
          onResult(result, i) {
            if (result !== undefined) errors.push(result);
            if (mode === 'shared') {
              const b = batches[i];
              for (let k = 0; k < b.length; k++) {
                const p = b[k].path;
                st.fileSums.set(p, ast.walkShared(map.get(p), st));
              }
              done += sizes[i];
              bar.update(done);
            }
          },
        }),
      );
      if (mode === 'message') await withTimeout(allIn);
      t1 = performance.now();
      bar.done();
    } finally {
      await pool.close();
    }
    if (measureMemory) {
      if (mode === 'shared') {
        gcNow();
        memory = { bytes: ss.heapStats().bytesInUse - shared0, how: 'shared heap bytesInUse after the run minus before (heapStats)' };
      } else {
        gcNow();
        const withAst = heapUsed();
        plainAsts = null;
        gcNow();
        memory = { bytes: withAst - heapUsed(), how: 'V8 heapUsed of the main thread after gc(), with the received ASTs minus without' };
      }
    }
    // Keep the map alive until memory is measured.
    if (map !== null && map.size !== files.length) throw new Error(`shared map holds ${map.size} files, expected ${files.length}`);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  if (timer) clearTimeout(timer);
  return {
    mode,
    threads: mode === 'single' ? 1 : threads,
    ms: t1 - t0,
    setupMs: setupMs.length ? Math.max(...setupMs) : 0,
    nodes: st.nodes,
    arrays: st.arrays,
    identifiers: st.identifiers,
    badParents: st.badParents,
    checksum: st.checksum(paths),
    kinds: Array.from(st.kinds),
    memory,
    errors,
  };
}

module.exports = { run, makeBatches };
