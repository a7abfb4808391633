'use strict';
// Bulk access to large graphs without a JS wrapper per object (docs/bulk.md).
//
// A *handle* is a number naming a shared object for this thread's current *session*:
// `session base + word offset`. Handing one out sets the object's bit in plane 1 of the
// thread's root bitmap (src/core/roots.rs), so the collector keeps the object until the
// session ends; `bulk.release()` (or the end of the outermost `bulk.session(fn)`) ends it,
// clearing those bits and moving to a new base. A handle is accepted only if its
// base is the current one AND its bit is set, so a stale handle (from an ended session), a
// forged number or a handle from another thread throws a TypeError; it never reads another
// object's memory. Views read and write fields by handle with the same slot code as the
// generated accessors, and give references back as handles.

const rt = require('./runtime');
const { checkLength } = require('./structs');
const L = require('./layout');
const { types } = require('./types');
const { F64, U32, HB, HS, PAGE_BITS, SF, SU } = rt;

const ReflectApply = Reflect.apply;
const arrayPush = Array.prototype.push;

/** Sessions wrap after 2^20 (handles stay below 2^53). */
const GEN_LIMIT = 1 << 20;
const TWO32 = 2 ** 32;
/** The current session's base, read by the generated view functions. */
const S = { base: process.env.BULK_SMI ? 0 : TWO32 };
let gen = 1;
/** Pages whose plane-1 summary bit this session set (cleared by release). */
const touched = [];
/** Nesting depth of bulk.session() calls running. */
let depth = 0;

/**
 * Sets the plane-1 bit of `off` (and its page's summary bit): the object is a root from
 * here. As source text, so the generated getters can do it inline: between loading an
 * offset from a slot and these stores there must be no call (a call is a possible safepoint,
 * where the object, reachable only through that slot, could be unlinked and freed).
 */
const PIN = (x) =>
  `{ const bi = ${x} >>> 5; const bm = 1 << (${x} & 31); const bb = HB[bi]; if ((bb & bm) === 0) { HB[bi] = bb | bm; const p = ${x} >>> ${PAGE_BITS}; const si = p >>> 5; const sm = 1 << (p & 31); const sb = HS[si]; if ((sb & sm) === 0) { HS[si] = sb | sm; touchPage(p); } } }`;

/** The handle of the object at `off`, which is rooted until the next safepoint anyway (young, wrapped). */
// eslint-disable-next-line no-new-func
const handleOf = new Function('HB', 'HS', 'S', 'touchPage', `return function handleOf(off) { ${PIN('off')} return S.base + off; };`)(HB, HS, S, touchPage);

function touchPage(p) {
  ReflectApply(arrayPush, touched, [p]);
}

/** Ends the session: every handle handed out so far becomes stale. */
function release() {
  const words = 1 << (PAGE_BITS - 5);
  for (let k = 0; k < touched.length; k++) {
    const p = touched[k];
    const b = p * words;
    for (let j = 0; j < words; j++) HB[b + j] = 0;
    HS[p >>> 5] &= ~(1 << (p & 31));
  }
  touched.length = 0;
  gen = gen + 1 === GEN_LIMIT ? 1 : gen + 1;
  S.base = gen * TWO32;
}

/** Throws the error for a number that is not a live handle of this session. */
function badHandle(h, what) {
  if (typeof h !== 'number') throw new TypeError(`${what}: expected a handle (a number from bulk.handle() or a view), got ${rt.describe(h)}`);
  const off = h >>> 0;
  if (h - off !== S.base) {
    throw new TypeError(`${what}: stale handle ${h} (not from this thread's current session: handles end with bulk.release() or the end of bulk.session())`);
  }
  throw new TypeError(`${what}: ${h} is not a handle this thread handed out in its current session`);
}

/** The offset behind handle `h` (any type), or a TypeError. */
function offsetOfHandle(h, what) {
  if (typeof h === 'number') {
    const off = h >>> 0;
    if (h - off === S.base && (HB[off >>> 5] & (1 << (off & 31))) !== 0) return off;
  }
  return badHandle(h, what);
}

/** Type error for a handle of another type. */
function wrongType(h, name, what) {
  const off = h >>> 0;
  const id = U32[2 * off] & L.TYPE_MASK;
  const t = types[id];
  const got = t !== undefined ? t.displayName() : `type ${id}`;
  throw new TypeError(`${what}: handle ${h} names ${/^[aeiou]/i.test(got) ? 'an' : 'a'} ${got}, not ${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`);
}

