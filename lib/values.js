'use strict';
// Value encoding: a slot holds a double, or a NaN-boxed tag whose low word is an offset or a
// payload (docs/values.md). Reads decode through the read caches (lib/identity.js for
// references, lib/strings.js for strings); writes encode, allocating strings, bigints and
// boxed NaNs in an operation (lib/operation.js). Also the checks and descriptions of values
// that error messages use.

const L = require('./layout');
const { F64, U32, SF, SU, K, K_UNDEFINED, K_NULL, K_FALSE, K_TRUE } = require('./heap');
const { C_INFLIGHT } = require('./thread');
const { types } = require('./types');
const { wrap, heldWrapper, brandOffset, offsetOf } = require('./identity');
const { allocObject } = require('./alloc');
const { stringOffset, readString, cachedString, rememberedOffset } = require('./strings');
const { allocBigInt, readBigInt } = require('./bigints');
const { opStart } = require('./operation');

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
    const w = heldWrapper(lo);
    if (w !== undefined) return w;
  } else if (hi === TAG_STRING) {
    const s = cachedString(lo);
    if (s !== undefined) return s;
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
      const off = rememberedOffset(value);
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

module.exports = {
  decodeTagged,
  readSlot,
  writeSlot,
  encodeValue,
  refBits,
  describe,
  canBeShared,
  isWrapper,
  typeIdOf,
  receiverOffset,
};
