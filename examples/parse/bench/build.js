'use strict';
// What converting TypeScript's AST costs, per builder, side by side in one thread on the same
// parsed files (what a shared-mode worker does after parsing). Run:
//   node --expose-gc examples/parse/bench/build.js [--small] [--files N] [--rounds N] [--only a,b]
//
//   noop      reads what the converters read and recurses, building nothing: the floor
//   plain     plain objects of the schema's shape (message mode's conversion)
//   bulk      shared structs through bulk views: view.set.<field>(handle, value) per field
//   cursor    shared structs through bulk cursors: one at() per node (two with children),
//             NodeArray elements written through one cursor once the list is made
//   freeze    freeze(root, { deep: true }) of each shared SourceFile (after a cursor build)
//
// Medians over the rounds (interleaved, so a busy machine slows all builders alike), in ns per
// node the visitor counts: wall time, the process's CPU time (every thread: V8's background
// compiler and GC too; steadier than wall time on a busy machine), this thread's CPU time
// (Linux) and V8's GC pauses.

const { PerformanceObserver } = require('perf_hooks');
const ss = require('../lib/library');
const tsl = require('../lib/typescript');
const { resolveDefault } = require('../lib/corpus');
const { makeConverter } = require('../lib/convert');
const { sharedAst } = require('../lib/shared-ast');
const { WalkStats, makeVisitor } = require('../lib/visitor');

const { opt, gcNow, median } = require('./common');
const { small, rounds, maxFiles } = require('./common').options;
const only = opt('--only', 'noop,plain,bulk,cursor,freeze').split(',');
/** --profile FILE: a CPU profile of the timed builds only (every round, every builder run). */
const profileFile = opt('--profile', null);
const inspector = profileFile === null ? null : new (require('inspector').Session)();
const post = (method, params) => new Promise((res, rej) => inspector.post(method, params, (e, r) => (e ? rej(e) : res(r))));

/** V8 GC pauses of this thread: [startTime, duration]. */
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });
/** Sum of the GC pauses that started in [t0, t1). */
function gcBetween(t0, t1) {
  let ms = 0;
  for (const [t, d] of gcs) if (t >= t0 && t < t1) ms += d;
  return ms;
}

const fs = require('fs');
/** CPU time of this thread (ms; Linux /proc, 10 ms ticks), or NaN elsewhere. */
function threadCpuMs() {
  try {
    const f = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) * 10;
  } catch {
    return NaN;
  }
}

async function main() {
  const { files } = resolveDefault({ small });
  const paths = files.map((f) => f.path).slice(0, maxFiles);
  const ts = tsl.load({ cacheFile: tsl.defaultCacheFile() });
  const asts = paths.map((p) => tsl.parseFile(ts, p));
  const st = new WalkStats();
  const visitFile = makeVisitor(ts);
  for (const sf of asts) visitFile(sf, st);
  const nodes = st.nodes;
  const sa = sharedAst(ts);
  const noop = makeConverter(ts, 'noop');
  const plain = makeConverter(ts, 'plain');
  const builders = {
    noop: () => {
      for (const sf of asts) noop.convert(sf);
    },
    plain: () => {
      for (const sf of asts) plain.convert(sf);
    },
    bulk: () => {
      for (const sf of asts) sa.buildWithViews(sf);
    },
    cursor: () => {
      for (const sf of asts) sa.build(sf);
    },
  };
  const profiles = [];
  if (inspector !== null) {
    inspector.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const times = {};
  const add = (k, ms) => (times[k] || (times[k] = [])).push((ms * 1e6) / nodes);
  for (let r = 0; r < rounds; r++) {
    for (const k of only) {
      if (k === 'freeze') {
        const roots = asts.map((sf) => sa.build(sf));
        const t0 = performance.now();
        for (const root of roots) ss.freeze(root, { deep: true });
        add(k, performance.now() - t0);
        continue;
      }
      gcNow();
      await new Promise((r) => setImmediate(r));
      if (inspector !== null) await post('Profiler.start');
      const c0 = process.cpuUsage();
      const tc0 = threadCpuMs();
      const t0 = performance.now();
      builders[k]();
      const t1 = performance.now();
      const tc = threadCpuMs() - tc0;
      const c = process.cpuUsage(c0);
      if (inspector !== null) profiles.push((await post('Profiler.stop')).profile);
      await new Promise((r) => setTimeout(r, 10));
      add(k, t1 - t0);
      add(`${k}, cpu`, (c.user + c.system) / 1000);
      add(`${k}, thread cpu`, tc);
      add(`${k}, V8 GC`, gcBetween(t0, t1));
    }
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  if (inspector !== null) {
    // The last round's profile (warm code).
    require('fs').writeFileSync(profileFile, JSON.stringify(profiles[profiles.length - 1]));
  }
  console.log(`${paths.length} files, ${nodes.toLocaleString('en-US')} nodes; median of ${rounds} rounds, ns per node`);
  for (const [k, v] of Object.entries(times)) {
    console.log(`${k.padEnd(14)} ${median(v).toFixed(0).padStart(6)} ns   range ${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)}   first round (cold code) ${v[0].toFixed(0)}`);
  }
}

main();
