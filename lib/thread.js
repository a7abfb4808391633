'use strict';
// This thread: its registration with Rust (src/core/threads.rs), the cells of its thread
// block that its JS and the collector share (docs/gc.md, "Thread block"), and its doorbell,
// which wakes async lock waiters and asks an idle thread to take part in a collection.

const native = require('./native');
const L = require('./layout');

/**
 * lib/identity.js, which requires this module: loaded when the doorbell first rings for a
 * collection (it rings from the event loop, after every module has loaded).
 */
let identity = null;

const asyncWaiters = new Map();
let nextWaiterId = 1;

// Doorbell payloads (src/core/park.rs): a waiter id (below DOORBELL_GC), plus DOORBELL_GRANTED
// when the lock was handed over to it; or DOORBELL_GC, asking this thread to stop for a
// collection.
const DOORBELL_GC = L.DOORBELL_GC;
const DOORBELL_GRANTED = L.DOORBELL_GRANTED;

function onDoorbell(payload) {
  if (payload === DOORBELL_GC) {
    if (identity === null) identity = require('./identity');
    identity.pruneAfterCollection();
    return;
  }
  const granted = payload >= DOORBELL_GRANTED;
  const id = granted ? payload - DOORBELL_GRANTED : payload;
  // A lock handed to this waiter is ours from here on (until then Rust would give it back if
  // this thread exited).
  if (granted) native.ackGrant(TID, id);
  const cb = asyncWaiters.get(id);
  if (cb !== undefined) {
    asyncWaiters.delete(id);
    if (asyncWaiters.size === 0) native.doorbellRef(TID, false);
    cb(granted);
  }
}

const { tid: TID, block: BLOCK } = native.registerThread(onDoorbell);
native.bindThreadBlock(TID, BLOCK);
// This thread's block: cells the collector reads and writes at a safepoint (docs/gc.md).
const C_TOP = 2 * BLOCK + L.TB_TOP;
const C_LIMIT = 2 * BLOCK + L.TB_LIMIT;
const C_YOUNG = 2 * BLOCK + L.TB_YOUNG;
const C_YOUNG_N = 2 * BLOCK + L.TB_YOUNG_N;
const C_RING_N = 2 * BLOCK + L.TB_RING_N;
const C_INFLIGHT = 2 * BLOCK + L.TB_INFLIGHT;
const C_STR_KEYS = 2 * BLOCK + L.TB_STR_KEYS;
const C_RING = 2 * BLOCK + L.TB_RING;
const C_READS = 2 * BLOCK + L.TB_READS;
const C_PINS = 2 * BLOCK + L.TB_PINS;
/** The pin stack's last cell: the long string being copied (lib/strings.js decodeString). */
const C_STRPIN = C_PINS + L.TB_PINS_LEN - 1;

/** Registers an async waiter; returns its id. `cb(granted)` runs when the doorbell rings for it. */
function addAsyncWaiter(cb) {
  const id = nextWaiterId;
  nextWaiterId = nextWaiterId >= DOORBELL_GC - 1 ? 1 : nextWaiterId + 1;
  asyncWaiters.set(id, cb);
  if (asyncWaiters.size === 1) native.doorbellRef(TID, true);
  return id;
}

/** Forgets an async waiter (after a timeout cancelled it). */
function removeAsyncWaiter(id) {
  if (asyncWaiters.delete(id) && asyncWaiters.size === 0) native.doorbellRef(TID, false);
}

module.exports = {
  TID,
  BLOCK,
  C_TOP,
  C_LIMIT,
  C_YOUNG,
  C_YOUNG_N,
  C_RING_N,
  C_INFLIGHT,
  C_STR_KEYS,
  C_RING,
  C_READS,
  C_PINS,
  C_STRPIN,
  addAsyncWaiter,
  removeAsyncWaiter,
};
