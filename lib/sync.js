'use strict';
// Mutex, Condition and SharedMutex: shared objects whose uncontended paths are one
// Atomics.compareExchange in JS; contention, timeouts, async waits and abandoned owners go
// to Rust (src/core/sync.rs, src/core/park.rs). Protocols and state tables: docs/locks.md.

const util = require('util');
const native = require('./native');
const L = require('./layout');
const rt = require('./runtime');

const { I32, U32, BI64, OFF, NO_ARENA, INTERNAL, TID, types } = rt;

// Mutex word: bits 0..29 owner thread id, bit 30 PARKED.
const M_PARKED = 1 << 30;
const M_OWNER = M_PARKED - 1;
// SharedMutex state word.
const RW_READERS = (1 << 24) - 1;
const RW_WRITER = 1 << 24;
const RW_WRITERS_PARKED = 1 << 25;
const RW_READERS_PARKED = 1 << 26;
// core::sync::Acquire codes.
const ACQUIRED = 0;
const ABANDONED = 1;
const TIMED_OUT = 2;
const ABORTED = 3;
const QUEUED = 4;

// A contended acquire tries SPIN times in JS before the native slow path (which spins a
// little more, then parks). Between tries it waits an exponentially growing number of
// register-only loop turns, up to SPIN_BACKOFF_MAX (~20 us in all): a waiter that reads the
// lock word at full speed keeps pulling its cache line away from the owner, whose next
// lock then waits for the line. With the backoff, 2 threads doing 1,000,000 locked
// increments take ~45 ms instead of ~65 ms (bench/sync.js; Atomics.Mutex ~50 ms).
const SPIN = 64;
const SPIN_BACKOFF_MAX = 1024;
/** Written by the backoff loop so that the compiler cannot drop it. */
let spinSink = 0;
const disposeSymbol = Symbol.dispose || Symbol.for('nodejs.dispose');

/**
 * Thrown by a lock operation that acquired a mutex whose previous owner thread died while
 * holding it. The lock IS held by the caller when this is thrown: `error.token` releases it.
 * The next lock behaves normally.
 */
class AbandonedMutexError extends Error {
  constructor(mutex, token) {
    super('shared-structs: the mutex was abandoned: its owner thread exited while holding it. The lock is now held by this thread; release it with error.token.unlock() after checking the protected data.');
    this.name = 'AbandonedMutexError';
    this.mutex = mutex;
    this.token = token;
  }
}

function checkTimeout(ms, fn) {
  if (ms === undefined) return -1;
  if (typeof ms !== 'number' || ms !== ms) throw new TypeError(`${fn}: timeout must be a number of milliseconds, got ${ms !== ms ? 'NaN' : rt.describe(ms)}`);
  if (ms < 0) throw new RangeError(`${fn}: timeout must not be negative, got ${ms}`);
  return ms === Infinity ? -1 : ms;
}

function checkFn(cb, fn) {
  if (typeof cb !== 'function') throw new TypeError(`${fn}: callback must be a function, got ${rt.describe(cb)}`);
}

function checkAborted(code) {
  if (code === ABORTED) throw new Error('shared-structs: wait aborted because this thread is terminating');
}

function deadlineOf(ms) {
  return ms < 0 ? Infinity : Date.now() + ms;
}

function remainingMs(deadline) {
  return deadline === Infinity ? -1 : Math.max(0, deadline - Date.now());
}

/** The longest delay setTimeout takes as it is (Node fires longer ones after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits asynchronously: `queue(id)` asks Rust to queue async waiter `id` and returns
 * QUEUED, or another code if it resolved at once. Resolves to { code } or { timedOut }.
 */
