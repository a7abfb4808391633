'use strict';
// V8's `--harmony-struct` names on stock Node (require('shared-structs/polyfill')):
// SharedStructType, SharedArray, Atomics.Mutex, Atomics.Condition, and Atomics.load, store,
// exchange and compareExchange on struct fields and array elements. Thin adapters over the
// library that give V8's argument handling and results (docs/compat.md lists what differs and
// why). Installing also turns passByReference() on (shared objects cross postMessage and
// workerData as V8's do) and preloads the polyfill in the workers this thread starts, as
// V8's globals exist in every worker.

const path = require('path');
const wt = require('worker_threads');
const { syncBuiltinESMExports } = require('module');
const rt = require('./runtime');
const { condWait, condWaitAsync, heldMutex } = require('./sync');

const POLYFILL_ENTRY = path.join(__dirname, '..', 'polyfill.js');
const isView = ArrayBuffer.isView;
const ReflectConstruct = Reflect.construct;
const getPrototypeOf = Object.getPrototypeOf;

/** V8's field limit ("maximum of 999 allowed"); the library allows 4,096. */
const V8_MAX_FIELDS = 999;

function define(obj, key, value) {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
}

function describe(v) {
  return rt.describe(v);
}

/** The constructors the polyfill made (V8's shared constructors). */
const constructors = new WeakSet();

/**
 * `instanceof` as V8's shared constructors do it: false unless the receiver is one of them
 * (a function that merely inherits this method, too), a plain walk of the prototype chain
 * (through Proxies), and a TypeError for a function on the left (V8's "non-instance
 * prototype" check).
 */
function hasInstance(value) {
  if (!constructors.has(this)) return false;
  if (typeof value === 'function') throw new TypeError(`Function has non-object prototype 'null' in instanceof check`);
  if (value === null || typeof value !== 'object') return false;
  const P = this.prototype;
  if (P === null || (typeof P !== 'object' && typeof P !== 'function')) return false;
  for (let o = getPrototypeOf(value); o !== null; o = getPrototypeOf(o)) if (o === P) return true;
  return false;
}

/** A V8-style constructor (callable with or without `new`) that makes `make()`'s objects. */
function constructorFor(name, length, Lib, make) {
  const C = {
    [name]: function () {
      return make(arguments);
    },
  }[name];
  Object.defineProperty(C, 'length', { value: length });
  Object.defineProperty(C, 'prototype', { value: Lib.prototype, writable: false, enumerable: false, configurable: false });
  Object.defineProperty(C, Symbol.hasInstance, { value: hasInstance, writable: false, enumerable: false, configurable: false });
  constructors.add(C);
  return C;
}

/** A timeout as V8 takes it: a number (TypeError otherwise); NaN waits forever, negative is 0. */
function v8Timeout(t, fn) {
  if (typeof t !== 'number') throw new TypeError(`${fn}: ${describe(t)} is not a number (timeout)`);
  return t !== t ? Infinity : t < 0 ? 0 : t;
}

function v8OptionalTimeout(t, fn) {
  return t === undefined ? undefined : v8Timeout(t, fn);
}

/** V8's result objects have no `abandoned` (V8 releases a terminated holder's mutex). */
function v8Result(r) {
  return r.abandoned === undefined ? r : { success: r.success, value: r.value };
}

/**
 * V8 keeps array-index names (numbers, or strings such as "4") as elements, apart from the
 * fields and in ascending order, so [0, 4] and [4, 0] declare the same layout (one type under
 * one registry key). The library keeps declared order; the polyfill declares indices first,
 * ascending, then the other names in their order. Other values are left for the library to
 * check.
 */
function v8Order(names) {
  const indices = [];
  const others = [];
  for (const n of names) {
    const i = typeof n === 'number' ? (n >>> 0 === n && n !== 0xffffffff ? n : -1) : indexKey(n);
    if (i >= 0) indices.push(i);
    else others.push(n);
  }
  if (indices.length === 0) return names;
  indices.sort((a, b) => a - b);
  return [...indices.map(String), ...others];
}

function makeSharedStructType(lib) {
  const Lib = lib.SharedStructType;
  function SharedStructType(fieldNames, key) {
    if (fieldNames == null || typeof fieldNames[Symbol.iterator] !== 'function' || typeof fieldNames === 'string') {
      throw new TypeError('SharedStructType: field names must be an array');
    }
    const names = [...fieldNames];
    if (names.length > V8_MAX_FIELDS) throw new RangeError(`SharedStructType: struct field count out of range (maximum of ${V8_MAX_FIELDS} allowed)`);
    const T = new Lib(v8Order(names), key);
    // V8 makes a new constructor at every call, for the same type when the key matches.
    return constructorFor('', 0, T, (args) => ReflectConstruct(T, args));
  }
  define(SharedStructType, 'isSharedStruct', Lib.isSharedStruct);
  Object.defineProperty(SharedStructType, Symbol.hasInstance, { value: hasInstance });
  return SharedStructType;
}

