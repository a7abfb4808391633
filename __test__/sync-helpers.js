'use strict';
// Helpers for the coordination tests (sync, atomics, map): workers that are always cleaned
// up, bounded polling, and read-only peeks at lock words.
//
// Worker bodies are run by helpers.js's startWorker (see there for what is in scope); the
// coordination exports are added: Mutex, Condition, SharedMutex, UnlockToken,
// AbandonedMutexError, SharedMap, atomics. Also `sleep(ms)`.

const { startWorker, uniqueKey, INDEX } = require('./helpers.js');
const rt = require('../lib/runtime.js');

const SYNC_PRELUDE = `
const { Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError, SharedMap, SharedSet, SharedVector, ConcurrentModificationError, atomics } = ss;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
`;

/** Every worker started by spawn() that has not exited yet. */
const live = new Set();

/**
 * Starts a worker (helpers.js startWorker, with the coordination exports in scope) and
 * remembers it so killAll() can terminate it. Default time limit 15 s.
 */
function spawn(body, data, { timeout = 15000 } = {}) {
  const h = startWorker(SYNC_PRELUDE + body, data, { timeout });
  live.add(h);
  h.worker.once('exit', () => live.delete(h));
  return h;
}

/** Runs `body` in a worker; resolves to its result. */
function run(body, data, options) {
  return spawn(body, data, options).result;
}

/** Rejects with a clear message if `promise` has not settled within `ms`. */
function withTimeout(promise, ms, what = 'operation') {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Terminates every worker still running (use in afterEach). Bounded. */
async function killAll(ms = 5000) {
  const handles = [...live];
  live.clear();
  await Promise.all(handles.map((h) => withTimeout(h.terminate(), ms, 'worker.terminate()').catch(() => {})));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls (yielding to the event loop) until `cond()` is truthy; throws after `ms`. */
async function until(cond, ms = 8000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await sleep(2);
  }
}

// --- Read-only peeks at lock words (docs/locks.md), to know when a waiter has parked. ---

const MUTEX_PARKED = 1 << 30;

/** The raw state word of a Mutex (owner tid | PARKED). */
function mutexWord(m) {
  return Atomics.load(rt.I32, 2 * (m[rt.OFF] + 1));
}

/** Whether some thread has announced it is (about to be) parked on Mutex `m`. */
function mutexHasParked(m) {
  return (mutexWord(m) & MUTEX_PARKED) !== 0;
}

/** The raw state word of a SharedMutex (readers | WRITER | WRITERS_PARKED | READERS_PARKED). */
function rwWord(m) {
  return Atomics.load(rt.I32, 2 * (m[rt.OFF] + 1));
}

const RW = { READERS: (1 << 24) - 1, WRITER: 1 << 24, WRITERS_PARKED: 1 << 25, READERS_PARKED: 1 << 26 };

/** Whether the current Node parses `using` declarations. */
function supportsUsing() {
  try {
    // eslint-disable-next-line no-new-func
    new Function('{ using x = null; }');
    return true;
  } catch {
    return false;
  }
}

module.exports = {
  INDEX,
  uniqueKey,
  spawn,
  run,
  killAll,
  withTimeout,
  sleep,
  until,
  mutexWord,
  mutexHasParked,
  rwWord,
  RW,
  supportsUsing,
};
