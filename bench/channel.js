'use strict';
// Channel throughput across 2 threads against a MessagePort, small messages (issue 20):
//   node bench/channel.js [--n 200000] [--trials 5] [--capacity 1024]
// The main thread sends N messages to one worker, which counts them; the time is from the
// first send until the worker reports the last one received. Each trial is one fresh worker
// per mode; modes are interleaved per trial. Prints messages per second (median of trials)
// and the range, as JSON on stdout.
//   port         parentPort/worker.postMessage of each message, the worker's 'message' listener
//   chan-sync    Channel.send in main, blocking Channel.receive loop in the worker
//   chan-async   await ch.sendAsync in main, for await (... of ch) in the worker

const { Worker, isMainThread, workerData, parentPort } = require('worker_threads');
const { median } = require('./lib');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 200000);
const TRIALS = arg('trials', 5);
const CAP = arg('capacity', 1024);
const KINDS = ['number', 'string', 'struct'];

function message(kind, i, T) {
  if (kind === 'number') return i;
  if (kind === 'string') return `m${i & 1023}`;
  const t = new T();
  t.i = i;
  return t;
}

if (!isMainThread) {
  const ss = require('..');
  const { mode, n, ch: tok } = workerData;
  if (mode === 'port') {
    let got = 0;
    parentPort.on('message', () => {
      if (++got === n) parentPort.postMessage('done');
    });
    parentPort.postMessage('ready');
  } else {
    const ch = ss.open(tok);
    parentPort.postMessage('ready');
    (async () => {
      let got = 0;
      if (mode === 'chan-sync') {
        while (got < n) if (!ch.receive().done) got++;
      } else {
        for await (const v of ch) if (++got === n) break;
      }
      parentPort.postMessage('done');
    })();
  }
} else {
  const ss = require('..');
  const T = new ss.SharedStructType(['i'], 'bench/channel/T');
  const once = (w, what) => new Promise((r) => w.once('message', (m) => m === what && r()));
  async function trial(mode, kind) {
    const ch = mode === 'port' ? null : new ss.Channel(CAP);
    const w = new Worker(__filename, { workerData: { mode, n: N, ch: ch && ss.share(ch) } });
    await once(w, 'ready');
    const done = once(w, 'done');
    const msgs = kind === 'struct' ? null : Array.from({ length: 1024 }, (_, i) => message(kind, i));
    const t0 = process.hrtime.bigint();
    if (mode === 'port') {
      for (let i = 0; i < N; i++) w.postMessage(msgs ? msgs[i & 1023] : ss.share(message(kind, i, T)));
    } else if (mode === 'chan-sync') {
      for (let i = 0; i < N; i++) ch.send(msgs ? msgs[i & 1023] : message(kind, i, T));
    } else {
      for (let i = 0; i < N; i++) await ch.sendAsync(msgs ? msgs[i & 1023] : message(kind, i, T));
    }
    await done;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await w.terminate();
    return ms;
  }
  (async () => {
    const out = { n: N, capacity: CAP, trials: TRIALS };
    for (const kind of KINDS) {
      const ms = { port: [], 'chan-sync': [], 'chan-async': [] };
      for (let k = 0; k < TRIALS; k++) for (const mode of Object.keys(ms)) ms[mode].push(await trial(mode, kind));
      for (const [mode, a] of Object.entries(ms)) {
        out[`${kind}/${mode}`] = {
          msgPerSec: Math.round(N / (median(a) / 1000)),
          minMs: Math.min(...a).toFixed(1),
          maxMs: Math.max(...a).toFixed(1),
        };
      }
      process.stderr.write(`${kind} done\n`);
    }
    console.log(JSON.stringify(out, null, 1));
  })();
}