function makeSharedArray(lib) {
  const Lib = lib.SharedArray;
  const C = constructorFor('SharedArray', 0, Lib, (args) => {
    // V8 converts the length with ToNumber and truncates it.
    const n = args[0] === undefined ? 0 : Math.trunc(Number(args[0]));
    if (!(n >= 0 && n <= 0xfffffffe)) throw new RangeError('SharedArray length out of range');
    return new Lib(n);
  });
  define(C, 'isSharedArray', Lib.isSharedArray);
  return C;
}

function checkCallable(cb) {
  if (typeof cb !== 'function') throw new TypeError(`${describe(cb)} is not a function`);
}

function makeMutex(lib) {
  const Lib = lib.Mutex;
  const C = constructorFor('Mutex', 0, Lib, () => new Lib());
  const check = (m, fn) => {
    if (!Lib.isMutex(m)) throw new TypeError(`Method invoked on an object that is not Atomics.Mutex (${fn})`);
  };
  define(C, 'isMutex', Lib.isMutex);
  define(C, 'lock', function lock(mutex, callback) {
    check(mutex, 'Atomics.Mutex.lock');
    checkCallable(callback);
    return Lib.lock(mutex, callback);
  });
  define(C, 'tryLock', function tryLock(mutex, callback) {
    check(mutex, 'Atomics.Mutex.tryLock');
    checkCallable(callback);
    return v8Result(Lib.tryLock(mutex, callback));
  });
  define(C, 'lockWithTimeout', function lockWithTimeout(mutex, callback, timeout) {
    check(mutex, 'Atomics.Mutex.lockWithTimeout');
    checkCallable(callback);
    return v8Result(Lib.lockWithTimeout(mutex, callback, v8Timeout(timeout, 'Atomics.Mutex.lockWithTimeout')));
  });
  define(C, 'lockAsync', function lockAsync(mutex, callback, timeout) {
    // V8 checks its arguments before it makes the promise: errors are thrown, not rejected.
    check(mutex, 'Atomics.Mutex.lockAsync');
    checkCallable(callback);
    const t = v8OptionalTimeout(timeout, 'Atomics.Mutex.lockAsync');
    return Lib.lockAsync(mutex, callback, t).then(v8Result);
  });
  return C;
}

function makeCondition(lib) {
  const Lib = lib.Condition;
  const C = constructorFor('Condition', 0, Lib, () => new Lib());
  const check = (cv, m, fn) => {
    if (!Lib.isCondition(cv) || !lib.Mutex.isMutex(m)) throw new TypeError(`Method invoked on an object that is not Atomics.Condition or Atomics.Mutex (${fn})`);
  };
  define(C, 'isCondition', Lib.isCondition);
  define(C, 'wait', function wait(cv, mutex, timeout) {
    check(cv, mutex, 'Atomics.Condition.wait');
    return condWait(cv, mutex, v8OptionalTimeout(timeout, 'Atomics.Condition.wait'), 'Atomics.Condition.wait', true);
  });
  define(C, 'waitAsync', function waitAsync(cv, mutex, timeout) {
    check(cv, mutex, 'Atomics.Condition.waitAsync');
    const t = v8OptionalTimeout(timeout, 'Atomics.Condition.waitAsync');
    heldMutex(mutex, 'Atomics.Condition.waitAsync');
    return condWaitAsync(cv, mutex, t, true);
  });
  define(C, 'notify', function notify(cv, count) {
    if (!Lib.isCondition(cv)) throw new TypeError('Method invoked on an object that is not Atomics.Condition (Atomics.Condition.notify)');
    // V8: undefined wakes all; anything else is ToInteger'd and clamped to [0, all].
    let n = Infinity;
    if (count !== undefined) {
      n = Math.trunc(Number(count));
      if (!(n > 0)) n = 0;
    }
    return Lib.notify(cv, n);
  });
  return C;
}

/** An array index as a property key ("0" .. "4294967294"), or -1. */
function indexKey(k) {
  if (typeof k !== 'string' || k.length === 0 || k.length > 10) return -1;
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return -1; // not a digit: a name (the common case), without Number()
  const n = Number(k);
  return n >>> 0 === n && n !== 0xffffffff && String(n) === k ? n : -1;
}

