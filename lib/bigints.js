'use strict';
// BigInts: header, word 1 = (limb count, sign), then little-endian 64-bit limbs of |v|.
// docs/values.md, "BigInts".

const L = require('./layout');
const { U32, BU64 } = require('./heap');
const { allocObject } = require('./alloc');

// Builtins taken at load (run while a new bigint is rooted only by the young range).
const ReflectApply = Reflect.apply;
const BigIntOf = BigInt;
const BigUint64ArrayOf = BigUint64Array;
const padStart = String.prototype.padStart;
const bigIntToString = BigInt.prototype.toString;

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

module.exports = { allocBigInt, readBigInt };
