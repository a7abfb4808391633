'use strict';
// Pause benchmark child of bench/gc.js: builds a complete binary tree of OBJECTS small
// structs (value, left, right: 32 B each) kept alive from one wrapper, then times full
// collections (gc()). One configuration per process (fresh heap):
//
//   SHARED_STRUCTS_GC=0 node --expose-gc bench/gc-pause.js --objects N \
//       [--threads none|idle2|busy1] [--reps R]
//
// prints one JSON object on stdout. Automatic collection is off (the parent sets
// SHARED_STRUCTS_GC=0) so the build is not interrupted; gc() still collects.
//   --threads idle2: two extra workers that loaded the addon sit idle in their event loops
//                    (stopped through their doorbells);
//   --threads busy1: one extra worker that loaded the addon spins in a JS loop (stopped
//                    through a V8 interrupt at a loop back edge).
// Per collection: the stop-the-world pause the collector reports (heapStats().lastPauseMs:
// request + every thread at a safepoint + mark + resume), its sweep (lastSweepMs; gc() sweeps
// before returning), and the wall time of the gc() call.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

const FIELDS = ['value', 'left', 'right'];
const NODE_BYTES = 8 * (1 + FIELDS.length);
const BATCH = 1 << 16;

if (!isMainThread) {
  require('../index.js'); // registers this thread with the collector
  const flag = new Int32Array(workerData.flag);
  parentPort.postMessage('ready');
  if (workerData.kind === 'busy') {
    let x = 0;
    while (Atomics.load(flag, 0) === 0) x++;
    parentPort.postMessage({ spins: x });
  } else {
    parentPort.on('message', () => process.exit(0));
  }
  return;
}

const { immediate, settle } = require('./lib');
const now = () => process.hrtime.bigint();
const msSince = (t0) => Number(now() - t0) / 1e6;

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function parse(argv) {
  const o = { objects: 1e6, threads: 'none', reps: 7 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--objects') o.objects = Number(argv[++i]);
    else if (argv[i] === '--threads') o.threads = argv[++i];
    else if (argv[i] === '--reps') o.reps = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!['none', 'idle2', 'busy1'].includes(o.threads)) throw new Error(`--threads ${o.threads}?`);
  return o;
}

/**
 * A complete binary tree of `count` nodes (node i has children 2i+1, 2i+2), built depth
 * first with an explicit stack (only O(depth) wrappers held in JS). Yields every BATCH nodes
 * so the wrappers of finished subtrees can die.
 */
async function buildTree(Node, count) {
  const root = new Node();
  root.value = 0;
  const idx = [2, 1];
  const par = [root, root];
  let made = 1;
  while (idx.length > 0) {
    const i = idx.pop();
    const p = par.pop();
    if (i >= count) continue;
    const n = new Node();
    n.value = i;
    if (i & 1) p.left = n;
    else p.right = n;
    made++;
    idx.push(2 * i + 2, 2 * i + 1);
    par.push(n, n);
    if ((made & (BATCH - 1)) === 0) await immediate();
  }
  if (made !== count) throw new Error(`built ${made} nodes, expected ${count}`);
  return root;
}

function countTree(root) {
  let n = 0;
  const stack = [root];
  while (stack.length) {
    const x = stack.pop();
    n++;
    const l = x.left;
    const r = x.right;
    if (l) stack.push(l);
    if (r) stack.push(r);
  }
  return n;
}

async function main() {
  const opts = parse(process.argv.slice(2));
  const ss = require('../index.js');
  const Node = new ss.SharedStructType(FIELDS, 'bench.gc.PauseNode');
  const tb = now();
  let root = await buildTree(Node, opts.objects);
  const buildMs = msSince(tb);
  await settle(ss);
  const base = ss.heapStats();

  const flag = new Int32Array(new SharedArrayBuffer(4));
  const workers = [];
  const kinds = opts.threads === 'idle2' ? ['idle', 'idle'] : opts.threads === 'busy1' ? ['busy'] : [];
  for (const kind of kinds) {
    const w = new Worker(__filename, { workerData: { kind, flag: flag.buffer } });
    w.msgs = [];
    w.waiting = [];
    w.on('message', (m) => (w.waiting.length ? w.waiting.shift()(m) : w.msgs.push(m)));
    w.on('error', (e) => process.stderr.write(`gc-pause worker: ${e.stack || e}\n`));
    w.next = () => (w.msgs.length ? Promise.resolve(w.msgs.shift()) : new Promise((r) => w.waiting.push(r)));
    workers.push(w);
  }
  for (const w of workers) await w.next();
  // Give the workers time to settle into their loops (the busy one is spinning by now).
  await new Promise((r) => setTimeout(r, 100));

  const pause = [];
  const sweep = [];
  const wall = [];
  const live = [];
  let failed = 0;
  for (let k = 0; k < opts.reps; k++) {
    await immediate();
    const t0 = now();
    const ok = ss.gc();
    const w = msSince(t0);
    const s = ss.heapStats();
    if (!ok) {
      failed++;
      continue;
    }
    pause.push(s.lastPauseMs);
    sweep.push(s.lastSweepMs);
    wall.push(w);
    live.push(s.liveObjects);
  }
  const end = ss.heapStats();
  let spins = null;
  if (opts.threads === 'busy1') {
    Atomics.store(flag, 0, 1);
    spins = (await workers[0].next()).spins;
  }
  for (const w of workers) w.postMessage('bye');
  await Promise.all(workers.map((w) => w.terminate()));

  const reached = countTree(root);
  root = null;
  return {
    objects: opts.objects,
    threads: opts.threads,
    extraThreads: kinds.length,
    nodeBytes: NODE_BYTES,
    buildMs,
    reachable: reached,
    liveObjects: live.length ? Math.max(...live) : base.liveObjects,
    liveBytes: end.liveBytes,
    heapInUseBytes: end.bytesInUse,
    reps: opts.reps,
    failed,
    aborted: end.abortedCollections - base.abortedCollections,
    pauseMs: pause.length ? median(pause) : null,
    pauseMaxMs: pause.length ? Math.max(...pause) : null,
    pauseMinMs: pause.length ? Math.min(...pause) : null,
    sweepMs: sweep.length ? median(sweep) : null,
    wallMs: wall.length ? median(wall) : null,
    samples: { pause, sweep, wall },
    busySpins: spins,
  };
}

main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e) => {
    process.stderr.write(`gc-pause: ${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
