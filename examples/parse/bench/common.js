'use strict';
// What the demo's benchmarks share: their command-line options, a collection of both heaps,
// the median, and a wall + process CPU timer.

const ss = require('../lib/library');

const args = process.argv.slice(2);
/** The value after `--name` on the command line, or `dflt`. */
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);

/** --small (the small corpus), --rounds N (default 5), --files N (the first N files). */
const options = {
  small: args.includes('--small'),
  rounds: Number(opt('--rounds', 5)),
  maxFiles: Number(opt('--files', Infinity)),
};

/** Collects V8's heap (twice, when --expose-gc gave global.gc) and then the shared heap. */
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

/** Runs fn() and returns [wall ms, process CPU ms, result]. */
function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [ms, (c.user + c.system) / 1000, r];
}

module.exports = { args, opt, options, gcNow, median, timed };
