'use strict';
// SharedVector: a growable array in the shared heap (docs/collections.md).
//
// Layout (type TYPE_VECTOR, 4 words): word 1 lo = lock word (the Mutex protocol, as a
// SharedMap's), word 1 hi = structural version (bumped by every change of the length);
// slots: storage (a TYPE_ARRAY whose element count is the capacity), length. Elements at
// and past the length are undefined, so the collector keeps nothing a vector dropped.
// Every operation runs under the lock, except get() of an element that is a number.

const util = require('util');
const L = require('./layout');
const rt = require('./runtime');
const { table } = require('./map');
const { inspectWith, toJSONWith, joinWith } = require('./present');
const { toIntegerOrInfinity, relIndex, toLength } = require('./indices');

const { F64, U32, INTERNAL, types, offsetOf } = rt;
const { lock, unlock } = table;

const W_STORE = 2;
const W_LEN = 3;
const VECTOR_WORDS = 4;
const MIN_CAP = 4;
/** splice/unshift stage more values than this in a vector of their own first. */
const STAGE_AFTER = 1024;
/** Largest length (as a SharedArray's). */
const MAX_LENGTH = 2 ** 32 - 2;
/** Plain arrays that snapshots make stop here (V8's FixedArray limit is a little above). */
const PLAIN_MAX = 2 ** 25;

function nobody(x) {
  return x;
}
function named(where) {
  return where;
}

/**
 * Thrown by a SharedVector iterator whose vector changed length (push, pop, splice, ...:
 * any thread, this one included) since the iteration started. Element writes (set) are not
 * structural: the iterator reads each element as it is when it gets there.
 */
class ConcurrentModificationError extends Error {
  constructor(what = 'SharedVector iterator') {
    super(`${what}: the SharedVector changed length during iteration (a push, pop, splice, shift, unshift, clear or length change by some thread); iterate over a snapshot (vector.toArray()) or hold a lock around the loop and the writers`);
    this.name = 'ConcurrentModificationError';
  }
}

function checkVector(v, fn) {
  if (!SharedVector.isSharedVector(v)) throw new TypeError(`SharedVector.prototype.${fn}: receiver is not a SharedVector`);
}

/** Throws if the vector was frozen (lib/freeze.js: bit 31 of the header): it takes no more writes. */
function checkWritable(v, fn) {
  if (rt.I32[2 * offsetOf(v)] < 0) throw new TypeError(`SharedVector.prototype.${fn}: the vector is frozen (shared-structs freeze())`);
}

function storeOf(o) {
  return U32[2 * (o + W_STORE)];
}

function capOf(t) {
  return U32[2 * t + 2];
}

function bumpVersion(o) {
  const i = 2 * (o + 1) + 1;
  U32[i] = (U32[i] + 1) >>> 0;
}

/** Allocates a storage array of `cap` undefined elements (the caller has started an operation). */
function allocStore(cap) {
  if (cap + 2 > rt.HEAP_WORDS) throw new RangeError(`SharedVector: ${cap} elements do not fit in the shared heap`);
  const t = rt.allocObject(2 + cap, L.TYPE_ARRAY);
  U32[2 * t + 2] = cap;
  U32[2 * t + 3] = 0;
  rt.fillUndefined(t + 2, cap);
  return t;
}

/** The capacity to allocate for `n` elements: the next power of two (at least MIN_CAP). */
function capFor(n) {
  let c = MIN_CAP;
  while (c < n) c *= 2;
  return Math.min(c, Math.max(n, MAX_LENGTH));
}

/**
 * Makes room for `n` elements (under the lock): a bigger storage with the first `len`
 * elements copied, published by one store of the storage slot. Returns the storage.
 */
function reserve(o, len, n) {
  const t = storeOf(o);
  if (n <= capOf(t)) return t;
  if (n > MAX_LENGTH) throw new RangeError(`SharedVector: length ${n} exceeds the maximum ${MAX_LENGTH}`);
  const nt = allocStore(capFor(n));
  for (let k = 0; k < len; k++) F64[nt + 2 + k] = F64[t + 2 + k];
  F64[o + W_STORE] = rt.refBits(nt);
  return nt;
}

/** After shrinking to `len`: a quarter-full storage is replaced by a smaller one. */
function maybeShrink(o, len) {
  const t = storeOf(o);
  const cap = capOf(t);
  if (cap <= 64 || len * 4 > cap) return;
  rt.opStart();
  const nt = allocStore(capFor(len * 2));
  for (let k = 0; k < len; k++) F64[nt + 2 + k] = F64[t + 2 + k];
  F64[o + W_STORE] = rt.refBits(nt);
}

