'use strict';
// Concurrent fuzz (issue 18), run as its own process (the live count is exact only where
// nothing else uses the heap, and a crash must not take the test runner down):
//
//   node __test__/fuzz/concurrent-main.js [--ms N] [--seed S] [--workers 4]
//
// Rounds of `workers` threads (concurrent-worker.js) doing random locked (Mutex, SharedMutex
// read and write, Condition queue; sync and async forms) and lock-free (compareExchange
// claims, SharedMap) work on one shared state, while this thread terminates random workers,
// often right when one says it holds a lock or waits on a condition, and starts others. Then
// a WorkerPool phase: tasks that count, throw, hang (the pool is terminated) and die. After
// each round: every worker stopped, every abandoned update undone, every count exact, every
// invariant holding, and (after collection) the live object count back to its baseline.
// Prints one JSON line: { ok, rounds, ops, kills, ..., failures: [...] }; exit code 1 on a
// failure.

const path = require('path');
const { Worker } = require('worker_threads');
const ss = require('../../index.js');
const { SharedStructType, SharedArray, SharedMap, Mutex, SharedMutex, Condition, WorkerPool, AbandonedMutexError, share } = ss;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TOTAL_MS = opt('ms', 8000);
// Round k runs with SEEDS[k] (then random ones): a fixed seed first, then this run's random
// seed, both printed. (Timing makes no two runs alike; the seed fixes the op mixes.)
const RANDOM_SEED = (Math.random() * 2 ** 31) | 0;
const SEEDS = args.includes('--seed') ? [opt('seed', 1)] : [1, RANDOM_SEED];
let SEED = SEEDS[0];
const WORKERS = opt('workers', 4);
const ROUND_MS = Math.min(TOTAL_MS, opt('round-ms', 4000));

let rs = SEED >>> 0;
function rand() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const D_FIELDS = ['total', 'undo', 'undoN', 'byWorker', 'a', 'b', 'writes', 'head', 'count', 'produced', 'consumed'];
const Data = new SharedStructType(D_FIELDS, { key: 'fuzz-concurrent.Data', elements: true });
const State = new SharedStructType(['m', 'mdata', 'rw', 'rwdata', 'qm', 'qdata', 'notEmpty', 'notFull', 'claims', 'map', 'counters', 'opsBy', 'phase'], 'fuzz-concurrent.State');
const Counters = new SharedStructType(['violations', 'n'], 'fuzz-concurrent.Counters');

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * `promise`, or 'timeout' after ms. The timer is cleared when the promise settles: a pending
 * timer would keep the race (so the rejection's stack trace, so the receivers of its frames,
 * so the shared objects behind them) alive until it fires, and the live count with it.
 */
