'use strict';
// The V8 side of the comparison: runs the harmony variant of the benchmarks in a process
// started with `node --harmony-struct [--expose-gc] bench/harmony.js --part <part>`, where
// <part> is micro | tree | memory, and prints the results as JSON on stdout (progress
// goes to stderr). bench/run.js starts one child per part, so a crash in one part (V8's
// shared structs are experimental) costs only that part's numbers.

const { parseArgs, selected, log } = require('./lib');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (typeof SharedStructType !== 'function' || typeof SharedArray !== 'function') {
    throw new Error('harmony shared structs are not available (run with --harmony-struct)');
  }
  const out = { node: process.version, v8: process.versions.v8 };

  if (opts.part === 'micro') {
    const { cases, runCase } = require('./micro');
    out.micro = {};
    for (const c of cases) if (selected(opts, c)) out.micro[c.id] = (await runCase(c, ['harmony'])).harmony;
  } else if (opts.part === 'tree') {
    const { runTree, whichFromOpts } = require('./tree');
    try {
      out.tree = await runTree('harmony', whichFromOpts(opts));
    } catch (e) {
      log(`  tree [harmony] failed: ${e.message}`);
      out.tree = { error: e.message };
    }
  } else if (opts.part === 'memory') {
    const { measureHarmony } = require('./memory');
    out.memory = { gc: typeof global.gc === 'function', harmony: measureHarmony() };
  } else {
    throw new Error(`--part must be micro, tree or memory (got ${opts.part})`);
  }
  return out;
}

main().then(
  // exit explicitly (after stdout is flushed) in case a harmony worker lingers
  (out) => process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0)),
  (e) => {
    log(`harmony.js: ${e.stack || e.message}`);
    process.exit(1);
  },
);
