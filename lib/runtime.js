'use strict';
// The per-thread runtime: typed-array views of the shared region, bump allocation in a
// thread-local buffer, the value encoding, strings, bigints and wrapper identity.
//
// Everything here runs in JS with no N-API call on the common path. See docs/layout.md
// (layout), docs/values.md (slot encoding) and docs/identity.md (wrapper caches).

const { getHeapStatistics } = require('v8');

// Builtins the library calls while an object it is building, wrapping or copying is rooted
// only for the current operation, taken once at load: one the program replaced would run its
// code there, which could unpin the object and collect (docs/gc.md, "Making a wrapper").
const queueMicrotaskOf = queueMicrotask;
const setImmediateOf = setImmediate;
const imul = Math.imul;
const MathMin = Math.min;
const ReflectApply = Reflect.apply;
const setPrototypeOfOf = Object.setPrototypeOf;
const Int32ArrayOf = Int32Array;
const Uint16ArrayOf = Uint16Array;
const BigUint64ArrayOf = BigUint64Array;
const arrayPush = Array.prototype.push;
const arrayPop = Array.prototype.pop;
const typedFill = Object.getPrototypeOf(Int32Array.prototype).fill;
const charCodeAt = String.prototype.charCodeAt;
const padStart = String.prototype.padStart;
const fcc = String.fromCharCode;
const mapSet = Map.prototype.set;
const mapGet = Map.prototype.get;
const BigIntOf = BigInt;
const bigIntToString = BigInt.prototype.toString;
const native = require('./native');
const L = require('./layout');
const registry = require('./types');

const buffer = native.heapBuffer();
const F64 = new Float64Array(buffer);
const U32 = new Uint32Array(buffer);
const I32 = new Int32Array(buffer);
const U16 = new Uint16Array(buffer);
const BU64 = new BigUint64Array(buffer);
const BI64 = new BigInt64Array(buffer);
const { heapStart: HEAP_START, words: HEAP_WORDS } = native.heapLayout();

if (U32[L.CTL_MAGIC] !== L.MAGIC) throw new Error('shared-structs: the shared region is not initialized');

// ---------------------------------------------------------------------------------------
// Scratch for moving bit patterns between a double and two u32 halves. A slot is always
// written with ONE 8-byte store (F64[i] = d), so a concurrent reader never sees half of it.
const SF = new Float64Array(1);
const SU = new Uint32Array(SF.buffer);

/** Constant slot values, kept in a typed array so no compiler tier canonicalizes their NaN bits. */
const K = new Float64Array(5);
const K_UNDEFINED = 0;
const K_NULL = 1;
const K_FALSE = 2;
const K_TRUE = 3;
const K_NAN = 4;
{
  const KU = new Uint32Array(K.buffer);
  KU[2 * K_UNDEFINED + 1] = L.TAG_UNDEFINED;
  KU[2 * K_NULL + 1] = L.TAG_NULL;
  KU[2 * K_FALSE + 1] = L.TAG_BOOL;
  KU[2 * K_TRUE + 1] = L.TAG_BOOL;
  KU[2 * K_TRUE] = 1;
  KU[2 * K_NAN + 1] = L.CANONICAL_NAN_HI;
}

// ---------------------------------------------------------------------------------------
// This thread's identity and doorbell. The thread id is what lock words store as owner;
// the doorbell (a threadsafe function in Rust) wakes async waiters on this event loop.

const asyncWaiters = new Map();
let nextWaiterId = 1;

// Doorbell payloads (src/core/park.rs): a waiter id (below DOORBELL_GC), plus DOORBELL_GRANTED
// when the lock was handed over to it; or DOORBELL_GC, asking this thread to stop for a
// collection.
const DOORBELL_GC = L.DOORBELL_GC;
const DOORBELL_GRANTED = L.DOORBELL_GRANTED;

