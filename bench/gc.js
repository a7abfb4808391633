#!/usr/bin/env node
'use strict';
// Collector benchmarks for the shared heap (src/core/gc.rs), checked against the targets of
// the collector issue. Every configuration runs in its own child process (a fresh heap).
//
//   node bench/gc.js              # everything (about 2 min on 2 cores), tables on stdout
//   node bench/gc.js --quick      # shorter churn (5 s) and fewer samples (about 35 s)
//   node bench/gc.js --json       # results as JSON on stdout (progress always on stderr)
//   node bench/gc.js --only pause # only the churn or only the pause benchmarks
//
// 1. churn (bench/gc-churn.js): 2 workers each build 100,000-node trees with parent
//    pointers and drop them, for 30 s (--quick: 5 s). Reports peak RSS (sampled every 50 ms
//    in the child's main thread; the heap is process-wide), the largest live set, collections,
//    freed objects, the high-water mark, and allocation throughput with collection enabled
//    vs the same run with SHARED_STRUCTS_GC=0 (heap reserved at 4 GiB; the disabled run stops
//    when the heap is 85% full, so it may be shorter: the ratio is taken over the same window).
//    The run with collection disabled commits up to ~3.5 GB of RAM. Side by side, the same
//    churn with plain JS objects and with node --harmony-struct's shared structs (peak RSS;
//    the harmony run stops at 2 GB of RSS, which it reaches in a few seconds here).
// 2. pause (bench/gc-pause.js): gc() with 100k, 1M and 4M small structs alive, and at 1M
//    (and at 1k, where marking is negligible and the pause is mostly stopping threads) with
//    2 extra idle workers and with 1 worker spinning in JS.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { log, fmt, table, runChild: runChildLib } = require('./lib');

const runChild = (nodeArgs, script, args, env, options = {}) => runChildLib(nodeArgs, script, args, { ...options, env });

const HELP = `usage: node bench/gc.js [--quick] [--json] [--only churn|pause]
  --quick    churn for 5 s instead of 30 s, fewer collections per pause sample
  --json     print results as JSON instead of tables
  --only s   run only the benchmarks whose id contains s (churn, pause; comma-separated)`;

const MB = 1 << 20;
const GC_OFF_HEAP = '4g'; // clamped to the maximum, 4 GiB - 4 KiB
const GC_OFF_STOP_AT_FILL = 0.85;
/** The harmony churn stops once RSS passes this. */
const HARMONY_MAX_RSS_MB = 2048;

function parseArgs(argv) {
  const o = { quick: false, json: false, only: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--only') o.only.push(...String(argv[++i] ?? '').split(','));
    else if (a.startsWith('--only=')) o.only.push(...a.slice(7).split(','));
    else if (a === '-h' || a === '--help') o.help = true;
    else {
      const e = new Error(`unknown argument ${JSON.stringify(a)} (try --help)`);
      e.usage = true;
      throw e;
    }
  }
  o.only = o.only.map((s) => s.trim().toLowerCase()).filter(Boolean);
  return o;
}

/** Size and mtime of the native addon(s), to notice a rebuild during the run. */
function addonStamp() {
  const dir = path.join(__dirname, '..');
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.node'))
      .map((f) => {
        const st = fs.statSync(path.join(dir, f));
        return `${f}:${st.size}:${st.mtimeMs}`;
      })
      .join(',');
  } catch {
    return '';
  }
}

const wanted = (opts, id) => opts.only.length === 0 || opts.only.some((s) => id.includes(s));

/**
 * runChild, run again (once) if the child died of SIGBUS while the addon was replaced on disk:
 * the build script overwrites the .node in place, which kills every process that has it
 * mapped.
 */
async function runChildRetry(nodeArgs, script, args, env, options) {
  const before = addonStamp();
  const r = await runChild(nodeArgs, script, args, env, options);
  if (!r.ok && /^exit SIGBUS/.test(r.error) && addonStamp() !== before) {
    log(`${script}: the child died of SIGBUS while the addon was being rebuilt; running it again`);
    const again = await runChild(nodeArgs, script, args, env, options);
    again.retried = true;
    return again;
  }
  return r;
}

const envDesc = (env) =>
  Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');

// ---------------------------------------------------------------------------------------
// Churn

/**
 * Column `col` of a run's timeline ([ms, nodes, ...]; col 1 = nodes built, 7 = CPU ms) at
 * time `ms`, interpolated.
 */
