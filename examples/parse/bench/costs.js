'use strict';
// Per-node costs behind the parse demo's figures, side by side in one process: building and
// walking TypeScript's own AST, the plain copy (message mode) and the shared AST (shared
// mode), on the same files. Run: node --expose-gc examples/parse/bench/costs.js [--small]
// [--rounds N] [--files N]
//
//   parse                 ts.createSourceFile (setParentNodes), per node visited
//   walk ts               the visitor over TypeScript's AST
//   build noop            reads what a conversion reads and recurses, builds nothing (the floor)
//   build plain           TypeScript AST -> plain objects of the schema's shape (message mode)
//   walk plain            the visitor over the plain copy
//   build shared          TypeScript AST -> shared structs through bulk cursors (shared mode)
//   build shared, views   the same through bulk views (view.set.<field>(handle, value))
//   freeze                freeze(root, { deep: true }) of each shared SourceFile
//   walk shared, first    the visitor over a shared AST a worker built (every wrapper made here)
//   walk shared, again    the same, in a later job (wrappers found in the identity table or made again)
//
// Each figure is the median over the rounds, in ns per node the visitor counts, of the wall
// time and of the process's CPU time (every thread: V8's background GC and compiler too, as
// the demo's cpu column counts); the rounds interleave the measurements so a busy machine
// slows all of them alike.

const path = require('path');
const ss = require('../lib/library');
const tsl = require('../lib/typescript');
const { resolveDefault } = require('../lib/corpus');
const { makeConverter } = require('../lib/convert');
const { sharedAst } = require('../lib/shared-ast');
const { WalkStats, makeVisitor } = require('../lib/visitor');

const { gcNow, median, timed } = require('./common');
const { small, rounds, maxFiles } = require('./common').options;


async function main() {
  const { files } = resolveDefault({ small });
  const paths = files.map((f) => f.path).slice(0, maxFiles);
  const ts = tsl.load({ cacheFile: tsl.defaultCacheFile() });
  const visitFile = makeVisitor(ts);
  const noop = makeConverter(ts, 'noop');
  const plain = makeConverter(ts, 'plain');
  const sa = sharedAst(ts);
  const Batch = new ss.SharedStructType(['files', 'paths', 'shapes'], 'shared-structs-parse/Batch@2');
  const shapes = sa.newUsedList();
  const pool = new ss.WorkerPool(path.join(__dirname, '..', 'lib', 'worker.js'), { threads: 1, data: { mode: 'shared', cacheFile: tsl.defaultCacheFile() } });
  const walk = (roots) => {
    const st = new WalkStats();
    for (let i = 0; i < roots.length; i++) visitFile(roots[i], st);
    return st;
  };
  const times = {};
  let nodes = 0;
  const add = (k, [ms, cpu]) => {
    (times[k] || (times[k] = { ms: [], cpu: [] })).ms.push((ms * 1e6) / nodes);
    times[k].cpu.push((cpu * 1e6) / nodes);
  };
  try {
    for (let r = 0; r < rounds; r++) {
      gcNow();
      const parse = timed(() => paths.map((p) => tsl.parseFile(ts, p)));
      let asts = parse[2];
      const walkTs = timed(() => walk(asts));
      nodes = walkTs[2].nodes;
      add('parse', parse);
      add('walk ts', walkTs);
      add('build noop', timed(() => asts.forEach((sf) => noop.convert(sf))));
      const copies = timed(() => asts.map((sf) => plain.convert(sf)));
      add('build plain', copies);
      add('walk plain', timed(() => walk(copies[2])));
      copies[2] = null;
      gcNow();
      const built = timed(() => asts.map((sf) => sa.build(sf)));
      add('build shared', built);
      add('freeze', timed(() => built[2].forEach((root) => ss.freeze(root, { deep: true }))));
      built[2] = null;
      gcNow();
      add('build shared, views', timed(() => asts.forEach((sf) => sa.buildWithViews(sf))));
      asts = null;
      gcNow();
      // A worker builds the shared ASTs; the main thread walks them twice.
      const map = new ss.SharedMap();
      const task = new Batch();
      task.files = map;
      task.paths = ss.SharedArray.from(paths);
      task.shapes = shapes;
      await pool.run([task]);
      sa.declareUsed(shapes);
      const roots = paths.map((p) => map.get(p));
      add('walk shared, first', timed(() => walk(roots)));
      await null;
      add('walk shared, again', timed(() => walk(roots)));
      process.stderr.write(`round ${r + 1}/${rounds}\n`);
    }
  } finally {
    await pool.close();
  }
  console.log(`${paths.length} files, ${(files.slice(0, paths.length).reduce((s, f) => s + f.size, 0) / 1e6).toFixed(2)} MB, ${nodes.toLocaleString('en-US')} nodes visited; median of ${rounds} rounds, ns per node (wall, process CPU)`);
  const base = median(times['walk ts'].cpu);
  for (const [k, v] of Object.entries(times)) {
    const m = median(v.cpu);
    console.log(`${k.padEnd(20)} wall ${median(v.ms).toFixed(0).padStart(6)}  cpu ${m.toFixed(0).padStart(6)}${k.startsWith('walk') ? `  (${(m / base).toFixed(1)}x walk ts)` : ''}   cpu range ${Math.min(...v.cpu).toFixed(0)}-${Math.max(...v.cpu).toFixed(0)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
