'use strict';
// Channel: a bounded multi-producer multi-consumer queue in the shared heap (docs/channel.md).
//
// Layout (type TYPE_CHANNEL, 10 words): word 1 lo = lock word (the Mutex protocol); slots:
// notEmpty and notFull (Condition objects, used as sequence waits), the ring buffer (a
// TYPE_ARRAY of `capacity` elements), head, count, closed (0/1), receivers waiting,
// senders waiting. Every change runs under the lock; waiters register under the lock before
// they release it, so a sender or receiver knows without a native call whether anybody
// needs waking.

const util = require('util');
const L = require('./layout');
const rt = require('./runtime');
const { table } = require('./map');
const sync = require('./sync');

const { F64, U32, INTERNAL, types, offsetOf, I32 } = rt;
const { lock, unlock } = table;

const W_NOT_EMPTY = 2;
const W_NOT_FULL = 3;
const W_BUF = 4;
const W_HEAD = 5;
const W_COUNT = 6;
const W_CLOSED = 7;
const W_RECV_WAITING = 8;
const W_SEND_WAITING = 9;
const CHANNEL_WORDS = 10;
const MAX_CAPACITY = 2 ** 26;

// A sync receiver (sender) that finds the channel empty (full) watches its count with plain
// loads for up to SPIN rounds of a growing register-only backoff (~20 us in all) before it
// parks: a producer on another core usually refills it sooner than a park and wake-up take.
const SPIN = 64;
const SPIN_BACKOFF_MAX = 1024;

const DONE = Object.freeze({ value: undefined, done: true });

/** Thrown by a send on a closed channel (also to senders waiting when it is closed). */
class ChannelClosedError extends Error {
  constructor(what = 'Channel') {
    super(`${what}: the channel is closed`);
    this.name = 'ChannelClosedError';
  }
}

function checkChannel(ch, fn) {
  if (!Channel.isChannel(ch)) throw new TypeError(`Channel.prototype.${fn}: receiver is not a Channel`);
}

function seqOf(o, w) {
  return sync.seqIndexOf(U32[2 * (o + w)]);
}

function checkValue(value, fn) {
  if (!rt.canBeShared(value)) throw new TypeError(`Channel.prototype.${fn}: cannot send ${rt.describe(value)}; only primitives and shared objects can be shared (see canBeShared)`);
}

function named(where) {
  return where;
}

// Outcomes of one attempt under the lock.
const OK = 0;
const FULL = 1;
const EMPTY = 1;
const CLOSED = 2;

/**
 * The slot bits of `value` for a blocking send, encoded before the lock is taken (a shorter
 * critical section). What the encoding allocates stays young until this thread's next
 * operation starts, and a blocking send starts none before it stores the bits (its waits
 * run no JS). Async sends encode under the lock instead (other tasks run while they wait).
 */
function preEncode(value, fn) {
  if (typeof value === 'number' && value === value) return value;
  rt.opStart();
  return rt.encodeValue(value, named, `Channel.prototype.${fn}`);
}

/** Passed as trySendOnce's value when its `bits` are already encoded. */
const ENCODED = Symbol('encoded');

/**
 * One send attempt (takes and releases the lock). `register`: if full, count this thread as
 * a waiting sender and return the notFull sequence read under the lock (as -1 - seq).
 * `value` is ENCODED for a blocking send, which passes its slot bits as `pre` (an argument:
 * a NaN box kept in an object property could be canonicalized).
 */
function trySendOnce(ch, o, value, fn, register, wasWaiting, pre = 0) {
  lock(ch);
  let wakeReceivers = false;
  try {
    if (wasWaiting) F64[o + W_SEND_WAITING] -= 1;
    if (F64[o + W_CLOSED] !== 0) return CLOSED;
    const count = F64[o + W_COUNT];
    const buf = U32[2 * (o + W_BUF)];
    const cap = U32[2 * buf + 2];
    if (count >= cap) {
      if (!register) return FULL;
      F64[o + W_SEND_WAITING] += 1;
      return -1 - (Atomics.load(I32, seqOf(o, W_NOT_FULL)) >>> 0);
    }
    let bits = value;
    if (value === ENCODED) {
      bits = pre;
    } else if (typeof value !== 'number' || value !== value) {
      rt.opStart();
      bits = rt.encodeValue(value, named, `Channel.prototype.${fn}`);
    }
    let tail = F64[o + W_HEAD] + count;
    if (tail >= cap) tail -= cap;
    // Straight-line stores: the element, then the count that publishes it.
    F64[buf + 2 + tail] = bits;
    F64[o + W_COUNT] = count + 1;
    wakeReceivers = F64[o + W_RECV_WAITING] > 0;
  } finally {
    unlock(ch);
  }
  if (wakeReceivers) sync.futexWake(seqOf(o, W_NOT_EMPTY), 1);
  return OK;
}

