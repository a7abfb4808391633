'use strict';
// SharedMap: a hash map in the shared heap, usable from every thread.
//
// Layout (docs/layout.md): the map object has a mutex word (word 1 lo) and three slots:
// the entry table (a reference), the size, the number of tombstones. The table is an
// element object of 3 slots per entry: hash (a number; undefined = empty, null = deleted),
// key, value. Everything but the lock word is an ordinary slot, so the collector traces a
// map like any struct. Operations run in JS under the map's mutex (one uncontended CAS
// each way); see docs/map.md for why this beats a native concurrent map here.

const util = require('util');
const L = require('./layout');
const rt = require('./runtime');
const { mutexAcquire, mutexRelease, AbandonedMutexError } = require('./sync');
const { inspectWith, toJSONWith } = require('./present');

const { F64, U32, INTERNAL, types, SF, SU, offsetOf } = rt;

const W_TABLE = 2;
const W_SIZE = 3;
const W_TOMBS = 4;
const MAP_WORDS = 5;
const MIN_CAP = 8;
const K_UNDEF = rt.K[0];
const K_NULL = rt.K[1];

function nobody(x) {
  return x;
}

// ---------------------------------------------------------------------------------------
// Hashing and key equality (SameValueZero, like Map).

/** Keys compare like Map's (SameValueZero): -0 is 0, and every NaN is the one canonical NaN. */
function canonKey(key) {
  return key === 0 ? 0 : key !== key ? rt.K[4] : key;
}

