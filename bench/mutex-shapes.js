'use strict';
// 2 threads contending on one mutex, in several shapes (issue 20, item 6): stock Node with
// shared-structs against node --harmony-struct's Atomics.Mutex, side by side.
//   node bench/mutex-shapes.js [--n 400000] [--trials 5]   (starts the harmony side itself)
// Shapes (each thread does n / 2 iterations):
//   inc       Mutex.lock(m, inc): a struct-field increment inside (bench/sync.js's shape)
//   inc-outside  the same plus ~50 loop turns of work outside the lock (less contention)
//   inside    ~50 loop turns of work inside the lock, then the increment (long holds)
//   token     const t = Mutex.lock(m); c.n++; t.unlock()  (ours only; V8 has no token form)
// Prints one JSON object per side: milliseconds per shape (median of trials, min, max).

const { Worker, isMainThread, workerData, parentPort } = require('worker_threads');
const { spawnSync } = require('child_process');
const path = require('path');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 400000);
const TRIALS = arg('trials', 5);
const harmony = typeof SharedStructType === 'function' && !process.argv.includes('--stock');
const ONLY = process.argv.includes('--shapes') ? process.argv[process.argv.indexOf('--shapes') + 1].split(',') : null;
const SHAPES = (harmony ? ['inc', 'inc-outside', 'inside'] : ['inc', 'inc-outside', 'inside', 'token']).filter((s) => ONLY === null || ONLY.includes(s));

const BODY = `
const { workerData, parentPort } = require('worker_threads');
const harmony = workerData.harmony;
const ss = harmony ? null : require(workerData.lib);
const c = harmony ? workerData.c : ss.open(workerData.c);
const m = harmony ? workerData.m : ss.open(workerData.m);
const M = harmony ? Atomics.Mutex : ss.Mutex;
let sink = 0;
const inc = () => { c.n = c.n + 1; };
const inside = () => { for (let k = 0; k < 50; k++) sink = (sink + k) | 0; c.n = c.n + 1; };
const shape = workerData.shape;
const n = workerData.n;
function run(count) {
  if (shape === 'inc') for (let i = 0; i < count; i++) M.lock(m, inc);
  else if (shape === 'inc-outside') for (let i = 0; i < count; i++) { M.lock(m, inc); for (let k = 0; k < 50; k++) sink = (sink + k) | 0; }
  else if (shape === 'inside') for (let i = 0; i < count; i++) M.lock(m, inside);
  else for (let i = 0; i < count; i++) { const t = M.lock(m); c.n = c.n + 1; t.unlock(); }
}
run(2000);
parentPort.postMessage('ready');
Atomics.wait(workerData.start, 0, 0);
run(n);
parentPort.postMessage(sink === 0.5 ? 'x' : 'done');
`;

function trial(shape) {
  return new Promise((resolve, reject) => {
    let c;
    let m;
    let shared;
    if (harmony) {
      // eslint-disable-next-line no-undef
      const C = new SharedStructType(['n']);
      c = new C();
      c.n = 0;
      // eslint-disable-next-line no-undef
      m = new Atomics.Mutex();
      shared = { c, m };
    } else {
      const ss = require('..');
      const C = new ss.SharedStructType(['n'], 'bench/mutex-shapes/C');
      c = new C();
      c.n = 0;
      m = new ss.Mutex();
      shared = { c: ss.share(c), m: ss.share(m) };
    }
    const start = new Int32Array(new SharedArrayBuffer(4));
    const ws = [0, 1].map(() => new Worker(BODY, { eval: true, workerData: { ...shared, start, shape, n: N / 2, harmony, lib: path.resolve(__dirname, '..') } }));
    let ready = 0;
    let done = 0;
    let t0 = 0;
    for (const w of ws) {
      w.on('error', reject);
      w.on('message', (msg) => {
        if (msg === 'ready' && ++ready === 2) {
          t0 = performance.now();
          Atomics.store(start, 0, 1);
          Atomics.notify(start, 0);
        } else if (msg === 'done' && ++done === 2) {
          const ms = performance.now() - t0;
          if (c.n !== N + 4000) reject(new Error(`count ${c.n} != ${N + 4000}`));
          Promise.all(ws.map((x) => x.terminate())).then(() => resolve(ms));
        }
      });
    }
  });
}

async function side() {
  const out = {};
  for (const shape of SHAPES) out[shape] = [];
  for (let k = 0; k < TRIALS; k++) for (const shape of SHAPES) out[shape].push(await trial(shape));
  const res = {};
  for (const [s, a] of Object.entries(out)) {
    a.sort((x, y) => x - y);
    res[s] = { medianMs: +a[a.length >> 1].toFixed(1), minMs: +a[0].toFixed(1), maxMs: +a[a.length - 1].toFixed(1) };
  }
  return res;
}

if (isMainThread) {
  (async () => {
    const mine = await side();
    if (harmony || process.argv.includes('--one-side')) {
      process.stdout.write(JSON.stringify(mine));
      return;
    }
    const h = spawnSync(process.execPath, ['--harmony-struct', __filename, '--n', String(N), '--trials', String(TRIALS), ...(ONLY ? ['--shapes', ONLY.join(',')] : [])], { encoding: 'utf8' });
    const theirs = h.status === 0 ? JSON.parse(h.stdout) : { error: h.stderr.slice(0, 300) };
    const table = {};
    for (const s of SHAPES) {
      table[s] = { shared: mine[s], harmony: theirs[s] || null, sharedOverHarmony: theirs[s] ? +(mine[s].medianMs / theirs[s].medianMs).toFixed(2) : null };
    }
    console.log(JSON.stringify({ n: N, trials: TRIALS, shapes: table }, null, 1));
  })();
}
