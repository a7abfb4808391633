'use strict';
// Semaphore and Barrier: coordination objects in the shared heap (docs/coordination.md).
//
// Semaphore (TYPE_SEMAPHORE, 3 words): word 1 lo = permits (an int32 changed only by CAS or
// atomic add), slot = a Condition object whose sequence word is the wait. Acquire reads the
// sequence, then tries to take permits, then waits while the sequence is unchanged; release
// adds permits, then bumps the sequence and wakes every waiter (each wants its own count).
//
// Barrier (TYPE_BARRIER, 5 words): word 1 lo = lock word (the Mutex protocol); slots: a
// Condition object (its sequence is the generation), arrived (a number), parties. The last
// arrival of a generation resets arrived and bumps the generation; the others wait while the
// generation is the one they arrived in.

const util = require('util');
const L = require('./layout');
const rt = require('./runtime');
const { table } = require('./map');
const sync = require('./sync');
const native = require('./native');

const { F64, U32, I32, INTERNAL, types, offsetOf } = rt;
const { lock, unlock } = table;

const MAX_PERMITS = 2 ** 31 - 1;

function allocCondition() {
  const c = rt.allocObject(2, L.TYPE_CONDITION);
  F64[c + 1] = 0;
  return c;
}

function condSeq(o) {
  return sync.seqIndexOf(U32[2 * (o + 2)]);
}

function checkCount(n, fn, what) {
  if (n === undefined) return 1;
  if (typeof n !== 'number') throw new TypeError(`${fn}: ${what} must be a number, got ${rt.describe(n)}`);
  if (!(n >= 1 && n <= MAX_PERMITS && Math.floor(n) === n)) throw new RangeError(`${fn}: ${what} must be an integer from 1 to ${MAX_PERMITS}, got ${n}`);
  return n;
}

// ---------------------------------------------------------------------------------------
// Semaphore

function checkSemaphore(s, fn) {
  if (!Semaphore.isSemaphore(s)) throw new TypeError(`Semaphore.prototype.${fn}: receiver is not a Semaphore`);
}

/** Takes `n` permits if there are that many; never waits. */
function takePermits(i, n) {
  for (;;) {
    const p = Atomics.load(I32, i);
    if (p < n) return false;
    if (Atomics.compareExchange(I32, i, p, p - n) === p) return true;
  }
}

/**
 * A counting semaphore in the shared heap: `acquire` takes permits (waiting while there are
 * too few), `release` gives them back. Not fair (a waiter that wants many permits can be
 * overtaken by ones that want few), and permits are not owned: any thread may release, and
 * permits taken by a thread that dies are not given back.
 */
class Semaphore extends rt.SharedObject {
  #brand;
  constructor(permits) {
    if (permits === INTERNAL) {
      const o = arguments[1];
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    } else {
      if (typeof permits !== 'number') throw new TypeError(`Semaphore: permits must be a number, got ${rt.describe(permits)}`);
      if (!(permits >= 0 && permits <= MAX_PERMITS && Math.floor(permits) === permits)) throw new RangeError(`Semaphore: permits must be an integer from 0 to ${MAX_PERMITS}, got ${permits}`);
      rt.opStart();
      const o = rt.allocObject(3, L.TYPE_SEMAPHORE);
      U32[2 * o + 2] = permits;
      U32[2 * o + 3] = 0;
      F64[o + 2] = rt.refBits(allocCondition());
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    }
    if (rt.sealing.on) rt.seal(this);
  }

  /** Whether `value` is a Semaphore. */
  static isSemaphore(value) {
    return value !== null && typeof value === 'object' && #brand in value;
  }

  /** Permits available now. */
  get available() {
    checkSemaphore(this, 'available');
    return Atomics.load(I32, 2 * (offsetOf(this) + 1));
  }

  /** How many threads or async tasks wait in acquire now. */
  get waiting() {
    checkSemaphore(this, 'waiting');
    return Atomics.load(I32, condSeq(offsetOf(this)) + 1);
  }

  /** Takes `permits` (default 1) if available now; never waits. */
  tryAcquire(permits) {
    checkSemaphore(this, 'tryAcquire');
    const n = checkCount(permits, 'Semaphore.prototype.tryAcquire', 'permits');
    return takePermits(2 * (offsetOf(this) + 1), n);
  }

  /** Takes `permits` (default 1), waiting up to `timeoutMs` (default forever). False on timeout. */
  acquire(permits, timeoutMs) {
    checkSemaphore(this, 'acquire');
    const n = checkCount(permits, 'Semaphore.prototype.acquire', 'permits');
    const t = sync.checkTimeout(timeoutMs, 'Semaphore.prototype.acquire');
    const o = offsetOf(this);
    const i = 2 * (o + 1);
    const s = condSeq(o);
    const deadline = sync.deadlineOf(t);
    for (;;) {
      const seq = Atomics.load(I32, s);
      if (takePermits(i, n)) return true;
      const left = sync.remainingMs(deadline);
      if (left === 0) return false;
      sync.futexWait(s, seq, left);
    }
  }

