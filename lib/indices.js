'use strict';
// The ECMAScript index conversions the element methods of SharedArray, elements structs and
// SharedVector share (ToIntegerOrInfinity, relative indices as slice/at/fill take them, and
// an array-like's ToLength).

/** ToIntegerOrInfinity: NaN is 0, the rest truncated (infinities stay). */
function toIntegerOrInfinity(v) {
  const n = Math.trunc(+v);
  return n !== n ? 0 : n;
}

/** A relative index into [0, len] (negative from the end), `dflt` when undefined. */
function relIndex(v, len, dflt) {
  if (v === undefined) return dflt;
  const n = toIntegerOrInfinity(v);
  return n < 0 ? Math.max(len + n, 0) : Math.min(n, len);
}

/** ToLength of an array-like's `length` (a non-negative integer, at most 2^53 - 1). */
function toLength(v) {
  const n = toIntegerOrInfinity(v);
  return n <= 0 ? 0 : Math.min(n, Number.MAX_SAFE_INTEGER);
}

module.exports = { toIntegerOrInfinity, relIndex, toLength };
