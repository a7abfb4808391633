'use strict';
// Churn benchmark child of bench/gc.js: WORKERS worker threads each build a TREE_NODES-node
// binary tree with parent pointers, drop it and build the next, until the deadline. The main
// thread only samples (every SAMPLE_MS): process RSS, heapStats() and the workers' node
// counters. One configuration per process (fresh heap): bench/gc.js runs it as
//
//   [SHARED_STRUCTS_GC=0] [SHARED_STRUCTS_HEAP_SIZE=...] node --expose-gc bench/gc-churn.js \
//       --seconds S [--stop-at-fill F] [--workers W (default 2)]
//
// and reads one JSON object from stdout. `--kind plain` builds the same trees from plain JS
// objects (no library: the RSS a thread-local program needs for the same churn), and
// `--kind harmony` (with node --harmony-struct) from V8's own shared structs; both only
// report RSS and throughput (the collector's figures are n/a), and stop early once RSS passes
// --max-rss-mb (harmony's shared heap only grows here). --stop-at-fill F stops the run once the heap's
// high-water mark reaches F x its reservation (for runs with the collector disabled, whose
// heap only grows); a worker that hits a full heap (RangeError) also ends the run.
//
// Trees are built depth first with an explicit stack (only O(depth) wrappers are held in JS),
// in batches of BATCH nodes, one batch per job: a wrapper's shared object can only die after
// V8 has collected the wrapper and its thread has pruned its identity table at the end of a
// job, so the loop must yield to the event loop between batches.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const TREE_NODES = 100000;
const BATCH = 4096;
const FIELDS = ['id', 'parent', 'left', 'right'];
/** Bytes per node: header word + one slot per field (docs/layout.md). */
const NODE_BYTES = 8 * (1 + FIELDS.length);
const WORKERS_DEFAULT = 2;
const SAMPLE_MS = 50;
/** Counter cells per worker (see the worker side). */
const CELLS = 5;

const { immediate, settle } = require('./lib');

// ---------------------------------------------------------------------------------------
// Worker side

if (!isMainThread) {
  // Shared with the main thread: [0] nodes built, [1] trees completed, [2] this isolate's
  // V8 heap (heapTotal, bytes; updated per tree), [3] bytes of identity tables allocated,
  // [4] ms spent in native allocation calls (TLAB refills, large objects, identity tables).
  const counters = new Float64Array(workerData.counters);
  const ctl = new Int32Array(workerData.ctl); // [0] go, [1] stop
  const base = CELLS * workerData.index;
  // Diagnostics through the (rare) native allocation calls: the shared-heap bytes of this
  // thread's identity tables (root tables, reallocated whenever the table is rebuilt), and
  // the time spent in refills (which may wait for a sweep or run a collection).
  const { performance } = require('perf_hooks');
  const kind = workerData.kind;
  const native = kind === 'shared' ? require('../lib/native.js') : {};
  const timed = (name, onCall) => {
    const fn = native[name];
    if (typeof fn !== 'function') return false;
    native[name] = function (...args) {
      if (onCall) onCall(...args);
      const t0 = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        counters[base + 4] += performance.now() - t0;
      }
    };
    return true;
  };
  timed('allocTlab');
  timed('allocLarge');
  if (!timed('allocRootTable', (tid, capacity) => (counters[base + 3] += 8 * (2 + Math.ceil(capacity / 2))))) counters[base + 3] = NaN;
  let Node;
  if (kind === 'shared') Node = new (require('../index.js').SharedStructType)(FIELDS, 'bench.gc.ChurnNode');
  // eslint-disable-next-line no-undef
  else if (kind === 'harmony') Node = new SharedStructType(FIELDS);
  else {
    Node = class ChurnNode {
      constructor() {
        this.id = undefined;
        this.parent = undefined;
        this.left = undefined;
        this.right = undefined;
      }
    };
  }

  /**
   * Builds a complete binary tree of `count` nodes (node i has children 2i+1, 2i+2), every
   * node pointing at its parent. Yields every BATCH nodes. Returns null if told to stop.
   */
  async function buildTree(count, counted) {
    const root = new Node();
    root.id = 0;
    root.parent = null;
    root.left = null;
    root.right = null;
    const idx = [2, 1];
    const par = [root, root];
    let made = 1;
    let sinceYield = 1;
    while (idx.length > 0) {
      const i = idx.pop();
      const p = par.pop();
      const n = new Node();
      n.id = i;
      n.parent = p;
      n.left = null;
      n.right = null;
      if (i & 1) p.left = n;
      else p.right = n;
      made++;
      const l = 2 * i + 1;
      if (l + 1 < count) {
        idx.push(l + 1);
        par.push(n);
      }
      if (l < count) {
        idx.push(l);
        par.push(n);
      }
      if (++sinceYield === BATCH) {
        if (counted) counters[base] += sinceYield;
        sinceYield = 0;
        await immediate();
        if (Atomics.load(ctl, 1) !== 0) return null;
      }
    }
    if (counted) counters[base] += sinceYield;
    if (made !== count) throw new Error(`built ${made} nodes, expected ${count}`);
    return root;
  }

  (async () => {
    // Warm-up (untimed, not counted): compiles the builder before the baseline is taken.
    for (let k = 0; k < 3; k++) await buildTree(8191, false);
    parentPort.postMessage({ ready: true });
    while (Atomics.load(ctl, 0) === 0) await new Promise((r) => setTimeout(r, 1));
    let full = null;
    try {
      while (Atomics.load(ctl, 1) === 0) {
        let root = await buildTree(TREE_NODES, true);
        if (root === null) break;
        counters[base + 1]++;
        counters[base + 2] = process.memoryUsage().heapTotal;
        root = null; // dropped: the whole tree is garbage from here
        await immediate();
      }
    } catch (e) {
      if (e instanceof RangeError && /heap is full/.test(e.message)) full = e.message;
      else throw e;
    }
    parentPort.postMessage({ done: true, full });
  })().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
  return;
}

