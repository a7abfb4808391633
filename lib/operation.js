'use strict';
// A library operation's boundary, and gc() from this thread. Objects an operation allocates
// may be held only in JS locals until it links them into the heap or registers their
// wrapper: opStart() makes everything allocated from there a root (the thread block's young
// range) until the next opStart, and is the only place the string write cache's ring (also
// roots) is emptied (docs/gc.md, "Thread block").

const native = require('./native');
const { U32 } = require('./heap');
const { TID, C_TOP, C_YOUNG, C_YOUNG_N } = require('./thread');
const { releaseForCollection, collected } = require('./identity');
const { writeCacheFull, resetWriteCache } = require('./strings');

/**
 * Marks the start of a library operation that allocates: objects allocated from here until
 * the next opStart are roots at a safepoint (they may be held only in JS locals until the
 * operation links them into the heap or registers their wrapper).
 */
function opStart() {
  U32[C_YOUNG] = U32[C_TOP];
  U32[C_YOUNG_N] = 0;
  // The string ring (roots of the write cache) is only ever emptied here, between
  // operations: an offset an operation got from the cache stays a root until it is stored.
  if (writeCacheFull()) resetWriteCache();
}

/** Forces a full collection of the shared heap. Returns false if it had to be abandoned. */
function collect() {
  opStart();
  // This thread's string cache is a root; a forced collection starts from a clean slate.
  resetWriteCache();
  // Let V8 collect this thread's dead wrappers first (their objects would look live), then
  // drop their roots. Allocation-free: a full heap must not stop the collection that would
  // empty it.
  releaseForCollection();
  const ok = native.collect(TID);
  collected();
  return ok;
}

module.exports = { opStart, collect };
