'use strict';
// shared-structs: shared-memory structs, arrays, locks and maps for worker_threads.
// The hand-written JS layer over the generated binding (binding.js); see README.md.

const rt = require('./lib/runtime');
const { SharedStructType, SharedArray } = require('./lib/structs');
const { share, open, release, isToken } = require('./lib/share');
const native = require('./lib/native');
const { Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError } = require('./lib/sync');
const { atomics } = require('./lib/atomics');
const { SharedMap } = require('./lib/map');

/** Statistics about the shared heap and this thread's caches. */
function heapStats() {
  const s = native.nativeHeapStats();
  return {
    bytesInUse: s.usedBytes,
    bytesReserved: s.reservedBytes,
    types: s.types,
    tokens: s.tokens,
    thread: rt.threadStats(),
  };
}

module.exports = {
  SharedStructType,
  SharedArray,
  Mutex,
  Condition,
  SharedMutex,
  UnlockToken,
  AbandonedMutexError,
  SharedMap,
  atomics,
  share,
  open,
  release,
  isToken,
  canBeShared: rt.canBeShared,
  heapStats,
};
