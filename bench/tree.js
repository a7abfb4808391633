'use strict';
// Tree handoff benchmark: a 2^18 - 1 node binary tree (id, left, right, parent, name) is
// built in the main thread and handed to an already running, warmed-up worker.
//   hold:  time from "start handing off" until the worker holds the root and acks;
//   visit: the same, but the worker first does a DFS over all nodes (reading id, name,
//          left, right and checking every parent pointer).
// plain:   postMessage(root) (structured clone of the whole tree).
// shared:  share(root) + postMessage(token) + open(token) in the worker.
// harmony: postMessage(root) of harmony shared structs (passed by reference); only in
//          the `--harmony-struct` child (bench/harmony.js).
// run.js runs this file as `node bench/tree.js [--only ...]` (JSON on stdout for plain and
// shared), in its own process so the micro-benchmarks' heap does not affect it.

const path = require('path');
const { Worker } = require('worker_threads');
const { now, msSince, median, log, fmt, parseArgs, selected } = require('./lib');

const DEPTH = 18;
const COUNT = 2 ** DEPTH - 1; // 262143
const RUNS = 7;
const WARM_COUNT = 2 ** 12 - 1;
const WARM_RUNS = 6;
const FIELDS = ['id', 'left', 'right', 'parent', 'name'];

/** Builds a complete binary tree of `count` nodes with `make(id, parent)`; returns the root. */
function buildTree(make, count) {
  const nodes = new Array(count);
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? null : nodes[(i - 1) >> 1];
    const n = make(i, parent);
    nodes[i] = n;
    if (i & 1) parent.left = n;
    else if (i > 0) parent.right = n;
  }
  return nodes[0];
}

/** Node factories and handoff messages per side. */
function sideOps(side) {
  if (side === 'plain') {
    return {
      make: (id, parent) => ({ id, left: null, right: null, parent, name: `node-${id}` }),
      message: (root) => ({ root }),
    };
  }
  if (side === 'shared') {
    const { SharedStructType, share } = require('../index.js');
    const Node = new SharedStructType(FIELDS, 'bench.TreeNode');
    return {
      make(id, parent) {
        const n = new Node();
        n.id = id;
        n.left = null;
        n.right = null;
        n.parent = parent;
        n.name = `node-${id}`;
        return n;
      },
      message: (root) => ({ token: share(root) }),
      freshTreePerRun: true, // so every DFS in the worker is a first touch (no cached wrappers)
    };
  }
  if (side === 'harmony') {
    // eslint-disable-next-line no-undef
    const Node = new SharedStructType(FIELDS);
    return {
      make(id, parent) {
        const n = new Node();
        n.id = id;
        n.left = null;
        n.right = null;
        n.parent = parent;
        n.name = `node-${id}`;
        return n;
      },
      message: (root) => ({ root }),
    };
  }
  throw new Error(`unknown side ${side}`);
}