function needFn(fn, name) {
  if (typeof fn !== 'function') throw new TypeError(`SharedVector.prototype.${name}: callback is not a function`);
}

function checkIndex(i, fn) {
  if (typeof i !== 'number') throw new TypeError(`SharedVector.prototype.${fn}: the index must be a number, got ${rt.describe(i)}`);
}

/** Elements [from, to) as a plain array, read under the lock (no callback runs inside). */
function snapshotRange(v, from, to) {
  const o = offsetOf(v);
  lock(v);
  try {
    const len = F64[o + W_LEN];
    const b = Math.min(to, len);
    const a = Math.min(from, b);
    if (b - a > PLAIN_MAX) throw new RangeError(`SharedVector: ${b - a} elements do not fit in a plain array (at most ${PLAIN_MAX}); take ranges with slice(start, end)`);
    // Arrays that have held a non-number keep each number's bits (docs/values.md).
    const out = [null];
    out.pop();
    const t = storeOf(o);
    for (let k = a; k < b; k++) out.push(rt.readSlot(t + 2 + k));
    return out;
  } finally {
    unlock(v);
  }
}

function snapshot(v) {
  return snapshotRange(v, 0, Infinity);
}

/** Encodes `items` into slots of storage `t` from element `at` on (under the lock). */
function storeItems(t, at, items, from, fn) {
  for (let k = from; k < items.length; k++) {
    const x = items[k];
    if (typeof x === 'number' && x === x) {
      F64[t + 2 + at + k - from] = x;
    } else {
      // Each value is stored as soon as it is encoded: the storage roots it, so the young
      // range may be dropped for the next one (a long push would overflow the young pairs).
      rt.opStart();
      F64[t + 2 + at + k - from] = rt.encodeValue(x, named, `SharedVector.prototype.${fn}`);
    }
  }
}

/**
 * Appends `items[from..]` at the end. All or nothing: a value that cannot be shared throws
 * before the length changes (slots written so far are cleared).
 */
function append(v, items, from, fn) {
  const o = offsetOf(v);
  const count = items.length - from;
  rt.opStart();
  lock(v);
  try {
    const len = F64[o + W_LEN];
    const t = reserve(o, len, len + count);
    try {
      storeItems(t, len, items, from, fn);
    } catch (e) {
      rt.fillUndefined(t + 2 + len, count);
      throw e;
    }
    F64[o + W_LEN] = len + count;
    bumpVersion(o);
    return len + count;
  } finally {
    unlock(v);
  }
}

/**
 * Replaces elements [start, start + del) with `items` (under the lock). The result is built
 * in a new storage and published by two stores with no call in between (storage, length):
 * a thread terminated inside leaves the old contents or the new, never a half-moved one.
 * Returns the removed elements as a plain array.
 */
function spliceLocked(v, start, del, items, fn) {
  const o = offsetOf(v);
  // Many values are first stored in a vector of their own (one operation per value, each
  // rooted once stored): one operation's young ranges hold at most 256 TLABs of new
  // strings. Its wrapper keeps it alive until the copy below.
  const staged = items.length > STAGE_AFTER ? new SharedVector(items) : null;
  lock(v);
  try {
    const len = F64[o + W_LEN];
    const a = Math.min(start(len), len);
    const d = Math.min(Math.max(del(len, a), 0), len - a);
    const n = len - d + items.length;
    if (n > MAX_LENGTH) throw new RangeError(`SharedVector.prototype.${fn}: length ${n} exceeds the maximum ${MAX_LENGTH}`);
    if (d > PLAIN_MAX) throw new RangeError(`SharedVector.prototype.${fn}: ${d} removed elements do not fit in a plain array (at most ${PLAIN_MAX})`);
    const t = storeOf(o);
    // The removed elements first (reading may make wrappers, and in rare cases reach program
    // code): from here to the publication below, the values encoded and the new storage
    // are roots only as this operation's young objects.
    const removed = [null];
    removed.pop();
    for (let k = a; k < a + d; k++) removed.push(rt.readSlot(t + 2 + k));
    if (d === 0 && items.length === 0) return removed;
    rt.opStart();
    // Bits, not values: a Float64Array keeps NaN boxes (a plain array would canonicalize them).
    const bits = new Float64Array(items.length);
    if (staged !== null) {
      const st = storeOf(offsetOf(staged));
      for (let k = 0; k < items.length; k++) bits[k] = F64[st + 2 + k];
    } else {
      for (let k = 0; k < items.length; k++) {
        const x = items[k];
        bits[k] = typeof x === 'number' && x === x ? x : rt.encodeValue(x, named, `SharedVector.prototype.${fn}`);
      }
    }
    const nt = allocStore(capFor(n));
    for (let k = 0; k < a; k++) F64[nt + 2 + k] = F64[t + 2 + k];
    for (let k = a + d; k < len; k++) F64[nt + 2 + k - d + items.length] = F64[t + 2 + k];
    for (let k = 0; k < bits.length; k++) F64[nt + 2 + a + k] = bits[k];
    // Publish: no call between these stores.
    F64[o + W_STORE] = rt.refBits(nt);
    F64[o + W_LEN] = n;
    bumpVersion(o);
    if (staged !== null) offsetOf(staged); // alive (a root) until its values are published
    return removed;
  } finally {
    unlock(v);
  }
}

