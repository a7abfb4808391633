'use strict';
// Coordination benchmarks, one side per process (bench/run.js starts them):
//   node bench/sync.js --side shared                     -> shared-structs and plain JS
//   node --harmony-struct bench/sync.js --side harmony   -> V8's Atomics.Mutex
// Prints JSON on stdout: { mutexLock, callback, contendedMs, mapGet, mapSet, mapGetPlain,
// mapSetPlain, map2tOpsPerSec } (only the fields that side measures).

const { Worker, isMainThread, workerData, parentPort } = require('worker_threads');
const path = require('path');
const { median } = require('./lib');

const side = process.argv[process.argv.indexOf('--side') + 1];
const TOTAL = 1_000_000; // contended increments in all
/** Contended runs per side; the median is reported (one run varies by ±30% on a 2-core VM). */
const TRIALS = 5;

/** Median of `TRIALS` runs of the async `trial()`, which resolves to milliseconds. */
async function medianMs(trial) {
  const ms = [];
  for (let k = 0; k < TRIALS; k++) ms.push(await trial());
  return median(ms);
}
const N = 1000;

function nsPerOp(fn, ops, reps = 300) {
  for (let r = 0; r < 50; r++) fn();
  const samples = [];
  for (let k = 0; k < 7; k++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / (reps * ops));
  }
  return median(samples);
}

function mainShared() {
  const ss = require('..');
  const out = {};
  let x = 0;
  const cb = () => {
    x++;
  };
  const m = new ss.Mutex();
  out.callback = nsPerOp(() => {
    for (let i = 0; i < N; i++) cb();
  }, N);
  out.mutexLock = nsPerOp(() => {
    for (let i = 0; i < N; i++) ss.Mutex.lock(m, cb);
  }, N);
  // SharedMap vs Map with string keys, one thread
  const keys = Array.from({ length: N }, (_, i) => `key-${i}`);
  const jm = new Map();
  const sm = new ss.SharedMap();
  for (const k of keys) {
    jm.set(k, 1);
    sm.set(k, 1);
  }
  out.mapGetPlain = nsPerOp(() => {
    let s = 0;
    for (let i = 0; i < N; i++) s += jm.get(keys[i]);
    return s;
  }, N);
  out.mapGet = nsPerOp(() => {
    let s = 0;
    for (let i = 0; i < N; i++) s += sm.get(keys[i]);
    return s;
  }, N);
  out.mapSetPlain = nsPerOp(() => {
    for (let i = 0; i < N; i++) jm.set(keys[i], i);
  }, N);
  out.mapSet = nsPerOp(() => {
    for (let i = 0; i < N; i++) sm.set(keys[i], i);
  }, N);
  return out;
}

/** Two workers increment one counter under one mutex, TOTAL times in all; returns ms. */
function contended(makeShared, code) {
  return new Promise((resolve, reject) => {
    const shared = makeShared();
    // `keep` stays in this thread (a shared object itself cannot be cloned into workerData).
    const { keep, ...send } = shared;
    const start = new Int32Array(new SharedArrayBuffer(4));
    let done = 0;
    let t0 = 0;
    const ws = [0, 1].map(() => new Worker(code, { eval: true, workerData: { ...send, start, n: TOTAL / 2, lib: path.resolve(__dirname, '..') } }));
    let ready = 0;
    for (const w of ws) {
      w.on('error', reject);
      w.on('message', (m) => {
        if (m === 'ready' && ++ready === 2) {
          t0 = performance.now();
          Atomics.store(start, 0, 1);
          Atomics.notify(start, 0);
        } else if (m === 'done' && ++done === 2) {
          const ms = performance.now() - t0;
          Promise.all(ws.map((x) => x.terminate())).then(() => resolve({ ms, shared }));
        }
      });
    }
  });
}

const SHARED_WORKER = `
const { workerData, parentPort } = require('worker_threads');
const ss = require(workerData.lib);
const { c, m } = { c: ss.open(workerData.c), m: ss.open(workerData.m) };
const inc = () => { c.n = c.n + 1; };
for (let i = 0; i < 1000; i++) ss.Mutex.lock(m, () => {});
parentPort.postMessage('ready');
Atomics.wait(workerData.start, 0, 0);
for (let i = 0; i < workerData.n; i++) ss.Mutex.lock(m, inc);
parentPort.postMessage('done');
`;

const SHARED_MAP_WORKER = `
const { workerData, parentPort } = require('worker_threads');
const ss = require(workerData.lib);
const map = ss.open(workerData.map);
const keys = Array.from({ length: 1000 }, (_, i) => 'key-' + i);
parentPort.postMessage('ready');
Atomics.wait(workerData.start, 0, 0);
let s = 0;
for (let i = 0; i < workerData.n; i++) { const k = keys[i % 1000]; if (i & 1) map.set(k, i); else s += map.get(k) | 0; }
parentPort.postMessage('done');
`;

const HARMONY_WORKER = `
const { workerData, parentPort } = require('worker_threads');
const { c, m } = workerData;
const inc = () => { c.n = c.n + 1; };
for (let i = 0; i < 1000; i++) Atomics.Mutex.lock(m, () => {});
parentPort.postMessage('ready');
Atomics.wait(workerData.start, 0, 0);
for (let i = 0; i < workerData.n; i++) Atomics.Mutex.lock(m, inc);
parentPort.postMessage('done');
`;

async function main() {
  let out;
  if (side === 'shared') {
    out = mainShared();
    const ss = require('..');
    const C = new ss.SharedStructType(['n'], 'bench/Counter');
    out.contendedMs = await medianMs(async () => {
      const r = await contended(() => {
        const c = new C();
        c.n = 0;
        return { c: ss.share(c), m: ss.share(new ss.Mutex()), keep: c };
      }, SHARED_WORKER);
      if (r.shared.keep.n !== TOTAL) throw new Error(`contended count ${r.shared.keep.n} != ${TOTAL}`);
      return r.ms;
    });
    const map = new ss.SharedMap();
    for (let i = 0; i < 1000; i++) map.set(`key-${i}`, i);
    const ms2 = await medianMs(async () => (await contended(() => ({ map: ss.share(map) }), SHARED_MAP_WORKER)).ms);
    out.map2tOpsPerSec = TOTAL / (ms2 / 1000);
  } else if (side === 'harmony') {
    out = {};
    let x = 0;
    const cb = () => {
      x++;
    };
    // eslint-disable-next-line no-undef
    const m = new Atomics.Mutex();
    out.callback = nsPerOp(() => {
      for (let i = 0; i < N; i++) cb();
    }, N);
    out.mutexLock = nsPerOp(() => {
      for (let i = 0; i < N; i++) Atomics.Mutex.lock(m, cb);
    }, N);
    // eslint-disable-next-line no-undef
    const C = new SharedStructType(['n']);
    out.contendedMs = await medianMs(async () => {
      let counter;
      const r = await contended(() => {
        counter = new C();
        counter.n = 0;
        // eslint-disable-next-line no-undef
        return { c: counter, m: new Atomics.Mutex() };
      }, HARMONY_WORKER);
      if (counter.n !== TOTAL) throw new Error(`harmony contended count ${counter.n} != ${TOTAL}`);
      return r.ms;
    });
  } else {
    throw new Error('--side shared|harmony');
  }
  process.stdout.write(JSON.stringify(out));
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(String(e && e.stack ? e.stack : e));
      process.exit(1);
    },
  );
} else if (parentPort && workerData) {
  // workers are started with eval code above
}