function mix(h) {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashString(s) {
  // FNV-1a over UTF-16 units, then mix() for the avalanche. (One unit per step measured
  // faster in V8 than two units per multiply.)
  const n = s.length;
  let h = 0x811c9dc5 ^ n;
  for (let k = 0; k < n; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return mix(h);
}

function hashKey(key) {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      SF[0] = key === key ? key : NaN;
      return mix(SU[0] ^ Math.imul(SU[1], 0x9e3779b1));
    case 'bigint':
      return mix(Number(BigInt.asUintN(32, key)) ^ Number(BigInt.asUintN(32, key >> 32n)) ^ 0x5bd1e995);
    case 'boolean':
      return key ? 0x1234567 : 0x7654321;
    case 'undefined':
      return 0x2545f491;
    case 'object':
      if (key === null) return 0x4f1bbcdd;
      return mix(offsetOf(key) ^ 0x27d4eb2f);
  }
  throw new TypeError(`SharedMap: a ${typeof key} cannot be a key`);
}

/** Whether `key` can be a key (others are never present: get/has/delete find nothing). */
function isKeyable(key) {
  const t = typeof key;
  return !(t === 'function' || t === 'symbol' || (t === 'object' && key !== null && !rt.isWrapper(key)));
}

function checkKey(key, name = 'SharedMap') {
  const t = typeof key;
  if (t === 'function' || t === 'symbol' || (t === 'object' && key !== null && !rt.isWrapper(key))) {
    throw new TypeError(`${name}: cannot use ${rt.describe(key)} as a key; keys are strings, numbers, bigints, booleans, null, undefined or shared objects`);
  }
}

function sameKey(stored, key) {
  return stored === key || (stored !== stored && key !== key);
}

// ---------------------------------------------------------------------------------------

function tableOf(m) {
  SF[0] = F64[offsetOf(m) + W_TABLE];
  return SU[0];
}

function capOf(t) {
  return U32[2 * t + 2];
}

/**
 * U32 index of a table's delete count (word 1 hi). A lock-free reader that finds an entry
 * reads it before probing and checks it is unchanged after reading the value: with the key
 * bits alone, a slot that went A -> deleted -> B -> deleted -> A while the reader read the
 * value returned B's value for A (strings are re-stored at the same offset).
 */
function seqIndex(t) {
  return 2 * t + 3;
}

function allocTable(cap) {
  const t = rt.allocObject(2 + 3 * cap, L.TYPE_MAP_TABLE);
  U32[2 * t + 2] = cap;
  U32[2 * t + 3] = 0;
  rt.fillUndefined(t + 2, 3 * cap);
  return t;
}

/**
 * The key bits (lo, hi words of the key slot) of the entry find() or probeStr() returned,
 * as they were when its key was compared. Lock-free readers check them again after reading
 * the value: re-reading them instead let a key deleted and replaced (same hash, same slot)
 * between the compare and the re-read pass as the key looked up, so get(A) returned B's
 * value.
 */
let foundK0 = 0;
let foundK1 = 0;

/** Slot index of the entry for `key` in table t, or -(insertion slot) - 1 if absent. */
function find(t, key, h) {
  const cap = capOf(t);
  const mask = cap - 1;
  let i = h & mask;
  let firstTomb = -1;
  for (let n = 0; n < cap; n++) {
    const e = t + 2 + 3 * i;
    const hv = F64[e];
    if (hv !== hv) {
      // NaN box: undefined (empty) or null (tombstone)
      SF[0] = hv;
      if (SU[1] === L.TAG_UNDEFINED) return -1 - (firstTomb >= 0 ? firstTomb : e);
      if (firstTomb < 0) firstTomb = e;
    } else if (hv === h) {
      const k0 = U32[2 * e + 2];
      const k1 = U32[2 * e + 3];
      // The bits must not change while the key is decoded and compared (a lock-free reader
      // racing a delete and an insert into this slot): then they are the compared key's.
      if (sameKey(rt.readSlot(e + 1), key) && U32[2 * e + 2] === k0 && U32[2 * e + 3] === k1) {
        foundK0 = k0;
        foundK1 = k1;
        return e;
      }
    }
    i = (i + 1) & mask;
  }
  return -1 - firstTomb;
}

const { I32, TID } = rt;

function lock(m) {
  // Uncontended: one CAS here (the map's lock word is word 1 lo, as a Mutex's).
  if (Atomics.compareExchange(I32, 2 * (offsetOf(m) + 1), 0, TID) === 0) return;
  try {
    mutexAcquire(m, -1, 'SharedMap');
  } catch (e) {
    // A thread died inside a map operation: the lock is ours now, and every map update
    // writes the entry before publishing it, so the table is consistent.
    if (!(e instanceof AbandonedMutexError)) throw e;
  }
}

function grow(m, t) {
  const o = offsetOf(m);
  const size = F64[o + W_SIZE];
  const oldCap = capOf(t);
  let cap = MIN_CAP;
  while (cap < (size + 1) * 2) cap *= 2;
  if (cap < oldCap && F64[o + W_TOMBS] === 0) cap = oldCap;
  const nt = allocTable(cap);
  for (let i = 0; i < oldCap; i++) {
    const e = t + 2 + 3 * i;
    const hv = F64[e];
    if (hv === hv) {
      const mask = cap - 1;
      let j = hv & mask;
      while (F64[nt + 2 + 3 * j] === F64[nt + 2 + 3 * j]) j = (j + 1) & mask;
      const d = nt + 2 + 3 * j;
      F64[d + 1] = F64[e + 1];
      F64[d + 2] = F64[e + 2];
      F64[d] = hv;
    }
  }
  F64[o + W_TABLE] = rt.refBits(nt);
  F64[o + W_TOMBS] = 0;
  return nt;
}

/** Inserts (key, value) at the free slot `-1 - r` (r from find); grows first if needed. */
function insertAt(m, t, r, key, h, valueBits, keyBits) {
  const o = offsetOf(m);
  const size = F64[o + W_SIZE];
  const tombs = F64[o + W_TOMBS];
  let e = -1 - r;
  if ((size + tombs + 1) * 2 > capOf(t)) {
    t = grow(m, t);
    e = -1 - find(t, key, h);
  } else {
    SF[0] = F64[e];
    if (SU[1] === L.TAG_NULL) F64[o + W_TOMBS] = tombs - 1;
  }
  F64[e + 1] = keyBits;
  F64[e + 2] = valueBits;
  F64[e] = h;
  F64[o + W_SIZE] = size + 1;
}

/**
 * Stores (key, value) under the map's lock. If the key is present: with `overwrite`
 * replaces the value, else leaves it. Returns the value stored for the key afterwards.
 */
/** Throws if the map was frozen (lib/freeze.js): it takes no more writes, in any thread. */
function checkWritable(m, fn) {
  if (rt.I32[2 * offsetOf(m)] < 0) throw new TypeError(`SharedMap.prototype.${fn}: the map is frozen (shared-structs freeze())`);
}

function put(m, key, value, fn, overwrite) {
  checkMap(m, fn);
  if (rt.I32[2 * offsetOf(m)] < 0) {
    // Frozen: getOrInsert still reads.
    if (!overwrite) {
      checkKey(key);
      const k = canonKey(key);
      const v = lookup(m, k, hashKey(k), true);
      if (v !== MISSING) return v;
    }
    checkWritable(m, fn);
  }
  return putUnchecked(m, key, value, overwrite);
}

/** Whether the last putUnchecked() of this thread inserted its key (SharedSet.addIfAbsent). */
let lastInserted = false;

/** put() on a table object whose type the caller has checked (SharedMap or SharedSet). */
function putUnchecked(m, key, value, overwrite, name = 'SharedMap') {
  lastInserted = false;
  rt.opStart();
  checkKey(key, name);
  key = canonKey(key);
  const h = hashKey(key);
  // Encode outside the lock (may allocate strings); unused bits are just garbage.
  const valueBits = typeof value === 'number' && value === value ? value : rt.encodeValue(value, nobody, 'SharedMap value');
  lock(m);
  try {
    const t = tableOf(m);
    const r = find(t, key, h);
    if (r >= 0) {
      if (!overwrite) return rt.readSlot(r + 2);
      F64[r + 2] = valueBits;
      return value;
    }
    insertAt(m, t, r, key, h, valueBits, rt.encodeValue(key, nobody, `${name} key`));
    lastInserted = true;
    return value;
  } finally {
    unlock(m);
  }
}

function unlock(m) {
  if (Atomics.compareExchange(I32, 2 * (offsetOf(m) + 1), TID, 0) !== TID) mutexRelease(m);
}

const MISSING = Symbol('missing');

const { cachedString } = rt;
const TAG_STRING = L.TAG_STRING;
const TAG_UNDEFINED = L.TAG_UNDEFINED;

const ABSENT = -1;
const UNSURE = -2;

/**
 * Probes table t for string key `key` (hash h) comparing stored keys through this thread's
 * string read cache. Returns the entry's slot index, ABSENT (an empty slot ends the probe),
 * or UNSURE (an entry with this hash whose key is not a string cached in this thread, or
 * no empty slot: the general find() must decide). Tombstones are skipped.
 */
function probeStr(t, key, h) {
  const cap = U32[2 * t + 2];
  const mask = cap - 1;
  let i = h & mask;
  for (let c = 0; c < cap; c++) {
    const e = t + 2 + 3 * i;
    const hv = F64[e];
    if (hv === h) {
      const k0 = U32[2 * e + 2];
      const s = U32[2 * e + 3] === TAG_STRING ? cachedString(k0) : undefined;
      if (s === undefined) return UNSURE;
      if (s === key) {
        foundK0 = k0;
        foundK1 = TAG_STRING;
        return e;
      }
    } else if (hv !== hv && U32[2 * e + 1] === TAG_UNDEFINED) {
      return ABSENT;
    }
    i = (i + 1) & mask;
  }
  return UNSURE;
}

/**
 * lookup() for a string key on a genuine SharedMap, specialised (hash, probeStr, value,
 * the same re-checks as lookup()) so V8 compiles it as a unit. Anything unusual (a table
 * being swapped, a stale table, a key stored by another thread that is not in this
 * thread's cache) goes to lookup().
 */
function lookupStr(m, key, wantValue) {
  const h = hashString(key);
  const ti = 2 * (offsetOf(m) + W_TABLE);
  const t = U32[ti];
  if ((U32[2 * t] & L.TYPE_MASK) === L.TYPE_MAP_TABLE) {
    const seq = U32[seqIndex(t)];
    const e = probeStr(t, key, h);
    if (e === ABSENT) {
      if (U32[ti] === t) return MISSING;
    } else if (e !== UNSURE) {
      const k0 = foundK0;
      const k1 = foundK1;
      let value = true;
      let ok = true;
      if (wantValue) {
        const v = F64[e + 2];
        if (v === v) value = v;
        else {
          try {
            value = rt.decodeTagged(v, e + 2);
          } catch {
            ok = false; // a stale table the collector freed: the slow path retries
          }
        }
      }
      if (ok && F64[e] === h && U32[2 * e + 2] === k0 && U32[2 * e + 3] === k1 && U32[seqIndex(t)] === seq && U32[ti] === t) return value;
    }
  }
  return lookup(m, key, h, wantValue);
}

/**
 * set() for a string key on a genuine SharedMap: put() specialised the same way. The key
 * is only encoded (and its string stored in the heap) when it is inserted.
 */
function setStr(m, key, value) {
  checkWritable(m, 'set');
  const h = hashString(key);
  let valueBits;
  let started = false;
  if (typeof value === 'number' && value === value) {
    valueBits = value;
  } else {
    rt.opStart(); // encoding may allocate (a string, a bigint)
    started = true;
    valueBits = rt.encodeValue(value, nobody, 'SharedMap value');
  }
  const o = offsetOf(m);
  const li = 2 * (o + 1);
  if (Atomics.compareExchange(I32, li, 0, TID) !== 0) lock(m);
  try {
    const t = U32[2 * (o + W_TABLE)];
    // Overwriting an entry whose key this thread has cached is the common case; inserts
    // and anything probeStr is unsure of go through find (which also picks the slot).
    const e = probeStr(t, key, h);
    if (e >= 0) {
      F64[e + 2] = valueBits;
      return;
    }
    const r = find(t, key, h);
    if (r >= 0) {
      F64[r + 2] = valueBits;
    } else {
      if (!started) rt.opStart(); // the key's string and maybe a bigger table are allocated
      insertAt(m, t, r, key, h, valueBits, rt.encodeValue(key, nobody, 'SharedMap key'));
    }
  } finally {
    if (Atomics.compareExchange(I32, li, TID, 0) !== TID) mutexRelease(m);
  }
}

/**
 * Reads without the lock (docs/map.md): entries are published hash-last, values change by
 * single 8-byte stores, and growth or clear() swap the table pointer. So probe the current
 * table, then re-read the pointer atomically: unchanged means the answer was right at some
 * moment during the call. A changed pointer, or a throw (an old table the collector already
 * freed reads as poison), means retry; after a few tries, take the lock.
 */
function lookup(m, key, h, wantValue) {
  const ti = 2 * (offsetOf(m) + W_TABLE);
  for (let attempt = 0; attempt < 3; attempt++) {
    const t = U32[ti];
    // A table freed and reused by something else must not be probed with a garbage length.
    if ((U32[2 * t] & L.TYPE_MASK) !== L.TYPE_MAP_TABLE) continue;
    let result;
    try {
      const seq = U32[seqIndex(t)];
      const r = find(t, key, h);
      if (r < 0) {
        result = MISSING;
      } else {
        // The entry may be deleted and its slot reused for another key while we read it:
        // check its key bits (as find compared them) and its hash again after reading the value.
        const k0 = foundK0;
        const k1 = foundK1;
        result = wantValue ? rt.readSlot(r + 2) : true;
        if (F64[r] !== h || U32[2 * (r + 1)] !== k0 || U32[2 * (r + 1) + 1] !== k1 || U32[seqIndex(t)] !== seq) continue;
      }
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      continue;
    }
    if (U32[ti] === t) return result;
  }
  lock(m);
  try {
    const r = find(tableOf(m), key, h);
    return r < 0 ? MISSING : wantValue ? rt.readSlot(r + 2) : true;
  } finally {
    mutexRelease(m);
  }
}

function snapshot(m, kind) {
  lock(m);
  // Arrays that have held a non-number keep each number's bits (an all-number array stores
  // raw doubles, where V8 canonicalizes NaNs).
  const out = [null];
  out.pop();
  try {
    const t = tableOf(m);
    const cap = capOf(t);
    for (let i = 0; i < cap; i++) {
      const e = t + 2 + 3 * i;
      if (F64[e] === F64[e]) {
        if (kind === 0) out.push(rt.readSlot(e + 1));
        else if (kind === 1) out.push(rt.readSlot(e + 2));
        else {
          const pair = [rt.readSlot(e + 1), null];
          pair[1] = rt.readSlot(e + 2);
          out.push(pair);
        }
      }
    }
  } finally {
    mutexRelease(m);
  }
  return out;
}

/** Removes `key` from table object `m` (a SharedMap or SharedSet); whether it was present. */
function removeKey(m, key) {
  if (!isKeyable(key)) return false;
  key = canonKey(key);
  const h = hashKey(key);
  lock(m);
  try {
    const t = tableOf(m);
    const r = find(t, key, h);
    if (r < 0) return false;
    const o = offsetOf(m);
    const si = seqIndex(t);
    // Straight-line stores, no call until the last one: a worker terminated here can only
    // stop at a call's interrupt check, so it leaves the entry, size and tombstones all
    // updated or none (a call to seqIndex between them let it die with size one too big).
    F64[r] = K_NULL;
    F64[r + 1] = K_UNDEF;
    F64[r + 2] = K_UNDEF;
    F64[o + W_SIZE] -= 1;
    F64[o + W_TOMBS] += 1;
    // After the entry is gone (readers compare it before and after their reads).
    Atomics.add(U32, si, 1);
    return true;
  } finally {
    mutexRelease(m);
  }
}

/** Empties table object `m` (a new empty table replaces the old one). */
function clearTable(m) {
  rt.opStart();
  const nt = allocTable(MIN_CAP);
  lock(m);
  try {
    const o = offsetOf(m);
    F64[o + W_TABLE] = rt.refBits(nt);
    F64[o + W_SIZE] = 0;
    F64[o + W_TOMBS] = 0;
  } finally {
    mutexRelease(m);
  }
}

/** Whether table object `m` holds `key` (lock-free, as SharedMap.has). */
function hasKey(m, key) {
  if (typeof key === 'string') return lookupStr(m, key, false) !== MISSING;
  if (!isKeyable(key)) return false;
  key = canonKey(key);
  return lookup(m, key, hashKey(key), false) !== MISSING;
}

/** Initialises a table object of MAP_WORDS words at `o` (allocated by the caller after opStart). */
function initTable(o) {
  F64[o + 1] = 0;
  F64[o + W_TABLE] = rt.refBits(allocTable(MIN_CAP));
  F64[o + W_SIZE] = 0;
  F64[o + W_TOMBS] = 0;
}

/** Number of entries of table object `m`. */
function sizeOf(m) {
  return F64[offsetOf(m) + W_SIZE];
}

function checkMap(m, fn) {
  if (!SharedMap.isSharedMap(m)) throw new TypeError(`SharedMap.prototype.${fn}: receiver is not a SharedMap`);
}

/**
 * A hash map in the shared heap. Keys: strings, numbers, bigints, booleans, null, undefined
 * and shared objects (by identity), compared with SameValueZero like Map. Values: anything
 * shareable. Every operation is atomic; iteration works on a snapshot.
 */
class SharedMap extends rt.SharedObject {
  // The wrapper's arena (rt.attach keeps it alive), also the brand: only genuine SharedMap
  // wrappers have it (copies and forgeries do not), and checking it is as cheap as a property
  // load.
  #brand;
  constructor(entries) {
    if (entries === INTERNAL) {
      const o = arguments[1];
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    } else {
      rt.opStart();
      const o = rt.allocObject(MAP_WORDS, L.TYPE_MAP);
      initTable(o);
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    }
    if (rt.sealing.on) rt.seal(this);
    if (entries !== undefined && entries !== null && entries !== INTERNAL) {
      if (typeof entries[Symbol.iterator] !== 'function') throw new TypeError(`SharedMap: ${rt.describe(entries)} is not iterable`);
      for (const entry of entries) {
        if (entry === null || (typeof entry !== 'object' && typeof entry !== 'function')) {
          throw new TypeError(`SharedMap: iterator value ${rt.describe(entry)} is not an entry object`);
        }
        this.set(entry[0], entry[1]);
      }
    }
  }

  /** Whether `value` is a SharedMap. */
  static isSharedMap(value) {
    return value !== null && typeof value === 'object' && #brand in value;
  }

  /** Number of entries. */
  get size() {
    checkMap(this, 'size');
    return F64[offsetOf(this) + W_SIZE];
  }

  /** The value for `key`, or undefined. */
  get(key) {
    if (typeof key === 'string' && typeof this === 'object' && this !== null && #brand in this) {
      const r = lookupStr(this, key, true);
      return r === MISSING ? undefined : r;
    }
    checkMap(this, 'get');
    if (!isKeyable(key)) return undefined;
    key = canonKey(key);
    const r = lookup(this, key, hashKey(key), true);
    return r === MISSING ? undefined : r;
  }

  /** Whether `key` is present. */
  has(key) {
    if (typeof key === 'string' && typeof this === 'object' && this !== null && #brand in this) return lookupStr(this, key, false) !== MISSING;
    checkMap(this, 'has');
    return hasKey(this, key);
  }

  /** Sets `key` to `value`; returns the map. */
  set(key, value) {
    if (typeof key === 'string' && typeof this === 'object' && this !== null && #brand in this) setStr(this, key, value);
    else put(this, key, value, 'set', true);
    return this;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key) {
    checkMap(this, 'delete');
    checkWritable(this, 'delete');
    return removeKey(this, key);
  }

  /** Removes every entry. */
  clear() {
    checkMap(this, 'clear');
    checkWritable(this, 'clear');
    clearTable(this);
  }

  /** The value for `key`; if absent, inserts `value` first. Atomic. */
  getOrInsert(key, value) {
    return put(this, key, value, 'getOrInsert', false);
  }

  /**
   * The value for `key`; if absent, computes `fn(key)` (outside the lock, so `fn` may use
   * the map) and inserts it unless another thread inserted first, in which case that
   * value is returned. Every thread sees one value per key.
   */
  getOrInsertComputed(key, fn) {
    checkMap(this, 'getOrInsertComputed');
    if (typeof fn !== 'function') throw new TypeError(`SharedMap.prototype.getOrInsertComputed: callback must be a function, got ${rt.describe(fn)}`);
    checkKey(key);
    key = canonKey(key);
    const h = hashKey(key);
    lock(this);
    try {
      const r = find(tableOf(this), key, h);
      if (r >= 0) return rt.readSlot(r + 2);
    } finally {
      mutexRelease(this);
    }
    return this.getOrInsert(key, fn(key));
  }

  keys() {
    checkMap(this, 'keys');
    return snapshot(this, 0)[Symbol.iterator]();
  }

  values() {
    checkMap(this, 'values');
    return snapshot(this, 1)[Symbol.iterator]();
  }

  entries() {
    checkMap(this, 'entries');
    return snapshot(this, 2)[Symbol.iterator]();
  }

  [Symbol.iterator]() {
    checkMap(this, '[Symbol.iterator]');
    return snapshot(this, 2)[Symbol.iterator]();
  }

  forEach(fn, thisArg) {
    checkMap(this, 'forEach');
    if (typeof fn !== 'function') throw new TypeError('SharedMap.prototype.forEach: callback must be a function');
    for (const [k, v] of snapshot(this, 2)) fn.call(thisArg, v, k, this);
  }

  toJSON() {
    checkMap(this, 'toJSON');
    return toJSONWith(this, () => Object.fromEntries(snapshot(this, 2).map(([k, v]) => [String(k), v])));
  }

  [util.inspect.custom](depth, options, inspect) {
    checkMap(this, 'inspect');
    const entries = snapshot(this, 2);
    return inspectWith(this, `SharedMap(${entries.length})`, depth, options, inspect, () => new Map(entries)).replace(/ Map\(\d+\) /, ' ');
  }
}
Object.defineProperty(SharedMap.prototype, Symbol.toStringTag, { value: 'SharedMap' });

types[L.TYPE_MAP] = {
  id: L.TYPE_MAP,
  key: null,
  fields: Object.freeze([]),
  elements: false,
  C: SharedMap,
  Sub: null,
  make: (off) => new SharedMap(INTERNAL, off),
  displayName: () => 'SharedMap',
};

module.exports = {
  SharedMap,
  hashString,
  // The table, for SharedSet (lib/set.js): same layout (MAP_WORDS words, lock word, table,
  // size, tombstones), same protocols (docs/map.md).
  table: { MAP_WORDS, inserted: () => lastInserted, initTable, putUnchecked, removeKey, clearTable, hasKey, sizeOf, snapshot, checkKey, lock, unlock },
};
