'use strict';
// parseJSON against JSON.parse (issue 20): throughput, memory, and the time until 4 workers
// can all read one document.
//   node --expose-gc bench/json.js [--mb 100] [--trials 3] [--workers 4] [--skip-workers]
// The document is an array of records (ids, names, e-mails, booleans, scores, tag arrays, a
// nested address, a small history), written to a temporary file first. Every mode starts
// from that file:
//   parse        one thread: readFileSync(utf8) + JSON.parse / + parseJSON (and parseJSON of
//                the Buffer from readFileSync)
//   stringify    one thread, the reverse: JSON.stringify of JSON.parse's result, against
//                stringifyJSON (Rust, from the heap) and JSON.stringify (toJSON: a plain copy
//                first) of parseJSON's; all three texts must be equal
//   each         every worker reads the file and JSON.parses it
//   postMessage  main reads + JSON.parses once, posts the object to every worker (clone)
//   shared       main reads the bytes + parseJSON once, sends a share() token, each worker open()s it
// "ready" is when every worker has reported that it read one field deep in the document.
// Memory: V8 heap growth (after a full GC) and shared-heap bytes in use; and peak RSS of a
// fresh process per mode (--rss-child).

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Worker, isMainThread, workerData, parentPort } = require('worker_threads');
const { median } = require('./lib');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

function makeDoc(mb) {
  const target = mb * 1024 * 1024;
  const parts = [];
  let size = 2;
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  for (let i = 0; size < target; i++) {
    const r = {
      id: i,
      name: `User ${i} ${words[i % 8]}`,
      email: `user${i}@example.com`,
      active: i % 3 !== 0,
      score: Math.round(Math.sin(i) * 1e6) / 1e3,
      tags: [words[i % 8], words[(i * 7) % 8], 'common'],
      address: { street: `${i % 1000} Main St`, city: words[(i * 3) % 8], zip: String(10000 + (i % 90000)) },
      history: [
        { t: 1700000000 + i, v: i % 17 },
        { t: 1700000100 + i, v: (i * 31) % 101 },
      ],
    };
    const s = JSON.stringify(r);
    parts.push(s);
    size += s.length + 1;
  }
  return `[${parts.join(',')}]`;
}

function touch(v, shared) {
  // One field deep in the document (the last record's city), as a check that it is readable.
  if (shared) return v.get(v.length - 1).address.city;
  return v[v.length - 1].address.city;
}