/** Sets the length (under the lock): grows with undefined, or drops the tail. */
function setLength(v, n) {
  const o = offsetOf(v);
  rt.opStart();
  lock(v);
  try {
    const len = F64[o + W_LEN];
    if (n === len) return;
    if (n > len) {
      reserve(o, len, n);
    } else {
      const t = storeOf(o);
      // The length first: a thread terminated in the loop leaves undefined past the length
      // only partly cleared (garbage kept, never visible), not elements missing inside it.
      F64[o + W_LEN] = n;
      rt.fillUndefined(t + 2 + n, len - n);
      maybeShrink(o, n);
    }
    F64[o + W_LEN] = n;
    bumpVersion(o);
  } finally {
    unlock(v);
  }
}

function checkLength(n, fn) {
  if (typeof n !== 'number') throw new TypeError(`SharedVector: ${fn} must be a number, got ${rt.describe(n)}`);
  if (!(n >= 0 && n <= MAX_LENGTH && Math.floor(n) === n)) throw new RangeError(`SharedVector: invalid ${fn} ${n} (an integer from 0 to ${MAX_LENGTH})`);
  return n;
}

/**
 * Iterator over a SharedVector that reads each element under the vector's lock when it gets
 * there, and throws ConcurrentModificationError if the length changed since it started.
 */
