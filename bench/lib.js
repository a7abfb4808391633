'use strict';
// Shared helpers for the benchmark harness: argument parsing, timing loops, statistics,
// child processes and table formatting. Used by run.js (main process) and harmony.js
// (the `--harmony-struct` child), so nothing here may load the addon.

const { spawn } = require('child_process');
const path = require('path');

const now = () => process.hrtime.bigint();
const msSince = (t0) => Number(now() - t0) / 1e6;
const immediate = () => new Promise((resolve) => setImmediate(resolve));

/** Anything stored here is observable, so loops that feed it cannot be optimized away. */
const sink = { value: 0 };
function consume(v) {
  sink.value = v;
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------
// Command line

function usageError(msg) {
  const e = new Error(msg);
  e.usage = true;
  return e;
}

/** `--json`, `--only <substr>` (repeatable, comma-separated), `--part <name>`. */
function parseArgs(argv) {
  const opts = { json: false, only: [], part: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--only') opts.only.push(...String(argv[++i] ?? '').split(','));
    else if (a.startsWith('--only=')) opts.only.push(...a.slice(7).split(','));
    else if (a === '--part') opts.part = argv[++i];
    else if (a.startsWith('--part=')) opts.part = a.slice(7);
    else if (a === '-h' || a === '--help') opts.help = true;
    else throw usageError(`unknown argument ${JSON.stringify(a)} (try --help)`);
  }
  opts.only = opts.only.map((s) => s.trim().toLowerCase()).filter(Boolean);
  return opts;
}

/** Whether a benchmark { id, name } passes the `--only` filter. */
function selected(opts, bench) {
  if (opts.only.length === 0) return true;
  const hay = `${bench.id} ${bench.name}`.toLowerCase();
  return opts.only.some((s) => hay.includes(s));
}

/** The `--only` arguments to forward to a child process. */
function onlyArgs(opts) {
  return opts.only.length ? ['--only', opts.only.join(',')] : [];
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

// ---------------------------------------------------------------------------------------
// Timing

/**
 * Times loops side by side. Each `fns[side](reps)` must do `reps * ops` operations and
 * return a result. Every side is first warmed up for `warmMs` (growing reps until one call
 * takes about `sampleMs`), then `samples` calls per side are taken INTERLEAVED (plain,
 * shared, plain, shared, ...) so a burst of noise from other processes hits all sides
 * alike, yielding to the event loop (ending the job) before each call. Returns
 * { [side]: { ns: median ns/op, samples, check } }, where `check` is the result of the
 * very first call fn(1), for cross-checking that all sides do the same work.
 */
async function measureLoops(fns, ops, { warmMs = 300, sampleMs = 40, samples = 11 } = {}) {
  const sides = Object.keys(fns);
  const out = {};
  const reps = {};
  for (const side of sides) {
    const fn = fns[side];
    out[side] = { ns: 0, samples: [], check: fn(1) };
    let r = 1;
    let dt = 0;
    const start = now();
    for (;;) {
      const t0 = now();
      consume(fn(r));
      dt = msSince(t0);
      await immediate();
      if (dt < sampleMs / 4) r *= 2;
      else if (msSince(start) >= warmMs) break;
    }
    reps[side] = Math.max(1, Math.round((r * sampleMs) / Math.max(dt, 1e-3)));
  }
  for (let k = 0; k < samples; k++) {
    for (const side of sides) {
      await immediate();
      const t0 = now();
      consume(fns[side](reps[side]));
      out[side].samples.push((msSince(t0) * 1e6) / (reps[side] * ops));
    }
  }
  for (const side of sides) out[side].ns = median(out[side].samples);
  return out;
}

/**
 * Times `fn(n)`, which creates `n` objects, in batches of `batch` objects, one batch per
 * job, with an event-loop turn (setImmediate) between batches, as a program that creates
 * objects in response to events would. A sample is the wall time of `batchesPerSample`
 * batches *including* the turns between them: garbage collection that V8 (or the shared
 * heap's collector) does in those turns is part of the cost of creating objects, and
 * excluding it favoured whichever side defers more of its collection work to idle time.
 * `batchOnly` also reports the time of the batches alone (each with the microtask
 * checkpoint that follows it), for comparison.
 */
async function measureBatched(fn, { batch = 1000, warmBatches = 300, batchesPerSample = 100, samples = 9 } = {}) {
  const check = fn(1);
  for (let b = 0; b < warmBatches; b++) {
    consume(fn(batch));
    await immediate();
  }
  const ns = [];
  const batchOnly = [];
  for (let k = 0; k < samples; k++) {
    let inBatches = 0;
    await immediate();
    const s0 = now();
    for (let b = 0; b < batchesPerSample; b++) {
      const t0 = now();
      consume(fn(batch));
      await null; // the microtask checkpoint of this job runs before this continuation
      inBatches += msSince(t0);
      await immediate();
    }
    ns.push((msSince(s0) * 1e6) / (batch * batchesPerSample));
    batchOnly.push((inBatches * 1e6) / (batch * batchesPerSample));
  }
  return { ns: median(ns), samples: ns, batchOnly: median(batchOnly), check };
}

// ---------------------------------------------------------------------------------------
// Child processes

/**
 * Runs `node [nodeArgs] script [args]` (with extra environment variables `env`) and parses
 * the JSON on the last line of its stdout.
 * Resolves to { ok: true, data } or { ok: false, error } (never rejects).
 */
function runChild(nodeArgs, script, args, { timeoutMs = 120000, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(__dirname, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let err = '';
    let done = false;
    const finish = (r) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, error: `timed out after ${timeoutMs} ms` });
    }, timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      process.stderr.write(d); // progress lines of the child
    });
    child.on('error', (e) => finish({ ok: false, error: e.message }));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const lines = err.split('\n').map((l) => l.trim()).filter(Boolean);
        const why = lines.find((l) => /error/i.test(l) && !l.startsWith('at ')) || lines.pop();
        finish({ ok: false, error: `exit ${signal || code}${why ? `: ${why}` : ''}` });
        return;
      }
      try {
        finish({ ok: true, data: JSON.parse(out.trim().split('\n').pop()) });
      } catch (e) {
        finish({ ok: false, error: `bad JSON from ${script}: ${e.message}` });
      }
    });
  });
}

// ---------------------------------------------------------------------------------------
// Formatting

/** A number with about 3 significant digits. */
function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.01) return v.toFixed(3);
  return v.toPrecision(2);
}

function fmtRatio(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return 'n/a';
  if (r < 0.1) return `${fmt(r)}x (1/${(1 / r).toFixed(0)})`;
  return `${fmt(r)}x`;
}

/** Renders rows (arrays of strings) under `headers`; `right` marks right-aligned columns. */
function table(headers, rows, right) {
  const w = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) =>
    cells
      .map((s, c) => (right[c] ? String(s).padStart(w[c]) : String(s).padEnd(w[c])))
      .join('  ')
      .trimEnd();
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * Lets V8 drop dead wrappers (global.gc with --expose-gc, between event-loop turns), then
 * collects the shared heap twice (threads prune their identity tables after one).
 */
async function settle(ss) {
  for (let i = 0; i < 3; i++) {
    await immediate();
    if (global.gc) global.gc();
  }
  ss.gc();
  await immediate();
  if (global.gc) global.gc();
  ss.gc();
  await immediate();
}

module.exports = {
  now,
  settle,
  msSince,
  immediate,
  sink,
  consume,
  median,
  parseArgs,
  usageError,
  selected,
  onlyArgs,
  log,
  measureLoops,
  measureBatched,
  runChild,
  fmt,
  fmtRatio,
  table,
};
