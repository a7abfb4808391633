'use strict';
// Wrapper identity: one JS wrapper per shared object per thread while it is reachable
// (docs/identity.md), and the base class every wrapper extends.
//
// Wrappers are grouped by the heap *page* (PAGE_WORDS words) their object starts in: each
// page this thread wraps objects of has an arena, a JS array of wrappers indexed by
// `(offset >>> 1) & SLOT_MASK` (objects are at least 2 words, so the index is unique). An
// arena holds its wrappers and every wrapper holds its arena, so an arena becomes garbage
// exactly when none of its wrappers is reachable. The lookup offset -> wrapper is
// `strong[pid[page]][slot]`: no hash table, no probing.
//
// The thread holds arenas strongly (`strong`) until it *demotes* them: the older half of a
// held list when it is full (2,048 pages made by constructors, 64 found by reads), one job
// after they were last held, after a shared-heap collection, in gc() and on a full heap.
// A demoted arena is held through a native weak reference (src/binding/arenas.rs), made for
// a whole batch in one native call; a read that meets a demoted page dereferences it once
// (a native call per page, not per object) and holds it again. A reference read on a held
// page makes no native call.
//
// Roots: the collector learns which objects this thread holds wrappers for from its *root
// bitmap* (one bit per heap word, plus a summary bit per page), which Rust allocated for
// this thread and reads at a safepoint. A bit is set when a wrapper is made; a page's bits
// are cleared when its arena is found dead (V8 collected every wrapper in it).

const native = require('./native');
const L = require('./layout');
const registry = require('./types');
const { U32, HEAP_WORDS } = require('./heap');
const { TID, C_PINS } = require('./thread');

// Builtins taken at load: making a wrapper and the arena bookkeeping call no builtin the
// program may have replaced (docs/gc.md, "Making a wrapper").
const queueMicrotaskOf = queueMicrotask;
const setImmediateOf = setImmediate;
const ReflectApply = Reflect.apply;
const Int32ArrayOf = Int32Array;
const arrayPush = Array.prototype.push;
const arrayPop = Array.prototype.pop;

/** This thread's type table (lib/types.js): type id -> { make(off), displayName(), ... }. */
const { types } = registry;

/** The symbol under which a wrapper keeps the word offset of its shared object. */
const OFF = Symbol('shared-structs.offset');
/** Passed as first constructor argument to make a wrapper for an existing object. */
const INTERNAL = Symbol('shared-structs.internal');

const PAGE_BITS = L.PAGE_BITS;
const SLOT_MASK = (1 << (PAGE_BITS - 1)) - 1;
const PAGES = Math.ceil(HEAP_WORDS / (1 << PAGE_BITS));

const rootBits = native.rootBitmap(TID);
/** Plane 0, one bit per heap word: set where this thread holds a wrapper (or is making one). */
const RB = new Uint32Array(rootBits.buffer, rootBits.bitsByteOffsets[0], rootBits.bitWords);
/** One bit per page: set while the page has an arena in this thread. */
const RS = new Uint32Array(rootBits.buffer, rootBits.summaryByteOffsets[0], rootBits.summaryWords);
/** Plane 1 and its page summary: objects this thread holds bulk handles for (lib/bulk.js). */
const HB = new Uint32Array(rootBits.buffer, rootBits.bitsByteOffsets[1], rootBits.bitWords);
const HS = new Uint32Array(rootBits.buffer, rootBits.summaryByteOffsets[1], rootBits.summaryWords);

/**
 * A new arena: the array of a page's wrapper slots itself (the page's id is pid[page]). A
 * fresh array of SLOT_MASK + 1 undefined elements, from an array literal: its elements are
 * its own from the start, so storing a wrapper never looks for a setter on Array.prototype
 * (as stores into a holey `new Array(n)` do, and a program may define one).
 */
// eslint-disable-next-line no-new-func
const newArena = new Function(`return [${'undefined,'.repeat(SLOT_MASK + 1)}];`);

/** page -> id of its current arena (0: none). */
const pid = new Int32ArrayOf(PAGES);
/**
 * arena id -> the arena while this thread holds it strongly, else undefined; index 0 (no
 * arena) stays undefined. Dense (ids are reused), so `strong[pid[page]]` is two loads. A JS
 * array indexed by page (2^19 entries for a 2 GiB heap) cost ~100 ms to create per thread,
 * or as much again to grow one push at a time to a page far into the heap.
 */
