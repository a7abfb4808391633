'use strict';
// SharedSet: a set in the shared heap. It is a SharedMap's table (lib/map.js) whose values
// are unused: the same layout (type TYPE_SET), hashing, lock-free has(), locked writes and
// snapshot iteration (docs/map.md, docs/collections.md).

const util = require('util');
const L = require('./layout');
const rt = require('./runtime');
const { table } = require('./map');
const { inspectWith, toJSONWith } = require('./present');

const { INTERNAL, types } = rt;

function checkSet(s, fn) {
  if (!SharedSet.isSharedSet(s)) throw new TypeError(`SharedSet.prototype.${fn}: receiver is not a SharedSet`);
}

/** Throws if the set was frozen (lib/freeze.js: bit 31 of the header): it takes no more writes. */
function checkWritable(s, fn) {
  if (rt.I32[2 * rt.offsetOf(s)] < 0) throw new TypeError(`SharedSet.prototype.${fn}: the set is frozen (shared-structs freeze())`);
}

/**
 * A set in the shared heap. Values: strings, numbers, bigints, booleans, null, undefined and
 * shared objects (by identity), compared with SameValueZero like Set. Every operation is
 * atomic; iteration works on a snapshot taken under the set's lock.
 */
class SharedSet extends rt.SharedObject {
  // The wrapper's arena (rt.attach keeps it alive), also the brand.
  #brand;
  constructor(values) {
    if (values === INTERNAL) {
      const o = arguments[1];
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    } else {
      rt.opStart();
      const o = rt.allocObject(table.MAP_WORDS, L.TYPE_SET);
      table.initTable(o);
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    }
    if (rt.sealing.on) rt.seal(this);
    if (values !== undefined && values !== null && values !== INTERNAL) {
      if (typeof values[Symbol.iterator] !== 'function') throw new TypeError(`SharedSet: ${rt.describe(values)} is not iterable`);
      for (const v of values) this.add(v);
    }
  }

  /** Whether `value` is a SharedSet. */
  static isSharedSet(value) {
    return value !== null && typeof value === 'object' && #brand in value;
  }

  /** Number of values. */
  get size() {
    checkSet(this, 'size');
    return table.sizeOf(this);
  }

  /** Adds `value` (TypeError for a value that cannot be a key); returns the set. */
  add(value) {
    checkSet(this, 'add');
    checkWritable(this, 'add');
    table.putUnchecked(this, value, undefined, false, 'SharedSet');
    return this;
  }

  /**
   * Adds `value` if absent; returns true if this call added it (false: it was there). One
   * critical section, so exactly one of several threads adding the same value gets true.
   */
  addIfAbsent(value) {
    checkSet(this, 'addIfAbsent');
    checkWritable(this, 'addIfAbsent');
    table.putUnchecked(this, value, undefined, false, 'SharedSet');
    return table.inserted();
  }

  /** Whether `value` is present (lock-free, as SharedMap.has). */
  has(value) {
    checkSet(this, 'has');
    return table.hasKey(this, value);
  }

  /** Removes `value`; returns whether it was present. */
  delete(value) {
    checkSet(this, 'delete');
    checkWritable(this, 'delete');
    return table.removeKey(this, value);
  }

  /** Removes every value. */
  clear() {
    checkSet(this, 'clear');
    checkWritable(this, 'clear');
    table.clearTable(this);
  }

  /** The values, from a snapshot. */
  values() {
    checkSet(this, 'values');
    return table.snapshot(this, 0)[Symbol.iterator]();
  }

  /** Same as values() (as Set.prototype.keys). */
  keys() {
    checkSet(this, 'keys');
    return table.snapshot(this, 0)[Symbol.iterator]();
  }

  /** [value, value] pairs, from a snapshot (as Set.prototype.entries). */
  entries() {
    checkSet(this, 'entries');
    const out = table.snapshot(this, 0).map((v) => {
      const pair = [v, null];
      pair[1] = v;
      return pair;
    });
    return out[Symbol.iterator]();
  }

  [Symbol.iterator]() {
    checkSet(this, 'iterator');
    return table.snapshot(this, 0)[Symbol.iterator]();
  }

  /** Calls `fn(value, value, set)` for each value of a snapshot. */
  forEach(fn, thisArg) {
    checkSet(this, 'forEach');
    if (typeof fn !== 'function') throw new TypeError('SharedSet.prototype.forEach: callback must be a function');
    for (const v of table.snapshot(this, 0)) fn.call(thisArg, v, v, this);
  }

  /** A plain array of the values (a snapshot). */
  toArray() {
    checkSet(this, 'toArray');
    return table.snapshot(this, 0);
  }

  toJSON() {
    checkSet(this, 'toJSON');
    return toJSONWith(this, () => table.snapshot(this, 0));
  }

  [util.inspect.custom](depth, options, inspect) {
    checkSet(this, 'inspect');
    const values = table.snapshot(this, 0);
    return inspectWith(this, `SharedSet(${values.length})`, depth, options, inspect, () => new Set(values)).replace(/ Set\(\d+\) /, ' ');
  }
}
Object.defineProperty(SharedSet.prototype, Symbol.toStringTag, { value: 'SharedSet' });

types[L.TYPE_SET] = {
  id: L.TYPE_SET,
  key: null,
  fields: Object.freeze([]),
  elements: false,
  C: SharedSet,
  Sub: null,
  make: (off) => new SharedSet(INTERNAL, off),
  displayName: () => 'SharedSet',
};

module.exports = { SharedSet };