function within(promise, ms) {
  let timer;
  const t = new Promise((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}
async function settle(rounds = 3) {
  for (let i = 0; i < rounds; i++) {
    await tick();
    ss.gc();
  }
}

function makeData(n) {
  const d = new Data(n);
  d.total = 0;
  d.undo = new SharedArray(64);
  d.undoN = 0;
  d.byWorker = new SharedArray(2048);
  d.a = 0;
  d.b = 0;
  d.writes = 0;
  d.head = 0;
  d.count = 0;
  d.produced = 0;
  d.consumed = 0;
  for (let i = 0; i < n; i++) d.set(i, n === 8 ? undefined : 0);
  return d;
}

function makeState() {
  const s = new State();
  s.m = new Mutex();
  s.mdata = makeData(16);
  s.rw = new SharedMutex();
  s.rwdata = makeData(0);
  s.qm = new Mutex();
  s.qdata = makeData(8);
  s.notEmpty = new Condition();
  s.notFull = new Condition();
  s.claims = new SharedArray(4096);
  s.map = new SharedMap();
  s.counters = new Counters();
  s.counters.violations = 0;
  s.counters.n = 0; // abandoned locks taken over (by any worker, killed ones included)
  s.opsBy = new SharedArray(1000);
  s.phase = new SharedArray(1000);
  return s;
}

const totals = { errorsWhileDying: 0, rounds: 0, ops: 0, kills: 0, killsHolding: 0, killsWaiting: 0, workersStarted: 0, abandonedSeen: 0, locked: 0, asyncLocked: 0, rwWrites: 0, rwReads: 0, produced: 0, consumed: 0, claims: 0, mapSets: 0, poolTasks: 0, poolThrows: 0, poolHangs: 0, poolDeaths: 0 };
const failures = [];
let lastAbandoned = 0;
const fail = (msg) => failures.push(msg);

/** Takes each lock once, undoing what a dead holder left (as the workers do). */
function recoverAll(st) {
  for (const [lock, D, L] of [
    [st.m, st.mdata, Mutex],
    [st.qm, st.qdata, Mutex],
    [st.rw, st.rwdata, SharedMutex],
  ]) {
    let tok;
    try {
      tok = L.lock(lock);
    } catch (e) {
      if (!(e instanceof AbandonedMutexError)) throw e;
      totals.abandonedSeen++;
      tok = e.token;
    }
    for (let n = D.undoN - 1; n >= 0; n--) {
      const key = D.undo.get(2 * n);
      const old = D.undo.get(2 * n + 1);
      if (typeof key !== 'number') D[key] = old;
      else if (key >= 0) D.set(key, old);
      else D.byWorker.set(-1 - key, old);
    }
    D.undoN = 0;
    tok.unlock();
  }
  // Read holds of dead readers were released for them: the lock is free for a writer now.
  const r = SharedMutex.tryLock(st.rw, () => true);
  if (!r.success) fail('SharedMutex still held after every worker stopped');
  if (!Mutex.tryLock(st.m, () => true).success || !Mutex.tryLock(st.qm, () => true).success) fail('a Mutex still held after every worker stopped');
}

function sumByWorker(D, from, to) {
  let s = 0;
  for (let i = from; i < to; i++) s += D.byWorker.get(i) || 0;
  return s;
}

/** The invariants of a round's state, with the survivors' reports. */
function checkState(st, reports) {
  const M = st.mdata;
  let sum = 0;
  for (let i = 0; i < M.length; i++) sum += M.get(i);
  if (sum !== M.total) fail(`mutex data: elements sum ${sum}, total ${M.total}`);
  if (sumByWorker(M, 0, 1000) !== M.total) fail(`mutex data: per-worker counts ${sumByWorker(M, 0, 1000)}, total ${M.total}`);
  const R = st.rwdata;
  if (R.a + R.b !== 0) fail(`rw data: a + b = ${R.a + R.b}`);
  if (sumByWorker(R, 0, 1000) !== R.writes) fail(`rw data: per-worker writes ${sumByWorker(R, 0, 1000)}, writes ${R.writes}`);
  const Q = st.qdata;
  if (Q.produced !== Q.consumed + Q.count) fail(`queue: produced ${Q.produced} != consumed ${Q.consumed} + queued ${Q.count}`);
  if (sumByWorker(Q, 0, 1000) !== Q.produced || sumByWorker(Q, 1000, 2000) !== Q.consumed) fail('queue: per-worker counts do not add up');
  let queued = 0;
  for (let i = 0; i < Q.length; i++) if (Q.get(i) !== undefined) queued++;
  if (queued !== Q.count) fail(`queue: ${queued} slots hold items, count ${Q.count}`);
  if (st.counters.violations !== 0) fail(`${st.counters.violations} invariant violations seen by workers`);
  // Claims: each names its worker and that worker's claim number, never twice.
  const claimsBy = new Map();
  for (let i = 0; i < st.claims.length; i++) {
    const c = st.claims.get(i);
    if (c === undefined) continue;
    const [w, n] = c.split(':').map(Number);
    if (!claimsBy.has(w)) claimsBy.set(w, new Set());
    if (claimsBy.get(w).has(n)) fail(`claim ${c} made twice`);
    claimsBy.get(w).add(n);
  }
  // The map: every entry well-formed; size agrees with iteration.
  const entries = [...st.map.entries()];
  if (entries.length !== st.map.size) fail(`map: ${entries.length} entries, size ${st.map.size}`);
  const keysBy = new Map();
  for (const [k, v] of entries) {
    const [w, n] = k.split(':').map(Number);
    if (v !== n) fail(`map: ${k} -> ${v}`);
    if (!keysBy.has(w)) keysBy.set(w, new Set());
    keysBy.get(w).add(k);
  }
  // Survivors (stopped cleanly) report exactly what the shared data holds for them.
  for (const r of reports) {
    const { w, local, keys } = r;
    if ((M.byWorker.get(w) || 0) !== local.locked + local.asyncLocked) fail(`worker ${w}: locked ${local.locked}+${local.asyncLocked}, shared count ${M.byWorker.get(w)}`);
    if ((R.byWorker.get(w) || 0) !== local.rwWrites) fail(`worker ${w}: rw writes ${local.rwWrites}, shared ${R.byWorker.get(w)}`);
    if ((Q.byWorker.get(w) || 0) !== local.produced || (Q.byWorker.get(w + 1000) || 0) !== local.consumed) fail(`worker ${w}: queue counts differ`);
    const cl = claimsBy.get(w);
    if ((cl ? cl.size : 0) !== local.claims) fail(`worker ${w}: ${local.claims} claims, ${cl ? cl.size : 0} in the array`);
    const mk = keysBy.get(w) || new Set();
    if (mk.size !== keys.length || keys.some((k) => !mk.has(k))) fail(`worker ${w}: map keys ${keys.length}, in the map ${mk.size}`);
    for (const k of Object.keys(totals)) if (k !== 'ops' && typeof local[k] === 'number') totals[k] += local[k];
    totals.abandonedSeen += local.abandoned;
  }
}

/** One round: workers, kills, stop, checks. */
async function round(roundMs) {
  const st = makeState();
  const token = share(st);
  const live = new Map(); // w -> { worker, exited }
  const reports = [];
  let nextW = 0;
  let stopping = false;

  function start() {
    const w = nextW++;
    const worker = new Worker(path.join(__dirname, 'concurrent-worker.js'), { workerData: { state: token, w, seed: (SEED + w * 7919 + totals.rounds * 104729) >>> 0 } });
    totals.workersStarted++;
    const h = { w, worker, exited: null, holding: null };
    h.exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('error', (e) => fail(`worker ${w} error: ${e && e.stack}`));
    worker.on('message', (m) => {
      // A worker being terminated can fail on its way out (a native call made while its
      // environment stops answers nothing): counted, not a failure; a live one's error is.
      if (m.error && !live.has(w)) totals.errorsWhileDying++;
      else if (m.error) fail(`worker ${w}: ${m.error}`);
      else if (m.done) {
        reports.push(m);
        worker.terminate(); // its port listener would keep it alive
      }
      else if (m.what && m.what !== 'ready' && !stopping && live.has(w) && rand() < 0.3) kill(h, m.what);
    });
    live.set(w, h);
    return h;
  }

  function kill(h, what) {
    if (!live.has(h.w)) return;
    live.delete(h.w);
    totals.kills++;
    if (what && what.startsWith('holding')) totals.killsHolding++;
    if (what && what.startsWith('waiting')) totals.killsWaiting++;
    h.worker.terminate();
    dead.push(h);
    if (!stopping) start();
  }
  const dead = [];

  for (let k = 0; k < WORKERS; k++) start();
  const end = Date.now() + roundMs;
  while (Date.now() < end) {
    await sleep(20 + rand() * 120);
    // A random kill, wherever the worker is.
    if (rand() < 0.35) {
      const hs = [...live.values()];
      kill(hs[Math.floor(rand() * hs.length)], null);
    }
  }
  stopping = true;
  const survivors = [...live.values()];
  for (const h of survivors) h.worker.postMessage('stop');
  const deadline = Date.now() + 20000;
  for (const h of survivors) {
    const left = deadline - Date.now();
    const r = await within(h.exited, Math.max(0, left));
    if (r === 'timeout') {
      fail(`worker ${h.w} did not stop within 20 s (hung in ${st.phase.get(h.w)}; locks: m ${JSON.stringify(st.m)}, qm ${JSON.stringify(st.qm)}, rw ${JSON.stringify(st.rw)}, notEmpty ${JSON.stringify(st.notEmpty)}, notFull ${JSON.stringify(st.notFull)})`);
      await h.worker.terminate();
    }
  }
  await Promise.all(dead.map((h) => h.exited));
  recoverAll(st);
  checkState(st, reports);
  lastAbandoned = st.counters.n || 0;
  // Every worker's last published op count, the killed ones' included.
  for (let i = 0; i < st.opsBy.length; i++) totals.ops += st.opsBy.get(i) || 0;
  ss.release(token);
  totals.rounds++;
}

/** WorkerPool: tasks that count, throw, hang and die. */
async function poolPhase() {
  const mod = path.join(__dirname, 'pool-worker.js');
  const Counter = new SharedStructType(['n'], 'fuzz-concurrent.PoolCounter');
  const c = new Counter();
  c.n = 0;
  // Counting and async tasks: every result in order, the count exact.
  let pool = new WorkerPool(mod, { threads: 2 });
  await pool.ready();
  const n = 20 + Math.floor(rand() * 40);
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(rand() < 0.2 ? SharedArray.of('async', i % 3) : rand() < 0.5 ? SharedArray.of('add', i, c) : i);
  const adds = tasks.filter((t) => typeof t !== 'number' && t.get(0) === 'add').length;
  const got = await pool.run(tasks);
  got.forEach((r, i) => {
    const t = tasks[i];
    const want = typeof t === 'number' ? t * t : t.get(1);
    if (r !== want) fail(`pool: task ${i} result ${r}, want ${want}`);
  });
  if (c.n !== adds) fail(`pool: counter ${c.n}, ${adds} add tasks`);
  totals.poolTasks += n;
  // A task that throws: TaskError naming it; the pool stays usable.
  const bad = Math.floor(rand() * 5);
  try {
    await pool.run([1, 2, 3, 4, 5].map((x, i) => (i === bad ? SharedArray.of('throw', x) : x)));
    fail('pool: a throwing task did not reject the run');
  } catch (e) {
    if (e.name !== 'TaskError' || e.index !== bad) fail(`pool: ${e.name} index ${e.index}, want TaskError ${bad}`);
    totals.poolThrows++;
  }
  const again = await pool.run([6, 7]);
  if (again[0] !== 36 || again[1] !== 49) fail('pool unusable after a task threw');
  // A task that hangs: terminate() ends the run's workers; the run rejects.
  const hanging = pool.run([SharedArray.of('hang', 0), 2]);
  await sleep(30);
  await pool.terminate();
  try {
    await within(hanging, 10000).then((r) => {
      if (r === 'timeout') fail('pool: a run with a hanging task did not end after terminate()');
      else fail('pool: a run with a hanging task resolved');
    });
  } catch {
    totals.poolHangs++;
  }
  // A task whose worker dies: the run rejects with the pool's failure.
  pool = new WorkerPool(mod, { threads: 2 });
  try {
    const r = await within(pool.run([1, SharedArray.of('die', 0), 3]), 10000);
    fail(r === 'timeout' ? 'pool: a run whose worker died did not end' : 'pool: a run whose worker died resolved');
  } catch (e) {
    if (!/exited with code 7|WorkerPool/.test(e.message)) fail(`pool: death reported as ${e.message}`);
    totals.poolDeaths++;
  }
  if (pool.failure === null) fail('pool: no failure recorded after a worker died');
  await pool.terminate();
}

async function main() {
  const t0 = Date.now();
  await settle();
  const baseline = ss.heapStats().liveObjects;
  const liveAfter = [];
  const seedsRun = [];
  globalThis.seedsRun = seedsRun;
  while (Date.now() - t0 < TOTAL_MS && failures.length === 0) {
    SEED = totals.rounds < SEEDS.length ? SEEDS[totals.rounds] : (Math.random() * 2 ** 31) | 0;
    seedsRun.push(SEED);
    rs = SEED >>> 0;
    await round(Math.min(ROUND_MS, Math.max(500, TOTAL_MS - (Date.now() - t0))));
    await poolPhase();
    totals.abandonedShared = (totals.abandonedShared || 0) + lastAbandoned;
    await settle();
    let live = ss.heapStats().liveObjects;
    for (let k = 0; k < 4 && live !== baseline; k++) {
      await sleep(20);
      await settle();
      live = ss.heapStats().liveObjects;
    }
    liveAfter.push(live);
    if (live !== baseline) fail(`live objects ${live} after round ${totals.rounds}, baseline ${baseline}`);
    const s = ss.heapStats();
    if (s.threads !== 1) fail(`${s.threads} threads registered after every worker exited`);
    if (s.tokens !== 0) fail(`${s.tokens} tokens left`);
  }
  const out = { ok: failures.length === 0, seeds: seedsRun, ms: Date.now() - t0, baseline, liveAfter: liveAfter.slice(-5), ...totals, failures: failures.slice(0, 20) };
  console.log(JSON.stringify(out));
  process.exit(out.ok ? 0 : 1);
}

main().catch((e) => {
  console.log(JSON.stringify({ ok: false, seeds: globalThis.seedsRun, failures: [...failures, `main threw: ${e && e.stack}`] }));
  process.exit(1);
});

