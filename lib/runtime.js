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
const freezeOf = Object.freeze;
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
const BigIntOf = BigInt;
const bigIntToString = BigInt.prototype.toString;
const native = require('./native');
const L = require('./layout');

const buffer = native.heapBuffer();
const F64 = new Float64Array(buffer);
const U32 = new Uint32Array(buffer);
const I32 = new Int32Array(buffer);
const U16 = new Uint16Array(buffer);
const BU64 = new BigUint64Array(buffer);
const BI64 = new BigInt64Array(buffer);
const { heapStart: HEAP_START, words: HEAP_WORDS, tlabWords: TLAB_WORDS } = native.heapLayout();

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

const GC_PAYLOAD = 0x7fffffff;

function onDoorbell(payload) {
  if (payload === GC_PAYLOAD) {
    pruneAfterCollection();
    return;
  }
  const id = payload & 0x7fffffff;
  const granted = payload >>> 31 === 1;
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
  nextWaiterId = nextWaiterId >= 0x7ffffffe ? 1 : nextWaiterId + 1;
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
/** Element wrappers keep their (immutable) element count here: no shared-memory load per bounds check. */
const LEN = Symbol('shared-structs.length');
/** Passed as first constructor argument to make a wrapper for an existing object. */
const INTERNAL = Symbol('shared-structs.internal');

// ---------------------------------------------------------------------------------------
// Allocation: bump a pointer inside this thread's TLAB (cells TOP/LIMIT of the thread block,
// so the collector can retire it at a safepoint); refill from Rust when it runs out.

let stamp = U32[L.CTL_CYCLE];
const LARGE_WORDS = TLAB_WORDS >>> 2;

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
    recoverFullHeap();
    return allocRefill(words);
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
  pruneDeadArenas();
  native.collect(TID);
}