function at(timeline, ms, col) {
  let prev = timeline.length ? timeline[0].map(() => 0) : [0];
  for (const p of timeline) {
    if (p[0] >= ms) {
      const f = p[0] === prev[0] ? 1 : (ms - prev[0]) / (p[0] - prev[0]);
      return prev[col] + f * (p[col] - prev[col]);
    }
    prev = p;
  }
  return prev[col];
}

async function runChurn(opts, errors) {
  const seconds = opts.quick ? 5 : 30;
  const on = { SHARED_STRUCTS_HEAP_SIZE: GC_OFF_HEAP };
  const off = { SHARED_STRUCTS_GC: '0', SHARED_STRUCTS_HEAP_SIZE: GC_OFF_HEAP };
  const timeoutMs = (seconds + 60) * 1000;
  log(`churn: collection enabled, ${seconds} s (child: ${envDesc(on)}node --expose-gc bench/gc-churn.js --seconds ${seconds})`);
  const a = await runChildRetry(['--expose-gc'], 'gc-churn.js', ['--seconds', String(seconds)], on, { timeoutMs });
  if (!a.ok) errors.push(`churn (collection on): ${a.error}`);
  log(`churn: collection disabled, up to ${seconds} s or ${GC_OFF_STOP_AT_FILL * 100}% of the heap (child: ${envDesc(off)}...)`);
  const b = await runChildRetry(['--expose-gc'], 'gc-churn.js', ['--seconds', String(seconds), '--stop-at-fill', String(GC_OFF_STOP_AT_FILL)], off, { timeoutMs });
  if (!b.ok) errors.push(`churn (collection off): ${b.error}`);
  // Side by side: the same churn with plain JS objects (thread-local: what a program needs
  // without sharing) and with V8's own shared structs (whose shared heap only grew here:
  // stopped once RSS passes HARMONY_MAX_RSS_MB).
  log(`churn: plain JS objects, ${seconds} s (child: node --expose-gc bench/gc-churn.js --kind plain)`);
  const c = await runChildRetry(['--expose-gc'], 'gc-churn.js', ['--seconds', String(seconds), '--kind', 'plain'], {}, { timeoutMs });
  if (!c.ok) errors.push(`churn (plain): ${c.error}`);
  log(`churn: node --harmony-struct shared structs, up to ${seconds} s or ${HARMONY_MAX_RSS_MB} MB RSS`);
  const h = await runChildRetry(['--expose-gc', '--harmony-struct'], 'gc-churn.js', ['--seconds', String(seconds), '--kind', 'harmony', '--max-rss-mb', String(HARMONY_MAX_RSS_MB)], {}, { timeoutMs });
  if (!h.ok) errors.push(`churn (harmony): ${h.error}`);
  for (const [r, name] of [[a, 'collection on'], [b, 'collection off'], [c, 'plain'], [h, 'harmony']]) {
    if (r.ok && r.data.errors.length) errors.push(...r.data.errors.map((e) => `churn (${name}) worker: ${e}`));
  }
  const A = a.ok ? a.data : null;
  const B = b.ok ? b.data : null;
  const P = c.ok ? c.data : null;
  const H = h.ok ? h.data : null;
  const rows = [];
  const notes = [];
  const row = (id, name, value, unit, extra = {}) => rows.push({ id, name, value, unit, targetText: '-', status: '-', ...extra });
  const status = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS');

  if (A) {
    const liveComputed = A.workers * A.treeNodes * A.nodeBytes;
    const limit = (live) => 2 * live + 64 * MB;
    const growth = A.peakRss - A.rssBaseline;
    row('rss-peak', 'peak RSS (process)', A.peakRss / MB, 'MB', {
      targetText: `<= 2 x ${fmt(liveComputed / MB)} + 64 = ${fmt(limit(liveComputed) / MB)} MB`,
      status: status(A.peakRss <= limit(liveComputed)),
    });
    row('rss-growth', `peak RSS above the idle baseline (${fmt(A.rssBaseline / MB)} MB: workers started, nothing built)`, growth / MB, 'MB', {
      targetText: `<= ${fmt(limit(liveComputed) / MB)} MB`,
      status: status(growth <= limit(liveComputed)),
    });
    for (const [X, what] of [[P, 'plain JS objects (thread-local, no sharing)'], [H, 'node --harmony-struct shared structs']]) {
      if (!X) continue;
      const id = X.kind === 'plain' ? 'rss-peak-plain' : 'rss-peak-harmony';
      row(id, `same churn with ${what}: peak RSS`, X.peakRss / MB, 'MB', {
        detail:
          `shared-structs / this = ${fmt(A.peakRss / X.peakRss)}x; idle baseline ${fmt(X.rssBaseline / MB)} MB, growth ${fmt((X.peakRss - X.rssBaseline) / MB)} MB; ` +
          `${fmt(X.nodesPerSec / 1e6)} M nodes/s over ${fmt(X.seconds)} s (stopped: ${X.stopReason})`,
      });
    }
    if (A.atPeak) {
      const p = A.atPeak;
      row('rss-peak-parts', 'at peak RSS: shared heap high-water mark', p.highWaterBytes / MB, 'MB', {
        detail: `at ${fmt(p.ms / 1000)} s; shared heap in use ${fmt(p.bytesInUse / MB)} MB, V8 heaps of all threads (heapTotal) ${fmt(p.v8HeapTotal / MB)} MB`,
      });
    }
    row('live-computed', `largest live set, computed (${A.workers} trees x ${A.treeNodes} nodes x ${A.nodeBytes} B)`, liveComputed / MB, 'MB', {
      detail: 'the "live" of the RSS target',
    });
    row('live-reported', 'largest live set the collector reported (max liveBytes)', A.maxLiveBytes / MB, 'MB', {
      detail: `${A.maxLiveObjects} objects`,
    });
    row('live-objects-max', 'largest live object count the collector reported', A.maxLiveObjects, 'objects', {
      detail: `${fmt(A.maxLiveObjects / (A.workers * A.treeNodes))}x the ${A.workers * A.treeNodes} nodes of ${A.workers} trees`,
    });
    notes.push(
      `churn: with the collector-reported live set (${fmt(A.maxLiveBytes / MB)} MB) the RSS limit would be ${fmt(limit(A.maxLiveBytes) / MB)} MB: ` +
        `peak RSS ${status(A.peakRss <= limit(A.maxLiveBytes))}, growth ${status(growth <= limit(A.maxLiveBytes))}`,
    );
    row('nodes-on', 'allocation throughput, collection on (whole run)', A.nodesPerSec / 1e6, 'M nodes/s', {
      detail: `${A.nodes} nodes, ${A.trees} trees in ${fmt(A.seconds)} s`,
    });
  }
  if (B) {
    row('nodes-off', `allocation throughput, collection off (SHARED_STRUCTS_GC=0)`, B.nodesPerSec / 1e6, 'M nodes/s', {
      detail: `${B.nodes} nodes in ${fmt(B.seconds)} s, stopped: ${B.stopReason}, heap high-water ${fmt(B.highWaterBytes / MB)} MB, peak RSS ${fmt(B.peakRss / MB)} MB`,
    });
  }
  let ratioWindow = null;
  let ratioWhole = null;
  if (A && B) {
    const windowMs = Math.min(A.seconds, B.seconds) * 1000;
    const onInWindow = at(A.timeline, windowMs, 1) / (windowMs / 1000);
    const offInWindow = at(B.timeline, windowMs, 1) / (windowMs / 1000);
    ratioWindow = offInWindow > 0 ? onInWindow / offInWindow : null;
    ratioWhole = B.nodesPerSec > 0 ? A.nodesPerSec / B.nodesPerSec : null;
    row('throughput-ratio', `throughput on / off, same window (first ${fmt(windowMs / 1000)} s of each run)`, ratioWindow === null ? null : ratioWindow * 100, '%', {
      targetText: '>= 70%',
      status: ratioWindow === null ? 'n/a' : status(ratioWindow >= 0.7),
      detail: `on ${fmt(onInWindow / 1e6)} vs off ${fmt(offInWindow / 1e6)} M nodes/s`,
    });
    row('throughput-ratio-whole', 'throughput on / off, whole runs', ratioWhole === null ? null : ratioWhole * 100, '%', {
      targetText: '>= 70%',
      status: ratioWhole === null ? 'n/a' : status(ratioWhole >= 0.7),
    });
    // Per CPU-second of the whole process (workers, main, collector and V8 threads): less
    // sensitive to other load on the machine than wall time, but blind to time the workers
    // spend stopped at a safepoint (which costs wall time, not CPU).
    const cpuRatio = A.nodesPerCpuSec / B.nodesPerCpuSec;
    row('cpu-ratio', 'nodes per process CPU-second, on / off (whole runs; info)', cpuRatio * 100, '%', {
      detail: `on ${fmt(A.nodesPerCpuSec / 1e6)} (${fmt(A.cpuSeconds)} CPU-s in ${fmt(A.seconds)} s) vs off ${fmt(B.nodesPerCpuSec / 1e6)} (${fmt(B.cpuSeconds)} CPU-s in ${fmt(B.seconds)} s) M nodes/CPU-s`,
    });
    row('alloc-wait', "workers' time inside native allocation calls, on / off", A.allocCallShare * 100, '%', {
      detail: `off: ${fmt(B.allocCallShare * 100)}% (TLAB refills wait up to 30 ms for a running sweep's spans, or run a collection on a full heap)`,
    });
  }
  if (A) {
    row('collections', 'collections during the run (collection on)', A.collections, 'count', { detail: `aborted: ${A.abortedCollections}` });
    row('max-pause', 'longest pause during the run', A.maxPauseMs, 'ms', { detail: `last pause ${fmt(A.lastPauseMs)} ms, last sweep ${fmt(A.lastSweepMs)} ms` });
    row('freed', 'objects freed during the run', A.freedObjects, 'objects', {
      detail: `${fmt((100 * A.freedObjects) / Math.max(1, A.nodes))}% of the nodes built`,
    });
    const tableText =
      A.identityTableBytesAllocated === null
        ? ''
        : `, identity tables of the workers (root tables, reallocated at every rebuild) ${fmt(A.identityTableBytesAllocated / MB)} MB (${fmt((100 * A.identityTableBytesAllocated) / A.bytesAllocated)}%)`;
    row('allocated', 'shared-heap bytes allocated during the run (TLABs + large objects)', A.bytesAllocated / MB, 'MB', {
      detail: `nodes ${fmt(A.nodeBytesAllocated / MB)} MB${tableText}`,
    });
    row('high-water', 'heap high-water mark at the end', A.highWaterBytes / MB, 'MB', {
      detail: `in use at the end ${fmt(A.bytesInUseEnd / MB)} MB`,
    });
    row('live-after', 'live objects after the workers exited + gc()', A.liveObjectsAfter, 'objects', {
      detail: `baseline before the run ${A.liveObjectsBaseline} (includes the workers' warm-up trees)`,
    });
    row('rss-after', 'RSS after the workers exited + gc()', A.rssAfter / MB, 'MB', { detail: `heap in use ${fmt(A.bytesInUseAfter / MB)} MB` });
    if (A.liveObjectsAfter !== 0) notes.push(`churn: ${A.liveObjectsAfter} objects still live after every worker exited (expected 0)`);
  }
  return { rows, notes, raw: { on: A, off: B, plain: P, harmony: H }, seconds };
}