const strong = [undefined];
/** Arena id 0 is the canary (pruneAfterCollection); ids from 1. */
const CANARY = 0;
const MAX_ARENAS = L.MAX_ARENAS;
let nextArenaId = 1;
const freeArenaIds = [];
/** id -> page, wrappers made, and whether it has a native weak reference (1) or not (0). */
let arenaPage = new Int32ArrayOf(1024);
let arenaCount = new Int32ArrayOf(1024);
let weakMade = new Uint8Array(1024);

/**
 * Pages held strongly (their arena in `strong`), in the order they were held, in two lists:
 * pages whose arena a constructor made (`new T()`: the program holds those wrappers anyway,
 * holding their arenas costs little and keeps a structure built in one job and read in the
 * next native-free) and pages whose arena a read made or found again (a walk's wrappers are
 * mostly garbage at once: held, they survived V8's scavenges, which cost ~150 ns a wrapper
 * on a first-touch walk; a short window keeps re-reads of the last pages free). `old` counts
 * the pages at the front that were held before the last end of a job.
 */
class Held {
  constructor(max) {
    this.max = max;
    this.p = new Int32ArrayOf(max);
    this.n = 0;
    this.old = 0;
  }
}
const HELD_NEW = new Held(2048);
const HELD_READ = new Held(64);
/** Words of large objects this thread allocated since the last demotion (see allocRefill). */
let heldLargeWords = 0;
const LARGE_HOLD_MAX = 4 << 20; // 32 MB
/** Arenas demoted since the last prune (the canary is checked only past a few). */
let demotedSincePrune = 0;
let prunedCycle = U32[L.CTL_CYCLE];
let jobEndScheduled = false;

/** Grows the per-arena arrays to hold id `id`. */
function ensureArenaId(id) {
  if (id < strong.length) return;
  const n = Math.max(id + 1, 2 * arenaPage.length);
  const p = new Int32ArrayOf(n);
  p.set(arenaPage);
  arenaPage = p;
  const c = new Int32ArrayOf(n);
  c.set(arenaCount);
  arenaCount = c;
  const w = new Uint8Array(n);
  w.set(weakMade);
  weakMade = w;
  while (strong.length < n) ReflectApply(arrayPush, strong, [undefined]);
}

/** Holds the arena of page `p` strongly in list `h` (demoting its older half first when full). */
function holdPage(p, a, h) {
  if (h.n === h.max) demoteIn(h, h.max >>> 1);
  if (heldLargeWords > LARGE_HOLD_MAX) demote();
  strong[pid[p]] = a;
  h.p[h.n++] = p;
  if (!jobEndScheduled) {
    jobEndScheduled = true;
    queueMicrotaskOf(jobEnd);
  }
}

/** A new arena for page `p` (which has none alive), held in list `h`. */
function newPageArena(p, h) {
  const id = freeArenaIds.length !== 0 ? ReflectApply(arrayPop, freeArenaIds, []) : nextArenaId++;
  if (id >= MAX_ARENAS) throw new RangeError('shared-structs: too many pages of live wrappers in this thread');
  ensureArenaId(id);
  arenaPage[id] = p;
  arenaCount[id] = 0;
  weakMade[id] = 0;
  const a = newArena();
  pid[p] = id;
  RS[p >>> 5] |= 1 << (p & 31);
  holdPage(p, a, h);
  return a;
}

/**
 * The arena of page `p`, which is not held strongly but has one (pid[p] !== 0): from its
 * native weak reference (held strongly again), or undefined if V8 has collected it (its
 * roots are dropped then).
 */
function derefPage(p, h) {
  const id = pid[p];
  const a = native.arenaGet(id);
  if (a !== undefined) {
    holdPage(p, a, h);
    return a;
  }
  dropArena(id);
  return undefined;
}

/** The arena to put a new wrapper of page `p` in (made if the page has none alive). */
function pageArenaSlow(p, h) {
  if (pid[p] !== 0) {
    const a = derefPage(p, h);
    if (a !== undefined) return a;
  }
  return newPageArena(p, h);
}

/**
 * Forgets arena `id`, which V8 has collected: clears its page's root bits (if the page has
 * not moved on to a newer arena) and frees the id.
 */
