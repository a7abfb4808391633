'use strict';
// SharedStructType and SharedArray: per-thread accessor classes over shared layouts.
//
// For every struct type a thread sees, it generates one class whose prototype carries the
// fields as accessors with constant offsets (source text compiled with `new Function`, so
// V8 inlines them). A wrapper is a tiny non-extensible object holding the word offset.
// Element types (SharedArray, `elements: true`) also get generated get/set/length, shared
// Array-like methods, and an index Proxy at the END of the prototype chain so `a[i]` works
// (slowly) while named fields and methods never touch the Proxy.

/** Reflect.construct, taken once (making a wrapper calls no builtin the program may replace). */
const construct = Reflect.construct;
const util = require('util');
const native = require('./native');
const L = require('./layout');
const rt = require('./runtime');
const registry = require('./types');
const { inspectWith, toJSONWith, joinWith } = require('./present');
const { toIntegerOrInfinity, relIndex, toLength } = require('./indices');

const { F64, U32, K, OFF, INTERNAL } = rt;
const { types } = registry;
const MAX_LENGTH = 0xffffffff;

// ---------------------------------------------------------------------------------------
// Base prototypes.

/** Prototype shared by all struct wrappers: JSON and inspect support. */
/** A plain object with the struct's fields as own data properties (safe for `__proto__`). */
/**
 * Most elements copied into one plain JS array (slice, toArray, map, filter, toJSON): V8
 * aborts the whole process ("invalid size") when a growing array passes ~2^27 elements, so
 * a larger result is a RangeError instead; take it in ranges.
 */
const PLAIN_MAX = 2 ** 25;

function checkPlainLength(w, fn, n) {
  if (n > PLAIN_MAX) {
    throw new RangeError(`${entryOf(w).displayName()}.prototype.${fn}: ${n} elements do not fit in one plain JS array here (at most ${PLAIN_MAX}); take them in ranges (slice(start, end))`);
  }
}

/** Names the generated class source binds (env, locals) or reads as globals. */
const GENERATED_NAMES = new Set(['F64', 'U32', 'K', 'INTERNAL', 'SECRET', 'StructBase', 'opStart', 'allocObject', 'D', 'W', 'attach', 'attachNew', 'fillUndefined', 'checkLength', 'allocElements', 'rangeError', 'getMiss', 'where', 'badThis', 'frozen', 'I32', 'CTL_FROZEN', 'reg', 'setProto', 'sealing', 'seal', 'env', 'src', 'C']);

/** Longest type name compiled as the class's own name (a longer one broke the source checks). */
const MAX_CLASS_IDENTIFIER = 256;

/** `name` if a generated class may be called so, else '__SharedStruct__'. */
function classIdentifier(name) {
  if (name.length > MAX_CLASS_IDENTIFIER || !/^[A-Za-z_$][\w$]*$/.test(name) || GENERATED_NAMES.has(name) || name in globalThis) return '__SharedStruct__';
  try {
    // eslint-disable-next-line no-new-func
    new Function(`class ${name} {}`); // reserved words ('class', 'let', ...) do not compile
    return name;
  } catch {
    return '__SharedStruct__';
  }
}

function fieldsObject(w, fields, target = {}) {
  for (const f of fields) Object.defineProperty(target, f, { value: w[f], enumerable: true, writable: true, configurable: true });
  return target;
}

/**
 * Whether `v` is an ordinary object that merely inherits a shared prototype (Object.create of
 * a struct, a copy): util.inspect calls the inspect hooks on those, which then show its own
 * properties instead of throwing. Anything else that is not a wrapper is refused.
 */
function inheritsOnly(v) {
  return typeof v === 'object' && v !== null && !rt.isWrapper(v) && !util.types.isProxy(v);
}

const StructProto = {
  toJSON() {
    rt.receiverOffset(this, plainStructType, 'toJSON');
    return toJSONWith(this, () => fieldsObject(this, entryOf(this).fields));
  },
  [util.inspect.custom](depth, options, inspect) {
    if (inheritsOnly(this)) return { ...this };
    rt.receiverOffset(this, plainStructType, '[util.inspect.custom]');
    const t = entryOf(this);
    return inspectWith(this, t.displayName(), depth, options, inspect, () => fieldsObject(this, t.fields));
  },
};
Object.defineProperty(StructProto, 'toJSON', { enumerable: false });
Object.defineProperty(StructProto, util.inspect.custom, { enumerable: false });
// Test runners' deep equality and diffs tell objects apart by their tag: with none, vitest
// copies a wrapper and reads its fields off the copy (docs/testing: shared-structs/testing).
Object.defineProperty(StructProto, Symbol.toStringTag, { value: 'SharedStruct' });

