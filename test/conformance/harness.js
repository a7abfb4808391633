'use strict';
// Assertions and worker helpers for the conformance cases (cases.js). Plain Node, no test
// framework: the same cases run under `node --harmony-struct` (V8's own shared structs) and
// under shared-structs' polyfill on stock Node.

const util = require('node:util');

class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

const show = (v) => util.inspect(v, { depth: 2, breakLength: Infinity });

function fail(message) {
  throw new AssertionError(message);
}

function isObject(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function');
}

/** Structural equality: SameValue for primitives (so -0 is not 0), own enumerable keys for objects. */
function equals(a, b) {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equals(a[k], b[k]));
}

const assert = {
  equals(expected, actual, what = '') {
    if (!equals(expected, actual)) fail(`${what ? `${what}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
  },
  same(expected, actual, what = '') {
    if (!Object.is(expected, actual)) fail(`${what ? `${what}: ` : ''}expected the same value as ${show(expected)}, got ${show(actual)}`);
  },
  notSame(a, b, what = '') {
    if (Object.is(a, b)) fail(`${what ? `${what}: ` : ''}expected two different values, got ${show(a)} twice`);
  },
  true(v, what = '') {
    if (v !== true) fail(`${what ? `${what}: ` : ''}expected true, got ${show(v)}`);
  },
  false(v, what = '') {
    if (v !== false) fail(`${what ? `${what}: ` : ''}expected false, got ${show(v)}`);
  },
  /** `fn()` throws; if `Type` is given, an instance of it. Returns the error. */
  throws(fn, Type, what = '') {
    let threw = false;
    let err;
    try {
      fn();
    } catch (e) {
      threw = true;
      err = e;
    }
    if (!threw) fail(`${what ? `${what}: ` : ''}expected an exception${Type ? ` (${Type.name})` : ''}, none was thrown`);
    if (Type && !(err instanceof Type)) fail(`${what ? `${what}: ` : ''}expected ${Type.name}, got ${show(err)}`);
    return err;
  },
  /** The API exists: a missing function is a failure, not an exception that passes a throws check. */
  isFunction(f, what) {
    if (typeof f !== 'function') fail(`${what} is not a function (got ${show(f)})`);
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects if `p` does not settle within `ms`. */
function within(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new AssertionError(`${what} did not happen within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

/** Polls `cond()` (yielding to the event loop) until truthy; fails after `ms`. */
async function until(cond, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return;
    if (Date.now() > end) fail(`${what} not reached within ${ms} ms`);
    await sleep(1);
  }
}

const live = new Set();

/**
 * A worker running `code` (CommonJS, `port` = parentPort). worker_threads.Worker is read at
 * call time: the polyfill replaces it with one that preloads the polyfill, as V8's globals
 * exist in every worker. Returns { post, next, exit, terminate }.
 */
function worker(code, options = {}) {
  const { Worker } = require('node:worker_threads');
  const w = new Worker(`const port = require('node:worker_threads').parentPort;\n${code}`, { eval: true, ...options });
  live.add(w);
  const inbox = [];
  const waiting = [];
  let failure = null;
  w.on('message', (m) => (waiting.length ? waiting.shift().resolve(m) : inbox.push(m)));
  w.on('error', (e) => {
    failure = e;
    while (waiting.length) waiting.shift().reject(e);
  });
  const exited = new Promise((r) => w.once('exit', r));
  return {
    worker: w,
    post: (m, transfer) => w.postMessage(m, transfer),
    next(ms = 10000) {
      if (inbox.length) return Promise.resolve(inbox.shift());
      if (failure) return Promise.reject(failure);
      return within(new Promise((resolve, reject) => waiting.push({ resolve, reject })), ms, 'a message from the worker');
    },
    exited,
    terminate: () => {
      live.delete(w);
      return w.terminate();
    },
  };
}

/** Terminates every worker a case left running. */
async function cleanup() {
  const ws = [...live];
  live.clear();
  await Promise.all(ws.map((w) => within(w.terminate(), 5000, 'worker.terminate()').catch(() => {})));
}

module.exports = { assert, AssertionError, sleep, within, until, worker, cleanup };