  /**
   * Takes `permits` without blocking the event loop: resolves true, or false on timeout;
   * rejects with the signal's reason if aborted. `timeoutOrOptions`: ms or `{ timeout, signal }`.
   */
  async acquireAsync(permits, timeoutOrOptions) {
    checkSemaphore(this, 'acquireAsync');
    const n = checkCount(permits, 'Semaphore.prototype.acquireAsync', 'permits');
    const { t, signal } = sync.asyncOptions(timeoutOrOptions, 'Semaphore.prototype.acquireAsync');
    const o = offsetOf(this);
    const i = 2 * (o + 1);
    const s = condSeq(o);
    const deadline = sync.deadlineOf(t);
    for (;;) {
      sync.throwIfAborted(signal);
      const seq = Atomics.load(I32, s);
      if (takePermits(i, n)) return true;
      if (sync.remainingMs(deadline) === 0) return false;
      const w = await sync.futexWaitAsync(s, seq, deadline, signal);
      if (w.aborted) throw signal.reason;
    }
  }

  /** Gives back `permits` (default 1) and wakes the waiters. RangeError past 2^31 - 1 permits. */
  release(permits) {
    checkSemaphore(this, 'release');
    const n = checkCount(permits, 'Semaphore.prototype.release', 'permits');
    const o = offsetOf(this);
    const i = 2 * (o + 1);
    for (;;) {
      const p = Atomics.load(I32, i);
      if (p > MAX_PERMITS - n) throw new RangeError(`Semaphore.prototype.release: ${p} + ${n} permits exceed ${MAX_PERMITS}`);
      if (Atomics.compareExchange(I32, i, p, p + n) === p) break;
    }
    sync.futexWake(condSeq(o), Infinity);
  }

  /** Runs `cb` holding one permit (released when it returns or throws); returns its result. */
  withPermit(cb) {
    checkSemaphore(this, 'withPermit');
    if (typeof cb !== 'function') throw new TypeError(`Semaphore.prototype.withPermit: callback must be a function, got ${rt.describe(cb)}`);
    this.acquire();
    try {
      return cb();
    } finally {
      this.release();
    }
  }

  /** As withPermit, waiting without blocking the event loop; awaits `cb`'s promise before releasing. */
  async withPermitAsync(cb, timeoutOrOptions) {
    checkSemaphore(this, 'withPermitAsync');
    if (typeof cb !== 'function') throw new TypeError(`Semaphore.prototype.withPermitAsync: callback must be a function, got ${rt.describe(cb)}`);
    if (!(await this.acquireAsync(1, timeoutOrOptions))) return { success: false, value: undefined };
    try {
      return { success: true, value: await cb() };
    } finally {
      this.release();
    }
  }

  toJSON() {
    checkSemaphore(this, 'toJSON');
    return { available: this.available, waiting: this.waiting };
  }

  [util.inspect.custom](depth, options, inspect) {
    checkSemaphore(this, 'inspect');
    return `Semaphore ${inspect(this.toJSON(), { ...options, depth })}`;
  }
}
Object.defineProperty(Semaphore.prototype, Symbol.toStringTag, { value: 'Semaphore' });

// ---------------------------------------------------------------------------------------
// Barrier

const W_ARRIVED = 3;
const W_PARTIES = 4;

function checkBarrier(b, fn) {
  if (!Barrier.isBarrier(b)) throw new TypeError(`Barrier.prototype.${fn}: receiver is not a Barrier`);
}

/**
 * Arrives (under the lock): returns true if this arrival completed the generation (it was
 * released and its waiters woken), else the generation to wait out (as -1 - generation).
 */
function arrive(b, o) {
  const s = condSeq(o);
  let last = false;
  let gen;
  lock(b);
  try {
    gen = Atomics.load(I32, s) >>> 0;
    const n = F64[o + W_ARRIVED] + 1;
    if (n >= F64[o + W_PARTIES]) {
      F64[o + W_ARRIVED] = 0;
      // The generation moves under the lock: an arrival after this one belongs to the next.
      Atomics.add(I32, s, 1);
      last = true;
    } else {
      F64[o + W_ARRIVED] = n;
    }
  } finally {
    unlock(b);
  }
  if (last) {
    if (Atomics.load(I32, s + 1) !== 0) native.condNotify(s, Infinity);
    return true;
  }
  return -1 - gen;
}

/** A waiter whose wait ended without a new generation leaves (under the lock); true if it left, false if the generation moved first. */
function withdraw(b, o, gen) {
  lock(b);
  try {
    if (Atomics.load(I32, condSeq(o)) >>> 0 !== gen) return false;
    F64[o + W_ARRIVED] -= 1;
    return true;
  } finally {
    unlock(b);
  }
}