function waitAsync(index, deadline, queue, cancel = (id) => native.cancelAsync(index, TID, id), available = null) {
  return new Promise((resolve) => {
    let timer = null;
    let poll = null;
    const done = (r) => {
      if (timer !== null) clearTimeout(timer);
      if (poll !== null) clearInterval(poll);
      resolve(r);
    };
    const id = rt.addAsyncWaiter((granted) => done({ woken: true, granted }));
    let code;
    try {
      code = queue(id);
    } catch (e) {
      rt.removeAsyncWaiter(id);
      throw e;
    }
    if (code !== QUEUED) {
      rt.removeAsyncWaiter(id);
      resolve({ woken: false, code });
      return;
    }
    if (deadline !== Infinity) {
      // setTimeout fires at once for delays of 2^31 ms or more: wait in steps below that.
      // Always through a timer (never synchronously here: `poll` below is not set up yet).
      const arm = () => {
        timer = setTimeout(expire, Math.min(Math.max(0, deadline - Date.now()), MAX_TIMER_MS));
      };
      const expire = () => {
        if (deadline - Date.now() > 0) arm();
        else if (cancel(id)) {
          rt.removeAsyncWaiter(id);
          done({ timedOut: true });
        }
      };
      arm();
    }
    // Lock waits also look at the lock every 50 ms: a wake-up meant for a waiter whose thread
    // died before its doorbell rang is then not lost (the lock is free but nobody retries).
    if (available !== null) {
      poll = setInterval(() => {
        if (available() && cancel(id)) {
          rt.removeAsyncWaiter(id);
          done({ woken: true, granted: false });
        }
      }, 50);
    }
  });
}

// ---------------------------------------------------------------------------------------
// Unlock tokens.

/** A held lock: `unlock()` or `[Symbol.dispose]()` releases it (`using lock = Mutex.lock(m)`). */
/** The release functions a token may hold (filled once they are defined). */
const RELEASES = new Set();

/** Makes a token that does not hold its lock (unlock() returns false). */
let disown;