class VectorIterator {
  #v;
  #i = 0;
  #version;
  #kind;
  #done = false;
  constructor(v, kind) {
    this.#v = v;
    this.#kind = kind;
    this.#version = U32[2 * (offsetOf(v) + 1) + 1];
  }
  next() {
    if (this.#done) return { value: undefined, done: true };
    const v = this.#v;
    const o = offsetOf(v);
    const i = this.#i;
    let value;
    lock(v);
    try {
      if (U32[2 * (o + 1) + 1] !== this.#version) {
        this.#done = true;
        throw new ConcurrentModificationError('SharedVector iterator');
      }
      if (i >= F64[o + W_LEN]) {
        this.#done = true;
        return { value: undefined, done: true };
      }
      if (this.#kind !== 1) value = rt.readSlot(storeOf(o) + 2 + i);
    } finally {
      unlock(v);
    }
    this.#i = i + 1;
    if (this.#kind === 0) return { value, done: false };
    if (this.#kind === 1) return { value: i, done: false };
    const pair = [i, null];
    pair[1] = value;
    return { value: pair, done: false };
  }
  return(value) {
    this.#done = true;
    return { value, done: true };
  }
  [Symbol.iterator]() {
    return this;
  }
}
Object.defineProperty(VectorIterator.prototype, Symbol.toStringTag, { value: 'SharedVector Iterator' });

/**
 * A growable array in the shared heap. Every operation is atomic (the vector's lock);
 * callback methods (forEach, map, filter, ...) run on a snapshot taken under the lock;
 * iterators throw ConcurrentModificationError if the length changes while they run.
 */
class SharedVector extends rt.SharedObject {
  #brand;
  constructor(items) {
    if (items === INTERNAL) {
      const o = arguments[1];
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    } else {
      let values = null;
      if (items !== undefined && items !== null) {
        if (typeof items[Symbol.iterator] !== 'function' || typeof items === 'string') throw new TypeError(`SharedVector: ${rt.describe(items)} is not an iterable of values`);
        values = Array.from(items);
      }
      rt.opStart();
      const o = rt.allocObject(VECTOR_WORDS, L.TYPE_VECTOR);
      F64[o + 1] = 0;
      F64[o + W_STORE] = rt.refBits(allocStore(MIN_CAP));
      F64[o + W_LEN] = 0;
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
      if (values !== null && values.length > 0) append(this, values, 0, 'constructor');
    }
    if (rt.sealing.on) rt.seal(this);
  }

  /** Whether `value` is a SharedVector. */
  static isSharedVector(value) {
    return value !== null && typeof value === 'object' && #brand in value;
  }

  /** A new SharedVector of the items of an iterable or array-like (optionally mapped). */
  static from(items, mapFn, thisArg) {
    if (items == null) throw new TypeError('SharedVector.from: items is null or undefined');
    if (mapFn !== undefined && typeof mapFn !== 'function') throw new TypeError('SharedVector.from: mapFn is not a function');
    if (typeof Object(items)[Symbol.iterator] !== 'function') {
      // An array-like: the vector is made at its length before anything is copied (a plain
      // copy of `{ length: 1e9 }` made V8 abort the process); a length that does not fit is
      // setLength's RangeError.
      const src = Object(items);
      const n = toLength(src.length);
      const v = new SharedVector();
      v.length = Math.min(n, MAX_LENGTH + 1);
      for (let i = 0; i < n; i++) v.set(i, mapFn !== undefined ? Reflect.apply(mapFn, thisArg, [src[i], i]) : src[i]);
      return v;
    }
    const arr = Array.from(items, mapFn, thisArg);
    return new SharedVector(arr);
  }

  /** A new SharedVector of the arguments. */
  static of(...items) {
    return new SharedVector(items);
  }

  /** Number of elements. Setting it grows the vector with undefined or drops the tail. */
  get length() {
    checkVector(this, 'length');
    return F64[offsetOf(this) + W_LEN];
  }

  set length(n) {
    checkVector(this, 'length');
    checkWritable(this, 'length');
    setLength(this, checkLength(n, 'length'));
  }

  /** Elements this vector can hold before its storage grows. */
  get capacity() {
    checkVector(this, 'capacity');
    return capOf(storeOf(offsetOf(this)));
  }

  /** Element `i`, or undefined when out of range; TypeError when `i` is not a number. */
  get(i) {
    checkVector(this, 'get');
    if (typeof i !== 'number') checkIndex(i, 'get');
    const o = offsetOf(this);
    // Numbers without the lock: the storage is read twice around the element with no call
    // in between (so no collection), and the element was its value at that moment.
    const t = storeOf(o);
    if (i >= 0 && i < F64[o + W_LEN] && Math.floor(i) === i) {
      const x = F64[t + 2 + i];
      if (x === x && storeOf(o) === t) return x;
    } else {
      return undefined;
    }
    lock(this);
    try {
      return i < F64[o + W_LEN] ? rt.readSlot(storeOf(o) + 2 + i) : undefined;
    } finally {
      unlock(this);
    }
  }

  /** Writes element `i` (0 <= i < length; i === length appends); RangeError otherwise. */
  set(i, value) {
    checkVector(this, 'set');
    checkWritable(this, 'set');
    checkIndex(i, 'set');
    const o = offsetOf(this);
    rt.opStart();
    const bits = typeof value === 'number' && value === value ? value : rt.encodeValue(value, named, 'SharedVector.prototype.set');
    lock(this);
    try {
      const len = F64[o + W_LEN];
      if (!(i >= 0 && i <= len && Math.floor(i) === i)) throw new RangeError(`SharedVector.prototype.set: index ${i} is out of range (length ${len})`);
      if (i === len) {
        const t = reserve(o, len, len + 1);
        F64[t + 2 + i] = bits;
        F64[o + W_LEN] = len + 1;
        bumpVersion(o);
      } else {
        F64[storeOf(o) + 2 + i] = bits;
      }
      return this;
    } finally {
      unlock(this);
    }
  }

  /** Appends the values; returns the new length. */
  push(...items) {
    checkVector(this, 'push');
    checkWritable(this, 'push');
    return append(this, items, 0, 'push');
  }

  /** Removes and returns the last element (undefined if empty). */
  pop() {
    checkVector(this, 'pop');
    checkWritable(this, 'pop');
    const o = offsetOf(this);
    lock(this);
    try {
      const len = F64[o + W_LEN];
      if (len === 0) return undefined;
      const t = storeOf(o);
      const value = rt.readSlot(t + 2 + len - 1);
      F64[o + W_LEN] = len - 1;
      F64[t + 2 + len - 1] = rt.K[rt.K_UNDEFINED];
      bumpVersion(o);
      maybeShrink(o, len - 1);
      return value;
    } finally {
      unlock(this);
    }
  }

  /** Removes and returns the first element (undefined if empty). O(length). */
  shift() {
    checkVector(this, 'shift');
    checkWritable(this, 'shift');
    const r = spliceLocked(this, () => 0, () => 1, [], 'shift');
    return r.length === 0 ? undefined : r[0];
  }

  /** Inserts the values at the front; returns the new length. O(length). */
  unshift(...items) {
    checkVector(this, 'unshift');
    checkWritable(this, 'unshift');
    spliceLocked(this, () => 0, () => 0, items, 'unshift');
    return F64[offsetOf(this) + W_LEN];
  }

  /**
   * Removes `deleteCount` elements from `start` (negative: from the end) and inserts
   * `items` there; returns the removed elements as a plain array. Atomic.
   */
  splice(start, deleteCount, ...items) {
    checkVector(this, 'splice');
    checkWritable(this, 'splice');
    const argc = arguments.length;
    return spliceLocked(
      this,
      (len) => relIndex(start === undefined ? 0 : start, len, 0),
      (len, a) => (argc === 0 ? 0 : argc === 1 ? len - a : toIntegerOrInfinity(deleteCount)),
      items,
      'splice',
    );
  }

  /** Removes every element. */
  clear() {
    checkVector(this, 'clear');
    checkWritable(this, 'clear');
    setLength(this, 0);
  }

  /** Element at `index`, counting from the end when negative. */
  at(index) {
    checkVector(this, 'at');
    const o = offsetOf(this);
    lock(this);
    try {
      const n = F64[o + W_LEN];
      let i = toIntegerOrInfinity(index);
      if (i < 0) i += n;
      return i >= 0 && i < n ? rt.readSlot(storeOf(o) + 2 + i) : undefined;
    } finally {
      unlock(this);
    }
  }

  indexOf(value, fromIndex) {
    checkVector(this, 'indexOf');
    const a = snapshot(this);
    return a.indexOf(value, fromIndex);
  }

  lastIndexOf(value, ...rest) {
    checkVector(this, 'lastIndexOf');
    const a = snapshot(this);
    return rest.length === 0 ? a.lastIndexOf(value) : a.lastIndexOf(value, rest[0]);
  }

  includes(value, fromIndex) {
    checkVector(this, 'includes');
    return snapshot(this).includes(value, fromIndex);
  }

  find(fn, thisArg) {
    needFn(fn, 'find');
    checkVector(this, 'find');
    const a = snapshot(this);
    for (let i = 0; i < a.length; i++) if (fn.call(thisArg, a[i], i, this)) return a[i];
    return undefined;
  }

  findIndex(fn, thisArg) {
    needFn(fn, 'findIndex');
    checkVector(this, 'findIndex');
    const a = snapshot(this);
    for (let i = 0; i < a.length; i++) if (fn.call(thisArg, a[i], i, this)) return i;
    return -1;
  }

  findLast(fn, thisArg) {
    needFn(fn, 'findLast');
    checkVector(this, 'findLast');
    const a = snapshot(this);
    for (let i = a.length - 1; i >= 0; i--) if (fn.call(thisArg, a[i], i, this)) return a[i];
    return undefined;
  }

  findLastIndex(fn, thisArg) {
    needFn(fn, 'findLastIndex');
    checkVector(this, 'findLastIndex');
    const a = snapshot(this);
    for (let i = a.length - 1; i >= 0; i--) if (fn.call(thisArg, a[i], i, this)) return i;
    return -1;
  }

  forEach(fn, thisArg) {
    needFn(fn, 'forEach');
    checkVector(this, 'forEach');
    const a = snapshot(this);
    for (let i = 0; i < a.length; i++) fn.call(thisArg, a[i], i, this);
  }

  some(fn, thisArg) {
    needFn(fn, 'some');
    checkVector(this, 'some');
    const a = snapshot(this);
    for (let i = 0; i < a.length; i++) if (fn.call(thisArg, a[i], i, this)) return true;
    return false;
  }

  every(fn, thisArg) {
    needFn(fn, 'every');
    checkVector(this, 'every');
    const a = snapshot(this);
    for (let i = 0; i < a.length; i++) if (!fn.call(thisArg, a[i], i, this)) return false;
    return true;
  }

  /** Maps a snapshot into a plain JS array. */
  map(fn, thisArg) {
    needFn(fn, 'map');
    checkVector(this, 'map');
    const a = snapshot(this);
    const out = [null];
    out.pop();
    for (let i = 0; i < a.length; i++) out.push(fn.call(thisArg, a[i], i, this));
    return out;
  }

  /** Filters a snapshot into a plain JS array. */
  filter(fn, thisArg) {
    needFn(fn, 'filter');
    checkVector(this, 'filter');
    const a = snapshot(this);
    const out = [null];
    out.pop();
    for (let i = 0; i < a.length; i++) if (fn.call(thisArg, a[i], i, this)) out.push(a[i]);
    return out;
  }

  reduce(fn, ...init) {
    needFn(fn, 'reduce');
    checkVector(this, 'reduce');
    const a = snapshot(this);
    let i = 0;
    let acc;
    if (init.length) acc = init[0];
    else if (a.length === 0) throw new TypeError('SharedVector.prototype.reduce: empty vector with no initial value');
    else acc = a[i++];
    for (; i < a.length; i++) acc = fn(acc, a[i], i, this);
    return acc;
  }

  reduceRight(fn, ...init) {
    needFn(fn, 'reduceRight');
    checkVector(this, 'reduceRight');
    const a = snapshot(this);
    let i = a.length - 1;
    let acc;
    if (init.length) acc = init[0];
    else if (a.length === 0) throw new TypeError('SharedVector.prototype.reduceRight: empty vector with no initial value');
    else acc = a[i--];
    for (; i >= 0; i--) acc = fn(acc, a[i], i, this);
    return acc;
  }

  join(separator) {
    checkVector(this, 'join');
    const sep = separator === undefined ? ',' : String(separator);
    return joinWith(this, () => snapshot(this).map((x) => (x === undefined || x === null ? '' : String(x))).join(sep));
  }

  /** A plain JS array of elements [start, end) (one snapshot). */
  slice(start, end) {
    checkVector(this, 'slice');
    const o = offsetOf(this);
    // The bounds are taken against the length read under the lock in snapshotRange.
    if (start === undefined && end === undefined) return snapshot(this);
    const len = F64[o + W_LEN];
    const a = relIndex(start, len, 0);
    const b = relIndex(end, len, len);
    return b > a ? snapshotRange(this, a, b) : [];
  }

  /** A plain JS array of all elements (one snapshot). */
  toArray() {
    checkVector(this, 'toArray');
    return snapshot(this);
  }

  keys() {
    checkVector(this, 'keys');
    return new VectorIterator(this, 1);
  }

  values() {
    checkVector(this, 'values');
    return new VectorIterator(this, 0);
  }

  entries() {
    checkVector(this, 'entries');
    return new VectorIterator(this, 2);
  }

  [Symbol.iterator]() {
    checkVector(this, 'iterator');
    return new VectorIterator(this, 0);
  }

  toString() {
    checkVector(this, 'toString');
    return this.join(',');
  }

  toJSON() {
    checkVector(this, 'toJSON');
    return toJSONWith(this, () => snapshot(this));
  }

  [util.inspect.custom](depth, options, inspect) {
    checkVector(this, 'inspect');
    const max = options && typeof options.maxArrayLength === 'number' ? options.maxArrayLength : 100;
    const n = this.length;
    const items = snapshotRange(this, 0, Math.max(0, Math.min(max, PLAIN_MAX)));
    return inspectWith(this, `SharedVector(${n})`, depth, options, inspect, () => {
      if (n > items.length) items.length = n;
      return items;
    });
  }
}
Object.defineProperty(SharedVector.prototype, Symbol.toStringTag, { value: 'SharedVector' });

types[L.TYPE_VECTOR] = {
  id: L.TYPE_VECTOR,
  key: null,
  fields: Object.freeze([]),
  elements: false,
  C: SharedVector,
  Sub: null,
  make: (off) => new SharedVector(INTERNAL, off),
  displayName: () => 'SharedVector',
};

module.exports = { SharedVector, ConcurrentModificationError, nobody };