function allocRefill(words) {
  if (words >= LARGE_WORDS) {
    const hs = getHeapStatistics();
    const off = native.allocLarge(TID, words, hs.used_heap_size, hs.heap_size_limit);
    stamp = U32[L.CTL_CYCLE];
    // A large object's wrapper gets an arena of its own and stays out of the front cache, so
    // that it can die in the middle of a job: in a shared arena it would stay alive as long
    // as any of 255 others, or to the end of the job (a loop making and dropping big arrays
    // used to fill a 2 GB heap).
    if (cur.n > 0) arenaLimit = cur.n;
    largeOff = off;
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
    const h = frontHash(lo);
    if (frontKeys[h] === lo) return frontVals[h];
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

/** Writes `value` into slot `i`; `where` is called to name the field in a TypeError. */
function writeSlot(i, value, where, whereArg) {
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
      const off = wrapperOffset(value);
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
  const off = wrapperOffset(value);
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
 * Whether `value` is a genuine wrapper of a shared object: it carries an offset AND is the
 * wrapper this thread's identity table holds for that offset (so copies such as `{...s}` or
 * `Object.create(s)` are not shared objects).
 */
/**
 * The offset of the object behind `value` if it is a genuine wrapper in this thread, else -1.
 * A revoked Proxy, or a get trap that throws, is not one (canBeShared, isSharedArray and
 * isSharedStruct threw V8's error); no Proxy is (findWrapper gives the wrapper itself).
 * util.types.isProxy first would also keep its traps from running, but costs ~10 ns on
 * every call (every reference write, atomics call, object-key map operation).
 */
function wrapperOffset(value) {
  let off;
  try {
    off = value[OFF];
  } catch {
    return -1;
  }
  return typeof off === 'number' && findWrapper(off) === value ? off : -1;
}

function isWrapper(value) {
  return value !== null && typeof value === 'object' && wrapperOffset(value) >= 0;
}

/** Type id of the object behind a wrapper, or -1. */
function typeIdOf(value) {
  if (!isWrapper(value)) return -1;
  return U32[2 * value[OFF]] & L.TYPE_MASK;
}

// ---------------------------------------------------------------------------------------
// Strings live in the shared heap as immutable objects: header, length word, UTF-16 data.
// Each thread caches string -> offset (so writing the same string again allocates nothing)
// and offset -> string (so reading it again allocates nothing).

const STRING_CACHE_BITS = 13; // 2 ** 13 === L.TB_STR_KEYS_LEN
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
// strings of a region over distinct slots and keeps neighbours in neighbouring cache lines.
function strHash(off) {
  return (off >>> 1) & STRING_CACHE_MASK;
}

function stringOffset(s) {
  let off = strOffsets.get(s);
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
// Wrapper identity: one JS wrapper per shared object per thread while it is reachable
// (docs/identity.md). A weak reference per wrapper costs 300-700 ns at scale, so wrappers
// are grouped into arenas of ARENA_SIZE: an arena holds its wrappers and every wrapper holds
// its arena, so one weak reference per arena tells whether ANY of its wrappers is still
// reachable. An open-addressing table (typed arrays) maps offset -> (arena id, slot).
// Arenas found through their weak reference are held strongly until the end of the current
// job, and a small direct-mapped front cache serves repeated reads.

const ARENA_BITS = 8;
const ARENA_SIZE = 1 << ARENA_BITS;

/**
 * A fresh array of ARENA_SIZE undefined elements, from an array literal: its elements are its
 * own from the start, so storing a wrapper never looks for a setter on Array.prototype (as
 * stores into a holey `new Array(n)` do, and a program may define one).
 */
// eslint-disable-next-line no-new-func
const newArenaSlots = new Function(`return [${'undefined,'.repeat(ARENA_SIZE)}];`);

class Arena {
  // Class fields are defined, not assigned: no setter a program put on Object.prototype runs.
  id = 0;
  n = 0;
  w = null;
  constructor(id) {
    this.id = id;
    this.w = newArenaSlots();
  }
}

/** aid -> arena, for arenas used in the current job (and the current arena). */
const strongArenas = [];
/** Ids set in strongArenas during this job (cleared at its end). The array itself is kept
 * dense (never reset to []): a sparse array falls into dictionary mode and every lookup
 * becomes a hash probe. */
const strongIds = [];

function holdArena(a) {
  const id = a.id;
  while (strongArenas.length <= id) ReflectApply(arrayPush, strongArenas, [undefined]);
  strongArenas[id] = a;
  ReflectApply(arrayPush, strongIds, [id]);
}
const freeArenaIds = [];
/**
 * aid -> the offset each slot's wrapper was entered under in the identity table (0: none).
 * Held apart from the arena, so that once V8 has collected an arena its entries can still
 * be found and dropped one by one (pruneDeadArenas) instead of rebuilding the whole table.
 */
const arenaOffs = [new Int32Array(ARENA_SIZE)]; // id 0: the canary and NO_ARENA (never pruned)
/** aid -> 1 while the arena is held only weakly (sealed, not yet found dead). */
const weakArena = [];
let nextArenaId = 1;
/** The arena field of a wrapper not yet remembered (keeps the field's type stable for V8). */
const NO_ARENA = new Arena(0);
/** Wrappers the current arena takes before it is sealed (lowered to seal it early). */
let arenaLimit = ARENA_SIZE;
/** Offset of the last large object allocated (its wrapper skips the front cache). */
let largeOff = 0;
let cur = newArena();
let releaseScheduled = false;

function newArena() {
  const id = freeArenaIds.length ? ReflectApply(arrayPop, freeArenaIds, []) : nextArenaId++;
  if (id >= 1 << (31 - ARENA_BITS)) throw new RangeError('shared-structs: too many live wrappers in this thread');
  const offs = arenaOffs[id];
  if (offs === undefined) {
    while (arenaOffs.length < id) ReflectApply(arrayPush, arenaOffs, [undefined]);
    arenaOffs[id] = new Int32ArrayOf(ARENA_SIZE);
  } else {
    ReflectApply(typedFill, offs, [0]);
  }
  const a = new Arena(id);
  holdArena(a);
  arenaLimit = ARENA_SIZE;
  return a;
}

// Sealed arenas are held through native weak references (src/binding/arenas.rs), not
// WeakRef + FinalizationRegistry: creating or dereferencing a WeakRef keeps its target alive
// to the end of the job, and finalizers run only from an event-loop task, so a thread in a
// long synchronous loop (or one that only awaits microtasks) never learnt that its wrappers
// had died. A native weak reference is cleared by the V8 collection that frees the arena
// and can be read without keeping anything alive; pruneDeadArenas asks which ones are cleared.
const nativeBinding = require('../binding.js');

/** Arenas made weak since the last rebuild (only they can have died since). */
let sealedSinceRebuild = 0;
/**
 * Id of the canary: a throwaway object held weakly from each rebuild on. Once V8 has
 * collected it, a collection has run since the rebuild, so arenas may have died: the end of
 * the job prunes the table if enough arenas were sealed meanwhile.
 */
const CANARY = 0;

function weaken(a) {
  native.arenaWeak(a.id, a);
  weakArena[a.id] = 1;
  sealedSinceRebuild++;
  // Only its wrappers keep a sealed arena alive now (not the job's strong set).
  if (strongArenas[a.id] === a) strongArenas[a.id] = undefined;
}

/**
 * Nonzero while the library updates its own bookkeeping (sealing an arena, rebuilding or
 * pruning the identity table). Program code reached from there (a setter it defined on a
 * built-in prototype, a builtin it replaced) must not use shared objects: a nested
 * operation dropped the young range of an object being constructed (which a collection then
 * freed), and a nested wrapper went into an arena about to be replaced or a table half
 * copied. opStart, attach and makeWrapper throw instead.
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

function sealArena() {
  internally(sealArenaNow);
}

function sealArenaNow() {
  weaken(cur);
  scheduleRelease();
  cur = newArena();
}

function scheduleRelease() {
  if (!releaseScheduled) {
    releaseScheduled = true;
    queueMicrotaskOf(releaseJob);
  }
}

let prunedCycle = U32[L.CTL_CYCLE];

/**
 * Drops entries of wrappers V8 has collected so their objects can go: after a shared-heap
 * collection (so the next one frees them), and after a V8 collection (the canary died) once
 * enough arenas were sealed to be worth a rebuild.
 */
function pruneAfterCollection() {
  if (U32[L.CTL_CYCLE] !== prunedCycle || (sealedSinceRebuild >= 16 && nativeBinding.arenaGet(CANARY) === undefined)) {
    prunedCycle = U32[L.CTL_CYCLE];
    const dead = deadArenaIds();
    // Many dead wrappers: a rebuild (a sequential pass that drops them as it goes) is
    // cheaper than a lookup and a tombstone per dead wrapper.
    if (dead.length * ARENA_SIZE >= tcap >>> 3) {
      try {
        rebuildTable(dead);
      } catch (e) {
        if (!isHeapFull(e)) throw e; // rebuildTable pruned the old table instead
      }
    } else {
      pruneDeadArenas(dead);
    }
  }
}

/**
 * Drops the identity-table entries of every arena V8 has collected (they become tombstones:
 * probes go on past them, the collector skips them, the next rebuild drops them) and frees
 * those arena ids. Costs a lookup per wrapper that died, not a pass over the table.
 */
function pruneDeadArenas(dead) {
  internally(pruneDeadArenasInner, dead === undefined ? deadArenaIds() : dead);
}

function pruneDeadArenasInner(dead) {
  for (let d = 0; d < dead.length; d++) {
    const aid = dead[d];
    const offs = arenaOffs[aid];
    const ref0 = aid << ARENA_BITS;
    for (let slot = 0; slot < ARENA_SIZE; slot++) {
      const off = offs[slot];
      if (off === 0) continue;
      const i = tableFind(off);
      // The entry may have moved on to a newer wrapper of the same object.
      if (i >= 0 && tvals[i] === (ref0 | slot)) {
        I32[tbase + i] = TOMBSTONE;
        tcount--;
        ttombs++;
      }
    }
  }
  freeDeadArenaIds(dead);
}

/** Ids of the arenas V8 has collected since they were made weak. */
function deadArenaIds() {
  const dead = [];
  // A reused id keeps its dead arena's native ref until it is sealed again: only arenas
  // currently held weakly can have died.
  for (const aid of native.arenasDead(nextArenaId)) if (weakArena[aid] === 1) dead.push(aid);
  return dead;
}

/** Frees the ids of dead arenas whose entries are gone, and re-arms the canary. */
function freeDeadArenaIds(dead) {
  for (let k = 0; k < dead.length; k++) {
    weakArena[dead[k]] = 0;
    freeArenaIds.push(dead[k]);
  }
  sealedSinceRebuild = 0;
  native.arenaWeak(CANARY, {});
}

/** End of job: drop strong references to arenas and the front cache. */
function releaseJob() {
  releaseScheduled = false;
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
  // The current arena becomes weak too, so wrappers made in this job can die.
  if (cur.n > 0) {
    weaken(cur);
    cur = newArena();
  }
  releaseStrong();
}

/**
 * Arenas a job may hold strongly (found through their weak reference) before they are all
 * let go: a long synchronous job that kept re-reading old objects held every arena it met
 * (256 wrappers each, and their objects) until it ended, so nothing was reclaimed.
 */
const STRONG_MAX = 512;

function arenaFor(aid) {
  const s = strongArenas[aid];
  if (s !== undefined) return s;
  const a = nativeBinding.arenaGet(aid);
  if (a !== undefined) {
    if (strongIds.length >= STRONG_MAX) releaseStrong();
    holdArena(a);
    scheduleRelease();
  }
  return a;
}

/**
 * Lets go of everything the job holds strongly, as its end does: the current arena becomes
 * weak (a fresh one takes its place), and releaseStrong. Before gc() and the full-heap
 * recovery, so that V8 can collect wrappers dropped in this same job: the last ones made
 * (their arena) and the front cache kept them, and their objects, alive until the job
 * ended (a list built and dropped in one job stayed live through gc(), and a full heap
 * stayed full for the rest of the job).
 */
function releaseHeld() {
  if (cur.n > 0) {
    weaken(cur);
    cur = newArena();
  }
  releaseStrong();
}

/**
 * Lets go of the arenas held strongly in this job and of the front cache (whose wrappers
 * keep their arenas alive), as the end of a job does, in the middle of one. The current
 * arena stays held (it has no weak reference yet).
 */
function releaseStrong() {
  for (let k = 0; k < strongIds.length; k++) strongArenas[strongIds[k]] = undefined;
  strongIds.length = 0;
  holdArena(cur);
  frontClear();
}

// Front cache.
const FRONT_BITS = 12;
const frontKeys = new Int32Array(1 << FRONT_BITS);
const frontVals = new Array(1 << FRONT_BITS).fill(null);
/**
 * Slots written since the front cache was last cleared (the first FRONT_DIRTY_MAX of them):
 * the end of a job clears just those. Filling the whole value array cost ~3.8 µs, at the
 * end of every job that touched a shared object.
 */
const FRONT_DIRTY_MAX = 1024;
const frontDirty = new Int32Array(FRONT_DIRTY_MAX);
let frontDirtyN = 0;

function frontSet(h, off, w) {
  frontKeys[h] = off;
  frontVals[h] = w;
  if (frontDirtyN < FRONT_DIRTY_MAX) frontDirty[frontDirtyN] = h;
  frontDirtyN++;
}

/** Empties the front cache (letting go of its wrappers). */
function frontClear() {
  if (frontDirtyN <= FRONT_DIRTY_MAX) {
    for (let k = 0; k < frontDirtyN; k++) {
      const h = frontDirty[k];
      frontKeys[h] = 0;
      frontVals[h] = null;
    }
  } else {
    // A loop, not Array#fill (a builtin the program may have replaced).
    for (let h = 0; h < 1 << FRONT_BITS; h++) {
      frontKeys[h] = 0;
      frontVals[h] = null;
    }
  }
  frontDirtyN = 0;
}

function frontHash(off) {
  return (off >>> 1) & ((1 << FRONT_BITS) - 1);
}

// Identity table: keys are offsets (0 = empty, TOMBSTONE = a dropped entry), values are
// (aid << ARENA_BITS) | slot. Keys live in a root table in the shared heap (the collector
// reads them as roots and skips 0 and TOMBSTONE); values are this thread's business.
const TOMBSTONE = -1; // u32 0xFFFFFFFF: never an object offset (docs/identity.md)
let tbits = 14;
let tcap = 1 << tbits;
let tmask = tcap - 1;
let tshift = 32 - tbits;
let activeOff = native.allocRootTable(TID, tcap);
let tbase = 2 * activeOff + 4;
/** The other root table of the same capacity (0 until the first rebuild at this size). */
let spareOff = 0;
let tvals = new Int32Array(tcap);
let tcount = 0;
/** Tombstones in the table (dropped entries; slots that stay used until the next rebuild). */
let ttombs = 0;

// Objects are at least 2 words apart in practice and are usually read in allocation
// order, so a locality-preserving hash (off / 2) keeps neighbouring lookups in one cache line.
function tableFind(off) {
  let i = (off >>> 1) & tmask;
  // Linear probing first (neighbouring slots share cache lines), then double hashing: once
  // distant TLABs fold onto the same range (freed memory reused), linear runs would grow
  // to thousands of slots; an odd step from any slot visits every slot of the table.
  for (let n = 0; n < 8; n++) {
    const k = I32[tbase + i];
    if (k === off) return i;
    if (k === 0) return -1 - i;
    i = (i + 1) & tmask;
  }
  const step = (imul(off, 0x9e3779b1) >>> tshift) | 1;
  for (;;) {
    const k = I32[tbase + i];
    if (k === off) return i;
    if (k === 0) return -1 - i;
    i = (i + step) & tmask;
  }
}

/** Per-thread type table: type id -> { make(off), ... }. Filled by lib/structs.js. */
const types = [];
let loadType = null;

/** The wrapper of the object at word offset `off` (the same JS object every time). */
function wrap(off) {
  const h = frontHash(off);
  if (frontKeys[h] === off) return frontVals[h];
  return wrapSlow(off, h);
}

function wrapSlow(off, h) {
  let w;
  const i = tableFind(off);
  if (i >= 0) {
    const v = tvals[i];
    const a = arenaFor(v >>> ARENA_BITS);
    if (a !== undefined) w = a.w[v & (ARENA_SIZE - 1)];
  }
  if (w === undefined) w = makeWrapper(off, i);
  frontSet(h, off, w);
  scheduleRelease();
  return w;
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
 * The wrapper for `off`, which has none in this thread: makes it and enters it in the
 * identity table. The object is rooted only by its caller's pin (INFLIGHT, or the young
 * ranges for open()) until it is in the table, and making the wrapper can reach user code: a
 * type's first load (a Proxy on the global object's prototype chain, builtins the program
 * patched), builtins the constructor and arena bookkeeping call. That code's own reads clear
 * INFLIGHT, its operations drop the young ranges, and it can unlink the object and collect:
 * the wrapper was then made over freed, later reused, memory. So the object is on the pin
 * stack (a root that nested pins do not overwrite) until its wrapper is in the table.
 */
function makeWrapper(off, i) {
  if (internalDepth !== 0) internalUse();
  const d = pinPush(off);
  try {
    const id = U32[2 * off] & L.TYPE_MASK;
    let t = types[id];
    let tb = tbase;
    if (t === undefined) {
      t = loadType(id, off);
      // The load may have reached user code that read this object (and made its wrapper)
      // or changed the table: if the slot found before is not as it was, look again.
      if (!slotAsFound(tb, i, off)) {
        const w = findWrapper(off);
        if (w !== undefined) return w;
        i = tableFind(off);
        tb = tbase;
      }
    }
    const n0 = attachCount;
    const w = t.make(off);
    // Program code run inside make() (a builtin it replaced, reached by a constructor) could
    // have made wrappers itself: then lastRef names another wrapper, or this object may have
    // two. Refuse rather than enter a wrong reference (the object stays rooted by its slot).
    if (attachCount !== n0 + 1) throw new TypeError('shared-structs: program code made shared-object wrappers while one was being made (a replaced builtin?); read the value again');
    insertAt(off, slotAsFound(tb, i, off) ? i : tableFind(off));
    return w;
  } finally {
    pinPop(d);
  }
}

/**
 * Whether table slot `i` (tableFind's answer for `off` while the table was at `tb`) still
 * says the same: the same table, and `off`'s entry, or an empty slot, still there.
 */
function slotAsFound(tb, i, off) {
  return tb === tbase && (i >= 0 ? I32[tb + i] === off : I32[tb - 1 - i] === 0);
}

/** Arena reference (aid << ARENA_BITS | slot) of the last wrapper attached. */
let lastRef = 0;
/** Wrappers attached so far (makeWrapper checks that its make() attached exactly one). */
let attachCount = 0;

/**
 * Gives a new wrapper its arena slot (called in constructors, before the wrapper is
 * frozen) and returns the arena, which the wrapper keeps in a private field: reachable
 * from the wrapper (a symbol-keyed property was), an arena's id, count or wrapper list
 * could be rewritten, making the table name a forged object as a wrapper or drop live
 * wrappers' entries. The identity-table entry is added by insertWrapper / wrapSlow.
 */
function attach(w) {
  if (internalDepth !== 0) internalUse();
  if (cur.n === arenaLimit) sealArena();
  else if (!releaseScheduled) scheduleRelease();
  attachCount++;
  const slot = cur.n++;
  cur.w[slot] = w;
  lastRef = (cur.id << ARENA_BITS) | slot;
  return cur;
}

/** Records the wrapper attached last as the one for `off` (constructors of new objects). */
function insertWrapper(w, off) {
  insertAt(off, tableFind(off));
  if (off === largeOff) {
    // Its arena holds only this wrapper: make it weak now (not at the end of the job), so
    // the object can be freed as soon as the wrapper is dropped, even in the same job.
    sealArena();
    return;
  }
  frontSet(frontHash(off), off, w);
}

/** Table entries written since the last rebuild (inserts and overwrites of dead entries). */
let twrites = 0;

function insertAt(off, i) {
  if (i < 0 && tcount + ttombs + 1 > tableMaxUsed()) {
    // No new slot may be taken: make room first (a full heap with this many live wrappers
    // is a RangeError, never a table with no empty slot, where probing never ends).
    makeRoom();
    i = tableFind(off);
  }
  const v = lastRef;
  arenaOffs[v >>> ARENA_BITS][v & (ARENA_SIZE - 1)] = off;
  if (i >= 0) {
    tvals[i] = v;
  } else {
    I32[tbase - 1 - i] = off;
    tvals[-1 - i] = v;
    tcount++;
  }
  if (++twrites > tcap >>> 1) {
    try {
      makeRoom();
    } catch (e) {
      if (!isHeapFull(e)) throw e;
      // Still full: keep the table, and retry the rebuild after half the room left (the
      // check above refuses a new slot past tableMaxUsed()).
      twrites = (tcap >>> 1) - Math.max(1, (tableMaxUsed() - tcount - ttombs) >>> 1);
    }
  }
}

/** Rebuilds the table, recovering from a full heap once; throws the RangeError if there is still no room. */
function makeRoom() {
  try {
    rebuildTable();
  } catch (e) {
    if (!isHeapFull(e)) throw e;
    recoverFullHeap();
    rebuildTable();
  }
  if (tcount + ttombs + 1 > tableMaxUsed()) throw new RangeError('shared-structs: the shared heap is full (no room to grow this thread\'s identity table; set SHARED_STRUCTS_HEAP_SIZE to reserve more)');
}

/** The live wrapper for `off` in this thread, if any (never creates one). */
function findWrapper(off) {
  const h = frontHash(off);
  if (frontKeys[h] === off) return frontVals[h];
  const i = tableFind(off);
  if (i < 0) return undefined;
  const v = tvals[i];
  const a = arenaFor(v >>> ARENA_BITS);
  return a === undefined ? undefined : a.w[v & (ARENA_SIZE - 1)];
}

/** Scratch for rebuildTable: 1 at the ids of arenas it found dead (0 otherwise). */
let deadMark = new Uint8Array(256);

/** Whether table entry (key k, value v) stays in a rebuild: a key whose arena is not dead. */
function keptEntry(k, v) {
  return k !== 0 && k !== TOMBSTONE && deadMark[v >>> ARENA_BITS] === 0;
}

/** Sets (1) or clears (0) the dead marks of `dead`. */
function markDead(dead, bit) {
  if (bit === 1 && deadMark.length < nextArenaId) deadMark = new Uint8Array(Math.max(nextArenaId, 2 * deadMark.length));
  for (let k = 0; k < dead.length; k++) deadMark[dead[k]] = bit;
}

/**
 * Drops the entries of dead arenas and every tombstone, and resizes the table so that it is
 * at most a quarter full. Entries of dead arenas are dropped as the copy meets them (an
 * entry always names the newest wrapper of its object, so a dead arena in its value means
 * a dead entry): pruning them first cost a table lookup per dead wrapper, ~14% of
 * `new T()` in a loop. A full heap (the allocation below throws) prunes the old table and
 * leaves it in use.
 */
function rebuildTable(dead) {
  internally(rebuildTableInner, dead === undefined ? deadArenaIds() : dead);
}

function rebuildTableInner(dead) {
  markDead(dead, 1);
  const oldBase = tbase;
  const oldCap = tcap;
  const oldVals = tvals;
  let live = 0;
  for (let i = 0; i < oldCap; i++) {
    const k = I32[oldBase + i];
    if (keptEntry(k, oldVals[i])) live++;
  }
  let bits = tbits;
  while (live > 1 << (bits - 2)) bits++;
  // Root tables are double-buffered: two tables of the current capacity, both registered as
  // roots, rebuilt into each other. The target is a root while it fills (a safepoint then
  // sees a superset); the old one is zeroed after the switch. Only growth allocates.
  const grow = bits !== tbits;
  let off;
  if (!grow && spareOff !== 0) {
    off = spareOff;
    I32.fill(0, 2 * off + 4, 2 * off + 4 + oldCap);
    U32[2 * off + 3] = 0; // in use again: the collector scans it (word 1 hi = "empty" flag)
  } else {
    try {
      off = native.allocRootTable(TID, 1 << bits); // may throw RangeError (full heap)
    } catch (e) {
      const compact = isHeapFull(e) && live <= oldCap >>> 1;
      // No room to grow, but the live entries fit this size: compact in place, dropping
      // tombstones and dead entries (they used to pile up until every slot was taken and
      // tableFind probed forever).
      if (compact) compactInPlace(live);
      markDead(dead, 0);
      if (!compact) {
        pruneDeadArenas(dead);
        throw e;
      }
      freeDeadArenaIds(dead);
      return;
    }
  }
  tbits = bits;
  tcap = 1 << bits;
  tmask = tcap - 1;
  tshift = 32 - tbits;
  tbase = 2 * off + 4;
  tvals = new Int32Array(tcap);
  tcount = 0;
  ttombs = 0;
  twrites = 0;
  for (let i = 0; i < oldCap; i++) {
    const k = I32[oldBase + i];
    if (keptEntry(k, oldVals[i])) {
      const j = -1 - tableFind(k);
      I32[tbase + j] = k;
      tvals[j] = oldVals[i];
      tcount++;
    }
  }
  if (grow) {
    // Frees every other table of this thread (the old one and the spare).
    native.setRootTable(TID, off);
    spareOff = 0;
  } else {
    spareOff = (oldBase - 4) / 2;
    I32.fill(0, oldBase, oldBase + oldCap);
    U32[oldBase - 1] = 1; // zeroed spare: the collector skips it
  }
  activeOff = off;
  markDead(dead, 0);
  freeDeadArenaIds(dead);
}

/**
 * Rehashes the table into itself without the entries rebuildTable's deadMark names and
 * without tombstones. Allocates nothing in the shared heap and makes no native call, so no
 * safepoint can see the table half rebuilt. `live` is the number of entries kept. Then
 * sets the write budget so the next rebuild comes before the table is 7/8 used.
 */
function compactInPlace(live) {
  const keys = new Int32Array(live);
  const vals = new Int32Array(live);
  let n = 0;
  for (let i = 0; i < tcap; i++) {
    const k = I32[tbase + i];
    if (keptEntry(k, tvals[i])) {
      keys[n] = k;
      vals[n++] = tvals[i];
    }
  }
  I32.fill(0, tbase, tbase + tcap);
  tvals.fill(0);
  tcount = 0;
  ttombs = 0;
  for (let j = 0; j < n; j++) {
    const p = -1 - tableFind(keys[j]);
    I32[tbase + p] = keys[j];
    tvals[p] = vals[j];
    tcount++;
  }
  twrites = (tcap >>> 1) - Math.max(1, (tableMaxUsed() - tcount) >>> 1);
}

/** Slots that may be used (keys + tombstones): probing needs empty slots left. */
function tableMaxUsed() {
  return tcap - (tcap >>> 3);
}

function setTypeLoader(fn) {
  loadType = fn;
}

/** Statistics of this thread's caches (for tests and heapStats). */
function threadStats() {
  return { wrappers: tcount, arenas: nextArenaId - 1 - freeArenaIds.length, strings: strOffsets.size, tid: TID };
}

/** Forces a full collection of the shared heap. Returns false if it had to be abandoned. */
function collect() {
  opStart();
  // This thread's string cache is a root; a forced collection starts from a clean slate.
  strOffsets = new Map();
  ringN = 0;
  U32[C_RING_N] = 0;
  // Let V8 collect this thread's dead wrappers first (their objects would look live), then
  // drop their entries. Allocation-free: a full heap must not stop the collection that
  // would empty it.
  releaseHeld();
  native.v8MemoryPressure();
  pruneDeadArenas();
  const ok = native.collect(TID);
  prunedCycle = U32[L.CTL_CYCLE];
  return ok;
}

/** Debugging aid: the arenas this thread still holds alive, with their sizes. */
function debugArenas() {
  const out = [];
  for (let aid = 1; aid < nextArenaId; aid++) {
    const a = strongArenas[aid] || nativeBinding.arenaGet(aid);
    if (a) out.push({ id: aid, n: a.n, current: a === cur, strong: strongArenas[aid] !== undefined });
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
  LEN,
  INTERNAL,
  NO_ARENA,
  freeze: freezeOf,
  setPrototypeOf: setPrototypeOfOf,
  HEAP_START,
  HEAP_WORDS,
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
  wrap,
  attach,
  insertWrapper,
  findWrapper,
  types,
  setTypeLoader,
  threadStats,
};
