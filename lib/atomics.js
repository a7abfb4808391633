'use strict';
// Atomic operations on struct fields and element slots. A slot is one 8-byte word, so
// every operation is a 64-bit Atomics op on a BigInt64Array view of the same memory.
// compareExchange compares like === (decoded values), as V8's Atomics on shared structs.

const rt = require('./runtime');
const { entryOf } = require('./structs');
const { entry } = require('./types');

const { BI64, OFF } = rt;
const SB = new BigInt64Array(rt.SF.buffer);
const { TAG_REF, TAG_STRING, TAG_BIGINT, TAG_DOUBLE } = require('./layout');

/** decodeExact's answer when the slot no longer holds the bits (the caller retries). */
const RETRY = Symbol('retry');

/**
 * The value `bits` (read from slot `i`) encode, never the slot's newer value: a
 * compare-and-swap must compare, or compute from, exactly the bits it will swap out. An
 * object it names is pinned in-flight, then the slot is checked to still hold the bits (so
 * the object was reachable when pinned); RETRY if not. decodeBits(bits, i) instead decoded
 * the slot's current value on a cache miss, so a slot that went A -> B -> A let
 * compareExchange(t, 'f', 'B', 'C') replace an 'A' (and add overwrite a string).
 */
function decodeExact(bits, i) {
  SB[0] = bits;
  const v = rt.SF[0];
  if (v === v) return v;
  const hi = rt.SU[1];
  if (hi === TAG_REF || hi === TAG_STRING || hi === TAG_BIGINT || hi === TAG_DOUBLE) {
    rt.U32[rt.C_INFLIGHT] = rt.SU[0];
    if (Atomics.load(BI64, i) !== bits) {
      rt.U32[rt.C_INFLIGHT] = 0;
      return RETRY;
    }
    const r = rt.decodeTagged(v, -1);
    rt.U32[rt.C_INFLIGHT] = 0;
    return r;
  }
  return rt.decodeTagged(v, -1);
}

/** Decodes slot bits read from slot `i` (-1: the caller made any reference in-flight). */
function decodeBits(bits, i) {
  SB[0] = bits;
  const v = rt.SF[0];
  return v === v ? v : rt.decodeTagged(v, i);
}

function bitsOf(d) {
  rt.SF[0] = d;
  return SB[0];
}

function where(x) {
  return x;
}

/**
 * Word index of `obj[key]` (a field name, or an element index of an element type). With
 * `lengthOk`, `'length'` of an element type gives -1 - length instead (atomics.load).
 */
function slotIndex(obj, key, fn, lengthOk) {
  const id = rt.typeIdOf(obj);
  if (id < 0) throw new TypeError(`atomics.${fn}: expected a shared struct or SharedArray, got ${rt.describe(obj)}`);
  const e = entry(id);
  if (!e.slotOf) throw new TypeError(`atomics.${fn}: ${e.displayName()} has no fields`);
  const off = rt.offsetOf(obj);
  // Every operation but load writes: a frozen object (lib/freeze.js) refuses them.
  if (fn !== 'load' && rt.I32[2 * off] < 0) throw new TypeError(`atomics.${fn}: cannot write to a frozen shared object (shared-structs freeze())`);
  if (typeof key === 'number' && e.elementsStart < 0 && e.slotOf.has(String(key))) {
    // A struct without elements whose field is named like an integer: o[0] is field "0".
    key = String(key);
  } else if (typeof key === 'number') {
    if (e.elementsStart < 0) throw new TypeError(`atomics.${fn}: ${e.displayName()} has no elements (index ${key})`);
    // The length word in the heap, not obj.length (a subclass can override that getter).
    const len = rt.U32[2 * off + 2];
    if (!(key >>> 0 === key && key < len)) throw new RangeError(`atomics.${fn}: index ${key} is out of range for ${e.displayName()} of length ${len}`);
    return off + e.elementsStart + key;
  }
  const k = e.slotOf.get(key);
  if (k === undefined && key === 'length' && e.elementsStart >= 0) {
    // As V8's Atomics.load(sharedArray, 'length'); the length word in the heap, as above.
    if (lengthOk) return -1 - rt.U32[2 * off + 2];
    throw new TypeError(`atomics.${fn}: the length of ${e.displayName()} is read-only`);
  }
  if (k === undefined) throw new TypeError(`atomics.${fn}: ${e.displayName()} has no field ${typeof key === 'string' ? JSON.stringify(key) : String(key)}`);
  return off + k;
}

