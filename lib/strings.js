'use strict';
// Strings live in the shared heap as immutable objects: header, length word, UTF-16 data
// (docs/values.md, "Strings"). Each thread caches string -> offset (so writing the same
// string again allocates nothing) and offset -> string (so reading it again allocates
// nothing).

const L = require('./layout');
const { buffer, U32, I32, U16 } = require('./heap');
const { C_STR_KEYS, C_RING_N, C_RING, C_STRPIN } = require('./thread');
const { allocObject } = require('./alloc');

// Builtins taken at load: a string's copy into the heap runs while the new object is rooted
// only by the operation's young range (docs/gc.md, "Making a wrapper").
const ReflectApply = Reflect.apply;
const MathMin = Math.min;
const Uint16ArrayOf = Uint16Array;
const charCodeAt = String.prototype.charCodeAt;
const fcc = String.fromCharCode;
const mapSet = Map.prototype.set;
const mapGet = Map.prototype.get;

const STRING_CACHE_BITS = Math.log2(L.TB_STR_KEYS_LEN);
const STRING_CACHE_MASK = (1 << STRING_CACHE_BITS) - 1;
// Keys (offsets) live in the thread block: the collector clears them at a safepoint, since
// a collected string's offset may be reused. Values are the JS strings.
const strVals = new Array(1 << STRING_CACHE_BITS).fill('');
/**
 * string -> offset, for strings this thread wrote. Cleared when it grows past a bound. Every
 * offset is also in the thread block's ring, which the collector treats as roots.
 */
let strOffsets = new Map();
let ringN = 0;
const STR_OFFSETS_MAX = L.TB_RING_LEN;
/** Strings longer than this are not remembered in strOffsets. */
const STR_REMEMBER_MAX = 256;

// Strings are allocated in sequence and at least 3 words apart, so off / 2 spreads the
// strings of a region over distinct slots and keeps neighbours in neighbouring cache lines
// (a multiplicative hash spread them over the whole array: string reads in allocation order
// ~30% slower). 32,768 entries cover 512 KB of heap without folding: with 8,192, 5,000 names
// written between the nodes of a list folded onto the same sets and half the reads missed.
function strHash(off) {
  return (off >>> 1) & STRING_CACHE_MASK;
}

/**
 * The string at `off` if this thread's read cache holds it at its first slot (the hit path
 * of a read, no call), else undefined. The cache is cleared at every collection, so a hit
 * names a string that has not been freed since it was decoded.
 */
function cachedString(off) {
  const h = (off >>> 1) & STRING_CACHE_MASK; // strHash, written out (one inlining level less)
  // U32, not I32: both sides unsigned, so the compare stays a 32-bit one (~10% faster).
  return U32[C_STR_KEYS + h] === off ? strVals[h] : undefined;
}

/**
 * The offset of `s` if this thread wrote it recently (its write cache), else undefined. The
 * offset stays rooted by the ring until the next operation starts.
 */
function rememberedOffset(s) {
  return ReflectApply(mapGet, strOffsets, [s]);
}

/** Whether the write cache's ring is full (it is emptied only when an operation starts). */
function writeCacheFull() {
  return ringN >= STR_OFFSETS_MAX;
}

/** Empties the write cache and its ring (between operations, or before gc()). */
function resetWriteCache() {
  strOffsets = new Map();
  ringN = 0;
  U32[C_RING_N] = 0;
}

/** Strings in this thread's write cache (heapStats().thread.strings). */
function writeCacheSize() {
  return strOffsets.size;
}

function stringOffset(s) {
  let off = ReflectApply(mapGet, strOffsets, [s]);
  if (off !== undefined) return off;
  // From the allocation on, the string is rooted only by the young range: only builtins
  // taken at load run here (a replaced charCodeAt or Map#set could start an operation of its
  // own, dropping that range, and collect).
  off = allocString(s);
  if (s.length <= STR_REMEMBER_MAX && ringN < STR_OFFSETS_MAX) {
    ReflectApply(mapSet, strOffsets, [s, off]);
    U32[C_RING + ringN] = off;
    U32[C_RING_N] = ++ringN;
  }
  const h = strHash(off);
  I32[C_STR_KEYS + (h ^ 1)] = I32[C_STR_KEYS + h];
  strVals[h ^ 1] = strVals[h];
  I32[C_STR_KEYS + h] = off;
  strVals[h] = s;
  return off;
}

