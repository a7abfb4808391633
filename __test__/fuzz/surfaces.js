'use strict';
// The library's surface, found by reflection, for the wrong-receiver and bad-input suites:
// valid instances of every kind, every method, getter and setter of their prototypes and of
// the exported classes' prototypes, and the statics that take a target first. A method
// added to the library later is found here without changes.

const path = require('path');
const util = require('util');
const C = require('./common.js');
const { uniqueKey } = require('../helpers.js');

const { ss } = C;
const { SharedStructType, SharedArray, SharedMap, Mutex, SharedMutex, Condition, WorkerPool, share } = ss;

const POOL_MODULE = path.join(__dirname, 'pool-worker.js');

const S = new SharedStructType(['a', 'b', 'length'], uniqueKey('RecvS'));
const S2 = new SharedStructType(['a', 'b', 'length'], uniqueKey('RecvS2')); // same shape, other type
const E = new SharedStructType(['tag'], { key: uniqueKey('RecvE'), elements: true });
const Base = new SharedStructType(['x'], uniqueKey('RecvSub'));
class Sub extends Base {
  norm() {
    return Math.abs(this.x);
  }
  get twice() {
    return this.x * 2;
  }
  set twice(v) {
    this.x = v / 2;
  }
}
SharedStructType.register(Sub);

/** Prototypes this file defines (user code, not the library's). */
const USER_PROTOS = new Set([Sub.prototype]);
/** Kinds that are duck-typed: a copy or proxy of a share() token is a token. */
const DUCK = new Set(['shareToken']);
/** share() tokens made here (each pins its object until opened or released). */
const shareTokens = [];

/** WorkerPools made here (terminate them when done). */
const pools = [];
/** kind -> () => a fresh valid instance. */
const MAKE = {
  S: () => Object.assign(new S(), { a: 1, b: 'b', length: 2 }),
  S2: () => Object.assign(new S2(), { a: 1, b: 'b', length: 2 }),
  E: () => {
    const e = new E(3);
    e.tag = 't';
    e.set(0, 1);
    return e;
  },
  sub: () => {
    const s = new Base();
    s.x = -3;
    return s;
  },
  array: () => SharedArray.of(1, 'two', 3n),
  map: () => new SharedMap([['k', 1]]),
  mutex: () => new Mutex(),
  cond: () => new Condition(),
  rw: () => new SharedMutex(),
  unlockToken: () => {
    const t = Mutex.lock(new Mutex());
    t.unlock();
    return t;
  },
  rwToken: () => {
    const t = SharedMutex.lockShared(new SharedMutex());
    t.unlock();
    return t;
  },
  elemIter: () => SharedArray.of(1, 2).values(),
  shareToken: () => {
    const t = share(new S());
    shareTokens.push(t);
    return t;
  },
  pool: () => {
    const p = new WorkerPool(POOL_MODULE, { threads: 1 });
    pools.push(p);
    return p;
  },
};
const SHARED_KINDS = ['S', 'S2', 'E', 'sub', 'array', 'map', 'mutex', 'cond', 'rw'];

/** Static namespaces whose functions take their target first: the kinds they accept. */
const TARGET_FIRST = {
  Mutex: ['mutex'],
  Condition: ['cond'],
  SharedMutex: ['rw'],
  atomics: ['S', 'S2', 'E', 'sub', 'array'],
  'SharedStructType.keys': ['S', 'S2', 'E', 'sub'],
  'SharedStructType.values': ['S', 'S2', 'E', 'sub'],
  'SharedStructType.entries': ['S', 'S2', 'E', 'sub'],
  'atomics.pause': null, // takes a count, not a target (bad-input suite)
  open: ['shareToken', 'primToken'],
  release: ['shareToken', 'primToken'],
};

// ---------------------------------------------------------------------------------------
// Wrong receivers.

/** A copy of `w`: its prototype and own properties (a forgery of a wrapper, by reflection). */
function forge(w) {
  return Object.defineProperties(Object.create(Object.getPrototypeOf(w)), Object.getOwnPropertyDescriptors(w));
}

const throwingGetters = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('trap: get');
      },
      has() {
        throw new Error('trap: has');
      },
      getPrototypeOf() {
        throw new Error('trap: getPrototypeOf');
      },
      ownKeys() {
        throw new Error('trap: ownKeys');
      },
      getOwnPropertyDescriptor() {
        throw new Error('trap: getOwnPropertyDescriptor');
      },
    },
  );

// ---------------------------------------------------------------------------------------
// Surfaces, by reflection.

/** Prototype chains to walk, each from an instance kind (or a class's prototype). */
function protoSources() {
  const src = [];
  for (const k of Object.keys(MAKE)) if (k !== 'pool' && k !== 'shareToken') src.push([k, Object.getPrototypeOf(MAKE[k]())]);
  src.push(['pool', WorkerPool.prototype]);
  // Every exported class's prototype, in case no instance above has it.
  for (const [name, v] of Object.entries(ss)) if (typeof v === 'function' && v.prototype) src.push([name, v.prototype]);
  return src;
}

const STOP = new Set([Object.prototype, Function.prototype, Error.prototype, Array.prototype]);

function describeKey(k) {
  return typeof k === 'symbol' ? `[${k.description}]` : k;
}