/** The handle of a shared object (a wrapper); valid until the session ends. */
function handle(obj) {
  const off = rt.offsetOf(obj);
  if (off < 0) throw new TypeError(`bulk.handle: expected a shared object, got ${rt.describe(obj)}`);
  return handleOf(off);
}

/** The wrapper (the usual JS object, with identity) of the object behind handle `h`. */
function object(h) {
  return rt.wrap(offsetOfHandle(h, 'bulk.object'));
}

/** Whether `h` is a live handle of this thread's current session. */
function isHandle(h) {
  if (typeof h !== 'number') return false;
  const off = h >>> 0;
  return h - off === S.base && (HB[off >>> 5] & (1 << (off & 31))) !== 0;
}

// ---------------------------------------------------------------------------------------
// Views: per type, functions that read and write fields by handle.

const viewCache = new Map();

/**
 * A view of struct type `T` (a SharedStructType constructor or SharedArray). `refs` names the
 * fields that hold shared objects (`true`: all named fields, and the elements): reading one
 * gives a handle (null and undefined as they are), writing one takes a handle or a shared
 * object. Other fields read and write exactly as through a wrapper. `elements: 'refs'` or
 * `'values'` says how the elements of an element type read, whatever `refs` says.
 */
function view(T, options) {
  const entry = entryOfClass(T);
  if (entry === undefined) throw new TypeError(`bulk.view: expected a struct type (a SharedStructType constructor) or SharedArray, got ${rt.describe(T)}`);
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError(`bulk.view: options must be an object, got ${rt.describe(options)}`);
  const refs = options === undefined ? undefined : options.refs;
  const elements = options === undefined ? undefined : options.elements;
  if (refs !== undefined && refs !== true && !Array.isArray(refs)) throw new TypeError('bulk.view: options.refs must be an array of field names or true');
  if (elements !== undefined && elements !== 'refs' && elements !== 'values') throw new TypeError("bulk.view: options.elements must be 'refs' or 'values'");
  const fields = entry.fields;
  const refSet = new Set();
  if (refs === true) for (const f of fields) refSet.add(f);
  else if (refs !== undefined) {
    for (const f of refs) {
      if (!fields.includes(f)) throw new TypeError(`bulk.view: ${entry.displayName()} has no field ${JSON.stringify(String(f))}`);
      refSet.add(f);
    }
  }
  const refElements = entry.elements && (elements === undefined ? refs === true : elements === 'refs');
  const key = `${entry.id}:${refElements ? 'E' : ''}:${[...refSet].sort().join('\u0000')}`;
  let v = viewCache.get(key);
  if (v === undefined) {
    v = buildView(entry, refSet, refElements);
    viewCache.set(key, v);
  }
  return v;
}

/** The thread's type entry for a struct constructor (or a registered subclass), if any. */
function entryOfClass(T) {
  if (typeof T !== 'function') return undefined;
  for (let id = 0; id < types.length; id++) {
    const t = types[id];
    if (t !== undefined && t.slotOf !== undefined && (t.C === T || t.Sub === T)) return t;
  }
  return undefined;
}

