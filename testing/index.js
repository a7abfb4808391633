'use strict';
// Test-runner support: an equality tester and a snapshot serializer for shared objects, for
// any runner built on Jest's `expect` (vitest and jest). Written against the public API only.
//
// Equality: a shared object is compared as the plain value it stands for, through the
// runner's own `equals` (so toEqual, toStrictEqual, toMatchObject, asymmetric matchers and
// custom testers keep their meaning):
//   struct            an object of its fields, of a class named after the type
//   SharedArray       an array of its elements
//   elements struct   an array of its elements, its fields as the array's own properties
//   SharedMap         a Map of its entries
//   Mutex, Condition, SharedMutex   an empty object of a class named after it (no value)
// Field and element values stay shared objects, compared by this tester in turn; a pair
// already under comparison compares equal (shared graphs have cycles: parent pointers).
// Nothing in here reads a field of something that is not a live wrapper, and nothing throws
// out of the runner's equality or printing routines.

const path = require('node:path');
const lib = require('../index.js');

const { SharedStructType, SharedArray, SharedMap, Mutex, Condition, SharedMutex } = lib;

/**
 * What kind of shared object `v` is: 'struct', 'elements' (a struct type with elements),
 * 'array', 'map', 'lock', or null for anything else. The library's brand checks, so the
 * copies test runners make of objects (Object.create(prototype) plus own properties) are not
 * taken for shared objects.
 */
function kindOf(v) {
  if (v === null || typeof v !== 'object') return null;
  try {
    if (SharedArray.isSharedArray(v)) return 'array';
    if (SharedStructType.isSharedStruct(v)) {
      const fields = SharedStructType.keys(v);
      return typeof v.length === 'number' && typeof v.get === 'function' && !fields.includes('length') ? 'elements' : 'struct';
    }
    if (SharedMap.isSharedMap(v)) return 'map';
    if (Mutex.isMutex(v) || Condition.isCondition(v) || SharedMutex.isSharedMutex(v)) return 'lock';
  } catch {
    // A revoked Proxy or another exotic object: not a shared object.
  }
  return null;
}

/** One class per shared type, named after it: toStrictEqual's type check compares them. */
const snapshotClasses = new WeakMap();

function snapshotClass(ctor, base) {
  let C = snapshotClasses.get(ctor);
  if (!C) {
    C = base === Array ? class extends Array {} : function () {};
    Object.defineProperty(C, 'name', { value: ctor.name || 'SharedStruct' });
    snapshotClasses.set(ctor, C);
  }
  return C;
}

function defineData(target, key, value) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function elementsArray(v, ctor) {
  const out = Reflect.construct(Array, [], snapshotClass(ctor, Array));
  const n = v.length;
  for (let i = 0; i < n; i++) out.push(v.get(i));
  return out;
}

/** The plain value a shared object of kind `kind` is compared as (one level deep). */
function snapshotOf(v, kind) {
  const ctor = Object.getPrototypeOf(v).constructor;
  switch (kind) {
    case 'struct': {
      const out = new (snapshotClass(ctor))();
      for (const [k, value] of SharedStructType.entries(v)) defineData(out, k, value);
      return out;
    }
    case 'array':
      return elementsArray(v, ctor);
    case 'elements': {
      const out = elementsArray(v, ctor);
      for (const [k, value] of SharedStructType.entries(v)) defineData(out, k, value);
      return out;
    }
    case 'map':
      return new Map(v);
    default:
      return new (snapshotClass(ctor))();
  }
}

/** Pairs under comparison, innermost last (equality testers run synchronously). */
const comparing = [];

/**
 * Equality tester for `expect.addEqualityTesters` (vitest, jest >= 29.4): decides every
 * comparison that involves a shared object, and leaves the others to the runner.
 * @this {{ equals(a: unknown, b: unknown, testers?: unknown[]): boolean }}
 */
function sharedStructsEquality(a, b, customTesters) {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === null && kb === null) return undefined;
  if (a === b) return true;
  for (let i = comparing.length - 1; i >= 0; i--) {
    const [x, y] = comparing[i];
    if (x === a) return y === b;
  }
  comparing.push([a, b]);
  try {
    const sa = ka === null ? a : snapshotOf(a, ka);
    const sb = kb === null ? b : snapshotOf(b, kb);
    return this.equals(sa, sb, customTesters);
  } catch {
    // Reading a shared object failed (a stale or foreign wrapper): not equal, and no error
    // escapes into the runner's equality code.
    return false;
  } finally {
    comparing.pop();
  }
}

// ---------------------------------------------------------------------------------------
// Snapshot serializer (pretty-format plugin: vitest, jest).

/** The type's name as declared: without this thread's key scope (snapshots do not depend on it). */
function typeName(v) {
  let name = 'SharedStruct';
  try {
    const ctor = Object.getPrototypeOf(v).constructor;
    if (ctor && typeof ctor.name === 'string' && ctor.name) name = ctor.name;
  } catch {
    // keep the generic name
  }
  const scope = process.env.SHARED_STRUCTS_KEY_SCOPE;
  const suffix = scope ? ` (${scope})` : null;
  return suffix && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}

