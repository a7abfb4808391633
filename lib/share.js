'use strict';
// share(value) -> token; open(token) -> value. See docs/tokens.md for the token lifetime.

const native = require('./native');
const rt = require('./runtime');

const BRAND = 'shared-structs/token';
// A NaN's bits go through the runtime's scratch view (rt.SF / rt.SU): an array literal,
// `new Float64Array([v])`, quiets a signalling NaN.

/**
 * Returns a token for `value` that survives structured cloning (`workerData`,
 * `postMessage`). Shared objects are pinned until the token is first opened.
 */
function share(value) {
  if (rt.isWrapper(value)) {
    const off = rt.offsetOf(value);
    const { id, nonce } = native.shareObject(off, rt.U32[2 * off + 1]);
    return { [BRAND]: 1, id, nonce };
  }
  if (!rt.canBeShared(value)) {
    throw new TypeError(`share(): cannot share ${rt.describe(value)}; only primitives and shared objects can be shared`);
  }
  if (value !== value) {
    // Structured cloning canonicalizes NaN: carry its bits (payload, sign and the
    // signalling bit) instead.
    rt.SF[0] = value;
    return { [BRAND]: 1, nan: [rt.SU[0], rt.SU[1]] };
  }
  return { [BRAND]: 1, value };
}

/**
 * The fields of `token`, each read once: a getter or Proxy trap runs once (so a token cannot
 * pass the checks with one value and be used with another), and one that throws is a
 * TypeError naming the call.
 */
function readToken(token, fn) {
  let t = null;
  try {
    if (token !== null && typeof token === 'object' && token[BRAND] === 1) {
      const hasValue = 'value' in token;
      const hasNan = !hasValue && 'nan' in token;
      t = { hasValue, value: hasValue ? token.value : undefined, hasNan, nan: hasNan ? token.nan : undefined, id: token.id, nonce: token.nonce };
      if (hasNan && Array.isArray(t.nan)) t.nan = { length: t.nan.length, lo: t.nan[0], hi: t.nan[1] };
    }
  } catch (e) {
    throw new TypeError(`${fn}(): reading the token threw (${e instanceof Error ? e.message : 'a non-Error value'}); expected a token returned by share()`);
  }
  if (t === null) throw new TypeError(`${fn}(): expected a token returned by share(), got ${rt.describe(token)}`);
  return t;
}

/** Returns the shared value a token stands for, in this thread. */
function open(token) {
  const t = readToken(token, 'open');
  if (t.hasValue) {
    if (!rt.canBeShared(t.value) || rt.isWrapper(t.value)) throw new TypeError('open(): malformed token');
    return t.value;
  }
  if (t.hasNan) {
    const b = t.nan;
    if (b === undefined || b.length !== 2 || b.lo >>> 0 !== b.lo || b.hi >>> 0 !== b.hi) throw new TypeError('open(): malformed token');
    rt.SU[0] = b.lo;
    rt.SU[1] = b.hi;
    const v = rt.SF[0];
    if (v === v) throw new TypeError('open(): malformed token');
    return v;
  }
  const { id, nonce } = t;
  if (typeof id !== 'number' || typeof nonce !== 'number') throw new TypeError('open(): malformed token');
  // Rust records the object as young for this operation before unpinning it, so it stays a
  // root until its wrapper is in this thread's identity table.
  rt.opStart();
  return rt.wrap(native.openToken(id, nonce, rt.TID));
}

/** Drops a token that will never be opened, unpinning its object. Returns whether it was known. */
function release(token) {
  const t = readToken(token, 'release');
  if (t.hasValue || t.hasNan) return false;
  if (typeof t.id !== 'number' || typeof t.nonce !== 'number') return false;
  return native.releaseToken(t.id, t.nonce);
}

/** Whether `value` looks like a token from share() (false for an object whose getters throw). */
function isToken(value) {
  try {
    return value !== null && typeof value === 'object' && value[BRAND] === 1;
  } catch {
    return false;
  }
}

module.exports = { share, open, release, isToken };