function allocString(s) {
  const len = s.length;
  const off = allocObject(2 + ((len + 3) >>> 2), L.TYPE_STRING);
  U32[2 * off + 2] = len;
  U32[2 * off + 3] = 0;
  const base = (off + 2) * 4;
  for (let k = 0; k < len; k++) U16[base + k] = ReflectApply(charCodeAt, s, [k]);
  return off;
}

// The read cache is 2-way set associative: slots h and h ^ 1 form a set; a miss moves the
// entry at h to h ^ 1 and installs the new one at h.
function readString(off) {
  const h = strHash(off);
  if (U32[C_STR_KEYS + h] === off) return strVals[h];
  const h2 = h ^ 1;
  if (U32[C_STR_KEYS + h2] === off) return strVals[h2];
  const s = decodeString(off);
  I32[C_STR_KEYS + h2] = I32[C_STR_KEYS + h];
  strVals[h2] = strVals[h];
  I32[C_STR_KEYS + h] = off;
  strVals[h] = s;
  return s;
}

const CHUNK = 8192;

/**
 * The code units of U16[from, to) as a string (at most CHUNK of them). A fresh view, not
 * `U16.subarray`, which looks up the species constructor (a getter the program can install).
 */
function unitsToString(from, to) {
  return ReflectApply(fcc, null, new Uint16ArrayOf(buffer, 2 * from, to - from));
}
function decodeString(off) {
  // A stale offset (only possible in SharedMap's lock-free reads) must not decode garbage.
  if ((U32[2 * off] & L.TYPE_MASK) !== L.TYPE_STRING) throw new TypeError('shared-structs: read through a stale reference to a collected string');
  const len = U32[2 * off + 2];
  const b = (off + 2) * 4;
  if (len <= 16) return decodeShort(b, len);
  if (len <= 32) return decodeShort(b, 16) + decodeShort(b + 16, len - 16);
  // A long copy is also pinned in a cell of its own (the pin stack's last): reads made by
  // program code reached through a builtin (a typed array `length` getter it redefined) clear
  // the caller's INFLIGHT pin. A cell, not a stack entry: a `vm` timeout landing in this
  // loop (a frequent place for one) leaves the cell set, which keeps one string alive until
  // the next long copy, where a stack entry would stay used.
  const prev = U32[C_STRPIN];
  U32[C_STRPIN] = off;
  try {
    if (len <= CHUNK) return unitsToString(b, b + len);
    let out = '';
    for (let k = 0; k < len; k += CHUNK) out += unitsToString(b + k, b + MathMin(len, k + CHUNK));
    return out;
  } finally {
    U32[C_STRPIN] = prev;
  }
}

/**
 * The string of `len` <= 16 code units at U16 index `b`. Identifiers and names are most of
 * what an AST holds: one String.fromCharCode call with the units as arguments is 3-6x faster
 * than concatenating them one by one or applying it to a subarray.
 */
function decodeShort(b, len) {
  const u = U16;
  switch (len) {
    case 0: return '';
    case 1: return fcc(u[b]);
    case 2: return fcc(u[b], u[b + 1]);
    case 3: return fcc(u[b], u[b + 1], u[b + 2]);
    case 4: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3]);
    case 5: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4]);
    case 6: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5]);
    case 7: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6]);
    case 8: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7]);
    case 9: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8]);
    case 10: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9]);
    case 11: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9], u[b + 10]);
    case 12: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9], u[b + 10], u[b + 11]);
    case 13: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9], u[b + 10], u[b + 11], u[b + 12]);
    case 14: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9], u[b + 10], u[b + 11], u[b + 12], u[b + 13]);
    case 15: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9], u[b + 10], u[b + 11], u[b + 12], u[b + 13], u[b + 14]);
    default: return fcc(u[b], u[b + 1], u[b + 2], u[b + 3], u[b + 4], u[b + 5], u[b + 6], u[b + 7], u[b + 8], u[b + 9], u[b + 10], u[b + 11], u[b + 12], u[b + 13], u[b + 14], u[b + 15]);
  }
}

module.exports = {
  stringOffset,
  readString,
  cachedString,
  rememberedOffset,
  writeCacheFull,
  resetWriteCache,
  writeCacheSize,
};
