'use strict';
// Mutex, Condition and SharedMutex: shared objects whose uncontended paths are one
// Atomics.compareExchange in JS; contention, timeouts, async waits and abandoned owners go
// to Rust (src/core/sync/, src/core/park.rs). Protocols and state tables: docs/locks.md.

const util = require('util');
const native = require('./native');
const L = require('./layout');
const rt = require('./runtime');
const { types } = require('./types');

const { I32, U32, BI64, INTERNAL, TID } = rt;

// The lock words' bits and the slow paths' result codes are Rust's (src/core/sync/, read
// through lib/layout.js). Mutex word: bits 0..29 owner thread id, bit 30 PARKED.
const M_PARKED = L.MUTEX_PARKED;
const M_OWNER = L.MUTEX_OWNER;
// SharedMutex state word: reader count, WRITER, WRITERS_PARKED, READERS_PARKED.
const RW_READERS = L.RW_READERS;
const RW_WRITER = L.RW_WRITER;
const RW_WRITERS_PARKED = L.RW_WRITERS_PARKED;
const RW_READERS_PARKED = L.RW_READERS_PARKED;
// core::sync::Acquire codes.
const ACQUIRED = L.ACQUIRED;
const ABANDONED = L.ABANDONED;
const TIMED_OUT = L.TIMED_OUT;
const ABORTED = L.ABORTED;
const QUEUED = L.QUEUED;

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

/**
 * The timeout and AbortSignal of an async wait: a number of milliseconds, or an options
 * object `{ timeout, signal }`. Returns { t (-1 = none), signal (or null) }.
 */
function asyncOptions(arg, fn) {
  if (arg === undefined || typeof arg === 'number') return { t: checkTimeout(arg, fn), signal: null, form: false };
  if (arg === null || typeof arg !== 'object') throw new TypeError(`${fn}: expected a timeout in milliseconds or an options object { timeout, signal }, got ${rt.describe(arg)}`);
  const signal = arg.signal === undefined || arg.signal === null ? null : arg.signal;
  if (signal !== null && !(signal instanceof AbortSignal)) throw new TypeError(`${fn}: options.signal must be an AbortSignal, got ${rt.describe(signal)}`);
  return { t: checkTimeout(arg.timeout, `${fn}: options.timeout`), signal, form: true };
}