class UnlockToken {
  #lock;
  #release;
  constructor(lock, release) {
    if (!RELEASES.has(release)) {
      throw new TypeError('UnlockToken: not constructible; tokens come from Mutex.lock(m), SharedMutex.lock(m) and their IfAvailable forms');
    }
    this.#lock = lock;
    this.#release = release;
  }
  /** Whether this token still holds its lock. */
  get locked() {
    return this.#release !== null;
  }
  /** The Mutex or SharedMutex this token locks. */
  get mutex() {
    return this.#lock;
  }
  /** Releases the lock; returns false if this token had already released it. */
  unlock() {
    const r = this.#release;
    if (r === null) return false;
    this.#release = null;
    r(this.#lock);
    return true;
  }
  [disposeSymbol]() {
    this.unlock();
  }
  static {
    disown = (t) => {
      t.#release = null;
      return t;
    };
  }
}

// ---------------------------------------------------------------------------------------
// Built-in shared object classes.

function defineBuiltin(typeId, name, words, extra) {
  let has;
  const C = class {
    // A private brand: only genuine wrappers of this class have it; cheap to check.
    #brand = true;
    static {
      has = (v) => v !== null && typeof v === 'object' && #brand in v;
    }
    [OFF] = 0;
    #arena = NO_ARENA; // keeps the wrapper's arena alive (rt.attach)
    constructor(a, b) {
      if (a === INTERNAL) {
        this[OFF] = b;
        this.#arena = rt.attach(this);
      } else {
        rt.opStart();
        const o = rt.allocObject(words, typeId);
        for (let k = 1; k < words; k++) rt.F64[o + k] = 0;
        this[OFF] = o;
        this.#arena = rt.attach(this);
        rt.insertWrapper(this, o);
      }
      rt.freeze(this); // as taken at load (docs/gc.md, "Making a wrapper")
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  Object.defineProperty(C.prototype, util.inspect.custom, {
    value(depth, options, inspect) {
      return `${name} ${inspect(extra(this), { ...options, depth })}`;
    },
  });
  Object.defineProperty(C.prototype, 'toJSON', {
    value() {
      return extra(this);
    },
  });
  types[typeId] = {
    id: typeId,
    key: null,
    fields: Object.freeze([]),
    elements: false,
    C,
    Sub: null,
    make: (off) => new C(INTERNAL, off),
    displayName: () => name,
  };
  // The class, and its brand check (kept off the class: isMutex & co. are the public forms).
  return [C, has];
}

function idx(obj) {
  return 2 * (obj[OFF] + 1);
}

// ---------------------------------------------------------------------------------------
// Mutex

function mutexOwner(m) {
  return Atomics.load(I32, idx(m)) & M_OWNER;
}

function checkMutex(m, fn) {
  if (!isMutexBrand(m)) throw new TypeError(`${fn}: expected a Mutex, got ${rt.describe(m)}`);
}

function mutexRelease(m) {
  const i = idx(m);
  if (Atomics.compareExchange(I32, i, TID, 0) === TID) return;
  if (!native.mutexUnlockSlow(i, TID)) throw new TypeError('Mutex: cannot unlock a mutex this thread does not hold');
}

/** Tries to acquire within timeoutMs (-1 = forever). Returns true, false (timed out), or throws. */
function mutexAcquire(m, timeoutMs, fn) {
  const i = idx(m);
  if (Atomics.compareExchange(I32, i, 0, TID) === 0) return true;
  return mutexAcquireContended(m, i, timeoutMs, fn);
}

/**
 * mutexAcquire after a failed CAS on word i. Spins on plain loads first: another CAS right
 * away would take the cache line from the owner for nothing (a failed CAS writes too).
 */
function mutexAcquireContended(m, i, timeoutMs, fn) {
  if ((Atomics.load(I32, i) & M_OWNER) === TID) {
    throw new TypeError(`${fn}: this thread already holds the mutex (locking it again would deadlock)`);
  }
  if (timeoutMs === 0) return slowTry(m, i, 0);
  let backoff = 1;
  for (let k = 0; k < SPIN; k++) {
    if (Atomics.load(I32, i) === 0 && Atomics.compareExchange(I32, i, 0, TID) === 0) return true;
    for (let j = 0; j < backoff; j++) spinSink = (spinSink + j) | 0;
    if (backoff < SPIN_BACKOFF_MAX) backoff <<= 1;
  }
  return slowTry(m, i, timeoutMs);
}

function slowTry(m, i, timeoutMs) {
  const code = native.mutexLockSlow(i, TID, timeoutMs, -1);
  checkAborted(code);
  if (code === ABANDONED) throw new AbandonedMutexError(m, new UnlockToken(m, mutexRelease));
  return code === ACQUIRED;
}

async function mutexAcquireAsync(m, timeoutMs) {
  const i = idx(m);
  const deadline = deadlineOf(timeoutMs);
  for (;;) {
    // Free (possibly with PARKED set by other waiters): take it keeping the PARKED bit, so a
    // waiter woken at its deadline never leaves a free mutex with others still parked.
    const s = Atomics.load(I32, i);
    if ((s & M_OWNER) === 0 && Atomics.compareExchange(I32, i, s, TID | (s & M_PARKED)) === s) return true;
    const r = await waitAsync(
      i,
      deadline,
      (id) => native.mutexLockSlow(i, TID, 0, id),
      undefined,
      // Free, or held by a thread that has died (one that exited just before this waiter
      // queued woke nobody): retry, and the retry reports the abandonment.
      () => {
        const o = Atomics.load(I32, i) & M_OWNER;
        return o === 0 || !native.threadAlive(o);
      },
    );
    if (r.timedOut) return false;
    if (!r.woken) {
      checkAborted(r.code);
      if (r.code === ABANDONED) throw new AbandonedMutexError(m, new UnlockToken(m, mutexRelease));
      if (r.code === ACQUIRED) return true;
    }
    if (deadline !== Infinity && Date.now() >= deadline) {
      const s2 = Atomics.load(I32, i);
      if ((s2 & M_OWNER) === 0 && Atomics.compareExchange(I32, i, s2, TID | (s2 & M_PARKED)) === s2) return true;
      return false;
    }
  }
}

function runLocked(m, cb, release) {
  try {
    return cb();
  } finally {
    release(m);
  }
}

const [Mutex, isMutexBrand] = defineBuiltin(L.TYPE_MUTEX, 'Mutex', 2, (m) => {
  const o = mutexOwner(m);
  return { locked: o !== 0, heldByThisThread: o === TID };
});

Object.defineProperties(Mutex, {
  /** Whether `value` is a Mutex. */
  isMutex: { value: (value) => isMutexBrand(value) },
  /**
   * `Mutex.lock(m, cb)` runs `cb` holding the lock and returns its result (unlocks on throw).
   * `Mutex.lock(m)` returns an unlock token (`using lock = Mutex.lock(m)`).
   */
  lock: {
    value: function lock(m, cb) {
      // Fast path (free mutex, callback form): one CAS each way, written out here so V8
      // compiles it as a unit with the caller's loop.
      if (typeof cb === 'function' && isMutexBrand(m)) {
        const i = 2 * (m[OFF] + 1);
        if (Atomics.compareExchange(I32, i, 0, TID) !== 0) mutexAcquireContended(m, i, -1, 'Mutex.lock');
        try {
          return cb();
        } finally {
          if (Atomics.compareExchange(I32, i, TID, 0) !== TID) mutexRelease(m);
        }
      }
      checkMutex(m, 'Mutex.lock');
      if (cb === undefined) {
        mutexAcquire(m, -1, 'Mutex.lock');
        return new UnlockToken(m, mutexRelease);
      }
      checkFn(cb, 'Mutex.lock');
      mutexAcquire(m, -1, 'Mutex.lock');
      return runLocked(m, cb, mutexRelease);
    },
  },
  /** Runs `cb` if the lock is free right now: `{ success, value }`. Never waits. */
  tryLock: {
    value: function tryLock(m, cb) {
      checkMutex(m, 'Mutex.tryLock');
      checkFn(cb, 'Mutex.tryLock');
      if (!mutexAcquire(m, 0, 'Mutex.tryLock')) return { success: false, value: undefined };
      return { success: true, value: runLocked(m, cb, mutexRelease) };
    },
  },
  /** Waits up to `timeoutMs` for the lock: `{ success, value }`. */
  lockWithTimeout: {
    value: function lockWithTimeout(m, cb, timeoutMs) {
      checkMutex(m, 'Mutex.lockWithTimeout');
      checkFn(cb, 'Mutex.lockWithTimeout');
      const t = checkTimeout(timeoutMs, 'Mutex.lockWithTimeout');
      if (!mutexAcquire(m, t, 'Mutex.lockWithTimeout')) return { success: false, value: undefined };
      return { success: true, value: runLocked(m, cb, mutexRelease) };
    },
  },
  /** Returns an unlock token if the lock is acquired within `timeoutMs` (default 0), else null. */
  lockIfAvailable: {
    value: function lockIfAvailable(m, timeoutMs = 0) {
      checkMutex(m, 'Mutex.lockIfAvailable');
      const t = checkTimeout(timeoutMs, 'Mutex.lockIfAvailable');
      return mutexAcquire(m, t, 'Mutex.lockIfAvailable') ? new UnlockToken(m, mutexRelease) : null;
    },
  },
  /**
   * Acquires without blocking the event loop; runs `cb` (awaiting it if it returns a promise)
   * and resolves to `{ success, value }`; `success` is false if `timeoutMs` passed first.
   */
  lockAsync: {
    value: async function lockAsync(m, cb, timeoutMs) {
      checkMutex(m, 'Mutex.lockAsync');
      checkFn(cb, 'Mutex.lockAsync');
      const t = checkTimeout(timeoutMs, 'Mutex.lockAsync');
      if (!(await mutexAcquireAsync(m, t))) return { success: false, value: undefined };
      try {
        return { success: true, value: await cb() };
      } finally {
        mutexRelease(m);
      }
    },
  },
});

// ---------------------------------------------------------------------------------------
// Condition: word 1 lo = sequence number, hi = number of waiters (so notify with nobody
// waiting makes no native call).

function checkCondition(cv, fn) {
  if (!isConditionBrand(cv)) throw new TypeError(`${fn}: expected a Condition, got ${rt.describe(cv)}`);
}

/** The mutex a wait releases: a Mutex held by this thread, or a held unlock token. */
function heldMutex(mutexOrToken, fn) {
  let m = mutexOrToken;
  if (mutexOrToken instanceof UnlockToken) {
    if (!mutexOrToken.locked) throw new TypeError(`${fn}: the unlock token has already been released`);
    m = mutexOrToken.mutex;
  }
  if (!isMutexBrand(m)) throw new TypeError(`${fn}: expected a Mutex or an unlock token of one, got ${rt.describe(mutexOrToken)}`);
  if (mutexOwner(m) !== TID) throw new TypeError(`${fn}: the mutex must be locked by this thread before waiting`);
  return m;
}

function reacquire(m, mutexOrToken) {
  // Re-locking after a wait: an abandoned mutex is reported the same way as by Mutex.lock.
  try {
    mutexAcquire(m, -1, 'Condition.wait');
  } catch (e) {
    throw reheld(e, mutexOrToken);
  }
}

/**
 * An AbandonedMutexError from the re-lock after a wait: the lock is held again by the hold
 * the caller waited with (its token, or the enclosing `Mutex.lock(m, cb)`, which releases it
 * when the callback ends), so the error carries that token, or, when the Mutex itself was
 * passed, one whose unlock() does nothing. A fresh token released that hold behind the
 * caller's back (or, after `Mutex.lock(m, cb)` had released it, threw or released a later
 * hold).
 */
function reheld(e, mutexOrToken) {
  if (e instanceof AbandonedMutexError) e.token = mutexOrToken instanceof UnlockToken ? mutexOrToken : disown(e.token);
  return e;
}

const [Condition, isConditionBrand] = defineBuiltin(L.TYPE_CONDITION, 'Condition', 2, (cv) => ({ waiters: Atomics.load(I32, idx(cv) + 1) }));

function condWait(cv, mutexOrToken, timeoutMs, fn) {
  checkCondition(cv, fn);
  const m = heldMutex(mutexOrToken, fn);
  const t = checkTimeout(timeoutMs, fn);
  const s = idx(cv);
  const seq = Atomics.load(I32, s);
  mutexRelease(m);
  let code;
  try {
    // Rust counts this waiter (word 1 hi) for the duration of the call.
    code = native.condWait(s, TID, seq >>> 0, t);
  } finally {
    reacquire(m, mutexOrToken);
  }
  checkAborted(code);
  return code === 1;
}

Object.defineProperties(Condition, {
  /** Whether `value` is a Condition. */
  isCondition: { value: (value) => isConditionBrand(value) },
  /**
   * Releases the mutex (held by this thread, given as the Mutex or its unlock token), waits
   * for a notify, and re-locks. Returns false on timeout, true when woken.
   */
  wait: {
    value: function wait(cv, mutexOrToken, timeoutMs) {
      return condWait(cv, mutexOrToken, timeoutMs, 'Condition.wait');
    },
  },
  /** Waits until `predicate()` is true or the timeout passes; returns the last predicate value. */
  waitFor: {
    value: function waitFor(cv, mutexOrToken, timeoutMs, predicate) {
      checkFn(predicate, 'Condition.waitFor');
      const t = checkTimeout(timeoutMs, 'Condition.waitFor');
      const deadline = deadlineOf(t);
      while (!predicate()) {
        const left = remainingMs(deadline);
        if (left === 0) return !!predicate();
        condWait(cv, mutexOrToken, left < 0 ? undefined : left, 'Condition.waitFor');
      }
      return true;
    },
  },
  /**
   * Like wait, without blocking the event loop: resolves to true when woken (the mutex is
   * held again), false on timeout (also held again).
   */
  waitAsync: {
    value: async function waitAsync_(cv, mutexOrToken, timeoutMs) {
      checkCondition(cv, 'Condition.waitAsync');
      const m = heldMutex(mutexOrToken, 'Condition.waitAsync');
      const t = checkTimeout(timeoutMs, 'Condition.waitAsync');
      const s = idx(cv);
      const seq = Atomics.load(I32, s) >>> 0;
      mutexRelease(m);
      let r;
      try {
        // Rust counts the waiter while it is queued (taken off by a notify, the cancel, or
        // this thread's exit).
        r = await waitAsync(
          s,
          deadlineOf(t),
          (id) => (native.condWaitAsync(s, TID, seq, id) ? QUEUED : ACQUIRED),
          (id) => native.condCancelAsync(s, TID, id),
        );
      } finally {
        try {
          await mutexAcquireAsync(m, -1);
        } catch (e) {
          throw reheld(e, mutexOrToken);
        }
      }
      return !r.timedOut;
    },
  },
  /** Wakes up to `count` waiters (default all); returns how many it woke. */
  notify: {
    value: function notify(cv, count = Infinity) {
      checkCondition(cv, 'Condition.notify');
      if (typeof count !== 'number') throw new TypeError(`Condition.notify: count must be a number, got ${rt.describe(count)}`);
      if (count !== count || count < 0) throw new RangeError(`Condition.notify: count must be a non-negative number, got ${String(count)}`);
      const s = idx(cv);
      Atomics.add(I32, s, 1);
      if (Atomics.load(I32, s + 1) === 0 || count === 0) return 0;
      return native.condNotify(s, count);
    },
  },
});

// ---------------------------------------------------------------------------------------
// SharedMutex: word 1 lo = state, hi = writer's thread id.

// Read locks this thread holds, by state-word index: recorded in the thread block (up to
// TB_READS_LEN holds, where Rust finds them if the thread exits holding them: it releases
// them, and the collector keeps their mutexes alive meanwhile) and counted here (all holds:
// taking a SharedMutex exclusively while holding it shared would deadlock).
const C_READS = rt.C_READS;
const READS_LEN = L.TB_READS_LEN;
const readHeld = new Map();

// The cells must match the reader count at every point a worker can be terminated, or its
// exit hook releases a hold it never had (another thread's) or leaves one held forever. A
// termination lands only where V8 checks for interrupts (function entries, loop back
// edges), so the fast paths pick their cell first, then CAS the count and write the cell
// with nothing in between but a plain store; the slow paths (native) record or clear the
// cell in Rust, in the same call that changes the count (docs/locks.md).

/** A free read cell of this thread, or -1 (64 holds: this one goes unrecorded). */
function freeReadCell() {
  for (let k = 0; k < READS_LEN; k++) if (U32[C_READS + k] === 0) return k;
  return -1;
}

/** A read cell of this thread recording `s`, or -1. */
function readCellOf(s) {
  for (let k = 0; k < READS_LEN; k++) if (U32[C_READS + k] === s) return k;
  return -1;
}

/**
 * Takes one more read hold on `s` if its state is still `v`, recording it in cell `k` (from
 * freeReadCell, picked before: nothing but a plain store may follow the CAS before the cell
 * is written).
 */
function casRead(s, v, k) {
  if (Atomics.compareExchange(I32, s, v, v + 1) !== v) return false;
  if (k >= 0) U32[C_READS + k] = s;
  countRead(s);
  return true;
}

function countRead(s) {
  readHeld.set(s, (readHeld.get(s) || 0) + 1);
}

function uncountRead(s) {
  const c = readHeld.get(s) || 0;
  if (c <= 1) readHeld.delete(s);
  else readHeld.set(s, c - 1);
}

function checkShared(m, fn) {
  if (!isSharedMutexBrand(m)) throw new TypeError(`${fn}: expected a SharedMutex, got ${rt.describe(m)}`);
}

/**
 * Word 1 of a SharedMutex held exclusively by this thread with nobody parked: state WRITER
 * (lo), owner TID (hi). The JS fast paths take and release an exclusive hold with one 64-bit
 * CAS of both words: with a CAS of the state and a store of the owner, a worker terminated
 * between the two left the lock WRITER with owner 0, which no later locker could recognise
 * as abandoned (every lock and lockShared then blocked forever).
 */
const RW_HELD_BY_ME = BigInt(RW_WRITER) | (BigInt(TID) << 32n);

function rwRelease(m) {
  const s = idx(m);
  if (Atomics.compareExchange(BI64, s >>> 1, RW_HELD_BY_ME, 0n) === RW_HELD_BY_ME) return;
  if (!native.rwUnlockSlow(s, s + 1, TID, true)) throw new TypeError('SharedMutex: cannot unlock: this thread does not hold it exclusively');
}

function rwReleaseShared(m) {
  const s = idx(m);
  const v = Atomics.load(I32, s);
  if ((v & (RW_WRITERS_PARKED | RW_READERS_PARKED)) === 0 && (v & RW_READERS) > 0) {
    const k = readCellOf(s);
    if (Atomics.compareExchange(I32, s, v, v - 1) === v) {
      if (k >= 0) U32[C_READS + k] = 0; // no call between the CAS and this store
      uncountRead(s);
      return;
    }
  }
  if (!native.rwUnlockSlow(s, s + 1, TID, false)) throw new TypeError('SharedMutex: cannot unlockShared: it is not locked shared');
  uncountRead(s); // the cell was cleared by rwUnlockSlow
}

/**
 * A shared lock for a thread that already holds `s` shared: join at once, even past a parked
 * writer (which waits for this thread's locks anyway: queuing behind it would deadlock).
 * Returns false only if the reader count is full.
 */
function joinRead(s) {
  const k = freeReadCell();
  for (;;) {
    const v = Atomics.load(I32, s);
    if ((v & RW_READERS) === RW_READERS) return false;
    if (casRead(s, v, k)) return true;
  }
}

function rwAcquire(m, exclusive, timeoutMs, fn) {
  const s = idx(m);
  if (exclusive) {
    if (Atomics.compareExchange(BI64, s >>> 1, 0n, RW_HELD_BY_ME) === 0n) return true;
    if ((Atomics.load(I32, s) & RW_WRITER) !== 0 && Atomics.load(I32, s + 1) === TID) {
      throw new TypeError(`${fn}: this thread already holds the SharedMutex exclusively (locking it again would deadlock)`);
    }
    if (readHeld.has(s)) {
      throw new TypeError(`${fn}: this thread holds the SharedMutex shared (taking it exclusively would deadlock; release the shared lock first)`);
    }
  } else {
    const v = Atomics.load(I32, s);
    if ((v & (RW_WRITER | RW_WRITERS_PARKED)) === 0 && (v & RW_READERS) < RW_READERS && casRead(s, v, freeReadCell())) return true;
    if ((v & RW_WRITER) !== 0 && Atomics.load(I32, s + 1) === TID) {
      throw new TypeError(`${fn}: this thread holds the SharedMutex exclusively (a shared lock would deadlock)`);
    }
    if (readHeld.has(s) && joinRead(s)) return true;
  }
  const code = native.rwLockSlow(s, s + 1, TID, exclusive, timeoutMs, -1);
  checkAborted(code);
  if (!exclusive && (code === ACQUIRED || code === ABANDONED)) countRead(s); // cell: rwLockSlow
  if (code === ABANDONED) throw new AbandonedMutexError(m, new UnlockToken(m, exclusive ? rwRelease : rwReleaseShared));
  return code === ACQUIRED;
}

function acquiredAsync(s, exclusive) {
  // The cell was recorded by rwLockSlow, or by ackGrant for a lock handed over.
  if (!exclusive) countRead(s);
  return true;
}

async function rwAcquireAsync(m, exclusive, timeoutMs) {
  const s = idx(m);
  if (!exclusive && readHeld.has(s) && joinRead(s)) return true;
  const deadline = deadlineOf(timeoutMs);
  for (;;) {
    const r = await waitAsync(
      s,
      deadline,
      (id) => native.rwLockSlow(s, s + 1, TID, exclusive, 0, id),
      (id) => native.rwCancelAsync(s, TID, id),
      () => {
        const v = Atomics.load(I32, s);
        if ((v & RW_WRITER) !== 0) {
          const o = Atomics.load(I32, s + 1);
          if (o !== 0 && !native.threadAlive(o)) return true; // a dead writer: retry (abandoned)
        }
        return exclusive ? (v & (RW_WRITER | RW_READERS)) === 0 : (v & (RW_WRITER | RW_WRITERS_PARKED)) === 0;
      },
    );
    if (r.timedOut) return false;
    if (r.woken && r.granted) return acquiredAsync(s, exclusive);
    if (!r.woken) {
      checkAborted(r.code);
      if (r.code === ABANDONED) {
        acquiredAsync(s, exclusive);
        throw new AbandonedMutexError(m, new UnlockToken(m, exclusive ? rwRelease : rwReleaseShared));
      }
      if (r.code === ACQUIRED) return acquiredAsync(s, exclusive);
    }
    if (deadline !== Infinity && Date.now() >= deadline) return false;
  }
}

const [SharedMutex, isSharedMutexBrand] = defineBuiltin(L.TYPE_SHARED_MUTEX, 'SharedMutex', 2, (m) => {
  const v = Atomics.load(I32, idx(m));
  return { exclusive: (v & RW_WRITER) !== 0, readers: v & RW_READERS };
});

function rwApi(exclusive) {
  const suffix = exclusive ? '' : 'Shared';
  const release = exclusive ? rwRelease : rwReleaseShared;
  const name = (op) => `SharedMutex.${op}`;
  return {
    [`lock${suffix}`]: {
      value(m, cb) {
        const fn = name(`lock${suffix}`);
        checkShared(m, fn);
        if (cb === undefined) {
          rwAcquire(m, exclusive, -1, fn);
          return new UnlockToken(m, release);
        }
        checkFn(cb, fn);
        rwAcquire(m, exclusive, -1, fn);
        return runLocked(m, cb, release);
      },
    },
    [`tryLock${suffix}`]: {
      value(m, cb) {
        const fn = name(`tryLock${suffix}`);
        checkShared(m, fn);
        checkFn(cb, fn);
        if (!rwAcquire(m, exclusive, 0, fn)) return { success: false, value: undefined };
        return { success: true, value: runLocked(m, cb, release) };
      },
    },
    [`lock${suffix}WithTimeout`]: {
      value(m, cb, timeoutMs) {
        const fn = name(`lock${suffix}WithTimeout`);
        checkShared(m, fn);
        checkFn(cb, fn);
        if (!rwAcquire(m, exclusive, checkTimeout(timeoutMs, fn), fn)) return { success: false, value: undefined };
        return { success: true, value: runLocked(m, cb, release) };
      },
    },
    [`lock${suffix}IfAvailable`]: {
      value(m, timeoutMs = 0) {
        const fn = name(`lock${suffix}IfAvailable`);
        checkShared(m, fn);
        return rwAcquire(m, exclusive, checkTimeout(timeoutMs, fn), fn) ? new UnlockToken(m, release) : null;
      },
    },
    [`lock${suffix}Async`]: {
      async value(m, cb, timeoutMs) {
        const fn = name(`lock${suffix}Async`);
        checkShared(m, fn);
        checkFn(cb, fn);
        const t = checkTimeout(timeoutMs, fn);
        if (!(await rwAcquireAsync(m, exclusive, t))) return { success: false, value: undefined };
        try {
          return { success: true, value: await cb() };
        } finally {
          release(m);
        }
      },
    },
  };
}

Object.defineProperties(SharedMutex, {
  /** Whether `value` is a SharedMutex. */
  isSharedMutex: { value: (value) => isSharedMutexBrand(value) },
  ...rwApi(true),
  ...rwApi(false),
});

RELEASES.add(mutexRelease).add(rwRelease).add(rwReleaseShared);

module.exports = { Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError, mutexAcquire, mutexRelease };
