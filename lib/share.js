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

function checkToken(token, fn) {
  if (token === null || typeof token !== 'object' || token[BRAND] !== 1) {
    throw new TypeError(`${fn}(): expected a token returned by share(), got ${rt.describe(token)}`);
  }
}

/** Returns the shared value a token stands for, in this thread. */
function open(token) {
  checkToken(token, 'open');
  if ('value' in token) {
    if (!rt.canBeShared(token.value) || rt.isWrapper(token.value)) throw new TypeError('open(): malformed token');
    return token.value;
  }
  if ('nan' in token) {
    const b = token.nan;
    if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => x >>> 0 === x)) throw new TypeError('open(): malformed token');
    rt.SU[0] = b[0];
    rt.SU[1] = b[1];
    const v = rt.SF[0];
    if (v === v) throw new TypeError('open(): malformed token');
    return v;
  }
  const { id, nonce } = token;
  if (typeof id !== 'number' || typeof nonce !== 'number') throw new TypeError('open(): malformed token');
  // Rust records the object as young for this operation before unpinning it, so it stays a
  // root until its wrapper is in this thread's identity table.
  rt.opStart();
  return rt.wrap(native.openToken(id, nonce, rt.TID));
}

/** Drops a token that will never be opened, unpinning its object. Returns whether it was known. */
function release(token) {
  checkToken(token, 'release');
  if ('value' in token || 'nan' in token) return false;
  return native.releaseToken(Number(token.id), Number(token.nonce));
}

/** Whether `value` looks like a token from share(). */
function isToken(value) {
  return value !== null && typeof value === 'object' && value[BRAND] === 1;
}

module.exports = { share, open, release, isToken };
