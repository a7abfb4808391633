'use strict';
// Allocation: bump a pointer inside this thread's TLAB (cells TOP/LIMIT of its thread block,
// so the collector can retire it at a safepoint), with no native call; refill from Rust
// (src/core/tlab.rs) when it runs out, and recover once a full heap before a RangeError.
// docs/layout.md, "Allocation"; the young ranges that root what an operation allocates are
// set by lib/operation.js.

const { getHeapStatistics } = require('v8');
const native = require('./native');
const L = require('./layout');
const { F64, U32, K, K_UNDEFINED } = require('./heap');
const { TID, C_TOP, C_LIMIT } = require('./thread');
const { releaseForCollection, noteLargeAlloc } = require('./identity');

let stamp = U32[L.CTL_CYCLE];
const LARGE_WORDS = L.LARGE_WORDS;

/** Allocates `words` words and writes the header (type id, stamp). Returns the word offset. */
function allocObject(words, typeId) {
  let o = U32[C_TOP];
  const n = o + words;
  if (n <= U32[C_LIMIT]) {
    U32[C_TOP] = n;
  } else {
    o = allocSlow(words);
  }
  // No stack check (hence no safepoint) between the bump and these stores.
  U32[2 * o] = typeId;
  U32[2 * o + 1] = stamp;
  return o;
}

function allocSlow(words) {
  try {
    return allocRefill(words);
  } catch (e) {
    if (!isHeapFull(e)) throw e;
  }
  // Full: wrappers dropped since V8's last full collection still root their objects. Recover
  // (demote, make V8 collect, drop dead roots, collect) and retry, twice: wrappers made while
  // V8 was marking incrementally survive the collection that finishes that marking (allocated
  // black), and under load one recovery sometimes freed nothing.
  for (let attempt = 0; ; attempt++) {
    recoverFullHeap();
    try {
      return allocRefill(words);
    } catch (e) {
      if (!isHeapFull(e) || attempt === 1) throw e;
    }
  }
}

function isHeapFull(e) {
  return e instanceof RangeError && /heap is full/.test(e.message);
}

/**
 * On a full heap, before giving up: wrappers that died since V8's last full collection still
 * root their objects, so let V8 collect them, drop their entries, and collect the shared heap.
 */
function recoverFullHeap() {
  releaseForCollection();
  native.collect(TID);
}

function allocRefill(words) {
  if (words >= LARGE_WORDS) {
    // Large objects start on a page of their own (Rust aligns them), so their wrapper has an
    // arena of its own; held arenas are let go once enough large objects were made (a loop
    // making and dropping big arrays used to fill a 2 GB heap). Counted before the
    // allocation: from the native call's return to allocObject's header stores there must be
    // no call (a call's stack check is a safepoint, and a collection there would see the
    // object's FREE header and free it).
    noteLargeAlloc(words);
    const hs = getHeapStatistics();
    const off = native.allocLarge(TID, words, hs.used_heap_size, hs.heap_size_limit);
    stamp = U32[L.CTL_CYCLE];
    return off;
  }
  for (;;) {
    const hs = getHeapStatistics();
    native.allocTlab(TID, words, hs.used_heap_size, hs.heap_size_limit);
    stamp = U32[L.CTL_CYCLE];
    // The thread can reach a safepoint on its way back from the native call, and a
    // collection then retires the new TLAB (TOP = LIMIT = 0): bumping TOP = 0 would hand out
    // offset 0, the control block (seen twice per churn benchmark run). Check, refill again.
    // Between this check and the bump there is no call, so no safepoint.
    const o = U32[C_TOP];
    if (o !== 0 && o + words <= U32[C_LIMIT]) {
      U32[C_TOP] = o + words;
      return o;
    }
  }
}

/** Fills `count` slots from word `start` with undefined. */
function fillUndefined(start, count) {
  const u = K[K_UNDEFINED];
  const end = start + count;
  for (let i = start; i < end; i++) F64[i] = u;
}

module.exports = { allocObject, fillUndefined };