/** Lines of `items` ([printedKey | null, value] pairs) inside brackets, as pretty-format prints. */
function printItems(items, open, close, config, indentation, depth, refs, printer) {
  if (items.length === 0) return `${open}${close}`;
  const inner = indentation + config.indent;
  let out = open + config.spacingOuter;
  items.forEach(([key, value], i) => {
    out += inner + (key === null ? '' : `${key}: `) + printer(value, config, inner, depth, refs);
    if (i < items.length - 1) out += `,${config.spacingInner}`;
    else if (!config.min) out += ',';
  });
  return out + config.spacingOuter + indentation + close;
}

/**
 * Snapshot serializer for `expect.addSnapshotSerializer` or `snapshotSerializers`: prints a
 * struct as `Point { "x": 1, ... }` with its fields in declaration order, a SharedArray as
 * `SharedArray [ ... ]`, an elements struct as `NodeArray [ elements..., "field": value ]`,
 * a SharedMap as `SharedMap { key => value }` sorted by printed key, locks as `Mutex {}`.
 */
const sharedStructsSerializer = {
  test(val) {
    return kindOf(val) !== null;
  },
  serialize(val, config, indentation, depth, refs, printer) {
    const kind = kindOf(val);
    const name = typeName(val);
    if (refs.includes(val)) return '[Circular]';
    if (++depth > config.maxDepth) return `[${name}]`;
    const nextRefs = [...refs, val];
    const key = (k) => printer(k, config, indentation, depth, nextRefs);
    const items = [];
    if (kind === 'array' || kind === 'elements') {
      const n = val.length;
      for (let i = 0; i < n; i++) items.push([null, val.get(i)]);
    }
    if (kind === 'struct' || kind === 'elements') {
      for (const [k, v] of SharedStructType.entries(val)) items.push([key(k), v]);
    }
    if (kind === 'map') {
      const entries = [...val].map(([k, v]) => [key(k), v]);
      entries.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
      const inner = indentation + config.indent;
      if (entries.length === 0) return `${name} {}`;
      let out = `${name} {${config.spacingOuter}`;
      entries.forEach(([k, v], i) => {
        out += `${inner + k} => ${printer(v, config, inner, depth, nextRefs)}`;
        if (i < entries.length - 1) out += `,${config.spacingInner}`;
        else if (!config.min) out += ',';
      });
      return `${out + config.spacingOuter + indentation}}`;
    }
    const brackets = kind === 'array' || kind === 'elements' ? ['[', ']'] : ['{', '}'];
    return `${name} ${printItems(items, brackets[0], brackets[1], config, indentation, depth, nextRefs, printer)}`;
  },
};

/**
 * Gives the base prototypes of structs, element types and locks a `Symbol.toStringTag`
 * (SharedMap has one), where they have none yet. vitest's diff deep-copies every value whose
 * tag is "[object Object]" as Object.create(prototype) plus its own properties, then reads
 * the copy's fields: a copy of a wrapper is no wrapper, so its accessors threw the library's
 * brand-check TypeError out of the diff, or printed no fields at all. With a tag the diff
 * formats the wrapper itself (its fields, through toJSON). Bases found through the public
 * API; the library is to carry these tags itself (then this does nothing).
 */
function tagPrototypes() {
  const probe = new SharedStructType([], { key: 'shared-structs/testing/probe', scope: null });
  const bases = [
    [Object.getPrototypeOf(probe.prototype), 'SharedStruct'],
    [Object.getPrototypeOf(SharedArray.prototype), 'SharedArray'],
    [Mutex.prototype, 'Mutex'],
    [Condition.prototype, 'Condition'],
    [SharedMutex.prototype, 'SharedMutex'],
  ];
  for (const [proto, tag] of bases) {
    if (proto && proto !== Object.prototype && !Object.prototype.hasOwnProperty.call(proto, Symbol.toStringTag)) {
      try {
        Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
      } catch {
        // A frozen prototype: its diffs print no fields, nothing worse.
      }
    }
  }
}

/**
 * Adds the equality tester and the snapshot serializer to a runner's `expect` (vitest's, or
 * jest's global one). Returns `expect`.
 */
function install(expect) {
  if (!expect || typeof expect.addEqualityTesters !== 'function') {
    throw new TypeError('shared-structs/testing: install(expect) needs an expect with addEqualityTesters (vitest, or jest 29.4 or later)');
  }
  tagPrototypes();
  expect.addEqualityTesters([sharedStructsEquality]);
  if (typeof expect.addSnapshotSerializer === 'function') expect.addSnapshotSerializer(sharedStructsSerializer);
  return expect;
}

/**
 * Scopes this thread's registry keys to the running test file: sets SHARED_STRUCTS_KEY_SCOPE
 * (which SharedStructType reads, and workers and child processes inherit) to the test file's
 * path relative to the working directory, taken from `expect.getState().testPath`. Two test
 * files that declare 'Point' with different fields then get two types, also under vitest's
 * threads pool (one process for many files). Returns the scope, or null outside a test file.
 */
function scopeKeysToTestFile(expect) {
  let file = null;
  try {
    file = expect.getState().testPath || null;
  } catch {
    file = null;
  }
  if (!file) return null;
  const scope = path.relative(process.cwd(), file).split(path.sep).join('/');
  process.env.SHARED_STRUCTS_KEY_SCOPE = scope;
  return scope;
}

module.exports = { sharedStructsEquality, sharedStructsSerializer, install, scopeKeysToTestFile, kindOf };