function onDoorbell(payload) {
  if (payload === DOORBELL_GC) {
    pruneAfterCollection();
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

/** The symbol under which a wrapper keeps the word offset of its shared object. */
const OFF = Symbol('shared-structs.offset');
/** Passed as first constructor argument to make a wrapper for an existing object. */
const INTERNAL = Symbol('shared-structs.internal');

// ---------------------------------------------------------------------------------------
// Allocation: bump a pointer inside this thread's TLAB (cells TOP/LIMIT of the thread block,
// so the collector can retire it at a safepoint); refill from Rust when it runs out.

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
  releaseHeld();
  native.v8MemoryPressure();
  pruneDead();
  native.collect(TID);
}

function allocRefill(words) {
  if (words >= LARGE_WORDS) {
    const hs = getHeapStatistics();
    const off = native.allocLarge(TID, words, hs.used_heap_size, hs.heap_size_limit);
    stamp = U32[L.CTL_CYCLE];
    // Large objects start on a page of their own (Rust aligns them), so their wrapper has an
    // arena of its own; held arenas are let go once enough large objects were made (a loop
    // making and dropping big arrays used to fill a 2 GB heap).
    heldLargeWords += words;
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

/**
 * Marks the start of a library operation that allocates: objects allocated from here until
 * the next opStart are roots at a safepoint (they may be held only in JS locals until the
 * operation links them into the heap or registers their wrapper).
 */
function opStart() {
  if (internalDepth !== 0) internalUse();
  U32[C_YOUNG] = U32[C_TOP];
  U32[C_YOUNG_N] = 0;
  // The string ring (roots of the write cache) is only ever emptied here, between
  // operations: an offset an operation got from the cache stays a root until it is stored.
  if (ringN >= STR_OFFSETS_MAX) {
    strOffsets = new Map();
    ringN = 0;
    U32[C_RING_N] = 0;
  }
}

/** Fills `count` slots from word `start` with undefined. */
function fillUndefined(start, count) {
  const u = K[K_UNDEFINED];
  const end = start + count;
  for (let i = start; i < end; i++) F64[i] = u;
}

// ---------------------------------------------------------------------------------------
// Value encoding. A slot holds a double, or a NaN-boxed tag (docs/values.md).

const TAG_STRING = L.TAG_STRING;
/** The first high word of the tag space (undefined's tag). */
const TAG_BASE = L.TAG_UNDEFINED;
const TAG_REF = L.TAG_REF;
const TAG_UNDEFINED = L.TAG_UNDEFINED;
const TAG_NULL = L.TAG_NULL;
const TAG_BOOL = L.TAG_BOOL;

/**
 * Decodes a slot value that read as NaN (a tag, or the canonical NaN). Small enough to be
 * inlined into the generated getters: cache hits for strings and references, undefined,
 * null and booleans return here; everything else goes to decodeSlow, a call.
 */
function decodeTagged(v, i = -1) {
  SF[0] = v;
  const hi = SU[1];
  const lo = SU[0];
  if (hi === TAG_REF) {
    const a = strong[pid[lo >>> PAGE_BITS]];
    if (a !== undefined) {
      const w = a[(lo >>> 1) & SLOT_MASK];
      if (w !== undefined) return w;
    }
  } else if (hi === TAG_STRING) {
    const h = strHash(lo);
    // U32, not I32: both sides unsigned, so the compare stays a 32-bit one (~10% faster).
    if (U32[C_STR_KEYS + h] === lo) return strVals[h];
  } else if (hi === TAG_UNDEFINED) {
    return undefined;
  } else if (hi === TAG_NULL) {
    return null;
  } else if (hi === TAG_BOOL) {
    return lo !== 0;
  }
  return decodeSlow(hi, lo, i);
}

/**
 * The cold paths of decodeTagged: cache misses (a wrapper to find or make, a string to
 * copy), bigints, boxed doubles, poison and NaN payloads.
 *
 * Pinning: the object, string or bigint at `lo`, whose tag was read from slot `i` (-1: the
 * caller has already made it in-flight), is pinned before its wrapper is made or it is
 * decoded. Until then nothing but the slot roots it, and another thread may overwrite the
 * slot; a collection can run at any call (and between the chunks of a long string's copy)
 * and would free it, poison it, or reuse its memory under the read. So it is published as
 * this thread's in-flight root (C_INFLIGHT), and the slot is checked to still hold it: then
 * it was reachable at every collection since the slot read, and is pinned from here. If the
 * slot changed, the slot is read again. C_INFLIGHT is cleared when done (left set by a
 * throw, it only keeps that one object alive until the next pin). docs/gc.md.
 *
 * Each case spells the pin out (a shared helper used to) so that the function stays
 * above V8's inlining limit (460 bytes of bytecode): inlined, it took the
 * wrapper and string machinery into every optimized caller of decodeTagged, whose optimized
 * code then counted against the inlining budget of the loops calling the getters, and those
 * stopped inlining the getters at all (a reference read took ~9.6 ns instead of ~4.8 in
 * about half of the processes, depending on which function V8 optimized first).
 */
function decodeSlow(hi, lo, i) {
  switch (hi) {
    case TAG_REF: {
      U32[C_INFLIGHT] = lo;
      if (i >= 0) {
        SF[0] = F64[i];
        if (SU[0] !== lo || SU[1] !== TAG_REF) {
          U32[C_INFLIGHT] = 0;
          return readSlot(i);
        }
      }
      const w = wrap(lo);
      U32[C_INFLIGHT] = 0;
      return w;
    }
    case TAG_STRING: {
      U32[C_INFLIGHT] = lo;
      if (i >= 0) {
        SF[0] = F64[i];
        if (SU[0] !== lo || SU[1] !== TAG_STRING) {
          U32[C_INFLIGHT] = 0;
          return readSlot(i);
        }
      }
      const str = readString(lo);
      U32[C_INFLIGHT] = 0;
      return str;
    }
    case L.TAG_BIGINT: {
      U32[C_INFLIGHT] = lo;
      if (i >= 0) {
        SF[0] = F64[i];
        if (SU[0] !== lo || SU[1] !== L.TAG_BIGINT) {
          U32[C_INFLIGHT] = 0;
          return readSlot(i);
        }
      }
      const big = readBigInt(lo);
      U32[C_INFLIGHT] = 0;
      return big;
    }
    case TAG_UNDEFINED:
      return undefined;
    case TAG_NULL:
      return null;
    case TAG_BOOL:
      return lo !== 0;
    case L.TAG_DOUBLE:
      return readBoxedDouble(lo);
    case L.TAG_POISON:
      throw new TypeError('shared-structs: read through a stale reference to a collected object');
    default:
      if (hi < TAG_BASE) {
        // A NaN stored as it is (nanBits): rebuild its exact bits.
        SU[0] = lo;
        SU[1] = hi;
        return SF[0];
      }
      return NaN;
  }
}

/** Reads slot `i`. */
function readSlot(i) {
  const v = F64[i];
  return v === v ? v : decodeTagged(v, i);
}

/**
 * Writes `value` into slot `i`; `where` is called to name the field in a TypeError. Values
 * that need no allocation (a shared object, a string this thread wrote before, undefined,
 * null, a boolean) are stored at once; the rest start an operation (opStart) first, since
 * encoding them may allocate.
 */
function writeSlot(i, value, where, whereArg) {
  switch (typeof value) {
    case 'object': {
      if (value === null) {
        F64[i] = K[K_NULL];
        return;
      }
      const off = brandOffset(value);
      if (off >= 0) {
        SU[0] = off;
        SU[1] = TAG_REF;
        F64[i] = SF[0];
        return;
      }
      break;
    }
    case 'string': {
      // A string in the write cache is rooted by the ring until the next opStart.
      const off = ReflectApply(mapGet, strOffsets, [value]);
      if (off !== undefined) {
        SU[0] = off;
        SU[1] = TAG_STRING;
        F64[i] = SF[0];
        return;
      }
      break;
    }
    case 'undefined':
      F64[i] = K[K_UNDEFINED];
      return;
    case 'boolean':
      F64[i] = value ? K[K_TRUE] : K[K_FALSE];
      return;
  }
  opStart();
  F64[i] = encodeValue(value, where, whereArg);
}

/** The slot bits (as a double, possibly a NaN box) that encode `value`. */
function encodeValue(value, where, whereArg) {
  switch (typeof value) {
    case 'number':
      return value === value ? value : nanBits(value);
    case 'undefined':
      return K[K_UNDEFINED];
    case 'boolean':
      return value ? K[K_TRUE] : K[K_FALSE];
    case 'string':
      SU[0] = stringOffset(value);
      SU[1] = L.TAG_STRING;
      return SF[0];
    case 'bigint':
      SU[0] = allocBigInt(value);
      SU[1] = L.TAG_BIGINT;
      return SF[0];
    case 'object': {
      if (value === null) return K[K_NULL];
      const off = offsetOf(value);
      if (off >= 0) {
        SU[0] = off;
        SU[1] = L.TAG_REF;
        return SF[0];
      }
      break;
    }
  }
  throw new TypeError(`${where(whereArg)}: cannot store ${describe(value)}; only primitives and shared objects can be shared (see canBeShared)`);
}

/**
 * The slot bits of a NaN, its payload and sign kept. A NaN whose high word is below the tag
 * space is stored as it is; one that would read as a tag is boxed in a heap object
 * (TYPE_DOUBLE, TAG_DOUBLE). Callers have started an operation (this may allocate).
 */
function nanBits(value) {
  SF[0] = value;
  const hi = SU[1];
  if (hi < TAG_BASE) return SF[0];
  const lo = SU[0];
  const off = allocObject(2, L.TYPE_DOUBLE);
  U32[2 * off + 2] = lo;
  U32[2 * off + 3] = hi;
  SU[0] = off;
  SU[1] = L.TAG_DOUBLE;
  return SF[0];
}

/** A boxed NaN (nanBits), bit-exact. */
function readBoxedDouble(off) {
  if ((U32[2 * off] & L.TYPE_MASK) !== L.TYPE_DOUBLE) throw new TypeError('shared-structs: read through a stale reference to a collected number');
  return F64[off + 1];
}

/** Encodes a reference to the shared object at `off`. */
function refBits(off) {
  SU[0] = off;
  SU[1] = L.TAG_REF;
  return SF[0];
}

/** A short description of a value's type for error messages. */
function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  const t = typeof value;
  if (t === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (t === 'symbol') return `a symbol (${String(value)})`;
  if (t !== 'object') return `a ${t}`;
  // Shared objects by their type (a field may be named "constructor"); others by their
  // constructor's name, read without running getters or proxy traps that could throw.
  const off = offsetOf(value);
  if (off >= 0) {
    const entry = types[U32[2 * off] & L.TYPE_MASK];
    if (entry) return `an object (${entry.displayName()})`;
  }
  try {
    if (Array.isArray(value)) return 'an Array';
    const proto = Object.getPrototypeOf(value);
    const d = proto && Object.getOwnPropertyDescriptor(proto, 'constructor');
    const name = d && typeof d.value === 'function' ? d.value.name : '';
    if (ArrayBuffer.isView(value)) return `a ${name || 'typed array'}`;
    return name && name !== 'Object' ? `an object (${name})` : 'a plain object';
  } catch {
    return 'an object';
  }
}

/** Whether `value` can be stored in a shared field. */
function canBeShared(value) {
  switch (typeof value) {
    case 'number':
    case 'undefined':
    case 'boolean':
    case 'string':
    case 'bigint':
      return true;
    case 'object':
      return value === null || isWrapper(value);
    default:
      return false;
  }
}

/**
 * Whether `value` is a genuine wrapper of a shared object (it carries SharedObject's private
 * brand: copies such as `{...s}` or `Object.create(s)`, proxies and forgeries do not, and
 * checking runs no trap or getter).
 */
function isWrapper(value) {
  return offsetOf(value) >= 0;
}

/** Type id of the object behind a wrapper, or -1. */
function typeIdOf(value) {
  const off = offsetOf(value);
  return off < 0 ? -1 : U32[2 * off] & L.TYPE_MASK;
}

// ---------------------------------------------------------------------------------------
// Strings live in the shared heap as immutable objects: header, length word, UTF-16 data.
// Each thread caches string -> offset (so writing the same string again allocates nothing)
// and offset -> string (so reading it again allocates nothing).

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

// ---------------------------------------------------------------------------------------
// BigInts: header, word 1 = (limb count, sign), then little-endian 64-bit limbs of |v|.

// Small values limb by limb; large ones through hex, which is linear (shifting the whole
// value by 64 bits per limb was quadratic: a 244 KiB bigint took ~4 s each way).
const BIG_SHIFT_LIMBS = 8;

/**
 * The limbs are computed before the object is allocated (the builtins that computes them
 * with may be ones the program replaced: run after the allocation, their code could start an
 * operation, dropping the young range that roots the new object, and collect).
 */
function allocBigInt(v) {
  const neg = v < 0n;
  let mag = neg ? -v : v;
  let limbs;
  if (mag < 1n << BigInt(64 * BIG_SHIFT_LIMBS)) {
    let n = 0;
    for (let t = mag; t > 0n; t >>= 64n) n++;
    limbs = new BigUint64ArrayOf(n);
    for (let k = 0; k < n; k++) {
      limbs[k] = mag; // a BigUint64Array keeps the low 64 bits
      mag >>= 64n;
    }
  } else {
    const hex = mag.toString(16);
    const n = Math.ceil(hex.length / 16);
    limbs = new BigUint64ArrayOf(n);
    for (let k = 0; k < n; k++) {
      const end = hex.length - 16 * k;
      limbs[k] = BigInt('0x' + hex.slice(Math.max(0, end - 16), end));
    }
  }
  const n = limbs.length;
  const off = allocObject(2 + n, L.TYPE_BIGINT);
  U32[2 * off + 2] = n;
  U32[2 * off + 3] = neg ? 1 : 0;
  for (let k = 0; k < n; k++) BU64[off + 2 + k] = limbs[k];
  return off;
}

function readBigInt(off) {
  if ((U32[2 * off] & L.TYPE_MASK) !== L.TYPE_BIGINT) throw new TypeError('shared-structs: read through a stale reference to a collected bigint');
  const n = U32[2 * off + 2];
  let v = 0n;
  if (n <= BIG_SHIFT_LIMBS) {
    for (let k = n - 1; k >= 0; k--) v = (v << 64n) | BU64[off + 2 + k];
  } else {
    // String concatenation (a rope, linear), and builtins taken at load (top of the file).
    let hex = '0x';
    for (let k = n - 1; k >= 0; k--) hex += ReflectApply(padStart, ReflectApply(bigIntToString, BU64[off + 2 + k], [16]), [16, '0']);
    v = BigIntOf(hex);
  }
  return U32[2 * off + 3] ? -v : v;
}

// ---------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------
// Wrapper identity: one JS wrapper per shared object per thread while it is reachable
// (docs/identity.md).
//
// Wrappers are grouped by the heap *page* (PAGE_WORDS words) their object starts in: each
// page this thread wraps objects of has an arena, a JS array of wrappers indexed by
// `(offset >>> 1) & SLOT_MASK` (objects are at least 2 words, so the index is unique). An
// arena holds its wrappers and every wrapper holds its arena, so an arena becomes garbage
// exactly when none of its wrappers is reachable. The lookup offset -> wrapper is
// `strong[pid[page]][slot]`: no hash table, no probing.
//
// The thread holds arenas strongly (`strong`) until it *demotes* them: every HOLD_MAX pages, at
// the end of a job after a shared-heap collection, when idle, in gc() and on a full heap.
// A demoted arena is held through a native weak reference (src/binding/arenas.rs), made for
// a whole batch in one native call; a read that meets a demoted page dereferences it once
// (a native call per page, not per object) and holds it again. A reference read on a held
// page makes no native call.
//
// Roots: the collector learns which objects this thread holds wrappers for from its *root
// bitmap* (one bit per heap word, plus a summary bit per page), which Rust allocated for
// this thread and reads at a safepoint. A bit is set when a wrapper is made; a page's bits
// are cleared when its arena is found dead (V8 collected every wrapper in it).

const PAGE_BITS = L.PAGE_BITS;
const SLOT_MASK = (1 << (PAGE_BITS - 1)) - 1;
const PAGES = Math.ceil(HEAP_WORDS / (1 << PAGE_BITS));

const rootBits = native.rootBitmap(TID);
/** Plane 0, one bit per heap word: set where this thread holds a wrapper (or is making one). */
const RB = new Uint32Array(rootBits.buffer, rootBits.bitsByteOffsets[0], rootBits.bitWords);
/** One bit per page: set while the page has an arena in this thread. */
const RS = new Uint32Array(rootBits.buffer, rootBits.summaryByteOffsets[0], rootBits.summaryWords);
/** Plane 1 and its page summary: objects this thread holds bulk handles for (lib/bulk.js). */
const HB = new Uint32Array(rootBits.buffer, rootBits.bitsByteOffsets[1], rootBits.bitWords);
const HS = new Uint32Array(rootBits.buffer, rootBits.summaryByteOffsets[1], rootBits.summaryWords);

/**
 * A new arena: the array of a page's wrapper slots itself (the page's id is pid[page]). A
 * fresh array of SLOT_MASK + 1 undefined elements, from an array literal: its elements are
 * its own from the start, so storing a wrapper never looks for a setter on Array.prototype
 * (as stores into a holey `new Array(n)` do, and a program may define one).
 */
// eslint-disable-next-line no-new-func
const newArena = new Function(`return [${'undefined,'.repeat(SLOT_MASK + 1)}];`);

/** page -> id of its current arena (0: none). */
const pid = new Int32ArrayOf(PAGES);
/**
 * arena id -> the arena while this thread holds it strongly, else undefined; index 0 (no
 * arena) stays undefined. Dense (ids are reused), so `strong[pid[page]]` is two loads. A JS
 * array indexed by page (2^19 entries for a 2 GiB heap) cost ~100 ms to create per thread,
 * or as much again to grow one push at a time to a page far into the heap.
 */
const strong = [undefined];
/** Arena id 0 is the canary (pruneAfterCollection); ids from 1. */
const CANARY = 0;
const MAX_ARENAS = L.MAX_ARENAS;
let nextArenaId = 1;
const freeArenaIds = [];
/** id -> page, wrappers made, and whether it has a native weak reference (1) or not (0). */
let arenaPage = new Int32ArrayOf(1024);
let arenaCount = new Int32ArrayOf(1024);
let weakMade = new Uint8Array(1024);

/**
 * Pages held strongly (their arena in `strong`), in the order they were held, in two lists:
 * pages whose arena a constructor made (`new T()`: the program holds those wrappers anyway,
 * holding their arenas costs little and keeps a structure built in one job and read in the
 * next native-free) and pages whose arena a read made or found again (a walk's wrappers are
 * mostly garbage at once: held, they survived V8's scavenges, which cost ~150 ns a wrapper
 * on a first-touch walk; a short window keeps re-reads of the last pages free). `old` counts
 * the pages at the front that were held before the last end of a job.
 */
class Held {
  constructor(max) {
    this.max = max;
    this.p = new Int32ArrayOf(max);
    this.n = 0;
    this.old = 0;
  }
}
const HELD_NEW = new Held(2048);
const HELD_READ = new Held(64);
/** Words of large objects this thread allocated since the last demotion (see allocRefill). */
let heldLargeWords = 0;
const LARGE_HOLD_MAX = 4 << 20; // 32 MB
/** Arenas demoted since the last prune (the canary is checked only past a few). */
let demotedSincePrune = 0;
let prunedCycle = U32[L.CTL_CYCLE];
let jobEndScheduled = false;

/** Grows the per-arena arrays to hold id `id`. */
function ensureArenaId(id) {
  if (id < strong.length) return;
  const n = Math.max(id + 1, 2 * arenaPage.length);
  const p = new Int32ArrayOf(n);
  p.set(arenaPage);
  arenaPage = p;
  const c = new Int32ArrayOf(n);
  c.set(arenaCount);
  arenaCount = c;
  const w = new Uint8Array(n);
  w.set(weakMade);
  weakMade = w;
  while (strong.length < n) ReflectApply(arrayPush, strong, [undefined]);
}

/** Holds the arena of page `p` strongly in list `h` (demoting its older half first when full). */
function holdPage(p, a, h) {
  if (h.n === h.max) demoteIn(h, h.max >>> 1);
  if (heldLargeWords > LARGE_HOLD_MAX) demote();
  strong[pid[p]] = a;
  h.p[h.n++] = p;
  if (!jobEndScheduled) {
    jobEndScheduled = true;
    queueMicrotaskOf(jobEnd);
  }
}

/** A new arena for page `p` (which has none alive), held in list `h`. */
function newPageArena(p, h) {
  const id = freeArenaIds.length !== 0 ? ReflectApply(arrayPop, freeArenaIds, []) : nextArenaId++;
  if (id >= MAX_ARENAS) throw new RangeError('shared-structs: too many pages of live wrappers in this thread');
  ensureArenaId(id);
  arenaPage[id] = p;
  arenaCount[id] = 0;
  weakMade[id] = 0;
  const a = newArena();
  pid[p] = id;
  RS[p >>> 5] |= 1 << (p & 31);
  holdPage(p, a, h);
  return a;
}

/**
 * The arena of page `p`, which is not held strongly but has one (pid[p] !== 0): from its
 * native weak reference (held strongly again), or undefined if V8 has collected it (its
 * roots are dropped then).
 */
function derefPage(p, h) {
  const id = pid[p];
  const a = native.arenaGet(id);
  if (a !== undefined) {
    holdPage(p, a, h);
    return a;
  }
  dropArena(id);
  return undefined;
}

/** The arena to put a new wrapper of page `p` in (made if the page has none alive). */
function pageArenaSlow(p, h) {
  if (pid[p] !== 0) {
    const a = derefPage(p, h);
    if (a !== undefined) return a;
  }
  return newPageArena(p, h);
}

/**
 * Forgets arena `id`, which V8 has collected: clears its page's root bits (if the page has
 * not moved on to a newer arena) and frees the id.
 */
function dropArena(id) {
  const p = arenaPage[id];
  if (pid[p] === id) {
    pid[p] = 0;
    const b = p << (PAGE_BITS - 5);
    for (let k = 0; k < 1 << (PAGE_BITS - 5); k++) RB[b + k] = 0;
    RS[p >>> 5] &= ~(1 << (p & 31));
  }
  arenaCount[id] = 0;
  weakMade[id] = 0;
  ReflectApply(arrayPush, freeArenaIds, [id]);
}

const demoteIds = [];
const demoteArenas = [];

/**
 * Lets go of the arenas held strongly, all but the `keep` held most recently: each gets a
 * native weak reference (all in one native call), so wrappers no longer reachable from the
 * program can die in V8's next collection. Reads of a demoted page dereference it again
 * (once). Keeping the recent half keeps a structure being built or walked native-free.
 */
function demote() {
  demoteIn(HELD_NEW, 0);
  demoteIn(HELD_READ, 0);
}

function demoteIn(h, keep) {
  const held = h.p;
  const heldN = h.n;
  const stop = keep < heldN ? heldN - keep : 0;
  let n = 0;
  for (let k = 0; k < stop; k++) {
    const p = held[k];
    const id = pid[p];
    const a = strong[id];
    if (a === undefined) continue;
    strong[id] = undefined;
    if (weakMade[id] === 0) {
      weakMade[id] = 1;
      demoteIds[n] = id;
      demoteArenas[n] = a;
      n++;
    }
  }
  for (let k = stop; k < heldN; k++) held[k - stop] = held[k];
  h.n = heldN - stop;
  h.old = h.old > stop ? h.old - stop : 0;
  heldLargeWords = 0;
  if (n !== 0) {
    demoteIds.length = n;
    demoteArenas.length = n;
    native.arenasWeak(demoteIds, demoteArenas);
    demoteArenas.length = 0;
    demotedSincePrune += n;
  }
}

/** Drops the roots of every arena V8 has collected (native weak references cleared). */
function pruneDead() {
  const dead = native.arenasDead(nextArenaId);
  for (let k = 0; k < dead.length; k++) {
    const id = dead[k];
    // Only arenas currently held weakly can have died (a freed id keeps its dead reference
    // until it is demoted again).
    if (weakMade[id] === 1) dropArena(id);
  }
  demotedSincePrune = 0;
  native.arenaWeak(CANARY, {});
}

/**
 * After a shared-heap collection: demote, so wrappers dropped since can die, and drop the
 * roots of arenas that died, so the next collection frees their objects. Also after a V8
 * collection (the canary died) once enough arenas were demoted. Runs at the end of a job
 * that held a page, and from the doorbell when the thread is idle during a collection.
 */
function pruneAfterCollection() {
  const cycle = U32[L.CTL_CYCLE];
  if (cycle !== prunedCycle) {
    prunedCycle = cycle;
    demoteIn(HELD_NEW, HELD_NEW.n >>> 1);
    demoteIn(HELD_READ, HELD_READ.n >>> 1);
    pruneDead();
  } else if (demotedSincePrune >= 16 && native.arenaGet(CANARY) === undefined) {
    pruneDead();
  }
}

/** End of a job that held a page. */
function jobEnd() {
  jobEndScheduled = false;
  // State raised by frames a termination (a vm timeout) unwound without their `finally`.
  // internalDepth is reset here (its sections reach program code only through replaced
  // builtins). Pins may also belong to frames still active (program code inside makeWrapper
  // can drain microtasks: process._tickCallback), so only a macrotask, where no library
  // frame is active, clears them.
  internalDepth = 0;
  if (pinDepth !== 0 && !pinSweepScheduled) {
    pinSweepScheduled = true;
    const im = setImmediateOf(sweepPins);
    if (typeof im.unref === 'function') im.unref();
  }
  pruneAfterCollection();
  // Pages held since before the previous end of a job, and not found again since, are let
  // go: a structure made in one job and read in the next stays native-free, and a thread
  // that churns lets its garbage go one job later.
  for (const h of HELD_LISTS) {
    if (h.old !== 0) demoteIn(h, h.n - h.old);
    h.old = h.n;
  }
}
const HELD_LISTS = [HELD_NEW, HELD_READ];

/** Everything this thread holds strongly is let go (gc() and the full-heap recovery). */
function releaseHeld() {
  demote();
}

/**
 * Nonzero while the library updates its own bookkeeping. Program code reached from there (a
 * setter it defined on a built-in prototype, a builtin it replaced) must not use shared
 * objects: opStart, attach and makeWrapper throw instead (docs/gc.md).
 */
let internalDepth = 0;

/** fn(arg) with internalDepth raised (see above). */
function internally(fn, arg) {
  internalDepth++;
  try {
    return fn(arg);
  } finally {
    internalDepth--;
  }
}

/** Throws: called where internalDepth !== 0 (program code reached inside the library). */
function internalUse() {
  throw new TypeError('shared-structs: shared objects used by program code that the library reached while updating its own state (a setter defined on a built-in prototype, or a builtin the program replaced)');
}

/** This thread's type table (lib/types.js): type id -> { make(off), displayName(), ... }. */
const { types } = registry;

/** The wrapper of the object at word offset `off` (the same JS object every time). */
function wrap(off) {
  const a = strong[pid[off >>> PAGE_BITS]];
  if (a !== undefined) {
    const w = a[(off >>> 1) & SLOT_MASK];
    if (w !== undefined) return w;
  }
  const w = findWrapper(off);
  return w !== undefined ? w : makeWrapper(off);
}

/** The live wrapper for `off` in this thread, if any (never creates one). */
function findWrapper(off) {
  const p = off >>> PAGE_BITS;
  let a = strong[pid[p]];
  if (a === undefined) {
    if (pid[p] === 0) return undefined;
    a = derefPage(p, HELD_READ);
    if (a === undefined) return undefined;
  }
  return a[(off >>> 1) & SLOT_MASK];
}

const C_PINS = 2 * BLOCK + L.TB_PINS;
/** The pin stack's last cell: the long string being copied (decodeString). */
const C_STRPIN = C_PINS + L.TB_PINS_LEN - 1;
/** Cells of the pin stack proper. */
const PINS_STACK = L.TB_PINS_LEN - 1;
/** Pin-stack cells in use (cells at and above it are 0, unless a frame was terminated). */
let pinDepth = 0;

/**
 * Pushes `off` on this thread's pin stack (a root until popped). Use only where `off` is
 * still rooted by something else at the call (INFLIGHT, a young range, a slot re-checked).
 */
function pinPush(off) {
  if (pinDepth === PINS_STACK) throw new RangeError('shared-structs: shared reads nested too deeply (user code run while making wrappers or copying strings reads shared objects itself)');
  U32[C_PINS + pinDepth] = off;
  return pinDepth++;
}

let pinSweepScheduled = false;

/** From a macrotask (no library frame is active): drops pins terminated frames left. */
function sweepPins() {
  pinSweepScheduled = false;
  if (pinDepth !== 0) pinPop(0);
  internalDepth = 0;
}

/** Pops the pin pushed at depth `d` (and any a terminated frame left above it). */
function pinPop(d) {
  while (pinDepth > d) U32[C_PINS + --pinDepth] = 0;
}

/**
 * The wrapper for `off`, which has none in this thread: makes it (its constructor attaches
 * it to its page's arena and sets its root bit). The object is rooted only by its caller's
 * pin (INFLIGHT, or the young ranges for open()) until its root bit is set, and making the
 * wrapper can reach user code (a type's first load: a Proxy on the global object's
 * prototype chain, builtins the program patched), whose own reads clear INFLIGHT and whose
 * operations drop the young ranges. So the object is on the pin stack until then.
 */
function makeWrapper(off) {
  if (internalDepth !== 0) internalUse();
  const d = pinPush(off);
  try {
    const id = U32[2 * off] & L.TYPE_MASK;
    let t = types[id];
    if (t === undefined) {
      t = registry.load(id);
      // The load may have reached user code that read this object (and made its wrapper).
      const w = findWrapper(off);
      if (w !== undefined) return w;
    }
    const n0 = attachCount;
    const w = t.make(off);
    // Program code run inside make() (a builtin it replaced, reached by a constructor) could
    // have made wrappers itself: refuse rather than risk two wrappers for one object.
    if (attachCount !== n0 + 1) throw new TypeError('shared-structs: program code made shared-object wrappers while one was being made (a replaced builtin?); read the value again');
    return w;
  } finally {
    pinPop(d);
  }
}

/** Wrappers attached so far (makeWrapper checks that its make() attached exactly one). */
let attachCount = 0;

/**
 * Enters a new wrapper `w` of the object at `o` (called in constructors, after super()):
 * stores it in its page's arena and sets its root bit. Returns the arena, which the wrapper
 * keeps in a private field (its class's brand). The object must be rooted until this
 * returns (young range for a new object, the pin stack for one being wrapped).
 */
function attach(w, o) {
  return attachIn(w, o, HELD_READ);
}

/** attach() for the wrapper of a new object (`new T()`): its page is held in HELD_NEW. */
function attachNew(w, o) {
  return attachIn(w, o, HELD_NEW);
}

function attachIn(w, o, h) {
  if (internalDepth !== 0) internalUse();
  const p = o >>> PAGE_BITS;
  let a = strong[pid[p]];
  if (a === undefined) a = pageArenaSlow(p, h);
  a[(o >>> 1) & SLOT_MASK] = w;
  arenaCount[pid[p]]++;
  RB[o >>> 5] |= 1 << (o & 31);
  attachCount++;
  return a;
}

/**
 * The base class of every wrapper (struct types, SharedArray, Mutex, Condition, SharedMutex,
 * SharedMap). `#o`, the object's word offset, is the brand of a genuine wrapper: only the
 * library's constructors can pass the key, so no copy ({...s}, Object.create(s)), proxy or
 * forgery carries it (docs/identity.md).
 */
const SECRET = Object.freeze({});
let brandOffset;
let compileIn;
class SharedObject {
  #o;
  constructor(key, o) {
    if (key !== SECRET) throw new TypeError('shared-structs: shared objects are made by their own constructors (new T(), new SharedArray(n), new Mutex(), ...)');
    this.#o = o;
  }
  /** The word offset, for the library's generic paths (non-enumerable; undefined on copies). */
  get [OFF]() {
    return typeof this === 'object' && this !== null && #o in this ? this.#o : undefined;
  }
  static {
    brandOffset = (v) => (#o in v ? v.#o : -1);
    // Generated wrapper classes are compiled inside this class body (a direct eval), so
    // their accessors read `this.#o` directly. Not reachable from outside the library.
    // eslint-disable-next-line no-eval
    compileIn = (src, env) => eval(src);
  }
}

/**
 * Whether wrappers are made non-extensible (Object.preventExtensions at the end of every
 * constructor). Off by default: it costs ~40 ns per wrapper, about as much as making the
 * rest of it, and the prototype chain already refuses undeclared properties (`s.z = 1`);
 * the polyfill turns it on for V8's exact semantics (docs/identity.md, docs/compat.md).
 */
const sealing = { on: false };
const preventExtensionsOf = Object.preventExtensions;
function seal(w) {
  preventExtensionsOf(w);
}

/** The base of generated struct classes (SharedStructType.prototype, for `instanceof`). */
class StructBase extends SharedObject {}

/** The word offset of `value` if it is a genuine wrapper in this thread, else -1. */
function offsetOf(value) {
  return typeof value === 'object' && value !== null ? brandOffset(value) : -1;
}

/**
 * The receiver check of every method of the shared classes that is not a generated
 * accessor (those check their class's private brand): the offset of `value` if it is a
 * genuine wrapper (SharedObject's brand) whose type id passes `accept`, else a TypeError
 * naming `what`. It runs no getter, trap or method of `value`, so a wrong receiver is refused
 * before anything of it is read.
 */
function receiverOffset(value, accept, what) {
  const off = offsetOf(value);
  if (off >= 0 && accept(U32[2 * off] & L.TYPE_MASK)) return off;
  throw new TypeError(`${what} called on ${describe(value)}, which is not ${accept.expected}`);
}

/** Statistics of this thread's caches (for tests and heapStats). */
function threadStats() {
  let wrappers = 0;
  let arenas = 0;
  for (let id = 1; id < nextArenaId; id++) {
    if (arenaCount[id] > 0) {
      wrappers += arenaCount[id];
      arenas++;
    }
  }
  return { wrappers, arenas, held: HELD_NEW.n + HELD_READ.n, strings: strOffsets.size, tid: TID };
}

/** Forces a full collection of the shared heap. Returns false if it had to be abandoned. */
function collect() {
  opStart();
  // This thread's string cache is a root; a forced collection starts from a clean slate.
  strOffsets = new Map();
  ringN = 0;
  U32[C_RING_N] = 0;
  // Let V8 collect this thread's dead wrappers first (their objects would look live), then
  // drop their roots. Allocation-free: a full heap must not stop the collection that would
  // empty it.
  releaseHeld();
  native.v8MemoryPressure();
  pruneDead();
  const ok = native.collect(TID);
  prunedCycle = U32[L.CTL_CYCLE];
  return ok;
}

/** Debugging aid: the pages this thread holds arenas for. */
function debugArenas() {
  const out = [];
  for (let p = 0; p < PAGES; p++) {
    const id = pid[p];
    if (id !== 0) out.push({ id, page: p, wrappers: arenaCount[id], held: strong[id] !== undefined, weak: weakMade[id] === 1 });
  }
  return out;
}

module.exports = {
  C_INFLIGHT,
  C_READS,
  debugArenas,
  TID,
  opStart,
  collect,
  addAsyncWaiter,
  removeAsyncWaiter,
  buffer,
  F64,
  U32,
  I32,
  U16,
  BI64,
  K,
  K_UNDEFINED,
  OFF,
  INTERNAL,
  SECRET,
  SharedObject,
  sealing,
  seal,
  StructBase,
  compileIn,
  offsetOf,
  receiverOffset,
  setPrototypeOf: setPrototypeOfOf,
  HEAP_START,
  HEAP_WORDS,
  HB,
  HS,
  PAGE_BITS,
  allocObject,
  fillUndefined,
  readSlot,
  decodeTagged,
  writeSlot,
  encodeValue,
  refBits,
  stringOffset,
  SF,
  SU,
  describe,
  canBeShared,
  isWrapper,
  typeIdOf,
  readString,
  strVals,
  C_STR_KEYS,
  STRING_CACHE_MASK,
  strHash,
  wrap,
  attach,
  attachNew,
  findWrapper,
  types,
  threadStats,
};