/** The value of the last successful tryReceiveOnce. */
let received;

/** One receive attempt, as trySendOnce. OK leaves the value in `received`. */
function tryReceiveOnce(ch, o, register, wasWaiting) {
  lock(ch);
  let wakeSenders = false;
  try {
    if (wasWaiting) F64[o + W_RECV_WAITING] -= 1;
    const count = F64[o + W_COUNT];
    if (count === 0) {
      if (F64[o + W_CLOSED] !== 0) return CLOSED;
      if (!register) return EMPTY;
      F64[o + W_RECV_WAITING] += 1;
      return -1 - (Atomics.load(I32, seqOf(o, W_NOT_EMPTY)) >>> 0);
    }
    const buf = U32[2 * (o + W_BUF)];
    const cap = U32[2 * buf + 2];
    const head = F64[o + W_HEAD];
    const slot = buf + 2 + head;
    const v = F64[slot];
    // A number is taken as it is; anything else is decoded (a wrapper made, a string read)
    // while the slot still roots it.
    const value = v === v ? v : rt.readSlot(slot);
    // Straight-line stores (a termination before them leaves the value in the channel).
    F64[slot] = rt.K[0];
    F64[o + W_HEAD] = head + 1 === cap ? 0 : head + 1;
    F64[o + W_COUNT] = count - 1;
    wakeSenders = F64[o + W_SEND_WAITING] > 0;
    received = value;
  } finally {
    unlock(ch);
  }
  if (wakeSenders) sync.futexWake(seqOf(o, W_NOT_FULL), 1);
  return OK;
}

/** Spins (plain loads) while the count is `busy` (the full capacity, or 0); true if it changed. */
function spinWhile(o, busy) {
  let backoff = 1;
  for (let k = 0; k < SPIN; k++) {
    if (F64[o + W_COUNT] !== busy || F64[o + W_CLOSED] !== 0) return true;
    sync.spinTurns(backoff);
    if (backoff < SPIN_BACKOFF_MAX) backoff <<= 1;
  }
  return false;
}

/**
 * A bounded multi-producer multi-consumer channel in the shared heap. Values are anything
 * shareable (shared objects travel by reference). `send` blocks while it is full, `receive`
 * while it is empty; both have try, timeout and async forms (with an AbortSignal). After
 * `close()`, sends throw ChannelClosedError and receivers drain what is left, then get
 * `{ done: true }`.
 */
class Channel extends rt.SharedObject {
  #brand;
  constructor(capacity = 64) {
    if (capacity === INTERNAL) {
      const o = arguments[1];
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    } else {
      if (typeof capacity !== 'number') throw new TypeError(`Channel: capacity must be a number, got ${rt.describe(capacity)}`);
      if (!(capacity >= 1 && capacity <= MAX_CAPACITY && Math.floor(capacity) === capacity)) throw new RangeError(`Channel: capacity must be an integer from 1 to ${MAX_CAPACITY}, got ${capacity}`);
      rt.opStart();
      const o = rt.allocObject(CHANNEL_WORDS, L.TYPE_CHANNEL);
      F64[o + 1] = 0;
      rt.fillUndefined(o + 2, CHANNEL_WORDS - 2);
      const cond = () => {
        const c = rt.allocObject(2, L.TYPE_CONDITION);
        F64[c + 1] = 0;
        return rt.refBits(c);
      };
      F64[o + W_NOT_EMPTY] = cond();
      F64[o + W_NOT_FULL] = cond();
      const buf = rt.allocObject(2 + capacity, L.TYPE_ARRAY);
      U32[2 * buf + 2] = capacity;
      U32[2 * buf + 3] = 0;
      rt.fillUndefined(buf + 2, capacity);
      F64[o + W_BUF] = rt.refBits(buf);
      F64[o + W_HEAD] = 0;
      F64[o + W_COUNT] = 0;
      F64[o + W_CLOSED] = 0;
      F64[o + W_RECV_WAITING] = 0;
      F64[o + W_SEND_WAITING] = 0;
      super(rt.SECRET, o);
      this.#brand = rt.attach(this, o);
    }
    if (rt.sealing.on) rt.seal(this);
  }

  /** Whether `value` is a Channel. */
  static isChannel(value) {
    return value !== null && typeof value === 'object' && #brand in value;
  }

  /** How many values it holds at most. */
  get capacity() {
    checkChannel(this, 'capacity');
    return U32[2 * U32[2 * (offsetOf(this) + W_BUF)] + 2];
  }

  /** How many values it holds now. */
  get size() {
    checkChannel(this, 'size');
    return F64[offsetOf(this) + W_COUNT];
  }

