'use strict';
// Per-node costs behind the parse demo's figures, side by side in one process: building and
// walking TypeScript's own AST, the plain copy (message mode) and the shared AST (shared
// mode), on the same files. Run: node --expose-gc examples/parse/bench/costs.js [--small]
// [--rounds N]
//
//   parse        ts.createSourceFile (setParentNodes), per node visited
//   build plain  TypeScript AST -> plain objects of the schema's shape (main thread)
//   build shared TypeScript AST -> shared structs through the bulk path (main thread; what
//                shared mode does)
//   build shared, wrappers   the same through wrappers (`new T()` per node)
//   walk ts      the visitor over TypeScript's AST
//   walk plain   the visitor over the plain copy
//   walk shared, first   the visitor over a shared AST a worker built (every wrapper made here)
//   walk shared, again   the same, in a later job (wrappers found in the identity table or made again)
//
// Each figure is the median over the rounds, in ns per node the visitor counts; the rounds
// interleave the measurements so a busy machine slows all of them alike.

const path = require('path');
const ss = require('../lib/library');
const tsl = require('../lib/typescript');
const { resolveDefault } = require('../lib/corpus');
const { makeConverter } = require('../lib/convert');
const { sharedAst } = require('../lib/shared-ast');
const { WalkStats, makeVisitor } = require('../lib/visitor');

const args = process.argv.slice(2);
const small = args.includes('--small');
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;

function gcNow() {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  ss.gc();
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main() {
  const { files } = resolveDefault({ small });
  const paths = files.map((f) => f.path);
  const ts = tsl.load({ cacheFile: tsl.defaultCacheFile() });
  const visitFile = makeVisitor(ts);
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
  const add = (k, ms, nodes) => (times[k] || (times[k] = [])).push((ms * 1e6) / nodes);
  let nodes = 0;
  try {
    for (let r = 0; r < rounds; r++) {
      gcNow();
      let t0 = performance.now();
      let asts = paths.map((p) => tsl.parseFile(ts, p));
      const tParse = performance.now() - t0;
      t0 = performance.now();
      const st = walk(asts);
      add('walk ts', performance.now() - t0, st.nodes);
      nodes = st.nodes;
      add('parse', tParse, nodes);
      t0 = performance.now();
      const copies = asts.map((sf) => plain.convert(sf));
      add('build plain', performance.now() - t0, nodes);
      t0 = performance.now();
      walk(copies);
      add('walk plain', performance.now() - t0, nodes);
      t0 = performance.now();
      for (const sf of asts) sa.build(sf);
      add('build shared', performance.now() - t0, nodes);
      gcNow();
      t0 = performance.now();
      for (const sf of asts) sa.buildWithWrappers(sf);
      add('build shared, wrappers', performance.now() - t0, nodes);
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
      t0 = performance.now();
      walk(roots);
      add('walk shared, first', performance.now() - t0, nodes);
      await null;
      t0 = performance.now();
      walk(roots);
      add('walk shared, again', performance.now() - t0, nodes);
      process.stderr.write(`round ${r + 1}/${rounds}\n`);
    }
  } finally {
    await pool.close();
  }
  console.log(`${files.length} files, ${(files.reduce((s, f) => s + f.size, 0) / 1e6).toFixed(2)} MB, ${nodes.toLocaleString('en-US')} nodes visited; median of ${rounds} rounds, ns per node`);
  const base = median(times['walk ts']);
  for (const [k, v] of Object.entries(times)) {
    const m = median(v);
    console.log(`${k.padEnd(24)} ${m.toFixed(0).padStart(6)} ns${k.startsWith('walk') ? `  (${(m / base).toFixed(1)}x walk ts)` : ''}   range ${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
