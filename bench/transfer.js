'use strict';
// Cost per message of the library's structured-cloning hooks (lib/transfer.js, issue 16/17):
//   node bench/transfer.js            # table: each mode in its own process, 5 rounds interleaved
//   node bench/transfer.js --json
//
// Modes (each a fresh process, so "no library" really has no hook):
//   none      the library is not loaded: Node's own postMessage / structuredClone
//   check     the library loaded (the default): every message is walked for shared objects
//   byref     passByReference() on, the message holds no shared object
//   byref+s   passByReference() on, the message holds one struct (sent as a reference)
//   token     the library loaded, the struct sent as a share() token (the explicit way)
// Figures: ns per postMessage to a worker (sender side, the worker drains and counts; the
// clock stops when the worker has received them all), ns per structuredClone of the same
// message in-thread, and ms to structuredClone a 262,143-node plain tree (the walk on a
// big message; "check" only: the other modes walk it the same way), and the walk alone.

const { spawnSync } = require('child_process');
const path = require('path');
const { median } = require('./lib');

const MODES = ['none', 'check', 'byref', 'byref+s', 'token'];
const ROUNDS = 5;
const N = 20000;

function child(mode) {
  const { Worker } = require('worker_threads');
  const small = { type: 'job', id: 42, data: { a: 1, b: 'x', c: [1, 2, 3] } };
  let ss = null;
  let msg = small;
  if (mode !== 'none') {
    ss = require(path.join(__dirname, '..', 'index.js'));
    if (mode.startsWith('byref')) ss.passByReference(true);
    if (mode === 'byref+s' || mode === 'token') {
      const T = new ss.SharedStructType(['x', 'y']);
      const s = new T();
      s.x = 1;
      msg = { ...small, s: mode === 'token' ? null : s };
      if (mode === 'token') msg.s = s; // token: share() per message, below
    }
  }
  const body = `
    const { parentPort } = require('worker_threads');
    ${mode !== 'none' ? `const ss = require(${JSON.stringify(path.join(__dirname, '..', 'index.js'))});` : ''}
    let n = 0;
    parentPort.on('message', (m) => {
      ${mode === 'token' ? 'ss.open(m.s);' : ''}
      if (++n === m.last) { n = 0; parentPort.postMessage('done'); }
    });`;
  const w = new Worker(body, { eval: true });
  const post = mode === 'token' ? (i, last) => w.postMessage({ ...msg, s: ss.share(msg.s), last }) : (i, last) => w.postMessage(i === last - 1 ? { ...msg, last } : msg);
  const once = () =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      w.once('message', () => resolve(Number(process.hrtime.bigint() - t0) / N));
      for (let i = 0; i < N; i++) post(i, N);
    });
  const cloneNs = () => {
    const m = mode === 'token' ? { ...msg, s: ss.share(msg.s) } : msg;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) structuredClone(m);
    return Number(process.hrtime.bigint() - t0) / N;
  };
  const tree = (d) => (d === 0 ? { v: 1, s: 'leaf' } : { l: tree(d - 1), r: tree(d - 1), v: d, s: 'n' });
  const big = tree(17);
  (async () => {
    await once(); // warm-up
    const post1 = [];
    const clone1 = [];
    for (let r = 0; r < 3; r++) {
      post1.push(await once());
      clone1.push(cloneNs());
    }
    let walk = null;
    if (mode === 'check') {
      // The walk alone (what the hook adds to every message when the library is loaded).
      const { findShared } = require('../lib/transfer');
      for (let i = 0; i < N; i++) findShared(small);
      let t0 = process.hrtime.bigint();
      for (let i = 0; i < 10 * N; i++) findShared(small);
      const smallNs = Number(process.hrtime.bigint() - t0) / (10 * N);
      findShared(big);
      t0 = process.hrtime.bigint();
      findShared(big);
      walk = { smallNs, bigMs: Number(process.hrtime.bigint() - t0) / 1e6 };
    }
    let bigMs = null;
    if (mode === 'none' || mode === 'check') {
      structuredClone(big);
      const t0 = process.hrtime.bigint();
      structuredClone(big);
      bigMs = Number(process.hrtime.bigint() - t0) / 1e6;
    }
    await w.terminate();
    process.stdout.write(JSON.stringify({ mode, post: median(post1), clone: median(clone1), bigMs, walk }) + '\n');
  })();
}

function main() {
  const json = process.argv.includes('--json');
  const runs = Object.fromEntries(MODES.map((m) => [m, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of MODES) {
      const out = spawnSync(process.execPath, [__filename, '--child', mode], { encoding: 'utf8', timeout: 120000 });
      if (out.status !== 0) throw new Error(`mode ${mode} failed: ${out.stderr}`);
      runs[mode].push(JSON.parse(out.stdout.trim().split('\n').pop()));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const range = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} (median ${median(xs).toFixed(0)})`;
  const rows = MODES.map((m) => ({
    mode: m,
    postNs: runs[m].map((x) => x.post),
    cloneNs: runs[m].map((x) => x.clone),
    bigMs: runs[m].map((x) => x.bigMs).filter((x) => x !== null),
    walk: runs[m].map((x) => x.walk).filter((x) => x !== null),
  }));
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  console.log(`postMessage to a worker (ns per message, sender to last receipt) and structuredClone in-thread (ns), ${ROUNDS} processes per mode:`);
  console.log('| mode | postMessage ns | structuredClone ns | 262,143-node tree clone ms |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.mode} | ${range(r.postNs)} | ${range(r.cloneNs)} | ${r.bigMs.length ? range(r.bigMs) : ''} |`);
  const walk = rows.find((r) => r.mode === 'check').walk;
  console.log(`\nThe walk alone (findShared): small message ${range(walk.map((w) => w.smallNs))} ns; 262,143-node tree ${range(walk.map((w) => w.bigMs))} ms`);
}

if (process.argv[2] === '--child') child(process.argv[3]);
else main();