  /** Whether close() has been called. */
  get closed() {
    checkChannel(this, 'closed');
    return F64[offsetOf(this) + W_CLOSED] !== 0;
  }

  /**
   * Sends `value`, blocking while the channel is full, up to `timeoutMs` (default: forever).
   * True when sent, false on timeout; ChannelClosedError if it is (or gets) closed.
   */
  send(value, timeoutMs) {
    checkChannel(this, 'send');
    checkValue(value, 'send');
    const t = sync.checkTimeout(timeoutMs, 'Channel.prototype.send');
    const o = offsetOf(this);
    const deadline = sync.deadlineOf(t);
    const bits = preEncode(value, 'send');
    let waiting = false;
    for (;;) {
      const r = trySendOnce(this, o, ENCODED, 'send', t !== 0, waiting, bits);
      waiting = false;
      if (r === OK) return true;
      if (r === CLOSED) throw new ChannelClosedError('Channel.prototype.send');
      if (r === FULL) return false;
      waiting = true;
      const seq = -1 - r;
      if (!spinWhile(o, U32[2 * U32[2 * (o + W_BUF)] + 2])) {
        const left = sync.remainingMs(deadline);
        if (left === 0 || !sync.futexWait(seqOf(o, W_NOT_FULL), seq, left)) {
          if (trySendOnce(this, o, ENCODED, 'send', false, true, bits) === OK) return true;
          if (F64[o + W_CLOSED] !== 0) throw new ChannelClosedError('Channel.prototype.send');
          if (sync.remainingMs(deadline) === 0) return false;
          waiting = false;
        }
      }
    }
  }

  /** Sends `value` if there is room now: true if sent, false if full. ChannelClosedError if closed. */
  trySend(value) {
    checkChannel(this, 'trySend');
    checkValue(value, 'trySend');
    const r = trySendOnce(this, offsetOf(this), ENCODED, 'trySend', false, false, preEncode(value, 'trySend'));
    if (r === CLOSED) throw new ChannelClosedError('Channel.prototype.trySend');
    return r === OK;
  }

  /**
   * Sends without blocking the event loop: resolves true when sent, false on timeout;
   * rejects with ChannelClosedError if closed, or with the signal's reason if aborted.
   * `timeoutOrOptions`: milliseconds, or `{ timeout, signal }`.
   */
  async sendAsync(value, timeoutOrOptions) {
    checkChannel(this, 'sendAsync');
    checkValue(value, 'sendAsync');
    const { t, signal } = sync.asyncOptions(timeoutOrOptions, 'Channel.prototype.sendAsync');
    const o = offsetOf(this);
    const deadline = sync.deadlineOf(t);
    let waiting = false;
    for (;;) {
      sync.throwIfAborted(signal);
      const r = trySendOnce(this, o, value, 'sendAsync', true, waiting);
      waiting = false;
      if (r === OK) return true;
      if (r === CLOSED) throw new ChannelClosedError('Channel.prototype.sendAsync');
      waiting = true;
      const w = await sync.futexWaitAsync(seqOf(o, W_NOT_FULL), -1 - r, deadline, signal);
      if (w.aborted || w.timedOut) {
        // Unregister (and a last try, for a timeout: room may have been made meanwhile).
        const last = trySendOnce(this, o, value, 'sendAsync', false, true);
        if (last === OK) return true;
        if (w.aborted) throw signal.reason;
        if (last === CLOSED) throw new ChannelClosedError('Channel.prototype.sendAsync');
        return false;
      }
    }
  }

  /**
   * Receives a value, blocking while the channel is empty, up to `timeoutMs` (default:
   * forever): `{ value, done: false }`, `{ value: undefined, done: true }` once it is closed
   * and empty, or null on timeout.
   */
  receive(timeoutMs) {
    checkChannel(this, 'receive');
    const t = sync.checkTimeout(timeoutMs, 'Channel.prototype.receive');
    const o = offsetOf(this);
    const deadline = sync.deadlineOf(t);
    let waiting = false;
    for (;;) {
      const r = tryReceiveOnce(this, o, t !== 0, waiting);
      waiting = false;
      if (r === OK) return { value: takeReceived(), done: false };
      if (r === CLOSED) return DONE;
      if (r === EMPTY) return null;
      waiting = true;
      const seq = -1 - r;
      if (!spinWhile(o, 0)) {
        const left = sync.remainingMs(deadline);
        if (left === 0 || !sync.futexWait(seqOf(o, W_NOT_EMPTY), seq, left)) {
          const last = tryReceiveOnce(this, o, false, true);
          if (last === OK) return { value: takeReceived(), done: false };
          if (last === CLOSED) return DONE;
          if (sync.remainingMs(deadline) === 0) return null;
          waiting = false;
        }
      }
    }
  }