function dropArena(id) {
  const p = arenaPage[id];
  if (pid[p] === id) {
    pid[p] = 0;
    const b = p << (PAGE_BITS - 5);
    for (let k = 0; k < 1 << (PAGE_BITS - 5); k++) RB[b + k] = 0;
    RS[p >>> 5] &= ~(1 << (p & 31));
  }
  arenaCount[id] = 0;
  weakMade[id] = 0;
  ReflectApply(arrayPush, freeArenaIds, [id]);
}

const demoteIds = [];
const demoteArenas = [];

/**
 * Lets go of the arenas held strongly, all but the `keep` held most recently: each gets a
 * native weak reference (all in one native call), so wrappers no longer reachable from the
 * program can die in V8's next collection. Reads of a demoted page dereference it again
 * (once). Keeping the recent half keeps a structure being built or walked native-free.
 */
function demote() {
  demoteIn(HELD_NEW, 0);
  demoteIn(HELD_READ, 0);
}

function demoteIn(h, keep) {
  const held = h.p;
  const heldN = h.n;
  const stop = keep < heldN ? heldN - keep : 0;
  let n = 0;
  for (let k = 0; k < stop; k++) {
    const p = held[k];
    const id = pid[p];
    const a = strong[id];
    if (a === undefined) continue;
    strong[id] = undefined;
    if (weakMade[id] === 0) {
      weakMade[id] = 1;
      demoteIds[n] = id;
      demoteArenas[n] = a;
      n++;
    }
  }
  for (let k = stop; k < heldN; k++) held[k - stop] = held[k];
  h.n = heldN - stop;
  h.old = h.old > stop ? h.old - stop : 0;
  heldLargeWords = 0;
  if (n !== 0) {
    demoteIds.length = n;
    demoteArenas.length = n;
    native.arenasWeak(demoteIds, demoteArenas);
    demoteArenas.length = 0;
    demotedSincePrune += n;
  }
}

/** Drops the roots of every arena V8 has collected (native weak references cleared). */
function pruneDead() {
  const dead = native.arenasDead(nextArenaId);
  for (let k = 0; k < dead.length; k++) {
    const id = dead[k];
    // Only arenas currently held weakly can have died (a freed id keeps its dead reference
    // until it is demoted again).
    if (weakMade[id] === 1) dropArena(id);
  }
  demotedSincePrune = 0;
  native.arenaWeak(CANARY, {});
}

/**
 * After a shared-heap collection: demote, so wrappers dropped since can die, and drop the
 * roots of arenas that died, so the next collection frees their objects. Also after a V8
 * collection (the canary died) once enough arenas were demoted. Runs at the end of a job
 * that held a page, and from the doorbell when the thread is idle during a collection.
 */
function pruneAfterCollection() {
  const cycle = U32[L.CTL_CYCLE];
  if (cycle !== prunedCycle) {
    prunedCycle = cycle;
    demoteIn(HELD_NEW, HELD_NEW.n >>> 1);
    demoteIn(HELD_READ, HELD_READ.n >>> 1);
    pruneDead();
  } else if (demotedSincePrune >= 16 && native.arenaGet(CANARY) === undefined) {
    pruneDead();
  }
}

/** End of a job that held a page. */
function jobEnd() {
  jobEndScheduled = false;
  // Pins left by frames a termination (a vm timeout) unwound without their `finally`. Pins
  // may also belong to frames still active (program code inside makeWrapper can drain
  // microtasks: process._tickCallback), so only a macrotask, where no library frame is
  // active, clears them.
  if (pinDepth !== 0 && !pinSweepScheduled) {
    pinSweepScheduled = true;
    const im = setImmediateOf(sweepPins);
    if (typeof im.unref === 'function') im.unref();
  }
  pruneAfterCollection();
  // Pages held since before the previous end of a job, and not found again since, are let
  // go: a structure made in one job and read in the next stays native-free, and a thread
  // that churns lets its garbage go one job later.
  for (const h of HELD_LISTS) {
    if (h.old !== 0) demoteIn(h, h.n - h.old);
    h.old = h.n;
  }
}
const HELD_LISTS = [HELD_NEW, HELD_READ];

/** Everything this thread holds strongly is let go (gc() and the full-heap recovery). */
function releaseHeld() {
  demote();
}