/**
 * An empty plain array that stores numbers as boxed values: an array whose elements are all
 * numbers is kept as raw doubles, where V8 canonicalizes every NaN (signalling bits and
 * payloads lost); one that has held a non-number keeps each number's bits.
 */
function taggedArray() {
  const out = [null];
  out.pop();
  return out;
}

/** Canonical array index of a property key, or -1. */
function toIndex(k) {
  if (typeof k !== 'string' || k.length === 0 || k.length > 10) return -1;
  const n = +k;
  return n >>> 0 === n && n !== MAX_LENGTH && String(n) === k ? n : -1;
}

/** Whether `w` is a wrapper of an element type (SharedArray or an `elements: true` struct). */
function isElementWrapper(w) {
  const id = rt.typeIdOf(w);
  if (id === L.TYPE_ARRAY) return true;
  const t = id >= L.FIRST_USER_TYPE ? types[id] : undefined;
  return t !== undefined && t.elements;
}

/**
 * The last prototype of every wrapper (after SharedObject.prototype): a Proxy that makes
 * `a[i]` and `a[i] = v` work on element wrappers (through get/set), and refuses properties
 * a wrapper does not declare (`s.z = 1` is a TypeError in strict code, silently ignored in
 * sloppy code, as on a non-extensible object). Declared fields and methods are found before
 * it on the chain, so only misses pay for it. This replaces freezing every wrapper, which cost
 * ~40 ns per wrapper (docs/identity.md).
 */
const guardTarget = {};
const GuardProxy = new Proxy(guardTarget, {
  get(target, key, receiver) {
    if (typeof key === 'string') {
      const i = toIndex(key);
      if (i !== -1 && isElementWrapper(receiver)) return receiver.get(i);
    }
    return Reflect.get(target, key, receiver);
  },
  set(target, key, value, receiver) {
    if (!rt.isWrapper(receiver)) return Reflect.set(target, key, value, receiver);
    if (typeof key === 'string') {
      const i = toIndex(key);
      if (i !== -1 && isElementWrapper(receiver)) {
        receiver.set(i, value);
        return true;
      }
    }
    // An undeclared property: shared objects are sealed (TypeError in strict code).
    return false;
  },
});
Object.setPrototypeOf(rt.SharedObject.prototype, GuardProxy);
Object.setPrototypeOf(StructProto, rt.SharedObject.prototype);

// Receiver kinds for rt.receiverOffset: type ids a method accepts.
/** SharedArray and `elements: true` structs. */
function elementsType(id) {
  if (id === L.TYPE_ARRAY) return true;
  const t = id >= L.FIRST_USER_TYPE ? types[id] : undefined;
  return t !== undefined && t.elements;
}
elementsType.expected = 'a SharedArray or a struct with elements';
/** Struct types (SharedStructType), with or without elements. */
function structType(id) {
  return id >= L.FIRST_USER_TYPE;
}
structType.expected = 'a shared struct';
/** Struct types without elements (their prototype's toJSON and inspect). */
function plainStructType(id) {
  if (id < L.FIRST_USER_TYPE) return false;
  const t = types[id];
  return t === undefined || !t.elements;
}
plainStructType.expected = 'a shared struct without elements';

/**
 * The element count of a SharedArray or element struct `a` (from its header, not its `length`
 * getter: a receiver's own code must not run before it is checked), for the shared element
 * methods; a TypeError for anything else.
 */
function elementCount(a, method) {
  return U32[2 * rt.receiverOffset(a, elementsType, `SharedArray.prototype.${method}`) + 2];
}