// ---------------------------------------------------------------------------------------
// Pause

const PAUSE_CONFIGS = [
  { objects: 1e5, threads: 'none' },
  { objects: 1e6, threads: 'none', target: 50 },
  { objects: 4e6, threads: 'none' },
  { objects: 1e6, threads: 'idle2' },
  { objects: 1e6, threads: 'busy1' },
  { objects: 1e3, threads: 'none' },
  { objects: 1e3, threads: 'idle2' },
  { objects: 1e3, threads: 'busy1' },
];

const THREADS_TEXT = { none: 'none', idle2: '2 idle workers', busy1: '1 busy worker (JS spin)' };

async function runPause(opts, errors) {
  const reps = opts.quick ? 3 : 7;
  const out = [];
  for (const c of PAUSE_CONFIGS) {
    const args = ['--objects', String(c.objects), '--threads', c.threads, '--reps', String(reps)];
    log(`pause: ${c.objects} live objects, extra threads: ${c.threads} (child: SHARED_STRUCTS_GC=0 node --expose-gc bench/gc-pause.js ${args.join(' ')})`);
    const r = await runChildRetry(['--expose-gc'], 'gc-pause.js', args, { SHARED_STRUCTS_GC: '0' }, { timeoutMs: 120000 });
    if (!r.ok) errors.push(`pause ${c.objects}/${c.threads}: ${r.error}`);
    out.push({ ...c, data: r.ok ? r.data : null });
  }
  const alone = (n) => {
    const x = out.find((o) => o.objects === n && o.threads === 'none');
    return x && x.data ? x.data.pauseMs : null;
  };
  const notes = [];
  const rows = out.map((o) => {
    const d = o.data;
    const base = o.threads === 'none' ? null : alone(o.objects);
    const extra = d && d.pauseMs !== null && base !== null ? d.pauseMs - base : null;
    let status = '-';
    if (o.target !== undefined) status = d && d.pauseMs !== null ? (d.pauseMs <= o.target ? 'PASS' : 'MISS') : 'n/a';
    if (d && d.liveObjects !== d.objects) notes.push(`pause ${o.objects}/${o.threads}: the collector reported ${d.liveObjects} live objects for ${d.objects} reachable`);
    if (d && (d.failed || d.aborted)) notes.push(`pause ${o.objects}/${o.threads}: ${d.failed} gc() calls failed, ${d.aborted} collections aborted`);
    return {
      id: `pause-${o.objects}-${o.threads}`,
      objects: o.objects,
      threads: o.threads,
      pauseMs: d ? d.pauseMs : null,
      pauseMinMs: d ? d.pauseMinMs : null,
      pauseMaxMs: d ? d.pauseMaxMs : null,
      extraVsAloneMs: extra,
      sweepMs: d ? d.sweepMs : null,
      wallMs: d ? d.wallMs : null,
      liveObjects: d ? d.liveObjects : null,
      liveBytes: d ? d.liveBytes : null,
      target: o.target ?? null,
      targetText: o.target !== undefined ? `<= ${o.target} ms` : '-',
      status,
      data: d,
    };
  });
  return { rows, notes, reps };
}