function label(obj, key) {
  const e = entryOf(obj);
  return typeof key === 'number' ? `${e.displayName()}[${key}]` : `${e.displayName()}.${key}`;
}

function rmw(fn, op) {
  return function (obj, key, operand) {
    const i = slotIndex(obj, key, fn);
    if (typeof operand !== 'number') throw new TypeError(`atomics.${fn}: operand must be a number, got ${rt.describe(operand)}`);
    for (;;) {
      const oldBits = Atomics.load(BI64, i);
      const old = decodeExact(oldBits, i);
      if (old === RETRY) continue;
      if (typeof old !== 'number') throw new TypeError(`atomics.${fn}: ${label(obj, key)} holds ${rt.describe(old)}, not a number`);
      const next = op(old, operand);
      if (Atomics.compareExchange(BI64, i, oldBits, bitsOf(next === next ? next : NaN)) === oldBits) return old;
    }
  };
}

/** Atomic operations on fields (`atomics.add(s, 'count', 1)`) and elements (`atomics.add(arr, 3, 1)`). */
const atomics = Object.freeze({
  /** Reads the field or element atomically; `'length'` of an array or elements struct is its (fixed) length, as V8's Atomics.load. */
  load(obj, key) {
    const i = slotIndex(obj, key, 'load', true);
    if (i < 0) return -1 - i;
    return decodeBits(Atomics.load(BI64, i), i);
  },
  /** Writes the field or element atomically; returns the value written. */
  store(obj, key, value) {
    const i = slotIndex(obj, key, 'store');
    rt.opStart();
    Atomics.store(BI64, i, bitsOf(rt.encodeValue(value, where, label(obj, key))));
    return value;
  },
  /** Writes the field or element; returns the previous value. */
  exchange(obj, key, value) {
    const i = slotIndex(obj, key, 'exchange');
    rt.opStart();
    const old = Atomics.exchange(BI64, i, bitsOf(rt.encodeValue(value, where, label(obj, key))));
    // The old value left the slot: pin a reference, string or bigint in-flight before
    // anything else runs (no call, hence no safepoint, since the exchange).
    SB[0] = old;
    const hi = rt.SU[1];
    if (hi === TAG_REF || hi === TAG_STRING || hi === TAG_BIGINT) rt.U32[rt.C_INFLIGHT] = rt.SU[0];
    const r = decodeBits(old, -1);
    rt.U32[rt.C_INFLIGHT] = 0;
    return r;
  },
  /** Writes `replacement` if the current value === `expected`; returns the value seen. */
  compareExchange(obj, key, expected, replacement) {
    const i = slotIndex(obj, key, 'compareExchange');
    rt.opStart();
    const newBits = bitsOf(rt.encodeValue(replacement, where, label(obj, key)));
    for (;;) {
      const oldBits = Atomics.load(BI64, i);
      const old = decodeExact(oldBits, i);
      if (old === RETRY) continue;
      if (old !== expected) return old;
      if (Atomics.compareExchange(BI64, i, oldBits, newBits) === oldBits) return old;
    }
  },
  /** Adds to a number field; returns the previous value. */
  add: rmw('add', (a, b) => a + b),
  /** Subtracts from a number field; returns the previous value. */
  sub: rmw('sub', (a, b) => a - b),
  /** Bitwise AND on the int32 values; returns the previous value. */
  and: rmw('and', (a, b) => a & b),
  /** Bitwise OR on the int32 values; returns the previous value. */
  or: rmw('or', (a, b) => a | b),
  /** Bitwise XOR on the int32 values; returns the previous value. */
  xor: rmw('xor', (a, b) => a ^ b),
  /** A spin-wait hint for hand-written spin loops (Node 20 has no Atomics.pause): waits about `n` short steps. */
  pause(n) {
    // As the TC39 Atomics.pause: undefined or an integral number, else TypeError.
    if (n !== undefined && !Number.isInteger(n)) throw new TypeError(`atomics.pause: the iteration count must be an integer or undefined, got ${rt.describe(n)}`);
    const steps = n !== undefined && n > 0 ? Math.min(n, 1e6) * 8 : 8;
    let x = 0;
    for (let k = 0; k < steps; k++) x += Atomics.load(rt.I32, 0) & 1;
    return x === -1 ? undefined : undefined;
  },
});

module.exports = { atomics };