if (!isMainThread) {
  const ss = require('..');
  const { mode, file } = workerData;
  if (mode === 'each') {
    const v = JSON.parse(fs.readFileSync(file, 'utf8'));
    parentPort.postMessage(touch(v, false));
  } else if (mode === 'postMessage') {
    parentPort.once('message', (v) => parentPort.postMessage(touch(v, false)));
    parentPort.postMessage('ready');
  } else {
    parentPort.once('message', (tok) => parentPort.postMessage(touch(ss.open(tok), true)));
    parentPort.postMessage('ready');
  }
  // Stay alive until terminated (the document stays referenced).
  setInterval(() => {}, 1 << 30);
} else {
  const ss = require('..');
  const MB = arg('mb', 100);
  const TRIALS = arg('trials', 3);
  const WORKERS = arg('workers', 4);
  const file = path.join(os.tmpdir(), `shared-structs-bench-${MB}mb.json`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, makeDoc(MB));
  const bytes = fs.statSync(file).size;
  const gc = global.gc || (() => {});
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const out = { mb: +(bytes / 2 ** 20).toFixed(1), trials: TRIALS, workers: WORKERS };

  // --- one thread: throughput and memory ---------------------------------------------
  const heap = () => process.memoryUsage().heapUsed;
  const shared = () => ss.heapStats().bytesInUse;
  const res = { jsonParse: [], parseJSON: [], parseJSONBuffer: [], readUtf8: [], jsonStringify: [], stringifyJSON: [], jsonStringifyShared: [] };
  let mem = null;
  for (let k = 0; k < TRIALS; k++) {
    gc();
    let t0 = now();
    const text = fs.readFileSync(file, 'utf8');
    res.readUtf8.push(now() - t0);
    gc();
    const h0 = heap();
    t0 = now();
    let a = JSON.parse(text);
    res.jsonParse.push(now() - t0);
    gc();
    const jsBytes = heap() - h0;
    const want = touch(a, false);
    t0 = now();
    let plainText = JSON.stringify(a);
    res.jsonStringify.push(now() - t0);
    a = null;
    gc();
    ss.gc();
    const s0 = shared();
    const h1 = heap();
    t0 = now();
    let b = ss.parseJSON(text);
    res.parseJSON.push(now() - t0);
    const stats = ss.parseStats();
    gc();
    const sharedBytes = shared() - s0;
    const jsAfter = heap() - h1;
    if (touch(b, true) !== want) throw new Error('parseJSON and JSON.parse disagree');
    gc();
    t0 = now();
    let sharedText = ss.stringifyJSON(b);
    res.stringifyJSON.push(now() - t0);
    if (ss.stringifyFallback() !== null || sharedText !== plainText) throw new Error('stringifyJSON and JSON.stringify disagree');
    sharedText = null;
    gc();
    t0 = now();
    sharedText = JSON.stringify(b);
    res.jsonStringifyShared.push(now() - t0);
    if (sharedText !== plainText) throw new Error('JSON.stringify of the shared document differs');
    sharedText = plainText = null;
    b = null;
    // JSON.stringify(b) made a wrapper per object: let V8 and the shared heap drop them all
    // before the next parse (else it runs in a full heap).
    for (let r = 0; r < 2; r++) {
      gc();
      ss.gc();
    }
    const buf = fs.readFileSync(file);
    t0 = now();
    let c = ss.parseJSON(buf);
    res.parseJSONBuffer.push(now() - t0);
    c = null;
    if (mem === null) mem = { jsonParseHeapMB: +(jsBytes / 2 ** 20).toFixed(1), parseJSONSharedMB: +(sharedBytes / 2 ** 20).toFixed(1), parseJSONJsHeapMB: +(jsAfter / 2 ** 20).toFixed(1), stats };
    gc();
    ss.gc();
  }
  for (const [k, a] of Object.entries(res)) out[`${k}Ms`] = { median: +median(a).toFixed(1), min: +Math.min(...a).toFixed(1), max: +Math.max(...a).toFixed(1) };
  out.jsonParseMBps = +(out.mb / (out.jsonParseMs.median / 1000)).toFixed(1);
  out.parseJSONMBps = +(out.mb / (out.parseJSONMs.median / 1000)).toFixed(1);
  out.memory = mem;
  process.stderr.write(`one thread done\n`);

  // --- 4 workers ----------------------------------------------------------------------
  async function trial(mode) {
    gc();
    ss.gc();
    const t0 = now();
    const ws = Array.from({ length: WORKERS }, () => new Worker(__filename, { workerData: { mode, file } }));
    const msg = (w) => new Promise((r) => w.once('message', r));
    let results;
    if (mode === 'each') {
      results = await Promise.all(ws.map(msg));
    } else {
      const readyAll = Promise.all(ws.map(msg));
      let payload;
      if (mode === 'postMessage') payload = JSON.parse(fs.readFileSync(file, 'utf8'));
      else payload = ss.share(ss.parseJSON(fs.readFileSync(file))); // the bytes: no 100 MB string
      await readyAll;
      const done = Promise.all(ws.map(msg));
      if (mode === 'shared') for (const w of ws) w.postMessage(ss.share(ss.open(payload)));
      else for (const w of ws) w.postMessage(payload);
      results = await done;
    }
    const ms = now() - t0;
    if (new Set(results).size !== 1) throw new Error(`workers disagree: ${results}`);
    const rss = process.memoryUsage().rss;
    await Promise.all(ws.map((w) => w.terminate()));
    return { ms, rss };
  }
  if (!process.argv.includes('--skip-workers')) {
    (async () => {
      const t = { each: [], postMessage: [], shared: [] };
      const rss = { each: 0, postMessage: 0, shared: 0 };
      for (let k = 0; k < TRIALS; k++) {
        for (const mode of Object.keys(t)) {
          const r = await trial(mode);
          t[mode].push(r.ms);
          rss[mode] = Math.max(rss[mode], r.rss);
          process.stderr.write(`${mode} ${r.ms.toFixed(0)} ms\n`);
        }
      }
      for (const [k, a] of Object.entries(t)) out[`ready4_${k}Ms`] = { median: +median(a).toFixed(0), min: +Math.min(...a).toFixed(0), max: +Math.max(...a).toFixed(0), rssMB: Math.round(rss[k] / 2 ** 20) };
      console.log(JSON.stringify(out, null, 1));
    })();
  } else {
    console.log(JSON.stringify(out, null, 1));
  }
}
