'use strict';
// Test helpers: real worker_threads running small scripts against the addon, and unique
// registry keys (the type registry is process-wide and the `threads` pool runs several test
// files in one process, so every file uses its own keys).
//
// A worker script is the BODY of an async function. In scope:
//   ss (the module), SharedStructType, SharedArray, share, open, release, isToken,
//   canBeShared, heapStats, util, data (the workerData passed in), send(msg) (postMessage
//   to the parent), recv() (Promise of the next message from the parent), threadId.
// Whatever the body returns is the worker's result.

const path = require('path');
const { Worker } = require('worker_threads');
const { spawnSync } = require('child_process');

const INDEX = path.resolve(__dirname, '../index.js');
const DEFAULT_TIMEOUT = 10000;

const PRELUDE = `
'use strict';
const { workerData: __wd, parentPort: __port, threadId } = require('worker_threads');
const util = require('util');
const ss = require(__wd.index);
const { SharedStructType, SharedArray, share, open, release, isToken, canBeShared, heapStats } = ss;
const data = __wd.data;
const __inbox = [];
const __waiters = [];
__port.on('message', (m) => {
  if (__waiters.length) __waiters.shift()(m);
  else __inbox.push(m);
});
function recv() {
  return __inbox.length ? Promise.resolve(__inbox.shift()) : new Promise((r) => __waiters.push(r));
}
function send(m) {
  __port.postMessage({ msg: m });
}
`;

function wrapBody(body) {
  return `${PRELUDE}
(async () => {
${body}
})().then(
  (result) => __port.postMessage({ done: true, result }),
  (err) => __port.postMessage({ error: { name: err && err.name, message: String(err && err.message !== undefined ? err.message : err), stack: err && err.stack } }),
);
`;
}

function workerError(e) {
  const err = new Error(`worker failed: ${e.name}: ${e.message}\n--- worker stack ---\n${e.stack}`);
  err.workerName = e.name;
  err.workerMessage = e.message;
  return err;
}

/**
 * Starts a worker running `body` (see above). Returns a handle:
 *   next(timeout?)  Promise of the next message the worker send()s
 *   post(msg)       posts a message the worker can recv()
 *   result          Promise of the body's return value (rejects if the body throws,
 *                   the worker dies, or `timeout` ms pass); the worker is terminated after
 *   terminate()     terminates the worker; resolves to its exit code
 *   worker          the Worker
 */
function startWorker(body, data, { timeout = DEFAULT_TIMEOUT } = {}) {
  const worker = new Worker(wrapBody(body), { eval: true, workerData: { index: INDEX, data } });
  const inbox = [];
  const waiters = [];
  let failure = null;
  let settled = false;
  let resolveResult;
  let rejectResult;
  const result = new Promise((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  // Avoid unhandled-rejection noise when a test only uses next().
  result.catch(() => {});

  const timer = setTimeout(() => fail(new Error(`worker timed out after ${timeout} ms`)), timeout);
  timer.unref();

  function finish() {
    settled = true;
    clearTimeout(timer);
    worker.terminate();
  }
  function fail(err) {
    if (settled) return;
    failure = err;
    finish();
    rejectResult(err);
    while (waiters.length) waiters.shift().reject(err);
  }

  worker.on('message', (m) => {
    if (m && m.done) {
      if (settled) return;
      finish();
      resolveResult(m.result);
    } else if (m && m.error) {
      fail(workerError(m.error));
    } else if (waiters.length) {
      waiters.shift().resolve(m.msg);
    } else {
      inbox.push(m.msg);
    }
  });
  worker.on('error', (e) => fail(workerError({ name: e && e.name, message: e && e.message, stack: e && e.stack })));
  worker.on('exit', (code) => {
    if (!settled) fail(new Error(`worker exited with code ${code} before finishing`));
  });

  return {
    worker,
    result,
    post(m) {
      worker.postMessage(m);
    },
    next(ms = timeout) {
      if (inbox.length) return Promise.resolve(inbox.shift());
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no message from the worker within ${ms} ms`));
        }, ms);
        t.unref();
        const w = {
          resolve: (v) => {
            clearTimeout(t);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(t);
            reject(e);
          },
        };
        waiters.push(w);
      });
    },
    terminate() {
      settled = true;
      clearTimeout(timer);
      return worker.terminate();
    },
  };
}

/** Runs `body` in a worker and resolves to its return value. */
function runWorker(body, data, options) {
  return startWorker(body, data, options).result;
}

let counter = 0;
const RUN = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** A registry key no other test (or test file in the same process) uses. */
function uniqueKey(name) {
  counter++;
  return `${name}_${RUN}_${counter}`;
}

/**
 * Runs `code` (CommonJS, with `ss` bound to the module) in a fresh Node process, with extra
 * environment variables `env` and extra Node flags `nodeArgs`. Returns status and output.
 */
function runChild(code, env = {}, { nodeArgs = [], timeout = 15000 } = {}) {
  const script = `const ss = require(${JSON.stringify(INDEX)});\n${code}`;
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

module.exports = { INDEX, startWorker, runWorker, uniqueKey, runChild };