/**
 * A reusable barrier for `parties` threads (or async tasks): each calls `wait()`, which
 * returns once `parties` calls have arrived in the current generation; the last arrival gets
 * true, the others false. A wait that times out (null) or is aborted leaves the generation
 * (its arrival no longer counts), unless the generation completed first. An arrival by a
 * thread that dies still counts.
 */
class Barrier extends rt.SharedObject {
  #brand;
  constructor(parties) {
    if (parties === INTERNAL) {
      const o = arguments[1];
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    } else {
      if (typeof parties !== 'number') throw new TypeError(`Barrier: parties must be a number, got ${rt.describe(parties)}`);
      if (!(parties >= 1 && parties <= MAX_PERMITS && Math.floor(parties) === parties)) throw new RangeError(`Barrier: parties must be an integer from 1 to ${MAX_PERMITS}, got ${parties}`);
      rt.opStart();
      const o = rt.allocObject(5, L.TYPE_BARRIER);
      F64[o + 1] = 0;
      F64[o + 2] = rt.refBits(allocCondition());
      F64[o + W_ARRIVED] = 0;
      F64[o + W_PARTIES] = parties;
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    }
    if (rt.sealing.on) rt.seal(this);
  }

  /** Whether `value` is a Barrier. */
  static isBarrier(value) {
    return value !== null && typeof value === 'object' && #brand in value;
  }

  /** Arrivals a generation needs. */
  get parties() {
    checkBarrier(this, 'parties');
    return F64[offsetOf(this) + W_PARTIES];
  }

  /** Arrivals in the current generation so far. */
  get arrived() {
    checkBarrier(this, 'arrived');
    return F64[offsetOf(this) + W_ARRIVED];
  }

  /** Generations completed so far (modulo 2^32). */
  get generation() {
    checkBarrier(this, 'generation');
    return Atomics.load(I32, condSeq(offsetOf(this))) >>> 0;
  }

  /**
   * Arrives and blocks until the generation completes, up to `timeoutMs` (default forever):
   * true for the arrival that completed it, false for the others, null on timeout.
   */
  wait(timeoutMs) {
    checkBarrier(this, 'wait');
    const t = sync.checkTimeout(timeoutMs, 'Barrier.prototype.wait');
    const o = offsetOf(this);
    const r = arrive(this, o);
    if (r === true) return true;
    const gen = -1 - r;
    const s = condSeq(o);
    const deadline = sync.deadlineOf(t);
    while (Atomics.load(I32, s) >>> 0 === gen) {
      const left = sync.remainingMs(deadline);
      if (left === 0 || !sync.futexWait(s, gen, left)) {
        if (Atomics.load(I32, s) >>> 0 !== gen) break;
        if (sync.remainingMs(deadline) === 0) return withdraw(this, o, gen) ? null : false;
      }
    }
    return false;
  }

  /**
   * Arrives and waits without blocking the event loop: resolves as wait() does; rejects
   * with the signal's reason if aborted (the arrival withdrawn). `timeoutOrOptions`: ms or
   * `{ timeout, signal }`.
   */
  async waitAsync(timeoutOrOptions) {
    checkBarrier(this, 'waitAsync');
    const { t, signal } = sync.asyncOptions(timeoutOrOptions, 'Barrier.prototype.waitAsync');
    sync.throwIfAborted(signal);
    const o = offsetOf(this);
    const r = arrive(this, o);
    if (r === true) return true;
    const gen = -1 - r;
    const s = condSeq(o);
    const deadline = sync.deadlineOf(t);
    while (Atomics.load(I32, s) >>> 0 === gen) {
      const w = await sync.futexWaitAsync(s, gen, deadline, signal);
      if (w.aborted || w.timedOut) {
        if (!withdraw(this, o, gen)) return false;
        if (w.aborted) throw signal.reason;
        return null;
      }
    }
    return false;
  }

  toJSON() {
    checkBarrier(this, 'toJSON');
    return { parties: this.parties, arrived: this.arrived, generation: this.generation };
  }

  [util.inspect.custom](depth, options, inspect) {
    checkBarrier(this, 'inspect');
    return `Barrier ${inspect(this.toJSON(), { ...options, depth })}`;
  }
}
Object.defineProperty(Barrier.prototype, Symbol.toStringTag, { value: 'Barrier' });

for (const [id, C, name] of [
  [L.TYPE_SEMAPHORE, Semaphore, 'Semaphore'],
  [L.TYPE_BARRIER, Barrier, 'Barrier'],
]) {
  types[id] = {
    id,
    key: null,
    fields: Object.freeze([]),
    elements: false,
    C,
    Sub: null,
    make: (off) => new C(INTERNAL, off),
    displayName: () => name,
  };
}

module.exports = { Semaphore, Barrier };