/**
 * The wrapper of the object at `off` if this thread holds its page's arena strongly (the
 * read caches' hit path, no call), else undefined.
 */
function heldWrapper(off) {
  const a = strong[pid[off >>> PAGE_BITS]];
  return a !== undefined ? a[(off >>> 1) & SLOT_MASK] : undefined;
}

/** The wrapper of the object at word offset `off` (the same JS object every time). */
function wrap(off) {
  const a = strong[pid[off >>> PAGE_BITS]];
  if (a !== undefined) {
    const w = a[(off >>> 1) & SLOT_MASK];
    if (w !== undefined) return w;
  }
  const w = findWrapper(off);
  return w !== undefined ? w : makeWrapper(off);
}

/** The live wrapper for `off` in this thread, if any (never creates one). */
function findWrapper(off) {
  const p = off >>> PAGE_BITS;
  let a = strong[pid[p]];
  if (a === undefined) {
    if (pid[p] === 0) return undefined;
    a = derefPage(p, HELD_READ);
    if (a === undefined) return undefined;
  }
  return a[(off >>> 1) & SLOT_MASK];
}

/** Cells of the pin stack proper. */
const PINS_STACK = L.TB_PINS_LEN - 1;
/** Pin-stack cells in use (cells at and above it are 0, unless a frame was terminated). */
let pinDepth = 0;

/**
 * Pushes `off` on this thread's pin stack (a root until popped). Use only where `off` is
 * still rooted by something else at the call (INFLIGHT, a young range, a slot re-checked).
 */
function pinPush(off) {
  if (pinDepth === PINS_STACK) throw new RangeError('shared-structs: shared reads nested too deeply (user code run while making wrappers or copying strings reads shared objects itself)');
  U32[C_PINS + pinDepth] = off;
  return pinDepth++;
}

let pinSweepScheduled = false;

/** From a macrotask (no library frame is active): drops pins terminated frames left. */
function sweepPins() {
  pinSweepScheduled = false;
  if (pinDepth !== 0) pinPop(0);
}

/** Pops the pin pushed at depth `d` (and any a terminated frame left above it). */
function pinPop(d) {
  while (pinDepth > d) U32[C_PINS + --pinDepth] = 0;
}

/**
 * The wrapper for `off`, which has none in this thread: makes it (its constructor attaches
 * it to its page's arena and sets its root bit). The object is rooted only by its caller's
 * pin (INFLIGHT, or the young ranges for open()) until its root bit is set, and making the
 * wrapper can reach user code (a type's first load: a Proxy on the global object's
 * prototype chain, builtins the program patched), whose own reads clear INFLIGHT and whose
 * operations drop the young ranges. So the object is on the pin stack until then.
 */
function makeWrapper(off) {
  const d = pinPush(off);
  try {
    const id = U32[2 * off] & L.TYPE_MASK;
    let t = types[id];
    if (t === undefined) {
      t = registry.load(id);
      // The load may have reached user code that read this object (and made its wrapper).
      const w = findWrapper(off);
      if (w !== undefined) return w;
    }
    const n0 = attachCount;
    const w = t.make(off);
    // Program code run inside make() (a builtin it replaced, reached by a constructor) could
    // have made wrappers itself: refuse rather than risk two wrappers for one object.
    if (attachCount !== n0 + 1) throw new TypeError('shared-structs: program code made shared-object wrappers while one was being made (a replaced builtin?); read the value again');
    return w;
  } finally {
    pinPop(d);
  }
}

/** Wrappers attached so far (makeWrapper checks that its make() attached exactly one). */
let attachCount = 0;

/**
 * Enters a new wrapper `w` of the object at `o` (called in constructors, after super()):
 * stores it in its page's arena and sets its root bit. Returns the arena, which the wrapper
 * keeps in a private field (its class's brand). The object must be rooted until this
 * returns (young range for a new object, the pin stack for one being wrapped).
 */
function attach(w, o) {
  return attachIn(w, o, HELD_READ);
}

/** attach() for the wrapper of a new object (`new T()`): its page is held in HELD_NEW. */
function attachNew(w, o) {
  return attachIn(w, o, HELD_NEW);
}