/** Rejects at once with the signal's reason if it is already aborted. */
function throwIfAborted(signal) {
  if (signal !== null && signal.aborted) throw signal.reason;
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
 * With `ctl`, `ctl.drop()` takes a still-queued waiter off its queue and resolves to
 * { dropped: true } (a Condition wait whose hold ended: see "Holds lent to a wait").
 */
function waitAsync(index, deadline, queue, cancel = (id) => native.cancelAsync(index, TID, id), available = null, ctl = null, signal = null) {
  return new Promise((resolve) => {
    if (signal !== null && signal.aborted) {
      resolve({ aborted: true });
      return;
    }
    let timer = null;
    let poll = null;
    let onAbort = null;
    const done = (r) => {
      if (timer !== null) clearTimeout(timer);
      if (poll !== null) clearInterval(poll);
      if (onAbort !== null) signal.removeEventListener('abort', onAbort);
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
    if (ctl !== null) {
      ctl.drop = () => {
        if (cancel(id)) {
          rt.removeAsyncWaiter(id);
          done({ dropped: true });
        }
      };
    }
    if (signal !== null) {
      // Aborted: leave the queue, unless a wake-up (or a lock handed over) got there first,
      // which then resolves the wait as usual (nothing is left queued either way).
      onAbort = () => {
        if (cancel(id)) {
          rt.removeAsyncWaiter(id);
          done({ aborted: true });
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
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

/** The release functions a token may hold (filled once they are defined). */
const RELEASES = new Set();

/** Makes a token that does not hold its lock (unlock() returns false). */
let disown;
/** The hold record of a Mutex token, made on first use (see "Holds lent to a wait"). */
let tokenHold;

/** A held lock: `unlock()` or `[Symbol.dispose]()` releases it (`using lock = Mutex.lock(m)`). */
class UnlockToken {
  #lock;
  #release;
  /** The hold record of a Mutex token passed to a Condition wait (see "Holds lent to a wait"), else null. */
  #hold = null;
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
    r(this.#lock, this.#hold);
    return true;
  }
  [disposeSymbol]() {
    // This class's own unlock, on this class's tokens only (not any object's unlock()).
    if (!(#release in Object(this))) throw new TypeError(`UnlockToken.prototype[Symbol.dispose] called on ${rt.describe(this)}, which is not an UnlockToken`);
    UnlockToken.prototype.unlock.call(this);
  }
  static {
    disown = (t) => {
      t.#release = null;
      return t;
    };
    tokenHold = (t) => {
      if (t.#hold === null) t.#hold = newHold(t.#lock, false);
      return t.#hold;
    };
  }
}

// ---------------------------------------------------------------------------------------
// Built-in shared object classes.

function defineBuiltin(typeId, name, words, extra) {
  let has;
  const C = class extends rt.SharedObject {
    // The wrapper's arena (rt.attach keeps it alive), also this class's brand: only genuine
    // wrappers of this class have it; cheap to check.
    #arena;
    static {
      has = (v) => v !== null && typeof v === 'object' && #arena in v;
    }
    constructor(a, b) {
      if (a === INTERNAL) {
        super(rt.SECRET, b);
        this.#arena = rt.attach(this, b);
      } else {
        rt.opStart();
        const o = rt.allocObject(words, typeId);
        for (let k = 1; k < words; k++) rt.F64[o + k] = 0;
        super(rt.SECRET, o);
        this.#arena = rt.attachNew(this, o);
      }
      if (rt.sealing.on) rt.seal(this);
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name });
  // Their own brand before anything is read at the receiver's offset (a wrong receiver read
  // the lock word of whatever it named).
  const checked = (w, fn) => {
    if (!has(w)) throw new TypeError(`${name}.prototype.${fn} called on ${rt.describe(w)}, which is not a ${name}`);
    return w;
  };
  Object.defineProperty(C.prototype, util.inspect.custom, {
    value(depth, options, inspect) {
      return `${name} ${inspect(extra(checked(this, '[util.inspect.custom]')), { ...options, depth })}`;
    },
  });
  Object.defineProperty(C.prototype, 'toJSON', {
    value() {
      return extra(checked(this, 'toJSON'));
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
  return 2 * (rt.offsetOf(obj) + 1);
}

// ---------------------------------------------------------------------------------------
// Mutex

/** Outcome of an acquire: not acquired (try failed or timed out), acquired, or acquired from a dead owner. */
const NOT_ACQUIRED = 0;
const GOT = 1;
const GOT_ABANDONED = 2;

function mutexOwner(m) {
  return Atomics.load(I32, idx(m)) & M_OWNER;
}

function checkMutex(m, fn) {
  if (!isMutexBrand(m)) throw new TypeError(`${fn}: expected a Mutex, got ${rt.describe(m)}`);
}

// ---------------------------------------------------------------------------------------
// Holds lent to a wait.
//
// Condition.waitAsync releases the mutex and re-locks it after the wake-up on behalf of the
// hold it was called in: a lockAsync callback, a token, or a synchronous callback form. If
// that hold ends while the wait is still pending (a waitAsync that was not awaited), the
// hold no longer has the mutex: it must not release it (another thread, or another async
// hold of this thread, may own it by then), and the wait is dropped: taken off the
// condition's queue and resolved without re-locking, so no lock is left held that nobody
// can see and no waiter keeps the event loop alive.
//
// A wait knows the hold it was lent by from a record ({ m, lentTo, async }): a lockAsync
// hold's record is in `holders` while it owns the mutex (lockAsync is slow anyway); a token
// makes its record when it is passed to a wait (a Map update per token lock costs ~3x the
// token form). A wait given the Mutex itself with no lockAsync record has none (`hold`
// null): a synchronous callback form's, which ends before any wake-up can be delivered, or
// a token's, whose unlock() then finds it (mutexTokenRelease).

/** Per mutex word index: the lockAsync hold of this thread that owns it now. */
const holders = new Map();
/** Per mutex word index: the pending waitAsync calls that released it, oldest first. */
const lent = new Map();

function newHold(m, async) {
  return { m, lentTo: null, async };
}

/** The lockAsync hold that owns `m` now, or null. */
function holdOf(m, i) {
  const h = holders.get(i);
  return h !== undefined && h.m === m ? h : null;
}

/** Records that `wait` (a waitAsync) released mutex word `i` on behalf of `wait.hold`. */
function lend(i, wait) {
  const h = wait.hold;
  if (h !== null) {
    if (h.async && holders.get(i) === h) holders.delete(i);
    h.lentTo = wait;
  }
  const a = lent.get(i);
  if (a === undefined) lent.set(i, [wait]);
  else a.push(wait);
}

function forgetLent(i, wait) {
  const a = lent.get(i);
  if (a === undefined) return;
  const k = a.indexOf(wait);
  if (k >= 0) a.splice(k, 1);
  if (a.length === 0) lent.delete(i);
}

/** `wait` re-locked word `i`: its hold owns the mutex again. */
function unlend(i, wait) {
  forgetLent(i, wait);
  const h = wait.hold;
  if (h !== null) {
    h.lentTo = null;
    if (h.async) holders.set(i, h);
  }
}

/** The hold `wait` was lent by ended first: drop the wait (it will not re-lock). */
function orphan(i, wait) {
  wait.orphaned = true;
  forgetLent(i, wait);
  if (wait.hold !== null) wait.hold.lentTo = null;
  wait.drop();
}

/** The latest pending wait on word `i` lent by a hold without a record, or undefined. */
function unrecordedLent(i) {
  const a = lent.get(i);
  if (a !== undefined) {
    for (let k = a.length - 1; k >= 0; k--) if (a[k].hold === null) return a[k];
  }
  return undefined;
}

/**
 * Releases `m`. `hold` is a lockAsync hold's record (else absent): if a pending waitAsync
 * has the mutex on its behalf, the wait is dropped instead.
 */
function mutexRelease(m, hold) {
  const i = idx(m);
  if (hold) {
    if (hold.lentTo !== null) {
      orphan(i, hold.lentTo);
      return;
    }
    if (holders.get(i) === hold) holders.delete(i);
  }
  if (Atomics.compareExchange(I32, i, TID, 0) === TID) return;
  mutexReleaseSlow(i);
}

function mutexReleaseSlow(i) {
  if ((Atomics.load(I32, i) & M_OWNER) !== TID) {
    // Not ours any more: a waitAsync called in this hold (a synchronous callback form, or a
    // token given as the Mutex) released it and is still pending. The latest such wait is
    // this hold's (nested holds end first).
    const w = unrecordedLent(i);
    if (w !== undefined) {
      orphan(i, w);
      return;
    }
    throw new TypeError('Mutex: cannot unlock a mutex this thread does not hold');
  }
  if (!native.mutexUnlockSlow(i, TID)) throw new TypeError('Mutex: cannot unlock a mutex this thread does not hold');
}

/** The release of a Mutex token; `hold` is its record if it was passed to a wait, else null. */
function mutexTokenRelease(m, hold) {
  const i = idx(m);
  if (hold !== null && hold.lentTo !== null) {
    orphan(i, hold.lentTo);
    return;
  }
  if (holdOf(m, i) !== null) {
    // A lockAsync of this thread owns it: this token was lent to a wait given the Mutex
    // itself, and that lockAsync took the lock meanwhile. Not this token's to release.
    const w = unrecordedLent(i);
    if (w !== undefined) {
      orphan(i, w);
      return;
    }
    throw new TypeError('Mutex: cannot unlock: the mutex is held by a lockAsync of this thread, not by this token');
  }
  mutexRelease(m);
}

/** A token for a Mutex this thread just acquired. */
function mutexToken(m) {
  return new UnlockToken(m, mutexTokenRelease);
}

/**
 * Tries to acquire within timeoutMs (-1 = forever, 0 = a try). Returns NOT_ACQUIRED, GOT or
 * GOT_ABANDONED; throws if this thread holds it already (unless it is a try, which fails).
 */
function mutexTake(m, timeoutMs, fn) {
  const i = idx(m);
  if (Atomics.compareExchange(I32, i, 0, TID) === 0) return GOT;
  return mutexTakeContended(i, timeoutMs, fn);
}

/**
 * mutexTake after a failed CAS on word i. Spins on plain loads first: another CAS right
 * away would take the cache line from the owner for nothing (a failed CAS writes too).
 */
function mutexTakeContended(i, timeoutMs, fn) {
  if ((Atomics.load(I32, i) & M_OWNER) === TID) {
    // A try on a mutex this thread holds fails, as V8's tryLock (code that calls tryLock
    // right after lockAsync took the lock meets this); a blocking form would deadlock.
    if (timeoutMs === 0) return NOT_ACQUIRED;
    throw new TypeError(`${fn}: this thread already holds the mutex (locking it again would deadlock)`);
  }
  if (timeoutMs === 0) return slowTry(i, 0);
  let backoff = 1;
  for (let k = 0; k < SPIN; k++) {
    if (Atomics.load(I32, i) === 0 && Atomics.compareExchange(I32, i, 0, TID) === 0) return GOT;
    for (let j = 0; j < backoff; j++) spinSink = (spinSink + j) | 0;
    if (backoff < SPIN_BACKOFF_MAX) backoff <<= 1;
  }
  return slowTry(i, timeoutMs);
}

function slowTry(i, timeoutMs) {
  const code = native.mutexLockSlow(i, TID, timeoutMs, -1);
  checkAborted(code);
  return code === ABANDONED ? GOT_ABANDONED : code === ACQUIRED ? GOT : NOT_ACQUIRED;
}

/**
 * mutexTake for internal users (SharedMap): true or false, and an AbandonedMutexError (the
 * lock held, its token an unrecorded one) when the owner died.
 */
function mutexAcquire(m, timeoutMs, fn) {
  const r = mutexTake(m, timeoutMs, fn);
  if (r === GOT_ABANDONED) throw new AbandonedMutexError(m, new UnlockToken(m, mutexRelease));
  return r === GOT;
}

/** Token forms: a token, null (not acquired), or AbandonedMutexError carrying the token. */
function mutexTokenFor(m, got) {
  if (got === NOT_ACQUIRED) return null;
  const t = mutexToken(m);
  if (got === GOT_ABANDONED) throw new AbandonedMutexError(m, t);
  return t;
}

/**
 * Acquires without blocking the event loop; resolves to NOT_ACQUIRED, GOT or GOT_ABANDONED.
 * `hold`, if given, is recorded as the owner once acquired (see "Holds lent to a wait").
 */
async function mutexAcquireAsync(m, timeoutMs, hold = null, signal = null) {
  const i = idx(m);
  const got = await mutexAcquireAsyncCode(i, timeoutMs, signal);
  if (got !== NOT_ACQUIRED && hold !== null) holders.set(i, hold);
  return got;
}

async function mutexAcquireAsyncCode(i, timeoutMs, signal) {
  const deadline = deadlineOf(timeoutMs);
  for (;;) {
    throwIfAborted(signal);
    // Free (possibly with PARKED set by other waiters): take it keeping the PARKED bit, so a
    // waiter woken at its deadline never leaves a free mutex with others still parked.
    const s = Atomics.load(I32, i);
    if ((s & M_OWNER) === 0 && Atomics.compareExchange(I32, i, s, TID | (s & M_PARKED)) === s) return GOT;
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
      null,
      signal,
    );
    if (r.aborted) throw signal.reason;
    if (r.timedOut) return NOT_ACQUIRED;
    if (!r.woken) {
      checkAborted(r.code);
      if (r.code === ABANDONED) return GOT_ABANDONED;
      if (r.code === ACQUIRED) return GOT;
    }
    if (deadline !== Infinity && Date.now() >= deadline) {
      const s2 = Atomics.load(I32, i);
      if ((s2 & M_OWNER) === 0 && Atomics.compareExchange(I32, i, s2, TID | (s2 & M_PARKED)) === s2) return GOT;
      return NOT_ACQUIRED;
    }
  }
}

/**
 * Runs a callback form's callback holding the lock (`got` from an acquire), then releases.
 * A callback that acquired from a dead owner is called with `true` (the protected data may
 * be half-updated); otherwise with no argument, as V8 calls it.
 */
function runLocked(m, cb, got, release) {
  try {
    return got === GOT_ABANDONED ? cb(true) : cb();
  } finally {
    release(m);
  }
}

/** A callback form's result: `abandoned: true` is present only when the previous owner died. */
function lockResult(value, got) {
  return got === GOT_ABANDONED ? { success: true, value, abandoned: true } : { success: true, value };
}

function failed() {
  return { success: false, value: undefined };
}

const [Mutex, isMutexBrand] = defineBuiltin(L.TYPE_MUTEX, 'Mutex', 2, (m) => {
  const o = mutexOwner(m);
  return { locked: o !== 0, heldByThisThread: o === TID };
});

Object.defineProperties(Mutex, {
  /** Whether `value` is a Mutex. */
  isMutex: { value: (value) => isMutexBrand(value) },
  /**
   * `Mutex.lock(m, cb)` runs `cb` holding the lock and returns its result (unlocks on throw);
   * `cb(true)` if the previous owner died holding it. `Mutex.lock(m)` returns an unlock token
   * (`using lock = Mutex.lock(m)`), or throws AbandonedMutexError carrying it.
   */
  lock: {
    value: function lock(m, cb) {
      // Fast path (free mutex, callback form): one CAS each way, written out here so V8
      // compiles it as a unit with the caller's loop.
      if (typeof cb === 'function' && isMutexBrand(m)) {
        const i = 2 * (rt.offsetOf(m) + 1);
        if (Atomics.compareExchange(I32, i, 0, TID) !== 0 && mutexTakeContended(i, -1, 'Mutex.lock') === GOT_ABANDONED) {
          return runLocked(m, cb, GOT_ABANDONED, mutexRelease);
        }
        try {
          return cb();
        } finally {
          if (Atomics.compareExchange(I32, i, TID, 0) !== TID) mutexReleaseSlow(i);
        }
      }
      checkMutex(m, 'Mutex.lock');
      if (cb === undefined) return mutexTokenFor(m, mutexTake(m, -1, 'Mutex.lock'));
      checkFn(cb, 'Mutex.lock');
      return runLocked(m, cb, mutexTake(m, -1, 'Mutex.lock'), mutexRelease);
    },
  },
  /**
   * Runs `cb` if the lock is free right now: `{ success, value }` (`success` false, and no
   * call, if it is held, by this thread too). Never waits.
   */
  tryLock: {
    value: function tryLock(m, cb) {
      checkMutex(m, 'Mutex.tryLock');
      checkFn(cb, 'Mutex.tryLock');
      const got = mutexTake(m, 0, 'Mutex.tryLock');
      if (got === NOT_ACQUIRED) return failed();
      return lockResult(runLocked(m, cb, got, mutexRelease), got);
    },
  },
  /** Waits up to `timeoutMs` (required: a number of milliseconds, or Infinity) for the lock: `{ success, value }`. */
  lockWithTimeout: {
    value: function lockWithTimeout(m, cb, timeoutMs) {
      checkMutex(m, 'Mutex.lockWithTimeout');
      checkFn(cb, 'Mutex.lockWithTimeout');
      if (timeoutMs === undefined) throw new TypeError('Mutex.lockWithTimeout: timeout must be a number of milliseconds (Infinity for none), got undefined');
      const { t, signal, form } = asyncOptions(timeoutMs, 'Mutex.lockWithTimeout');
      if (signal !== null) throw new TypeError('Mutex.lockWithTimeout: a blocking wait cannot take an AbortSignal (use lockAsync)');
      const got = mutexTake(m, t, 'Mutex.lockWithTimeout');
      if (got === NOT_ACQUIRED) {
        if (form && t !== 0) throw lockTimeoutError(m, 'Mutex.lockWithTimeout', t);
        return failed();
      }
      return lockResult(runLocked(m, cb, got, mutexRelease), got);
    },
  },
  /**
   * Returns an unlock token if the lock is acquired within `timeoutMs` (default 0: also null
   * if this thread holds it), else null; AbandonedMutexError carrying the token if its owner died.
   */
  lockIfAvailable: {
    value: function lockIfAvailable(m, timeoutMs = 0) {
      checkMutex(m, 'Mutex.lockIfAvailable');
      const t = checkTimeout(timeoutMs, 'Mutex.lockIfAvailable');
      return mutexTokenFor(m, mutexTake(m, t, 'Mutex.lockIfAvailable'));
    },
  },
  /**
   * Acquires without blocking the event loop (synchronously if the lock is free); runs `cb`
   * (awaiting it if it returns a promise) and resolves to `{ success, value }`; `success` is
   * false if `timeoutMs` passed first. `cb(true)` and `abandoned: true` if the owner died.
   */
  lockAsync: {
    value: async function lockAsync(m, cb, timeoutOrOptions) {
      checkMutex(m, 'Mutex.lockAsync');
      checkFn(cb, 'Mutex.lockAsync');
      const { t, signal, form } = asyncOptions(timeoutOrOptions, 'Mutex.lockAsync');
      const hold = newHold(m, true);
      const got = await mutexAcquireAsync(m, t, hold, signal);
      if (got === NOT_ACQUIRED) {
        if (form) throw lockTimeoutError(m, 'Mutex.lockAsync', t);
        return failed();
      }
      try {
        return lockResult(await (got === GOT_ABANDONED ? cb(true) : cb()), got);
      } finally {
        mutexRelease(m, hold);
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

/**
 * The error of a re-lock after a wait that found the mutex abandoned. The lock is held again
 * by the hold the caller waited with (its token, or the enclosing callback form, which
 * releases it when the callback ends), so the error carries that token, or, when the Mutex
 * itself was passed, one whose unlock() does nothing: a fresh token released that hold
 * behind the caller's back (or, after `Mutex.lock(m, cb)` had released it, threw or
 * released a later hold).
 */
function reheldError(m, mutexOrToken) {
  return new AbandonedMutexError(m, mutexOrToken instanceof UnlockToken ? mutexOrToken : disown(new UnlockToken(m, mutexRelease)));
}

const [Condition, isConditionBrand] = defineBuiltin(L.TYPE_CONDITION, 'Condition', 2, (cv) => ({ waiters: Atomics.load(I32, idx(cv) + 1) }));

/** Condition.wait; `quiet`: an abandoned mutex found by the re-lock is not reported (the polyfill: V8 has no abandonment). */
function condWait(cv, mutexOrToken, timeoutMs, fn, quiet = false) {
  checkCondition(cv, fn);
  const m = heldMutex(mutexOrToken, fn);
  const t = checkTimeout(timeoutMs, fn);
  const s = idx(cv);
  const seq = Atomics.load(I32, s);
  // The hold stays recorded: this thread re-locks before anything else of it runs.
  mutexRelease(m);
  let code;
  try {
    // Rust counts this waiter (word 1 hi) for the duration of the call.
    code = native.condWait(s, TID, seq >>> 0, t);
  } finally {
    if (mutexTake(m, -1, fn) === GOT_ABANDONED && !quiet) throw reheldError(m, mutexOrToken);
  }
  checkAborted(code);
  return code === 1;
}

const noop = () => {};

/** Condition.waitAsync (see "Holds lent to a wait"); `quiet` as for condWait. */
async function condWaitAsync(cv, mutexOrToken, timeoutOrOptions, quiet = false) {
  checkCondition(cv, 'Condition.waitAsync');
  const m = heldMutex(mutexOrToken, 'Condition.waitAsync');
  const { t, signal } = asyncOptions(timeoutOrOptions, 'Condition.waitAsync');
  const s = idx(cv);
  const mi = idx(m);
  const seq = Atomics.load(I32, s) >>> 0;
  const wait = { hold: mutexOrToken instanceof UnlockToken ? tokenHold(mutexOrToken) : holdOf(m, mi), orphaned: false, drop: noop };
  mutexRelease(m);
  lend(mi, wait);
  let r = null;
  try {
    // Rust counts the waiter while it is queued (taken off by a notify, the cancel, or this
    // thread's exit).
    r = await waitAsync(
      s,
      deadlineOf(t),
      (id) => (native.condWaitAsync(s, TID, seq, id) ? QUEUED : ACQUIRED),
      (id) => native.condCancelAsync(s, TID, id),
      null,
      wait,
      signal,
    );
  } finally {
    await relock(m, mi, wait, mutexOrToken, quiet);
  }
  // Aborted: the mutex is held again (as after a timeout), then the signal's reason.
  if (r.aborted && !wait.orphaned) throw signal.reason;
  return r.dropped === true || !r.timedOut;
}

/** Re-locks after a waitAsync for the hold it was lent by, unless that hold has ended. */
async function relock(m, i, wait, mutexOrToken, quiet) {
  if (wait.orphaned) return;
  const got = await mutexAcquireAsync(m, -1);
  if (wait.orphaned) {
    // The hold ended while this re-locked: nobody is left to release it.
    mutexRelease(m);
    return;
  }
  unlend(i, wait);
  if (got === GOT_ABANDONED && !quiet) throw reheldError(m, mutexOrToken);
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
   * held again), false on timeout (also held again). A wait that is not awaited and
   * outlives its hold (the lockAsync callback or callback form ends, or the token is
   * unlocked) is dropped: it leaves the condition's queue and resolves true without the lock.
   */
  waitAsync: {
    value: function waitAsync_(cv, mutexOrToken, timeoutMs) {
      return condWaitAsync(cv, mutexOrToken, timeoutMs);
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

/**
 * Tries to take `m` (exclusively or shared) within timeoutMs (-1 = forever, 0 = a try).
 * Returns NOT_ACQUIRED, GOT or GOT_ABANDONED; a blocking form that would wait for this
 * thread's own hold throws (a try fails instead).
 */
function rwTake(m, exclusive, timeoutMs, fn) {
  const s = idx(m);
  if (exclusive) {
    if (Atomics.compareExchange(BI64, s >>> 1, 0n, RW_HELD_BY_ME) === 0n) return GOT;
    if ((Atomics.load(I32, s) & RW_WRITER) !== 0 && Atomics.load(I32, s + 1) === TID) {
      if (timeoutMs === 0) return NOT_ACQUIRED;
      throw new TypeError(`${fn}: this thread already holds the SharedMutex exclusively (locking it again would deadlock)`);
    }
    if (readHeld.has(s)) {
      if (timeoutMs === 0) return NOT_ACQUIRED;
      throw new TypeError(`${fn}: this thread holds the SharedMutex shared (taking it exclusively would deadlock; release the shared lock first)`);
    }
  } else {
    const v = Atomics.load(I32, s);
    if ((v & (RW_WRITER | RW_WRITERS_PARKED)) === 0 && (v & RW_READERS) < RW_READERS && casRead(s, v, freeReadCell())) return GOT;
    if ((v & RW_WRITER) !== 0 && Atomics.load(I32, s + 1) === TID) {
      if (timeoutMs === 0) return NOT_ACQUIRED;
      throw new TypeError(`${fn}: this thread holds the SharedMutex exclusively (a shared lock would deadlock)`);
    }
    if (readHeld.has(s) && joinRead(s)) return GOT;
  }
  const code = native.rwLockSlow(s, s + 1, TID, exclusive, timeoutMs, -1);
  checkAborted(code);
  if (!exclusive && (code === ACQUIRED || code === ABANDONED)) countRead(s); // cell: rwLockSlow
  return code === ABANDONED ? GOT_ABANDONED : code === ACQUIRED ? GOT : NOT_ACQUIRED;
}

/** Token forms: a token, null (not acquired), or AbandonedMutexError carrying the token. */
function rwTokenFor(m, exclusive, got) {
  if (got === NOT_ACQUIRED) return null;
  const t = new UnlockToken(m, exclusive ? rwRelease : rwReleaseShared);
  if (got === GOT_ABANDONED) throw new AbandonedMutexError(m, t);
  return t;
}

function acquiredAsync(s, exclusive, got) {
  // The cell was recorded by rwLockSlow, or by ackGrant for a lock handed over.
  if (!exclusive) countRead(s);
  return got;
}

/** Acquires without blocking the event loop; resolves to NOT_ACQUIRED, GOT or GOT_ABANDONED. */
async function rwAcquireAsync(m, exclusive, timeoutMs, signal = null) {
  const s = idx(m);
  throwIfAborted(signal);
  if (!exclusive && readHeld.has(s) && joinRead(s)) return GOT;
  const deadline = deadlineOf(timeoutMs);
  for (;;) {
    throwIfAborted(signal);
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
      null,
      signal,
    );
    if (r.aborted) throw signal.reason;
    if (r.timedOut) return NOT_ACQUIRED;
    if (r.woken && r.granted) return acquiredAsync(s, exclusive, GOT);
    if (!r.woken) {
      checkAborted(r.code);
      if (r.code === ABANDONED) return acquiredAsync(s, exclusive, GOT_ABANDONED);
      if (r.code === ACQUIRED) return acquiredAsync(s, exclusive, GOT);
    }
    if (deadline !== Infinity && Date.now() >= deadline) return NOT_ACQUIRED;
  }
}

const [SharedMutex, isSharedMutexBrand] = defineBuiltin(L.TYPE_SHARED_MUTEX, 'SharedMutex', 2, (m) => {
  const v = Atomics.load(I32, idx(m));
  return { exclusive: (v & RW_WRITER) !== 0, readers: v & RW_READERS };
});

/** The lock, try, timeout, token and async forms of one mode, with the Mutex's semantics. */
function rwApi(exclusive) {
  const suffix = exclusive ? '' : 'Shared';
  const release = exclusive ? rwRelease : rwReleaseShared;
  const name = (op) => `SharedMutex.${op}`;
  return {
    [`lock${suffix}`]: {
      value(m, cb) {
        const fn = name(`lock${suffix}`);
        checkShared(m, fn);
        if (cb === undefined) return rwTokenFor(m, exclusive, rwTake(m, exclusive, -1, fn));
        checkFn(cb, fn);
        return runLocked(m, cb, rwTake(m, exclusive, -1, fn), release);
      },
    },
    [`tryLock${suffix}`]: {
      value(m, cb) {
        const fn = name(`tryLock${suffix}`);
        checkShared(m, fn);
        checkFn(cb, fn);
        const got = rwTake(m, exclusive, 0, fn);
        if (got === NOT_ACQUIRED) return failed();
        return lockResult(runLocked(m, cb, got, release), got);
      },
    },
    [`lock${suffix}WithTimeout`]: {
      value(m, cb, timeoutMs) {
        const fn = name(`lock${suffix}WithTimeout`);
        checkShared(m, fn);
        checkFn(cb, fn);
        if (timeoutMs === undefined) throw new TypeError(`${fn}: timeout must be a number of milliseconds (Infinity for none), got undefined`);
        const got = rwTake(m, exclusive, checkTimeout(timeoutMs, fn), fn);
        if (got === NOT_ACQUIRED) return failed();
        return lockResult(runLocked(m, cb, got, release), got);
      },
    },
    [`lock${suffix}IfAvailable`]: {
      value(m, timeoutMs = 0) {
        const fn = name(`lock${suffix}IfAvailable`);
        checkShared(m, fn);
        return rwTokenFor(m, exclusive, rwTake(m, exclusive, checkTimeout(timeoutMs, fn), fn));
      },
    },
    [`lock${suffix}Async`]: {
      async value(m, cb, timeoutOrOptions) {
        const fn = name(`lock${suffix}Async`);
        checkShared(m, fn);
        checkFn(cb, fn);
        const { t, signal, form } = asyncOptions(timeoutOrOptions, fn);
        const got = await rwAcquireAsync(m, exclusive, t, signal);
        if (got === NOT_ACQUIRED) {
          if (form) throw lockTimeoutError(m, fn, t);
          return failed();
        }
        try {
          return lockResult(await (got === GOT_ABANDONED ? cb(true) : cb()), got);
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

// ---------------------------------------------------------------------------------------
// Introspection (docs/locks.md, "Who holds a lock").

// Every thread names itself by its worker_threads id, so that a lock's holder can be told.
native.setThreadLabel(TID, require('worker_threads').threadId, '');

/** A thread, as introspection reports it: its lock-word id, worker threadId, whether it lives. */
function threadRef(tid) {
  if (tid === 0) return null;
  const label = native.threadLabel(tid);
  return { tid, threadId: label ? label.threadId : null, alive: native.threadAlive(tid), current: tid === TID };
}

function describeThread(t) {
  if (t === null) return 'nobody';
  const who = t.current ? 'this thread' : t.threadId === null ? `thread ${t.tid}` : t.threadId === 0 ? 'the main thread' : `worker threadId ${t.threadId}`;
  return `${who} (lock id ${t.tid}${t.alive ? '' : ', dead: the lock is abandoned and the next locker takes it over'})`;
}

/**
 * Who holds `lock` and who waits for it: a Mutex `{ kind, locked, holder, waiters }`, a
 * SharedMutex `{ kind, exclusive, holder, readers, readerThreads, waiters }`, a Condition
 * `{ kind, waiters }`. Threads are `{ tid, threadId, alive, current }` (threadId: worker_threads').
 * A snapshot: the state may change right after.
 */
function lockInfo(lock) {
  if (isMutexBrand(lock)) {
    const i = idx(lock);
    const o = Atomics.load(I32, i) & M_OWNER;
    return { kind: 'Mutex', locked: o !== 0, holder: threadRef(o), waiters: native.lockWaiters(i) };
  }
  if (isSharedMutexBrand(lock)) {
    const s = idx(lock);
    const v = Atomics.load(I32, s);
    const exclusive = (v & RW_WRITER) !== 0;
    const holders = native.readLockHolders(s);
    return {
      kind: 'SharedMutex',
      exclusive,
      holder: exclusive ? threadRef(Atomics.load(I32, s + 1)) : null,
      readers: v & RW_READERS,
      readerThreads: [...new Set(holders)].map(threadRef),
      waiters: native.lockWaiters(s),
    };
  }
  if (isConditionBrand(lock)) return { kind: 'Condition', waiters: Atomics.load(I32, idx(lock) + 1) };
  throw new TypeError(`lockInfo: expected a Mutex, SharedMutex or Condition, got ${rt.describe(lock)}`);
}

/**
 * Thrown when a lock wait given its timeout as an options object (`{ timeout }`) times out;
 * the message names the holder. Numeric timeouts keep V8's `{ success: false }` result.
 */
class LockTimeoutError extends Error {
  constructor(message, lock, info) {
    super(message);
    this.name = 'LockTimeoutError';
    this.lock = lock;
    /** lockInfo(lock) when the wait gave up. */
    this.info = info;
  }
}

function lockTimeoutError(lock, fn, ms) {
  const info = lockInfo(lock);
  let held;
  if (info.kind === 'SharedMutex' && !info.exclusive) {
    held = info.readers > 0 ? `it is held shared by ${info.readers} reader(s): ${info.readerThreads.map(describeThread).join(', ') || 'unrecorded threads'}` : 'it was just released';
  } else {
    held = info.holder === null ? 'it was just released' : `it is held by ${describeThread(info.holder)}`;
  }
  return new LockTimeoutError(`${fn}: timed out after ${ms} ms waiting for the ${info.kind}; ${held}; ${info.waiters} waiter(s) queued`, lock, info);
}

// ---------------------------------------------------------------------------------------
// Sequence waits: a Condition object's word used as a futex (wait while its sequence is still
// `seq`), for the coordination types built in JS (Channel, Semaphore, Barrier). The waiter
// reads the sequence before it checks its condition; whoever changes the condition bumps the
// sequence after the change (futexWake), so a waiter that read the old sequence either sees
// the change or is woken (the sequence check is made in Rust under the queue lock).

/** u32 index of the sequence word of the Condition object at word offset `c`. */
function seqIndexOf(c) {
  return 2 * (c + 1);
}

/** Blocks while the sequence at `s` is `seq`, up to `timeoutMs` (-1: forever). True unless timed out. */
function futexWait(s, seq, timeoutMs) {
  const code = native.condWait(s, TID, seq >>> 0, timeoutMs);
  checkAborted(code);
  return code === 1;
}

/** Waits asynchronously while the sequence at `s` is `seq`: resolves { woken } / { timedOut } / { aborted }. */
function futexWaitAsync(s, seq, deadline, signal) {
  return waitAsync(
    s,
    deadline,
    (id) => (native.condWaitAsync(s, TID, seq >>> 0, id) ? QUEUED : ACQUIRED),
    (id) => native.condCancelAsync(s, TID, id),
    null,
    null,
    signal,
  );
}

/** Bumps the sequence at `s` and wakes up to `count` waiters (a native call only if some wait). */
function futexWake(s, count) {
  Atomics.add(I32, s, 1);
  if (Atomics.load(I32, s + 1) !== 0) native.condNotify(s, count);
}

/** The register-only spin of the Mutex's backoff (`turns` loop turns). */
function spinTurns(turns) {
  for (let j = 0; j < turns; j++) spinSink = (spinSink + j) | 0;
}

RELEASES.add(mutexRelease).add(mutexTokenRelease).add(rwRelease).add(rwReleaseShared);

module.exports = {
  Mutex,
  Condition,
  SharedMutex,
  UnlockToken,
  AbandonedMutexError,
  mutexAcquire,
  mutexRelease,
  // For the polyfill (V8's semantics: no abandonment reports from a Condition's re-lock;
  // argument errors of waitAsync thrown, not rejected).
  condWait,
  condWaitAsync,
  heldMutex,
  lockInfo,
  LockTimeoutError,
  // For the coordination types built on the lock and condition words (lib/channel.js,
  // lib/semaphore.js, lib/barrier.js) and the pool.
  asyncOptions,
  checkTimeout,
  throwIfAborted,
  deadlineOf,
  remainingMs,
  seqIndexOf,
  futexWait,
  futexWaitAsync,
  futexWake,
  spinTurns,
  defineBuiltinClass: defineBuiltin,
};