/** Every method, getter and setter of the library's prototypes: { label, holder, key, kind, fn }. */
function prototypeSurfaces() {
  const out = [];
  const seen = new Set();
  for (const [from, start] of protoSources()) {
    for (let p = start; p && !STOP.has(p); p = Object.getPrototypeOf(p)) {
      if (util.types.isProxy(p)) break; // the index Proxy at the end of element chains
      if (seen.has(p)) continue;
      seen.add(p);
      if (USER_PROTOS.has(p)) continue;
      const ctor = Object.getOwnPropertyDescriptor(p, 'constructor');
      const owner = ctor && typeof ctor.value === 'function' && ctor.value.name ? ctor.value.name : `(${from} proto)`;
      for (const key of Reflect.ownKeys(p)) {
        if (key === 'constructor') continue;
        const d = Object.getOwnPropertyDescriptor(p, key);
        const label = `${owner}.prototype.${describeKey(key)}`;
        if (typeof d.value === 'function') out.push({ label, holder: p, key, kind: 'method', fn: d.value });
        // The library's own symbol-keyed getters are probes ("the offset, or undefined"):
        // they must answer undefined for anything but a genuine wrapper, never throw.
        const probe = typeof key === 'symbol' && String(key.description).startsWith('shared-structs.');
        if (d.get) out.push({ label: `get ${label}`, holder: p, key, kind: probe ? 'probe' : 'getter', fn: d.get });
        if (d.set) out.push({ label: `set ${label}`, holder: p, key, kind: 'setter', fn: d.set });
      }
    }
  }
  return out;
}

/** Static methods taking their target first, and the `is*` predicates. */
function staticSurfaces() {
  const out = [];
  for (const [name, v] of Object.entries(ss)) {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) continue;
    for (const key of Reflect.ownKeys(v)) {
      if (key === 'prototype' || key === 'length' || key === 'name') continue;
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (typeof d.value !== 'function') continue;
      const label = `${name}.${describeKey(key)}`;
      const valid = label in TARGET_FIRST ? TARGET_FIRST[label] : TARGET_FIRST[name];
      if (typeof key === 'string' && /^is[A-Z]/.test(key)) out.push({ label, kind: 'predicate', fn: d.value });
      else if (valid) out.push({ label, kind: 'static', fn: d.value, valid });
      else if (valid !== null) out.push({ label, kind: 'plain', fn: d.value }); // no target: bad-input suite only
    }
  }
  // Exported functions (lower-case names; capitalized ones are classes and namespaces).
  for (const [name, v] of Object.entries(ss)) {
    if (typeof v !== 'function' || !/^[a-z]/.test(name)) continue;
    if (TARGET_FIRST[name]) out.push({ label: name, kind: 'static', fn: v, valid: TARGET_FIRST[name] });
    else if (name === 'isToken' || name === 'canBeShared') out.push({ label: name, kind: 'predicate', fn: v });
    else out.push({ label: name, kind: 'plain', fn: v });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Calls.

const INSPECT_ARGS = [2, { ...util.inspect.defaultOptions, stylize: (s) => s }, util.inspect];
const ARG_LISTS = [[], [0], [0, 0], [() => true], [() => true, 0], ['a'], ['a', 1], [0, 1], [[]], [1, 1, 1], INSPECT_ARGS];

/** Calls fn; resolves to { ok, value } or { ok: false, error }. Awaits thenables. */
async function attempt(fn) {
  try {
    let v = fn();
    if (v !== null && typeof v === 'object' && !util.types.isProxy(v) && typeof v.then === 'function') v = await v;
    return { ok: true, value: v };
  } catch (error) {
    return { ok: false, error };
  }
}

function call(s, recv, args) {
  if (s.kind === 'static') return () => s.fn(recv, ...args);
  if (s.kind === 'setter') return () => Reflect.apply(s.fn, recv, [args.length ? args[0] : 1]);
  return () => Reflect.apply(s.fn, recv, args);
}

/** Valid kinds for a surface: instances whose chain holds its prototype, or the static's kinds. */
function validKinds(s) {
  if (s.kind === 'static') return s.valid;
  return Object.keys(MAKE).filter((k) => k !== 'pool' || s.holder === WorkerPool.prototype).filter((k) => {
    if (k === 'pool') return true;
    if (k === 'shareToken') return false; // a plain object (and making one pins an object)
    const w = MAKE[k]();
    return typeof w === 'object' && s.holder.isPrototypeOf(w);
  });
}

/** The first argument list that works on a fresh valid receiver (so the wrong receiver is what fails). */
async function calibrate(s, kinds) {
  if (!kinds.length) return [];
  for (const args of s.kind === 'setter' ? [[1], ['x'], [undefined]] : ARG_LISTS) {
    const recv = MAKE[kinds[0]]();
    const r = await attempt(call(s, recv, args));
    // A lock taken by the calibration is given back (a read hold left would pin its mutex).
    giveBack(r);
    if (r.ok) return args;
  }
  return [];
}

/** Unlocks a lock token a call returned (a genuine one only). */
function giveBack(r) {
  if (r.ok && !util.types.isProxy(r.value) && ss.UnlockToken.prototype.isPrototypeOf(r.value)) {
    try {
      r.value.unlock();
    } catch {
      // An Object.create() copy of a token returned as-is by `return this`.
    }
  }
}

/**
 * An error that comes from an accident (a missing check: a property of undefined read, a
 * receiver's or argument's member called), not from a check. The ToNumber/ToString errors
 * of a symbol or bigint argument ("Cannot convert a Symbol value to a number") are what
 * Array.prototype's methods throw too, and are not counted.
 */
const ACCIDENTAL = /^[\w.$#]+ is not (a function|iterable)|Cannot read properties of (?!.*\(reading '#)|Cannot destructure/;


module.exports = {
  S,
  S2,
  E,
  Base,
  Sub,
  MAKE,
  SHARED_KINDS,
  TARGET_FIRST,
  DUCK,
  shareTokens,
  pools,
  POOL_MODULE,
  forge,
  throwingGetters,
  prototypeSurfaces,
  staticSurfaces,
  validKinds,
  calibrate,
  attempt,
  call,
  giveBack,
  ACCIDENTAL,
};
