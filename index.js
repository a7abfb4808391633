'use strict';
// shared-structs: shared-memory structs, arrays, locks and maps for worker_threads.
// The hand-written JS layer over the generated binding (binding.js); see README.md.

// First: find (or build) the native addon, with an error that says what to do if there is none.
require('./lib/loader').load();
const rt = require('./lib/runtime');
const { SharedStructType, SharedArray } = require('./lib/structs');
const { share, open, release, isToken } = require('./lib/share');
const native = require('./lib/native');
const { Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError, lockInfo, LockTimeoutError } = require('./lib/sync');
const { atomics } = require('./lib/atomics');
const { SharedMap } = require('./lib/map');
const { SharedSet } = require('./lib/set');
const { SharedVector, ConcurrentModificationError } = require('./lib/vector');
const { Channel, ChannelClosedError } = require('./lib/channel');
const { Semaphore, Barrier } = require('./lib/semaphore');
const { parseJSON, parseStats, stringifyJSON, stringifyFallback } = require('./lib/json');
const { WorkerPool, TaskError } = require('./lib/pool');
const { SharedStruct, struct, field } = require('./lib/classes');
const { bulk } = require('./lib/bulk');
const { freeze, isFrozen } = require('./lib/freeze');
const transfer = require('./lib/transfer');

// Shared objects sent through postMessage, workerData or structuredClone: a DataCloneError
// naming share() unless passByReference() is on; references received are opened (lib/transfer.js).
transfer.install();

/** The last count of locks held by dead threads this thread asked for (heapStats({ locks: true })). */
let deadLocks = null;

/**
 * Statistics about the shared heap, the collector and this thread's caches. With
 * `{ locks: true }` it first runs a collection that counts the locks held by threads that
 * have exited (`deadLocks`; otherwise `deadLocks` is this thread's last such count, or null).
 */
function heapStats(options) {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(`heapStats: options must be an object, got ${rt.describe(options)}`);
  if (options && options.locks) {
    native.requestDeadLockCount();
    rt.collect();
    const d = native.deadLockCount();
    deadLocks = d == null ? null : { mutexes: d.mutexes, sharedMutexes: d.sharedMutexes, internal: d.internal, owners: d.owners };
  }
  const nativeCalls = native.calls();
  const s = native.nativeHeapStats();
  return {
    bytesInUse: s.highWaterBytes - s.freeBytes,
    bytesReserved: s.reservedBytes,
    bytesFree: s.freeBytes,
    highWaterBytes: s.highWaterBytes,
    bytesAllocatedTotal: s.allocatedBytesTotal,
    liveObjects: s.liveObjects,
    liveBytes: s.liveBytes,
    collections: s.collections,
    abortedCollections: s.abortedCollections,
    lastPauseMs: s.lastPauseMs,
    maxPauseMs: s.maxPauseMs,
    lastSweepMs: s.lastSweepMs,
    freedObjectsTotal: s.freedObjectsTotal,
    threads: s.threads,
    types: s.types,
    tokens: s.tokens,
    deadLocks,
    thread: { ...rt.threadStats(), nativeCalls, handles: bulk.stats().handles },
  };
}

/**
 * Runs a full collection of the shared heap now: frees every shared object no thread can
 * reach, cycles included. Returns false if it had to be abandoned because some thread could
 * not be stopped (blocked in foreign native code).
 */
function gc() {
  return rt.collect();
}

module.exports = {
  SharedStructType,
  SharedArray,
  SharedStruct,
  struct,
  field,
  Mutex,
  Condition,
  SharedMutex,
  UnlockToken,
  AbandonedMutexError,
  SharedMap,
  SharedSet,
  SharedVector,
  ConcurrentModificationError,
  Channel,
  ChannelClosedError,
  Semaphore,
  Barrier,
  lockInfo,
  LockTimeoutError,
  parseJSON,
  parseStats,
  stringifyJSON,
  stringifyFallback,
  WorkerPool,
  TaskError,
  atomics,
  bulk,
  freeze,
  isFrozen,
  share,
  open,
  release,
  isToken,
  canBeShared: rt.canBeShared,
  passByReference: transfer.passByReference,
  heapStats,
  gc,
};
