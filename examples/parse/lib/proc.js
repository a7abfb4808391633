'use strict';
// One process of processes mode (lib/run.js forks N of them): loads TypeScript, then parses
// and walks the batches of files it is sent, one at a time, with the same visitor as every
// other mode, on TypeScript's own AST. Nothing is handed over but file paths in and counts
// out: N of these are what N cores give with no sharing at all.
//
// Messages in:  { setup: { cacheFile } }          -> { ready: { setupMs, codeCache } }
//               { batch: i, paths, keep }         -> { done: i, stats, errors }
//               { report: true, measureMemory }   -> { report: { cpuMs, memory } }
// With `keep` the ASTs are kept until the next report, which measures the heap they take
// (with and without them, after gc(): started with --expose-gc) and drops them.

const { WalkStats, makeVisitor } = require('./visitor');

let ts = null;
let tsl = null;
let visitFile = null;
let kept = [];

function gcNow() {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
}

function cpuMs() {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

function handle(m) {
  if (m.setup) {
    const t0 = performance.now();
    tsl = require('./typescript');
    ts = tsl.load({ cacheFile: m.setup.cacheFile });
    visitFile = makeVisitor(ts);
    return { ready: { setupMs: performance.now() - t0, codeCache: tsl.codeCacheStatus() } };
  }
  if (m.batch !== undefined) {
    const st = new WalkStats();
    const errors = [];
    for (const p of m.paths) {
      const sf = tsl.parseFile(ts, p);
      errors.push(...tsl.syntaxErrors(ts, sf));
      st.fileSums.set(p, visitFile(sf, st));
      if (m.keep) kept.push(sf);
    }
    return { done: m.batch, stats: st.toJSON(), errors };
  }
  if (m.report) {
    let memory = null;
    if (m.measureMemory && kept.length > 0) {
      gcNow();
      const withAst = process.memoryUsage().heapUsed;
      kept = [];
      gcNow();
      memory = withAst - process.memoryUsage().heapUsed;
    }
    kept = [];
    return { report: { cpuMs: cpuMs(), memory } };
  }
  throw new Error(`unknown message ${JSON.stringify(Object.keys(m))}`);
}

process.on('message', (m) => {
  let reply;
  try {
    reply = handle(m);
  } catch (e) {
    reply = { error: String((e && e.stack) || e) };
  }
  // The parent may have gone (a failed run closes every process): nothing to report then.
  if (process.connected) process.send(reply, () => {});
});
process.on('disconnect', () => process.exit(0));