/** Starts a tree worker and waits until it is ready. Returns { request(msg), close() }. */
async function startWorker(mode) {
  const worker = new Worker(path.join(__dirname, 'tree-worker.js'), { workerData: { mode } });
  let seq = 0;
  const pending = new Map();
  let failed = null;
  const fail = (e) => {
    failed = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const ready = new Promise((resolve, reject) => {
    worker.once('message', (m) => (m && m.ready ? resolve() : reject(new Error('worker did not start'))));
    worker.once('error', reject);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`worker exited (${code})`)));
  await ready;
  worker.on('message', (m) => {
    const p = pending.get(m.seq);
    if (!p) return;
    pending.delete(m.seq);
    if (m.error) p.reject(new Error(`worker: ${m.error}`));
    else p.resolve(m.res);
  });
  return {
    request(msg) {
      if (failed) return Promise.reject(failed);
      msg.seq = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(msg.seq, { resolve, reject });
        worker.postMessage(msg);
      });
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

function checkResult(res, visit, count) {
  if (visit) {
    const idSum = (count * (count - 1)) / 2;
    if (!res || res.count !== count || res.idSum !== idSum) throw new Error(`worker visited ${JSON.stringify(res)}, expected ${count} nodes`);
  } else if (!res || res.rootId !== 0) {
    throw new Error(`worker replied ${JSON.stringify(res)}, expected the root`);
  }
}

/**
 * Before a timed run (untimed): a few round trips to the worker, so neither thread starts
 * the run waking from sleep. (Forcing a GC between runs with --expose-gc was tried: it
 * made harmony's visit bimodal, 2 vs 10 ms, and every side noisier, so it is not done.)
 */
async function settle(w) {
  for (let k = 0; k < 3; k++) await w.request({ ping: true });
}

/** One timed handoff: build message (share() for shared), post, wait for the ack. */
async function handoff(w, ops, root, visit, count, bulk = false) {
  await settle(w);
  const t0 = now();
  const msg = ops.message(root);
  msg.visit = visit;
  msg.bulk = bulk;
  const res = await w.request(msg);
  const ms = msSince(t0);
  checkResult(res, visit, count);
  return ms;
}

/**
 * Runs the tree benchmark for one side. `which` = { hold: bool, visit: bool }.
 * Returns { hold?: { ms, samples }, visit?: { ms, samples } } or throws.
 */
async function runTree(side, which) {
  const ops = sideOps(side);
  const w = await startWorker(side);
  try {
    // Warm-up: small trees through both paths (loads the library/type in the worker and
    // gets the DFS optimized), then one untimed full-size visit.
    for (let k = 0; k < WARM_RUNS; k++) {
      const small = buildTree(ops.make, WARM_COUNT);
      await handoff(w, ops, small, false, WARM_COUNT);
      await handoff(w, ops, small, true, WARM_COUNT);
    }
    let root = buildTree(ops.make, COUNT);
    await handoff(w, ops, root, true, COUNT);

    const out = {};
    // visitBulk: the worker walks through bulk views (shared-structs only; the row compares
    // it with the other sides' plain visit).
    const kinds = [
      ['hold', false, false],
      ['visit', true, false],
      ...(side === 'shared' ? [['visitBulk', true, true]] : []),
    ];
    for (const [key, visit, bulk] of kinds) {
      if (!which[key]) continue;
      if (bulk) {
        // Warm the bulk DFS up as the wrapper one was.
        for (let k = 0; k < WARM_RUNS; k++) await handoff(w, ops, buildTree(ops.make, WARM_COUNT), true, WARM_COUNT, true);
      }
      const samples = [];
      for (let k = 0; k < RUNS; k++) {
        if (visit && ops.freshTreePerRun) {
          root = null;
          root = buildTree(ops.make, COUNT);
        }
        samples.push(await handoff(w, ops, root, visit, COUNT, bulk));
      }
      out[key] = { ms: median(samples), samples };
      log(`  tree-${key} [${side}] ${fmt(out[key].ms)} ms (runs: ${samples.map(fmt).join(', ')})`);
    }
    return out;
  } finally {
    await w.close();
  }
}

/** The two rows of this benchmark in the results table. */
const BENCHES = [
  { id: 'tree-hold', key: 'hold', name: 'tree handoff: until worker holds root (2^18-1 nodes)', unit: 'ms', target: { minSpeedup: 100 } },
  { id: 'tree-visit', key: 'visit', name: 'tree handoff + worker DFS over all nodes', unit: 'ms', target: { minSpeedup: 10, maxHarmony: 3 } },
  { id: 'tree-visit-bulk', key: 'visitBulk', otherKey: 'visit', name: 'same, DFS through bulk views', unit: 'ms', target: { minSpeedup: 10, maxHarmony: 1.5 } },
];

/** `which` ({ hold, visit }) from the --only filter. */
function whichFromOpts(opts) {
  const which = {};
  for (const b of BENCHES) {
    if (!selected(opts, b)) continue;
    which[b.key] = true;
    if (b.otherKey) which[b.otherKey] = true; // the other sides' figure for this row
  }
  return which;
}

module.exports = { runTree, buildTree, whichFromOpts, BENCHES, COUNT };

if (require.main === module) {
  (async () => {
    const opts = parseArgs(process.argv.slice(2));
    const which = whichFromOpts(opts);
    const out = {};
    for (const side of ['plain', 'shared']) {
      log(`tree handoff: ${side}`);
      try {
        out[side] = await runTree(side, which);
      } catch (e) {
        log(`  tree [${side}] failed: ${e.stack || e.message}`);
        out[side] = { error: e.message };
      }
    }
    return out;
  })().then(
    (out) => process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0)),
    (e) => {
      log(`tree.js: ${e.stack || e.message}`);
      process.exit(1);
    },
  );
}