function buildView(entry, refSet, refElements) {
  const id = entry.id;
  const name = entry.displayName();
  const env = {
    F64,
    U32,
    I32: rt.I32,
    frozen(k) {
      throw new TypeError(`${name}.${k}: cannot write to a frozen shared object (shared-structs freeze())`);
    },
    HB,
    S,
    SF,
    SU,
    K: rt.K,
    D: rt.decodeTagged,
    W: rt.writeSlot,
    HS,
    handleOf,
    pinSlow: handleOf,
    touchPage,
    offsetOfHandle,
    fail(h) {
      const what = `${name} view`;
      offsetOfHandle(h, what);
      wrongType(h, name, what);
    },
    stale(b) {
      if (b === -1) throw new TypeError(`${name} cursor: not positioned (call at(handle) first)`);
      throw new TypeError(`${name} cursor: its session has ended (bulk.release() or the end of bulk.session()); position it again`);
    },
    refBits: rt.refBits,
    opStart: rt.opStart,
    allocObject: rt.allocObject,
    fillUndefined: rt.fillUndefined,
    checkLength,
    where: (k) => `${name}.${k}`,
    whereEl: (i) => `${name}[${i}]`,
  };
  // The checked offset of handle h: this session's base, its bit set, this type. One call
  // site for every failure keeps the getters small enough for V8 to inline several in a loop.
  const check = `let o = 0; if (typeof h !== 'number' || h - (o = h >>> 0) !== S.base || (HB[o >>> 5] & (1 << (o & 31))) === 0 || (U32[2 * o] & ${L.TYPE_MASK}) !== ${id}) fail(h);`;
  const TAG_REF = L.TAG_REF;
  // A reference slot: shared objects come back as handles; everything else is decoded as
  // usual, out of line. An object not yet handed out is published in the thread's INFLIGHT
  // cell (a root) right after the load, with no call in between (a call is a possible
  // safepoint, where an object reachable only through that slot could be unlinked and
  // freed), then its bits are set out of line (pinSlow). Kept small so that V8 inlines
  // several of these into one loop (each one not inlined boxes the handle it returns).
  const readRef = (i) =>
    `SF[0] = F64[${i}]; const hi = SU[1]; if (hi === ${TAG_REF}) { const x = SU[0]; if ((HB[x >>> 5] & (1 << (x & 31))) === 0) { U32[${rt.C_INFLIGHT}] = x; pinSlow(x); } return S.base + x; } if (hi === ${L.TAG_NULL}) return null; return other(${i});`;
  const writeRef = (i, label) =>
    `if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(${JSON.stringify(label)}); if (typeof x === 'number') { F64[${i}] = refBits(offsetOfHandle(x, ${JSON.stringify(`${name}.${label}`)})); } else W(${i}, x, where, ${JSON.stringify(label)});`;
  // `var`, not `const`: an inner function's read of an outer `const` carries a hole check
  // (TDZ) in its bytecode, and bytecode size is what V8's inlining budget counts.
  let src = `var CTL_FROZEN = ${L.CTL_ANY_FROZEN};\n`;
  src += `var { F64, U32, I32, frozen, HB, HS, S, SF, SU, K, D, W, handleOf, pinSlow, touchPage, offsetOfHandle, refBits, opStart, allocObject, fillUndefined, checkLength, where, whereEl, fail, stale } = env;\n`;
  // A reference slot that holds no shared object: a number, null, undefined, a string...
  src += 'function other(i) { const v = F64[i]; return v === v ? v : D(v, i); }\n';
  src += 'var get = Object.create(null);\nvar set = Object.create(null);\n';
  const FS = entry.elements ? 2 : 1;
  entry.fields.forEach((f, k) => {
    const i = `o + ${FS + k}`;
    const key = JSON.stringify(f);
    if (refSet.has(f)) {
      src += `get[${key}] = function (h) { ${check} ${readRef(i)} };\n`;
      src += `set[${key}] = function (h, x) { ${check} ${writeRef(i, f)} };\n`;
    } else {
      src += `get[${key}] = function (h) { ${check} const i = ${i}; const v = F64[i]; return v === v ? v : D(v, i); };\n`;
      src += `set[${key}] = function (h, x) { ${check} if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(${key}); const i = ${i}; if (typeof x === 'number' && x === x) F64[i] = x; else W(i, x, where, ${key}); };\n`;
    }
  });
  src += `var view = { get, set, type: ${JSON.stringify(name)} };\n`;
  const nf = entry.fields.length;
  if (entry.elements) {
    const ES = 2 + nf;
    src += `view.length = function (h) { ${check} return U32[2 * o + 2]; };\n`;
    const idx = `if (!(typeof i === 'number' && i >>> 0 === i && i < U32[2 * o + 2])) throw new RangeError(${JSON.stringify(`${name} view: index `)} + String(i) + ' is out of range (length ' + U32[2 * o + 2] + ')');`;
    if (refElements) {
      src += `view.at = function (h, i) { ${check} ${idx} ${readRef(`o + ${ES} + i`)} };\n`;
      src += `view.setAt = function (h, i, x) { ${check} ${idx} ${writeRef(`o + ${ES} + i`, 'element')} };\n`;
    } else {
      src += `view.at = function (h, i) { ${check} ${idx} const j = o + ${ES} + i; const v = F64[j]; return v === v ? v : D(v, j); };\n`;
      src += `view.setAt = function (h, i, x) { ${check} ${idx} if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(i); const j = o + ${ES} + i; if (typeof x === 'number' && x === x) F64[j] = x; else W(j, x, whereEl, i); };\n`;
    }
    // A new object of the type, its fields and n elements undefined, as a handle.
    src += `view.create = function (n) { opStart(); const len = checkLength(n); const o = allocObject(${ES} + len, ${id}); U32[2 * o + 2] = len; U32[2 * o + 3] = 0; fillUndefined(o + 2, ${nf} + len); return handleOf(o); };\n`;
  } else {
    const words = Math.max(1 + nf, 2);
    src += `view.create = function () { opStart(); const o = allocObject(${words}, ${id}); const u = K[0];`;
    for (let k = 1; k < words; k++) src += ` F64[o + ${k}] = u;`;
    src += ' return handleOf(o); };\n';
  }
  // Cursors: a reusable position (validated once by at()), whose accessors read and write the
  // fields of the object there with only a check that the session has not ended. Faster than
  // the functions above when several fields of an object are read; the position is a copy,
  // so reading another object means moving (read what you need first).
  const fieldName = (f) => (/^[A-Za-z_$][\w$]*$/.test(f) ? f : JSON.stringify(f));
  src += 'class Cursor {\n  #o = 0;\n  #b = -1;\n';
  src += '  at(h) { ' + check + ' this.#o = o; this.#b = S.base; return this; }\n';
  src += '  get handle() { if (this.#b !== S.base) stale(this.#b); return this.#b + this.#o; }\n';
  const cur = (body) => `{ const b = this.#b; if (b !== S.base) stale(b); const o = this.#o; ${body} }`;
  entry.fields.forEach((f, k) => {
    const i = `o + ${FS + k}`;
    const key = JSON.stringify(f);
    const prop = fieldName(f) === f ? f : `[${key}]`;
    if (refSet.has(f)) {
      src += `  get ${prop}() ${cur(readRef(i))}\n`;
      src += `  set ${prop}(x) ${cur(writeRef(i, f))}\n`;
    } else {
      src += `  get ${prop}() ${cur(`const i = ${i}; const v = F64[i]; return v === v ? v : D(v, i);`)}\n`;
      src += `  set ${prop}(x) ${cur(`if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(${key}); const i = ${i}; if (typeof x === 'number' && x === x) F64[i] = x; else W(i, x, where, ${key});`)}\n`;
    }
  });
  if (entry.elements) {
    const ES = 2 + nf;
    src += `  get length() ${cur('return U32[2 * o + 2];')}\n`;
    const idx = `if (!(typeof i === 'number' && i >>> 0 === i && i < U32[2 * o + 2])) throw new RangeError(${JSON.stringify(`${name} cursor: index `)} + String(i) + ' is out of range (length ' + U32[2 * o + 2] + ')');`;
    if (refElements) {
      src += `  item(i) ${cur(`${idx} ${readRef(`o + ${ES} + i`)}`)}\n`;
      src += `  setItem(i, x) ${cur(`${idx} ${writeRef(`o + ${ES} + i`, 'element')}`)}\n`;
    } else {
      src += `  item(i) ${cur(`${idx} const j = o + ${ES} + i; const v = F64[j]; return v === v ? v : D(v, j);`)}\n`;
      src += `  setItem(i, x) ${cur(`${idx} if (U32[CTL_FROZEN] !== 0 && I32[2 * o] < 0) frozen(i); const j = o + ${ES} + i; if (typeof x === 'number' && x === x) F64[j] = x; else W(j, x, whereEl, i);`)}\n`;
    }
  }
  src += '}\n';
  src += `Object.defineProperty(Cursor, 'name', { value: ${JSON.stringify(`${name}Cursor`)} });\n`;
  src += 'view.cursor = function (h) { const c = new Cursor(); return h === undefined ? c : c.at(h); };\n';
  src += 'view.is = function (h) { if (typeof h !== "number") return false; const o = h >>> 0; return h - o === S.base && (HB[o >>> 5] & (1 << (o & 31))) !== 0 && (U32[2 * o] & ' + L.TYPE_MASK + ') === ' + id + '; };\n';
  src += 'Object.freeze(get); Object.freeze(set);\nreturn Object.freeze(view);\n';
  // eslint-disable-next-line no-new-func
  return new Function('env', src)(env);
}

/**
 * Runs `fn()` and ends the session when it returns (or, if it returns a promise, when that
 * settles), unless an enclosing session is still running: handles made inside stay valid
 * until the outermost session ends.
 */
function session(fn) {
  if (typeof fn !== 'function') throw new TypeError(`bulk.session: expected a function, got ${rt.describe(fn)}`);
  depth++;
  let r;
  try {
    r = fn();
  } catch (e) {
    leave();
    throw e;
  }
  if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
    return Promise.resolve(r).finally(leave);
  }
  leave();
  return r;
}

function leave() {
  if (--depth === 0) release();
}

/** Statistics of this thread's bulk session. */
function stats() {
  let handles = 0;
  const words = 1 << (PAGE_BITS - 5);
  for (let k = 0; k < touched.length; k++) {
    for (let j = 0, b = touched[k] * words; j < words; j++) {
      let x = HB[b + j];
      while (x !== 0) {
        x &= x - 1;
        handles++;
      }
    }
  }
  return { handles, pages: touched.length, session: gen };
}

const bulk = Object.freeze({ handle, object, isHandle, view, session, release, stats });

module.exports = { bulk, handleOf, offsetOfHandle };