function attachIn(w, o, h) {
  const p = o >>> PAGE_BITS;
  let a = strong[pid[p]];
  if (a === undefined) a = pageArenaSlow(p, h);
  a[(o >>> 1) & SLOT_MASK] = w;
  arenaCount[pid[p]]++;
  RB[o >>> 5] |= 1 << (o & 31);
  attachCount++;
  return a;
}

/**
 * The base class of every wrapper (struct types, SharedArray, Mutex, Condition, SharedMutex,
 * SharedMap). `#o`, the object's word offset, is the brand of a genuine wrapper: only the
 * library's constructors can pass the key, so no copy ({...s}, Object.create(s)), proxy or
 * forgery carries it (docs/identity.md).
 */
const SECRET = Object.freeze({});
let brandOffset;
let compileIn;
class SharedObject {
  #o;
  constructor(key, o) {
    if (key !== SECRET) throw new TypeError('shared-structs: shared objects are made by their own constructors (new T(), new SharedArray(n), new Mutex(), ...)');
    this.#o = o;
  }
  /** The word offset, for the library's generic paths (non-enumerable; undefined on copies). */
  get [OFF]() {
    return typeof this === 'object' && this !== null && #o in this ? this.#o : undefined;
  }
  static {
    brandOffset = (v) => (#o in v ? v.#o : -1);
    // Generated wrapper classes are compiled inside this class body (a direct eval), so
    // their accessors read `this.#o` directly. Not reachable from outside the library.
    // eslint-disable-next-line no-eval
    compileIn = (src, env) => eval(src);
  }
}

/**
 * Whether wrappers are made non-extensible (Object.preventExtensions at the end of every
 * constructor). Off by default: it costs ~40 ns per wrapper, about as much as making the
 * rest of it, and the prototype chain already refuses undeclared properties (`s.z = 1`);
 * the polyfill turns it on for V8's exact semantics (docs/identity.md, docs/compat.md).
 */
const sealing = { on: false };
const preventExtensionsOf = Object.preventExtensions;
function seal(w) {
  preventExtensionsOf(w);
}

/** The base of generated struct classes (SharedStructType.prototype, for `instanceof`). */
class StructBase extends SharedObject {}

/** The word offset of `value` if it is a genuine wrapper in this thread, else -1. */
function offsetOf(value) {
  return typeof value === 'object' && value !== null ? brandOffset(value) : -1;
}

/**
 * Counts a large object this thread allocated (lib/alloc.js): past LARGE_HOLD_MAX words since
 * the last demotion, the next page held demotes everything first.
 */
function noteLargeAlloc(words) {
  heldLargeWords += words;
}

/**
 * Before a collection this thread asks for (gc(), a full heap): wrappers that died since
 * V8's last full collection still root their objects, so let go of every arena held, make
 * V8 collect, and drop the roots of the arenas that died. Allocation-free: a full heap must
 * not stop the collection that would empty it.
 */
function releaseForCollection() {
  releaseHeld();
  native.v8MemoryPressure();
  pruneDead();
}

/** After a collection this thread ran itself (gc()): it has pruned for that cycle. */
function collected() {
  prunedCycle = U32[L.CTL_CYCLE];
}

/** Wrappers and arenas of this thread (for heapStats().thread). */
function stats() {
  let wrappers = 0;
  let arenas = 0;
  for (let id = 1; id < nextArenaId; id++) {
    if (arenaCount[id] > 0) {
      wrappers += arenaCount[id];
      arenas++;
    }
  }
  return { wrappers, arenas, held: HELD_NEW.n + HELD_READ.n };
}

/** Debugging aid: the pages this thread holds arenas for. */
function debugArenas() {
  const out = [];
  for (let p = 0; p < PAGES; p++) {
    const id = pid[p];
    if (id !== 0) out.push({ id, page: p, wrappers: arenaCount[id], held: strong[id] !== undefined, weak: weakMade[id] === 1 });
  }
  return out;
}

module.exports = {
  OFF,
  INTERNAL,
  SECRET,
  SharedObject,
  StructBase,
  brandOffset,
  compileIn,
  sealing,
  seal,
  PAGE_BITS,
  HB,
  HS,
  offsetOf,
  wrap,
  heldWrapper,
  findWrapper,
  attach,
  attachNew,
  noteLargeAlloc,
  releaseForCollection,
  collected,
  pruneAfterCollection,
  stats,
  debugArenas,
};