function makeAtomics(lib) {
  const { atomics, canBeShared } = lib;
  const original = { load: Atomics.load, store: Atomics.store, exchange: Atomics.exchange, compareExchange: Atomics.compareExchange };
  const isShared = (o) => o !== null && typeof o === 'object' && canBeShared(o);
  const key = (k) => {
    const i = indexKey(k);
    return i >= 0 ? i : k;
  };
  // Typed arrays go to the original at the cost of one ArrayBuffer.isView check.
  function load(target, index) {
    if (isView(target)) return original.load(target, index);
    try {
      return atomics.load(target, key(index));
    } catch (e) {
      // V8 reads a name or index the object does not have as undefined.
      if (isShared(target)) return undefined;
      throw e;
    }
  }
  // V8 writes a missing name or index as adding a property to a non-extensible object: a
  // TypeError (the library says RangeError for an index out of range).
  const asV8 = (e) => (e instanceof RangeError ? new TypeError(e.message) : e);
  function store(target, index, value) {
    if (isView(target)) return original.store(target, index, value);
    try {
      return atomics.store(target, key(index), value);
    } catch (e) {
      throw asV8(e);
    }
  }
  function exchange(target, index, value) {
    if (isView(target)) return original.exchange(target, index, value);
    try {
      return atomics.exchange(target, key(index), value);
    } catch (e) {
      throw asV8(e);
    }
  }
  function compareExchange(target, index, expected, replacement) {
    if (isView(target)) return original.compareExchange(target, index, expected, replacement);
    try {
      return atomics.compareExchange(target, key(index), expected, replacement);
    } catch (e) {
      throw asV8(e);
    }
  }
  return { load, store, exchange, compareExchange, original };
}

/**
 * Workers this thread starts preload the polyfill (`--require`), unless their execArgv
 * already does: a subclass of Worker replaces the export (and the ES module binding).
 * Inherited execArgv that a worker may not be given explicitly (V8 flags such as
 * --expose-gc) make the preload fall back to starting the worker without it.
 */
function preloadInWorkers() {
  const Base = wt.Worker;
  if (Base.__sharedStructsPolyfill) return;
  const has = (argv) => {
    for (let i = 0; i < argv.length; i++) {
      if ((argv[i] === '--require' || argv[i] === '-r') && path.resolve(String(argv[i + 1])) === POLYFILL_ENTRY) return true;
      if (/^--require=/.test(argv[i]) && path.resolve(argv[i].slice(10)) === POLYFILL_ENTRY) return true;
    }
    return false;
  };
  class Worker extends Base {
    constructor(filename, options) {
      const o = options == null ? {} : options;
      const own = o.execArgv !== undefined;
      const argv = own ? o.execArgv : process.execArgv;
      if (Array.isArray(argv) && !has(argv)) {
        try {
          super(filename, { ...o, execArgv: [...argv, '--require', POLYFILL_ENTRY] });
          return;
        } catch (e) {
          if (own || e.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
        }
      }
      super(filename, options);
    }
  }
  Object.defineProperty(Worker, '__sharedStructsPolyfill', { value: true });
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  wt.Worker = Worker;
  syncBuiltinESMExports();
}

let installed = null;

/**
 * Installs the globals (each only where V8 has not: under `node --harmony-struct` V8's own
 * are kept). Returns what was installed.
 */
function install(lib) {
  if (installed !== null) return installed;
  const done = [];
  if (typeof globalThis.SharedStructType !== 'function') {
    define(globalThis, 'SharedStructType', makeSharedStructType(lib));
    done.push('SharedStructType');
  }
  if (typeof globalThis.SharedArray !== 'function') {
    define(globalThis, 'SharedArray', makeSharedArray(lib));
    done.push('SharedArray');
  }
  if (typeof Atomics.Mutex !== 'function') {
    define(Atomics, 'Mutex', makeMutex(lib));
    define(Atomics, 'Condition', makeCondition(lib));
    const a = makeAtomics(lib);
    for (const k of ['load', 'store', 'exchange', 'compareExchange']) {
      Object.defineProperty(a[k], 'length', { value: a.original[k].length });
      define(Atomics, k, a[k]);
    }
    done.push('Atomics.Mutex', 'Atomics.Condition', 'Atomics.load', 'Atomics.store', 'Atomics.exchange', 'Atomics.compareExchange');
    lib.passByReference(true);
    // V8's shared objects are not extensible (Object.setPrototypeOf throws); the library's
    // wrappers refuse undeclared properties through their prototype chain and skip this
    // ~40 ns per wrapper unless asked (lib/identity.js, sealing).
    rt.sealing.on = true;
    preloadInWorkers();
  }
  installed = done;
  return done;
}

module.exports = { install };