// ---------------------------------------------------------------------------------------

const int = (n) => (n === null || n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (!wanted(opts, 'churn') && !wanted(opts, 'pause')) {
    const e = new Error(`--only ${opts.only.join(',')} matches no benchmark (churn, pause)`);
    e.usage = true;
    throw e;
  }
  const started = process.hrtime.bigint();
  const errors = [];
  const addonBefore = addonStamp();
  const churn = wanted(opts, 'churn') ? await runChurn(opts, errors) : null;
  const pause = wanted(opts, 'pause') ? await runPause(opts, errors) : null;
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] && os.cpus()[0].model,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    quick: opts.quick,
    seconds: Math.round(Number(process.hrtime.bigint() - started) / 1e8) / 10,
  };
  log(`done in ${meta.seconds} s`);
  if (addonStamp() !== addonBefore) {
    errors.push('the addon (shared-structs.*.node) changed on disk during the run (rebuilt?): results may mix two builds, and a child that had it loaded may have died with SIGBUS');
  }

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ meta, churn, pause, errors }, null, 2)}\n`);
    return;
  }
  const out = [
    `shared-structs collector benchmarks${opts.quick ? ' (--quick)' : ''} - node ${meta.node} (V8 ${meta.v8}), ${meta.platform}, ${meta.cpus} CPUs (${meta.cpuModel}), load ${meta.loadavg.join(' ')}, ${meta.seconds} s`,
  ];
  const notes = [];
  if (churn) {
    const A = churn.raw.on;
    out.push(
      '',
      `churn: ${A ? A.workers : 2} workers, each building and dropping ${A ? int(A.treeNodes) : '100,000'}-node trees (id, parent, left, right: ${A ? A.nodeBytes : 40} B/node), ${churn.seconds} s`,
    );
    const fmtVal = (r) => (r.unit === 'objects' || r.unit === 'count' ? int(r.value) : fmt(r.value));
    out.push(
      table(
        ['metric', 'value', 'unit', 'target', 'result', 'detail'],
        churn.rows.map((r) => [r.name, fmtVal(r), r.unit, r.targetText, r.status, r.detail || '']),
        [false, true, false, false, false, false],
      ),
    );
    notes.push(...churn.notes);
  }
  if (pause) {
    out.push(
      '',
      `pause: gc() with a binary tree of small structs alive (value, left, right: 32 B each), median of ${pause.reps} collections; automatic collection off`,
    );
    out.push(
      table(
        ['live objects', 'extra threads', 'pause ms', 'min', 'max', '+ vs alone', 'sweep ms', 'gc() wall ms', 'target', 'result'],
        pause.rows.map((r) => [
          int(r.objects),
          THREADS_TEXT[r.threads],
          fmt(r.pauseMs),
          fmt(r.pauseMinMs),
          fmt(r.pauseMaxMs),
          r.extraVsAloneMs === null ? '-' : `${r.extraVsAloneMs >= 0 ? '+' : ''}${fmt(r.extraVsAloneMs)}`,
          fmt(r.sweepMs),
          fmt(r.wallMs),
          r.targetText,
          r.status,
        ]),
        [true, false, true, true, true, true, true, true, false, false],
      ),
    );
    notes.push(...pause.notes);
    notes.push(
      'pause: "pause" is heapStats().lastPauseMs (request, every thread at a safepoint, mark, resume); "+ vs alone" is the extra pause over the same heap without extra threads, i.e. the cost of stopping them (at 1,000 objects marking is negligible, so that is the safepoint latency)',
    );
  }
  for (const e of errors) notes.push(`error: ${e}`);
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e) => {
  log(`bench/gc.js: ${e.usage ? e.message : e.stack || e.message}`);
  process.exit(e.usage ? 2 : 1);
});