  /** A value if one is there now (`{ value, done: false }`), `{ done: true }` if closed and empty, else null. */
  tryReceive() {
    checkChannel(this, 'tryReceive');
    const r = tryReceiveOnce(this, offsetOf(this), false, false);
    if (r === OK) return { value: takeReceived(), done: false };
    return r === CLOSED ? DONE : null;
  }

  /**
   * Receives without blocking the event loop: resolves as receive() does (null on
   * timeout); rejects with the signal's reason if aborted. `timeoutOrOptions`:
   * milliseconds, or `{ timeout, signal }`.
   */
  async receiveAsync(timeoutOrOptions) {
    checkChannel(this, 'receiveAsync');
    const { t, signal } = sync.asyncOptions(timeoutOrOptions, 'Channel.prototype.receiveAsync');
    const o = offsetOf(this);
    const deadline = sync.deadlineOf(t);
    let waiting = false;
    for (;;) {
      sync.throwIfAborted(signal);
      const r = tryReceiveOnce(this, o, true, waiting);
      waiting = false;
      if (r === OK) return { value: takeReceived(), done: false };
      if (r === CLOSED) return DONE;
      waiting = true;
      const w = await sync.futexWaitAsync(seqOf(o, W_NOT_EMPTY), -1 - r, deadline, signal);
      if (w.aborted || w.timedOut) {
        // Unregister, with a last try: a value that arrived before the abort or the timeout
        // is returned rather than reported lost.
        const last = tryReceiveOnce(this, o, false, true);
        if (last === OK) return { value: takeReceived(), done: false };
        if (w.aborted) throw signal.reason;
        return last === CLOSED ? DONE : null;
      }
    }
  }

  /**
   * Closes the channel: later sends throw ChannelClosedError (so do sends waiting now);
   * receivers get the values still in it, then `{ done: true }`. Returns true if this call
   * closed it (false if it was already closed).
   */
  close() {
    checkChannel(this, 'close');
    const o = offsetOf(this);
    lock(this);
    try {
      if (F64[o + W_CLOSED] !== 0) return false;
      F64[o + W_CLOSED] = 1;
    } finally {
      unlock(this);
    }
    sync.futexWake(seqOf(o, W_NOT_EMPTY), Infinity);
    sync.futexWake(seqOf(o, W_NOT_FULL), Infinity);
    return true;
  }

  /** Blocking iteration: receive() until the channel is closed and empty. */
  [Symbol.iterator]() {
    checkChannel(this, 'iterator');
    const ch = this;
    return {
      next: () => ch.receive(),
      [Symbol.iterator]() {
        return this;
      },
    };
  }

  /** `for await (const v of ch)`: receiveAsync() until the channel is closed and empty. */
  [Symbol.asyncIterator]() {
    checkChannel(this, 'asyncIterator');
    const ch = this;
    return {
      next: () => ch.receiveAsync(),
      return: async (value) => ({ value, done: true }),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * An async iterable of the values received until the channel is closed and empty, whose
   * waits take `options.signal`: `for await (const v of ch.iterate({ signal }))`. An abort
   * rejects the pending receive with the signal's reason (the loop throws it) and ends the
   * iteration; no value is taken by the aborted receive.
   */
  iterate(options = {}) {
    checkChannel(this, 'iterate');
    if (options === null || typeof options !== 'object') throw new TypeError(`Channel.prototype.iterate: options must be an object, got ${rt.describe(options)}`);
    const { signal } = sync.asyncOptions({ signal: options.signal }, 'Channel.prototype.iterate');
    const ch = this;
    const wait = signal === null ? undefined : { signal };
    let done = false;
    return {
      next: async () => {
        if (done) return { value: undefined, done: true };
        try {
          const r = await ch.receiveAsync(wait);
          if (r.done) done = true;
          return r;
        } catch (e) {
          done = true;
          throw e;
        }
      },
      return: async (value) => {
        done = true;
        return { value, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  toJSON() {
    checkChannel(this, 'toJSON');
    return { capacity: this.capacity, size: this.size, closed: this.closed };
  }

  [util.inspect.custom](depth, options, inspect) {
    checkChannel(this, 'inspect');
    return `Channel ${inspect(this.toJSON(), { ...options, depth })}`;
  }
}
Object.defineProperty(Channel.prototype, Symbol.toStringTag, { value: 'Channel' });

function takeReceived() {
  const v = received;
  received = undefined;
  return v;
}

types[L.TYPE_CHANNEL] = {
  id: L.TYPE_CHANNEL,
  key: null,
  fields: Object.freeze([]),
  elements: false,
  C: Channel,
  Sub: null,
  make: (off) => new Channel(INTERNAL, off),
  displayName: () => 'Channel',
};

module.exports = { Channel, ChannelClosedError };
