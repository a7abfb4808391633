'use strict';
// freeze(obj) / freeze(root, { deep: true }): a shared object, or every shared object reachable
// from it, becomes immutable in every thread (docs/layout.md, "Frozen objects").
//
// Freezing sets bit 31 of the object's header (layout.rs FROZEN), with an atomic OR; every
// write path (generated setters, element set, bulk views and cursors, atomics, SharedMap)
// tests that bit (a negative Int32) before writing and throws a TypeError, once the
// process-wide gate CTL_ANY_FROZEN is set (the first freeze sets it, before any bit). The deep form runs
// in Rust while no collection runs (src/core/freeze.rs), so every object it reaches is alive.

const native = require('./native');
const rt = require('./runtime');
const L = require('./layout');

const LOCKS = new Set([L.TYPE_MUTEX, L.TYPE_CONDITION, L.TYPE_SHARED_MUTEX]);

/**
 * Makes `value` (a shared object) immutable in every thread: every later write or atomic on
 * it throws a TypeError. With `{ deep: true }`, every shared object reachable from it too
 * (locks are left as they are). Primitives are returned as they are. Returns `value`.
 */
function freeze(value, options) {
  const deep = options !== undefined && options !== null && options.deep === true;
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(`freeze: options must be an object, got ${rt.describe(options)}`);
  const off = rt.offsetOf(value);
  if (off < 0) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return value;
    throw new TypeError(`freeze: expected a shared object, got ${rt.describe(value)}`);
  }
  const type = rt.U32[2 * off] & L.TYPE_MASK;
  if (LOCKS.has(type)) {
    if (deep) return value;
    throw new TypeError(`freeze: ${rt.describe(value)} is a lock; locks cannot be frozen`);
  }
  if (deep) {
    native.freezeGraph(rt.TID, off);
  } else {
    // First the process-wide gate (write paths test headers only once it is set), then the bit.
    Atomics.store(rt.U32, L.CTL_ANY_FROZEN, 1);
    Atomics.or(rt.I32, 2 * off, L.FROZEN | 0);
  }
  return value;
}

/** Whether `value` is a frozen shared object. */
function isFrozen(value) {
  const off = rt.offsetOf(value);
  return off >= 0 && rt.I32[2 * off] < 0;
}

module.exports = { freeze, isFrozen };