// ---------------------------------------------------------------------------------------
// Main side

function parse(argv) {
  const o = { seconds: 30, stopAtFill: 0, workers: WORKERS_DEFAULT, kind: 'shared', maxRssMb: Infinity };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds') o.seconds = Number(argv[++i]);
    else if (argv[i] === '--stop-at-fill') o.stopAtFill = Number(argv[++i]);
    else if (argv[i] === '--workers') o.workers = Number(argv[++i]);
    else if (argv[i] === '--kind') o.kind = argv[++i];
    else if (argv[i] === '--max-rss-mb') o.maxRssMb = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
const mb = (b) => b / (1 << 20);

async function main() {
  const opts = parse(process.argv.slice(2));
  const WORKERS = opts.workers;
  if (!['shared', 'plain', 'harmony'].includes(opts.kind)) throw new Error(`unknown --kind ${opts.kind}`);
  // Other kinds do not load the library: a stand-in reports an empty shared heap.
  const none = { bytesReserved: 0, highWaterBytes: 0, bytesInUse: 0, bytesFree: 0, liveBytes: 0, liveObjects: 0, collections: 0, abortedCollections: 0, maxPauseMs: 0, lastPauseMs: 0, lastSweepMs: 0, freedObjectsTotal: 0, bytesAllocatedTotal: 0 };
  const ss = opts.kind === 'shared' ? require('../index.js') : { heapStats: () => none, gc() {} };
  const counters = new Float64Array(new SharedArrayBuffer(8 * CELLS * WORKERS));
  const ctl = new Int32Array(new SharedArrayBuffer(8));
  const workers = [];
  const results = [];
  const ended = [];
  for (let w = 0; w < WORKERS; w++) {
    const worker = new Worker(__filename, { workerData: { index: w, counters: counters.buffer, ctl: ctl.buffer, kind: opts.kind } });
    workers.push(worker);
    results.push(null);
    let onReady;
    worker.ready = new Promise((r) => (onReady = r));
    ended.push(
      new Promise((resolve) => {
        worker.on('message', (m) => {
          if (m.ready) onReady();
          else {
            results[w] = m;
            resolve();
          }
        });
        worker.on('error', (e) => {
          results[w] = { error: String((e && e.stack) || e) };
          onReady();
          resolve();
        });
        worker.on('exit', () => {
          onReady();
          resolve();
        });
      }),
    );
  }
  await Promise.all(workers.map((w) => w.ready));
  await settle(ss);
  await new Promise((r) => setTimeout(r, 200));
  const s0 = ss.heapStats();
  const rss0 = process.memoryUsage().rss;

  // Timeline: [ms since start, nodes, rss, highWaterBytes, liveBytes, collections, bytesInUse,
  // CPU ms of the whole process since start].
  const timeline = [];
  let peakRss = rss0;
  let atPeak = null;
  let maxLiveBytes = 0;
  let maxLiveObjects = 0;
  let stopReason = 'deadline';
  const nodes = () => {
    let n = 0;
    for (let w = 0; w < WORKERS; w++) n += counters[CELLS * w];
    return n;
  };
  const sample = (t) => {
    const rss = process.memoryUsage().rss;
    const s = ss.heapStats();
    if (rss > peakRss) {
      peakRss = rss;
      let v8 = process.memoryUsage().heapTotal;
      for (let w = 0; w < WORKERS; w++) v8 += counters[CELLS * w + 2];
      atPeak = { ms: Math.round(t), highWaterBytes: s.highWaterBytes, bytesInUse: s.bytesInUse, bytesFree: s.bytesFree, liveBytes: s.liveBytes, v8HeapTotal: v8 };
    }
    if (s.liveBytes > maxLiveBytes) maxLiveBytes = s.liveBytes;
    if (s.liveObjects > maxLiveObjects) maxLiveObjects = s.liveObjects;
    timeline.push([Math.round(t), nodes(), rss, s.highWaterBytes, s.liveBytes, s.collections, s.bytesInUse, cpuMs() - cpu0]);
    return s;
  };

  const cpuMs = () => {
    const c = process.cpuUsage(); // process-wide: every thread, the collector's included
    return (c.user + c.system) / 1000;
  };
  const cpu0 = cpuMs();
  const tables = () => {
    let n = 0;
    for (let w = 0; w < WORKERS; w++) n += counters[CELLS * w + 3];
    return n;
  };
  const tables0 = tables();
  const allocMs = () => {
    let n = 0;
    for (let w = 0; w < WORKERS; w++) n += counters[CELLS * w + 4];
    return n;
  };
  const allocMs0 = allocMs();
  const t0 = now();
  Atomics.store(ctl, 0, 1);
  const deadline = t0 + opts.seconds * 1000;
  let doneEarly = false;
  Promise.all(ended).then(() => (doneEarly = true));
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const t = now();
      const s = sample(t - t0);
      let stop = false;
      if (t >= deadline) stop = true;
      else if (opts.stopAtFill > 0 && s.highWaterBytes >= opts.stopAtFill * s.bytesReserved) {
        stop = true;
        stopReason = 'heap filled';
      } else if (peakRss > opts.maxRssMb * (1 << 20)) {
        stop = true;
        stopReason = `RSS passed ${opts.maxRssMb} MB`;
      } else if (doneEarly || results.some((r) => r !== null)) {
        stop = true;
        stopReason = 'worker ended';
      }
      if (stop) {
        clearInterval(timer);
        resolve();
      }
    }, SAMPLE_MS);
  });
  Atomics.store(ctl, 1, 1);
  const tEnd = now();
  const cpuSpentMs = cpuMs() - cpu0;
  const tableBytes = tables() - tables0;
  const allocCallMs = allocMs() - allocMs0;
  const nodesAtEnd = nodes();
  const elapsedMs = tEnd - t0;
  await Promise.all(ended);
  const sEnd = ss.heapStats();
  const errors = results.filter((r) => r && r.error).map((r) => r.error);
  const full = results.map((r) => r && r.full).find(Boolean) || null;
  if (full) stopReason = 'heap full';
  let trees = 0;
  for (let w = 0; w < WORKERS; w++) trees += counters[CELLS * w + 1];
  await Promise.all(workers.map((w) => w.terminate()));

  // After the workers are gone, everything they built is garbage.
  await settle(ss);
  const sAfter = ss.heapStats();
  const rssAfter = process.memoryUsage().rss;

  return {
    kind: opts.kind,
    gcEnabled: !/^(0|off)$/.test(process.env.SHARED_STRUCTS_GC || ''),
    heapReservedBytes: s0.bytesReserved,
    workers: WORKERS,
    treeNodes: TREE_NODES,
    nodeBytes: NODE_BYTES,
    seconds: elapsedMs / 1000,
    stopReason,
    nodes: nodesAtEnd,
    trees,
    nodesPerSec: nodesAtEnd / (elapsedMs / 1000),
    cpuSeconds: cpuSpentMs / 1000,
    nodesPerCpuSec: nodesAtEnd / (cpuSpentMs / 1000),
    rssBaseline: rss0,
    peakRss,
    atPeak,
    rssAfter,
    liveObjectsBaseline: s0.liveObjects,
    maxLiveBytes,
    maxLiveObjects,
    collections: sEnd.collections - s0.collections,
    abortedCollections: sEnd.abortedCollections - s0.abortedCollections,
    maxPauseMs: sEnd.maxPauseMs,
    lastPauseMs: sEnd.lastPauseMs,
    lastSweepMs: sEnd.lastSweepMs,
    freedObjects: sEnd.freedObjectsTotal - s0.freedObjectsTotal,
    highWaterBytes: sEnd.highWaterBytes,
    bytesAllocated: sEnd.bytesAllocatedTotal - s0.bytesAllocatedTotal,
    nodeBytesAllocated: nodesAtEnd * NODE_BYTES,
    identityTableBytesAllocated: Number.isNaN(tableBytes) ? null : tableBytes,
    /** Fraction of the workers' time spent in native allocation calls. */
    allocCallShare: allocCallMs / (WORKERS * elapsedMs),
    bytesInUseEnd: sEnd.bytesInUse,
    liveObjectsAfter: sAfter.liveObjects,
    liveBytesAfter: sAfter.liveBytes,
    bytesInUseAfter: sAfter.bytesInUse,
    timeline: timeline.filter((_, i) => i % 5 === 0 || i === timeline.length - 1),
    errors,
    mb: { peakRss: mb(peakRss), rssBaseline: mb(rss0) },
  };
}

main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`gc-churn: ${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