class ElementIterator {
  #a;
  #i = 0;
  #n;
  #kind;
  constructor(arr, kind, method) {
    this.#n = elementCount(arr, method);
    this.#a = arr;
    this.#kind = kind;
  }
  next() {
    if (!(#a in Object(this))) throw new TypeError(`SharedArray Iterator.prototype.next called on ${rt.describe(this)}, which is not a SharedArray iterator`);
    const i = this.#i;
    if (i < this.#n) {
      this.#i = i + 1;
      const k = this.#kind;
      if (k === 0) return { value: this.#a.get(i), done: false };
      if (k === 1) return { value: i, done: false };
      // A pair literal of two numbers would be a double array (NaN bits canonicalized).
      const pair = [i, null];
      pair[1] = this.#a.get(i);
      return { value: pair, done: false };
    }
    this.#i = this.#n;
    return { value: undefined, done: true };
  }
  [Symbol.iterator]() {
    return this;
  }
}
Object.defineProperty(ElementIterator.prototype, Symbol.toStringTag, { value: 'SharedArray Iterator' });

function needFn(fn, name) {
  if (typeof fn !== 'function') throw new TypeError(`SharedArray.prototype.${name}: callback is not a function`);
}

/** Methods shared by all element wrappers (SharedArray and `elements: true` structs). */
const ElementsProto = {
  at(index) {
    const n = elementCount(this, 'at');
    let i = toIntegerOrInfinity(index);
    if (i < 0) i += n;
    return i >= 0 && i < n ? this.get(i) : undefined;
  },
  indexOf(value, fromIndex) {
    const n = elementCount(this, 'indexOf');
    for (let i = relIndex(fromIndex, n, 0); i < n; i++) if (this.get(i) === value) return i;
    return -1;
  },
  lastIndexOf(value, ...rest) {
    const n = elementCount(this, 'lastIndexOf');
    let i = rest.length === 0 ? n - 1 : toIntegerOrInfinity(rest[0]);
    if (i < 0) i += n;
    for (i = Math.min(i, n - 1); i >= 0; i--) if (this.get(i) === value) return i;
    return -1;
  },
  includes(value, fromIndex) {
    const n = elementCount(this, 'includes');
    for (let i = relIndex(fromIndex, n, 0); i < n; i++) {
      const v = this.get(i);
      if (v === value || (v !== v && value !== value)) return true;
    }
    return false;
  },
  find(fn, thisArg) {
    needFn(fn, 'find');
    const n = elementCount(this, 'find');
    for (let i = 0; i < n; i++) {
      const v = this.get(i);
      if (fn.call(thisArg, v, i, this)) return v;
    }
    return undefined;
  },
  findIndex(fn, thisArg) {
    needFn(fn, 'findIndex');
    const n = elementCount(this, 'findIndex');
    for (let i = 0; i < n; i++) if (fn.call(thisArg, this.get(i), i, this)) return i;
    return -1;
  },
  findLast(fn, thisArg) {
    needFn(fn, 'findLast');
    for (let i = elementCount(this, 'findLast') - 1; i >= 0; i--) {
      const v = this.get(i);
      if (fn.call(thisArg, v, i, this)) return v;
    }
    return undefined;
  },
  findLastIndex(fn, thisArg) {
    needFn(fn, 'findLastIndex');
    for (let i = elementCount(this, 'findLastIndex') - 1; i >= 0; i--) if (fn.call(thisArg, this.get(i), i, this)) return i;
    return -1;
  },
  forEach(fn, thisArg) {
    needFn(fn, 'forEach');
    const n = elementCount(this, 'forEach');
    for (let i = 0; i < n; i++) fn.call(thisArg, this.get(i), i, this);
  },
  some(fn, thisArg) {
    needFn(fn, 'some');
    const n = elementCount(this, 'some');
    for (let i = 0; i < n; i++) if (fn.call(thisArg, this.get(i), i, this)) return true;
    return false;
  },
  every(fn, thisArg) {
    needFn(fn, 'every');
    const n = elementCount(this, 'every');
    for (let i = 0; i < n; i++) if (!fn.call(thisArg, this.get(i), i, this)) return false;
    return true;
  },
  map(fn, thisArg) {
    needFn(fn, 'map');
    const n = elementCount(this, 'map');
    checkPlainLength(this, 'map', n);
    const out = taggedArray();
    for (let i = 0; i < n; i++) out.push(fn.call(thisArg, this.get(i), i, this));
    return out;
  },
  filter(fn, thisArg) {
    needFn(fn, 'filter');
    const n = elementCount(this, 'filter');
    const out = taggedArray();
    for (let i = 0; i < n; i++) {
      const v = this.get(i);
      if (fn.call(thisArg, v, i, this)) {
        if (out.length === PLAIN_MAX) checkPlainLength(this, 'filter', PLAIN_MAX + 1);
        out.push(v);
      }
    }
    return out;
  },
  reduce(fn, ...init) {
    needFn(fn, 'reduce');
    const n = elementCount(this, 'reduce');
    let i = 0;
    let acc;
    if (init.length) acc = init[0];
    else if (n === 0) throw new TypeError('SharedArray.prototype.reduce: empty array with no initial value');
    else acc = this.get(i++);
    for (; i < n; i++) acc = fn(acc, this.get(i), i, this);
    return acc;
  },
  join(separator) {
    const sep = separator === undefined ? ',' : String(separator);
    const n = elementCount(this, 'join');
    return joinWith(this, () => {
      let out = '';
      for (let i = 0; i < n; i++) {
        if (i > 0) out += sep;
        const v = this.get(i);
        if (v !== undefined && v !== null) out += String(v);
      }
      return out;
    });
  },
  slice(start, end) {
    const n = elementCount(this, 'slice');
    const a = relIndex(start, n, 0);
    const b = relIndex(end, n, n);
    checkPlainLength(this, 'slice', b - a);
    const out = taggedArray();
    for (let i = a; i < b; i++) out.push(this.get(i));
    return out;
  },
  /** A plain JS array of the elements. */
  toArray() {
    elementCount(this, 'toArray');
    return ElementsProto.slice.call(this);
  },
  /** Fills elements `[start, end)` with `value`. */
  fill(value, start, end) {
    const n = elementCount(this, 'fill');
    const b = relIndex(end, n, n);
    for (let i = relIndex(start, n, 0); i < b; i++) this.set(i, value);
    return this;
  },
  keys() {
    return new ElementIterator(this, 1, 'keys');
  },
  values() {
    return new ElementIterator(this, 0, 'values');
  },
  entries() {
    return new ElementIterator(this, 2, 'entries');
  },
  [Symbol.iterator]() {
    return new ElementIterator(this, 0, '[Symbol.iterator]');
  },
  toString() {
    elementCount(this, 'toString');
    return ElementsProto.join.call(this, ',');
  },
  toJSON() {
    elementCount(this, 'toJSON');
    return toJSONWith(this, () => ElementsProto.slice.call(this));
  },
  [util.inspect.custom](depth, options, inspect) {
    if (inheritsOnly(this)) return { ...this };
    const t = entryOf(this);
    // Only the elements inspect shows (maxArrayLength, 100 by default); the array's length
    // is then set to the full count, so inspect prints "... N more items" as for a plain
    // array (building every element aborted the process for 120M elements).
    const n = elementCount(this, '[util.inspect.custom]');
    const max = options && typeof options.maxArrayLength === 'number' ? options.maxArrayLength : 100;
    const shown = Math.min(n, Math.max(0, Math.min(max, PLAIN_MAX)));
    return inspectWith(this, `${t.displayName()}(${n})`, depth, options, inspect, () => {
      const items = ElementsProto.slice.call(this, 0, shown);
      if (n > shown) items.length = n;
      return fieldsObject(this, t.fields, items);
    });
  },
};
for (const k of Reflect.ownKeys(ElementsProto)) Object.defineProperty(ElementsProto, k, { enumerable: false });
Object.defineProperty(ElementsProto, Symbol.toStringTag, { value: 'SharedArray' });
Object.setPrototypeOf(ElementsProto, rt.SharedObject.prototype);

/** Names an element type may not use for fields. */
const RESERVED_ELEMENT_NAMES = new Set(['length', 'get', 'set', ...Reflect.ownKeys(ElementsProto).filter((k) => typeof k === 'string')]);

// ---------------------------------------------------------------------------------------
// Class generation.

/**
 * Builds this thread's class for a type: { id, fields, elements, key } -> entry.
 * The entry's `make(off)` creates a wrapper for an existing object.
 */
function buildEntry(info, builtinName) {
  const { id, fields, elements } = info;
  const nf = fields.length;
  const FS = elements ? 2 : 1; // first field word
  const ES = FS + nf; // first element word
  const displayBase = builtinName || (info.key != null ? String(info.key) : 'SharedStruct');
  const where = elements
    ? (k) => (typeof k === 'number' ? `${entry.displayName()}[${k}]` : `${entry.displayName()}.${k}`)
    : (k) => `${entry.displayName()}.${k}`;

  // The class binding is a fixed internal name (registry keys are arbitrary strings); the
  // visible name is set afterwards. The source is compiled inside SharedObject's class body
  // (rt.compileIn), which keeps the offset in its private `#o` for the library's generic paths.
  // `#a` holds the wrapper's arena (which keeps it alive); `#p`, the offset again, is this
  // class's brand: only wrappers this class made have it, and nothing can add or forge it.
  // Every accessor checks it first, so an accessor taken off the prototype and called on
  // anything else (another struct type, a Mutex, a SharedMap, a copy) throws instead of
  // reading or writing at that object's offset with this type's layout; the same field then
  // gives the offset (checking one private name and reading another, SharedObject's `#o`,
  // made number reads and writes ~8% slower).
  let src = '(() => {\n';
  src += `const CTL_FROZEN = ${L.CTL_ANY_FROZEN};\n`;
  src += `const { F64, U32, I32, K, INTERNAL, SECRET, StructBase, opStart, allocObject, decodeTagged: D, writeSlot: W, attach, attachNew, fillUndefined, checkLength, allocElements, rangeError, getMiss, where, badThis, frozen, reg, setPrototypeOf: setProto, sealing, seal } = env;\n`;
  src += `class __SharedStruct__ extends StructBase {\n  #a;\n  #p = 0;\n${elements ? '  #n = 0;\n' : ''}  constructor(a, b) {\n    if (a === INTERNAL) {\n      super(SECRET, b);\n      this.#a = attach(this, b);\n      this.#p = b;\n${elements ? '      this.#n = U32[2 * b + 2];\n' : ''}    } else {\n      opStart();\n`;
  if (elements) {
    src += `      const n = checkLength(a);\n      const o = allocElements(${ES}, n, ${id});\n`;
    src += `      U32[2 * o + 2] = n;\n      U32[2 * o + 3] = 0;\n      fillUndefined(o + 2, ${nf} + n);\n`;
  } else {
    // Every object takes at least 2 words (wrapper slots are indexed by offset / 2).
    src += `      const o = allocObject(${Math.max(ES, 2)}, ${id});\n      const u = K[0];\n`;
    for (let k = 0; k < Math.max(nf, 1); k++) src += `      F64[o + ${FS + k}] = u;\n`;
  }
  // `new T()` in a thread that registered a subclass for the type makes an instance of it,
  // as every read of the type there does (else the object would change class once this
  // wrapper died and the object was read again).
  src += `      super(SECRET, o);\n      this.#a = attachNew(this, o);\n      this.#p = o;\n${elements ? '      this.#n = n;\n' : ''}      if (reg.proto !== null && new.target === __SharedStruct__) setProto(this, reg.proto);\n    }\n    if (sealing.on) seal(this);\n  }\n`;
  // The brand check must also give our TypeError for a primitive receiver (Reflect.get or
  // .call with this = 5), where `#p in this` itself throws. Getters test Object(this) (free
  // there); setters catch instead, since Object(this) made `new T()` + 6 writes ~25% slower.
  for (let k = 0; k < nf; k++) {
    const key = JSON.stringify(fields[k]);
    src += `  get [${key}]() { if (!(#p in Object(this))) badThis(this, ${key}); const i = this.#p + ${FS + k}; const v = F64[i]; return v === v ? v : D(v, i); }\n`;
    // A frozen object (header bit 31: a negative Int32) refuses writes (lib/freeze.js).
    src += `  set [${key}](x) { let b = false; try { b = #p in this; } catch {} if (!b) badThis(this, ${key}); const o = this.#p; if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(this, ${key}); const i = o + ${FS + k}; if (typeof x === 'number' && x === x) F64[i] = x; else W(i, x, where, ${key}); }\n`;
  }
  if (elements) {
    src += `  get length() { if (!(#p in Object(this))) badThis(this, 'length'); return this.#n; }\n`;
    src += `  get(i) { if (!(#p in Object(this))) badThis(this, 'get'); if (typeof i === 'number' && i >>> 0 === i && i < this.#n) { const j = this.#p + ${ES} + i; const v = F64[j]; return v === v ? v : D(v, j); } return getMiss(this, i); }\n`;
    src += `  set(i, x) { if (!(#p in Object(this))) badThis(this, 'set'); if (!(typeof i === 'number' && i >>> 0 === i && i < this.#n)) throw rangeError(this, i); const o = this.#p; if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(this, i); const j = o + ${ES} + i; if (typeof x === 'number' && x === x) F64[j] = x; else W(j, x, where, i); }\n`;
  }
  src += `}\nreturn __SharedStruct__;\n})()`;

  /** This thread's registered subclass prototype for the type (SharedStructType.register). */
  const reg = { proto: null };
  const env = {
    ...rt,
    reg,
    checkLength,
    allocElements,
    rangeError,
    getMiss,
    where,
    badThis(receiver, k) {
      throw new TypeError(`${where(k)}: called on ${rt.describe(receiver)}, which is not an instance of this struct type`);
    },
    frozen(receiver, k) {
      throw new TypeError(`${where(k)}: cannot write to a frozen shared object (shared-structs freeze())`);
    },
  };
  // The class is compiled under the type's own name when that is a plain identifier that
  // shadows nothing the generated code uses, so V8's messages name it ("Class constructor
  // Point cannot be invoked without 'new'", not __SharedStruct__).
  let cls = classIdentifier(displayBase);
  // Not a name the source already uses (a parameter or local of the constructor, a field
  // name in a string): renaming would make `new.target === __SharedStruct__` compare with it.
  if (cls !== '__SharedStruct__' && new RegExp(`(^|[^\\w$])${cls.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(src)) cls = '__SharedStruct__';
  if (cls !== '__SharedStruct__') src = src.replaceAll('__SharedStruct__', cls);
  // eslint-disable-next-line no-new-func
  const C = rt.compileIn(src, env);
  Object.defineProperty(C, 'name', { value: displayBase });
  const proto = C.prototype;
  const descs = Object.getOwnPropertyDescriptors(proto);
  // A field named "constructor" took the place of the prototype's own `constructor` key,
  // which comes first: re-add the fields in declaration order (for...in lists them so).
  if (fields.includes('constructor')) for (const k of fields) delete proto[k];
  for (const k of fields) {
    Object.defineProperty(proto, k, { get: descs[k].get, set: descs[k].set, enumerable: true, configurable: false });
  }
  if (elements) {
    Object.defineProperty(proto, 'length', { get: descs.length.get, enumerable: false, configurable: false });
    for (const m of ['get', 'set']) Object.defineProperty(proto, m, { value: descs[m].value, writable: false, enumerable: false, configurable: false });
  }
  Object.setPrototypeOf(proto, elements ? ElementsProto : StructProto);

  const slotOf = new Map();
  for (let k = 0; k < nf; k++) slotOf.set(fields[k], FS + k);
  const entry = {
    id,
    slotOf,
    elementsStart: elements ? ES : -1,
    key: info.key ?? null,
    fields: Object.freeze(fields.slice()),
    elements,
    C,
    Sub: null,
    reg,
    make: (off) => new C(INTERNAL, off),
    displayName() {
      return (entry.Sub && entry.Sub.name) || displayBase;
    },
  };
  // User code reached while this class was built (a Proxy on the global object's prototype
  // chain, patched builtins) may have loaded the same type meanwhile: keep that entry, so
  // every object of the type has one class in this thread.
  if (types[id] !== undefined) return types[id];
  types[id] = entry;
  return entry;
}

function checkLength(n) {
  if (n === undefined) return 0;
  if (typeof n !== 'number') throw new TypeError(`shared-structs: length must be a number, got ${rt.describe(n)}`);
  if (!(n >>> 0 === n) || n === MAX_LENGTH) throw new RangeError(`shared-structs: invalid length ${n} (an integer from 0 to ${MAX_LENGTH - 1})`);
  return n === 0 ? 0 : n; // -0 is a valid length, stored as 0
}

/** Allocates an element object: `headerWords` words (header, length, fields) plus n elements. */
function allocElements(headerWords, n, typeId) {
  const words = headerWords + n;
  if (words > rt.HEAP_WORDS) throw new RangeError(`shared-structs: ${n} elements do not fit in the shared heap`);
  return rt.allocObject(words, typeId);
}

/** `get(i)` past the fast path: undefined for a number index out of range, else TypeError. */
function getMiss(arr, i) {
  if (typeof i !== 'number') throw indexTypeError(arr, 'get', i);
  return undefined;
}

function indexTypeError(arr, method, i) {
  return new TypeError(`${entryOf(arr).displayName()}.${method}: the index must be a number, got ${rt.describe(i)}`);
}

/** The error for `set(i)` with an index that is not an integer in range. */
function rangeError(arr, i) {
  if (typeof i !== 'number') return indexTypeError(arr, 'set', i);
  return new RangeError(`${entryOf(arr).displayName()}: index ${i} is out of range (length ${arr.length})`);
}

/** This thread's entry for the struct behind `value` (any other value: a TypeError). */
function structEntry(value, fn) {
  const off = rt.receiverOffset(value, structType, `SharedStructType.${fn}`);
  return registry.entry(U32[2 * off] & L.TYPE_MASK);
}

/** This thread's entry for the object behind a wrapper. */
function entryOf(w) {
  const id = rt.typeIdOf(w);
  if (id < 0) throw new TypeError('shared-structs: not a shared object');
  return registry.entry(id);
}

/**
 * Builds this thread's entry for user struct type `id`, first met here (slow path: asks
 * Rust for its fields; lib/types.js calls it). undefined if Rust knows no such type.
 */
function loadUserType(id) {
  const info = native.typeInfo(id);
  return info ? buildEntry({ id, key: info.key, fields: info.fields, elements: info.elements }) : undefined;
}

// ---------------------------------------------------------------------------------------
// SharedStructType

/**
 * Fields per type. Each field is an accessor pair in the class source every thread
 * compiles; around 30,000 the compile overflowed the stack ("Maximum call stack size
 * exceeded", after the type was registered, so no thread could use it).
 */
const MAX_FIELDS = L.MAX_FIELDS;

function parseFieldNames(fieldNames) {
  if (fieldNames == null || typeof fieldNames[Symbol.iterator] !== 'function' || typeof fieldNames === 'string') {
    throw new TypeError('SharedStructType: field names must be an array of strings');
  }
  const fields = [];
  const seen = new Set();
  let i = 0;
  for (let f of fieldNames) {
    // Numbers are property keys, converted as V8 does (new SharedStructType([0, 4])).
    if (typeof f === 'number') f = String(f);
    if (typeof f !== 'string') {
      throw new TypeError(`SharedStructType: field name at index ${i} must be a string or a number, got ${typeof f === 'symbol' ? String(f) : rt.describe(f)}`);
    }
    if (seen.has(f)) throw new TypeError(`SharedStructType: duplicate field name ${JSON.stringify(f)}`);
    if (i >= MAX_FIELDS) throw new RangeError(`SharedStructType: at most ${MAX_FIELDS} fields (V8's --harmony-struct allows 999)`);
    checkWellFormed(f, 'field name');
    seen.add(f);
    fields.push(f);
    i++;
  }
  return fields;
}

/**
 * Field names and registry keys cross into Rust as UTF-8, where a lone surrogate would become
 * U+FFFD (two different names or keys would then be the same one): refuse them.
 */
function checkWellFormed(s, what) {
  if (!s.isWellFormed()) throw new TypeError(`SharedStructType: ${what} ${JSON.stringify(s)} contains a lone surrogate (field names and registry keys must be well-formed UTF-16)`);
}

/**
 * The registry key of `key` in `scope`: keys are process-wide, so test files that vitest's
 * threads pool runs in one process declare 'Point' in a scope each (docs/testing.md).
 * `scope` is options.scope when given (null: none), else SHARED_STRUCTS_KEY_SCOPE from this
 * thread's environment, which workers inherit (shared-structs/vitest sets it per test file).
 */
function scopedKey(key, scope) {
  if (scope === undefined) scope = process.env.SHARED_STRUCTS_KEY_SCOPE || null;
  if (scope === null) return key;
  if (typeof scope !== 'string') throw new TypeError(`SharedStructType: options.scope must be a string or null, got ${rt.describe(scope)}`);
  checkWellFormed(scope, 'key scope');
  return scope === '' ? key : `${key} (${scope})`;
}

function parseOptions(arg) {
  if (arg === undefined || arg === null) return { key: null, elements: false };
  if (typeof arg === 'string') {
    checkWellFormed(arg, 'registry key');
    return { key: scopedKey(arg, undefined), elements: false };
  }
  if (typeof arg === 'object') {
    const key = arg.key === undefined || arg.key === null ? null : arg.key;
    if (key !== null && typeof key !== 'string') throw new TypeError('SharedStructType: options.key must be a string');
    if (key !== null) checkWellFormed(key, 'registry key');
    return { key: key === null ? null : scopedKey(key, arg.scope), elements: !!arg.elements };
  }
  throw new TypeError(`SharedStructType: second argument must be a registry key string or an options object, got ${rt.describe(arg)}`);
}

/**
 * `new SharedStructType(fieldNames, keyOrOptions?)` returns a constructor for a shared
 * struct type. With a registry key, every thread that declares the same key and layout
 * gets a constructor for the same shared type.
 */
function SharedStructType(fieldNames, keyOrOptions) {
  if (!new.target) throw new TypeError("Class constructor SharedStructType cannot be invoked without 'new'");
  const fields = parseFieldNames(fieldNames);
  const { key, elements } = parseOptions(keyOrOptions);
  if (elements) {
    for (const f of fields) {
      if (toIndex(f) !== -1) throw new TypeError(`SharedStructType: field name ${JSON.stringify(f)} conflicts with element indices (elements: true)`);
      if (RESERVED_ELEMENT_NAMES.has(f)) throw new TypeError(`SharedStructType: field name ${JSON.stringify(f)} is reserved for element types`);
    }
  }
  const id = native.registerType(key, fields, elements);
  const entry = types[id] || buildEntry({ id, key, fields, elements });
  return entry.C;
}
// Struct constructors extend StructBase (a function), so `T instanceof SharedStructType` holds
// and `Object.getPrototypeOf(T) === SharedStructType.prototype`.
SharedStructType.prototype = rt.StructBase;

function isStructId(id) {
  return id >= L.FIRST_USER_TYPE;
}

Object.defineProperties(SharedStructType, {
  /** Whether `value` is a shared struct (of any type, from any thread). */
  isSharedStruct: {
    value: function isSharedStruct(value) {
      return isStructId(rt.typeIdOf(value));
    },
  },
  /**
   * Makes `Sub` (a class extending a shared struct constructor) this thread's class for
   * that type: every instance seen in this thread from now on is created with Sub.prototype.
   */
  register: {
    value: function register(Sub) {
      if (typeof Sub !== 'function') throw new TypeError('SharedStructType.register: expected a class');
      if (util.types.isProxy(Sub)) throw new TypeError('SharedStructType.register: expected a class, got a Proxy');
      // Sub.prototype is read once, here: making a wrapper must run no user code (a getter
      // for `prototype`, possible on a bound function, ran while the object being wrapped
      // was rooted only for the current operation, and could free it).
      const proto = Sub.prototype;
      if (proto === null || (typeof proto !== 'object' && typeof proto !== 'function')) throw new TypeError('SharedStructType.register: expected a class');
      let p = Object.getPrototypeOf(proto);
      while (p && !types.some((t) => t && t.C.prototype === p)) p = Object.getPrototypeOf(p);
      const entry = p && types.find((t) => t && t.C.prototype === p);
      if (!entry) throw new TypeError('SharedStructType.register: the class does not extend a shared struct type');
      if (!entry.reg) throw new TypeError(`SharedStructType.register: ${entry.displayName()} is a built-in class and cannot be registered`);
      entry.Sub = Sub;
      entry.reg.proto = proto;
      const C = entry.C;
      // The new.target of wrappers: its prototype is a plain data property (the snapshot).
      const target = function () {};
      Object.defineProperty(target, 'prototype', { value: proto, writable: false });
      entry.make = (off) => construct(C, [INTERNAL, off], target);
      return Sub;
    },
  },
  /** Field names of a shared struct, in declaration order. */
  keys: {
    value: function keys(value) {
      return structEntry(value, 'keys').fields.slice();
    },
  },
  /** Field values of a shared struct, in declaration order. */
  values: {
    value: function values(value) {
      return structEntry(value, 'values').fields.map((f) => value[f]);
    },
  },
  /** [name, value] pairs of a shared struct's fields, in declaration order. */
  entries: {
    value: function entries(value) {
      return structEntry(value, 'entries').fields.map((f) => [f, value[f]]);
    },
  },
});

// ---------------------------------------------------------------------------------------
// SharedArray: a built-in element type with no named fields.

const arrayEntry = buildEntry({ id: L.TYPE_ARRAY, key: null, fields: [], elements: true }, 'SharedArray');
const SharedArray = arrayEntry.C;

function fromValues(values) {
  const a = new SharedArray(values.length);
  for (let i = 0; i < values.length; i++) a.set(i, values[i]);
  return a;
}

Object.defineProperties(SharedArray, {
  /** Whether `value` is a SharedArray. */
  isSharedArray: {
    value: function isSharedArray(value) {
      return rt.typeIdOf(value) === L.TYPE_ARRAY;
    },
  },
  /** A new SharedArray holding the items of an iterable or array-like (optionally mapped). */
  from: {
    value: function from(items, mapFn, thisArg) {
      if (items == null) throw new TypeError('SharedArray.from: items is null or undefined');
      if (mapFn !== undefined && typeof mapFn !== 'function') throw new TypeError('SharedArray.from: mapFn is not a function');
      let values;
      let n;
      if (typeof items[Symbol.iterator] === 'function') {
        // An iterable is drained first (its length is unknown), into an array that keeps
        // NaN bits (taggedArray).
        values = taggedArray();
        for (const v of items) values.push(v);
        n = values.length;
      } else {
        // An array-like: its length is checked before anything is allocated (a plain copy of
        // `{ length: 1e9 }` made V8 abort the process).
        values = Object(items);
        n = checkLength(toLength(values.length));
      }
      const a = new SharedArray(n);
      // Elements (and mapFn's results) go straight into the shared array: a plain array of
      // numbers in between would canonicalize NaNs.
      for (let i = 0; i < n; i++) a.set(i, mapFn ? mapFn.call(thisArg, values[i], i) : values[i]);
      return a;
    },
  },
  /** A new SharedArray of the arguments. */
  of: {
    value: function of(...values) {
      return fromValues(values);
    },
  },
});

module.exports = { SharedStructType, SharedArray, entryOf, buildEntry, loadUserType, StructProto, checkLength };
