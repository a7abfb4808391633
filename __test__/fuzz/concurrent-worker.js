'use strict';
// One worker of the concurrent fuzz (concurrent-main.js): random locked and lock-free work
// on the shared state until told to stop, then it reports its tallies. It tells main when it
// holds a lock or waits on a condition (main may terminate it right then).
//
// Every multi-word update under a lock goes through an undo log (Shared.undo*), so a worker
// terminated mid-update leaves data the next holder restores: that holder gets an
// AbandonedMutexError, undoes, and goes on. Per-worker counts that must be exact live in the
// protected data too (they change in the same logged update as what they count).

const { workerData, parentPort } = require('worker_threads');
const ss = require('../../index.js');
const { Mutex, SharedMutex, Condition, AbandonedMutexError, atomics, open } = ss;

const { w, seed } = workerData;
const st = open(workerData.state);

// mulberry32: a seeded stream of op choices (reproducible op mixes; timing is not).
let rs = seed >>> 0;
function rand() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (n) => Math.floor(rand() * n);

const nap = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread for ~ms without spinning (terminate() interrupts it). */
function sleepSync(ms) {
  Atomics.wait(nap, 0, 0, ms);
}
const tick = () => new Promise((r) => setImmediate(r));

const local = { ops: 0, locked: 0, asyncLocked: 0, rwWrites: 0, rwReads: 0, produced: 0, consumed: 0, claims: 0, mapSets: 0, mapDeletes: 0, abandoned: 0, timeouts: 0 };
const myKeys = new Set();

// ---------------------------------------------------------------------------------------
// The undo log: data D (an elements struct) guarded by one lock; D.undoN entries in D.undo.

// Keys: a field name, an element index, or -1 - w for element w of D.byWorker.

function read(D, key) {
  if (typeof key !== 'number') return D[key];
  return key >= 0 ? D.get(key) : D.byWorker.get(-1 - key);
}

function write(D, key, value) {
  if (typeof key !== 'number') D[key] = value;
  else if (key >= 0) D.set(key, value);
  else D.byWorker.set(-1 - key, value);
}

function logged(D) {
  return {
    set(key, value) {
      const n = D.undoN;
      D.undo.set(2 * n, key);
      D.undo.set(2 * n + 1, read(D, key));
      D.undoN = n + 1;
      write(D, key, value);
    },
    /** This worker's count in D.byWorker, plus one. */
    count() {
      this.set(-1 - w, (D.byWorker.get(w) || 0) + 1);
    },
  };
}

/** Undoes a dead holder's partial update (the caller holds the lock). */
function recover(D) {
  for (let n = D.undoN - 1; n >= 0; n--) write(D, D.undo.get(2 * n), D.undo.get(2 * n + 1));
  D.undoN = 0;
}

/** Counts a lock taken over from a dead holder and undoes its partial update. */
function tookOver(D) {
  local.abandoned++;
  atomics.add(st.counters, 'n', 1);
  recover(D);
}

/** A Mutex acquired normally must never show a partial update (only an abandoned one may). */
function expectClean(D) {
  if (D.undoN !== 0) {
    atomics.add(st.counters, 'violations', 1);
    recover(D);
  }
}

/** Locks (token form), recovering from an abandoned hold. */
function lockRecover(lockFn, m, D) {
  try {
    return lockFn(m);
  } catch (e) {
    if (!(e instanceof AbandonedMutexError)) throw e;
    local.abandoned++;
    atomics.add(st.counters, 'n', 1);
    recover(D);
    return e.token;
  }
}

function say(what) {
  parentPort.postMessage({ w, what });
}

// ---------------------------------------------------------------------------------------
// Operations.

/** Mutex-guarded: one element and the totals, through the undo log. */
function lockedIncrement(hold) {
  const D = st.mdata;
  const tok = lockRecover(Mutex.lock, st.m, D);
  try {
    expectClean(D);
    const L = logged(D);
    const i = pick(D.length);
    L.set(i, D.get(i) + 1);
    if (hold) {
      say('holding mutex');
      sleepSync(8 + pick(10));
    }
    L.set('total', D.total + 1);
    L.count();
    D.undoN = 0;
    local.locked++;
  } finally {
    tok.unlock();
  }
}

/** The same under lockAsync (the callback holds the lock across an await). */
async function asyncLockedIncrement(hold) {
  const D = st.mdata;
  let r;
  try {
    r = await Mutex.lockAsync(
      st.m,
      // A callback form takes over an abandoned lock and says so with `true`.
      async (abandoned) => {
        if (abandoned) tookOver(D);
        else expectClean(D);
        const L = logged(D);
        const i = pick(D.length);
        L.set(i, D.get(i) + 1);
        if (hold) {
          say('holding mutex (async)');
          await new Promise((res) => setTimeout(res, 8 + pick(10)));
        }
        L.set('total', D.total + 1);
        L.count();
        D.undoN = 0;
        return true;
      },
      pick(3) === 0 ? 20 : undefined,
    );
  } catch (e) {
    if (!(e instanceof AbandonedMutexError)) throw e;
    // (Older releases threw before running the callback, the lock held through e.token.)
    tookOver(D);
    e.token.unlock();
    return;
  }
  if (r.success) local.asyncLocked++;
  else local.timeouts++;
}

/**
 * A SharedMutex writer restores an undo log left by a dead writer: the abandonment may have
 * been reported to a reader, which cannot repair.
 */
function recoverIfNeeded(D) {
  if (D.undoN !== 0) recover(D);
}

/** SharedMutex: writers keep a + b === 0 and count; readers check it. */
async function rwOp(kind, hold) {
  const D = st.rwdata;
  if (kind === 'write' || kind === 'writeAsync') {
    const body = (abandoned) => {
      if (abandoned) tookOver(D);
      else recoverIfNeeded(D);
      const L = logged(D);
      const x = pick(1000) - 500;
      L.set('a', D.a + x);
      if (hold) {
        say('holding rw write');
        sleepSync(8 + pick(10));
      }
      L.set('b', D.b - x);
      L.set('writes', D.writes + 1);
      L.count();
      D.undoN = 0;
      local.rwWrites++;
    };
    if (kind === 'writeAsync') {
      try {
        const r = await SharedMutex.lockAsync(st.rw, body, 20);
        if (!r.success) local.timeouts++;
      } catch (e) {
        if (!(e instanceof AbandonedMutexError)) throw e;
        local.abandoned++;
        atomics.add(st.counters, 'n', 1);
        recover(D);
        e.token.unlock();
      }
      return;
    }
    const tok = lockRecover(SharedMutex.lock, st.rw, D);
    try {
      body();
    } finally {
      tok.unlock();
    }
    return;
  }
  const check = (abandoned) => {
    if (abandoned) {
      local.abandoned++;
      atomics.add(st.counters, 'n', 1);
    }
    // A reader never sees a half-done write: an undo log left by a dead writer is restored
    // by the next writer, and readers of an abandoned lock see it here first.
    if (D.undoN === 0 && D.a + D.b !== 0) atomics.add(st.counters, 'violations', 1);
    local.rwReads++;
  };
  if (kind === 'readAsync') {
    try {
      const r = await SharedMutex.lockSharedAsync(st.rw, check, 20);
      if (!r.success) local.timeouts++;
    } catch (e) {
      if (!(e instanceof AbandonedMutexError)) throw e;
      local.abandoned++;
      atomics.add(st.counters, 'n', 1);
      e.token.unlock();
    }
    return;
  }
  let tok;
  try {
    tok = SharedMutex.lockShared(st.rw);
  } catch (e) {
    if (!(e instanceof AbandonedMutexError)) throw e;
    local.abandoned++;
    atomics.add(st.counters, 'n', 1);
    tok = e.token;
  }
  try {
    check();
    if (hold) {
      say('holding rw read');
      sleepSync(8 + pick(10));
    }
  } finally {
    tok.unlock();
  }
}

/** Condition queue (ring of Q.length under st.qm): produce or consume, with timeouts. */
async function queueOp(produce, asyncWait, hold) {
  const Q = st.qdata;
  const tok = lockRecover(Mutex.lock, st.qm, Q);
  try {
    expectClean(Q);
    const cap = Q.length;
    const cv = produce ? st.notFull : st.notEmpty;
    let waited = 0;
    while ((produce ? Q.count === cap : Q.count === 0) && waited < 3) {
      if (hold) say('waiting on condition');
      waited++;
      try {
        if (asyncWait) await Condition.waitAsync(cv, tok, 10);
        else Condition.wait(cv, tok, 10);
      } catch (e) {
        if (!(e instanceof AbandonedMutexError)) throw e;
        // Re-locked after the wait: still ours through `tok`; a dead holder's update undone.
        local.abandoned++;
        atomics.add(st.counters, 'n', 1);
        recover(Q);
      }
    }
    if (produce ? Q.count === cap : Q.count === 0) {
      local.timeouts++;
      return;
    }
    const L = logged(Q);
    if (produce) {
      const slot = (Q.head + Q.count) % cap;
      L.set(slot, w * 1e6 + local.produced);
      L.set('count', Q.count + 1);
      L.set('produced', Q.produced + 1);
      L.count();
      local.produced++;
      Condition.notify(st.notEmpty, 1);
    } else {
      const v = Q.get(Q.head);
      if (typeof v !== 'number') atomics.add(st.counters, 'violations', 1);
      L.set(Q.head, undefined);
      L.set('head', (Q.head + 1) % cap);
      L.set('count', Q.count - 1);
      L.set('consumed', Q.consumed + 1);
      L.set(-1 - (w + 1000), (Q.byWorker.get(w + 1000) || 0) + 1);
      local.consumed++;
      Condition.notify(st.notFull, 1);
    }
    Q.undoN = 0;
  } finally {
    tok.unlock();
  }
}

/** Lock-free: claim an empty slot with compareExchange; the claim names its claimer. */
function claim() {
  const i = pick(st.claims.length);
  const mine = `${w}:${local.claims}`;
  const seen = atomics.compareExchange(st.claims, i, undefined, mine);
  if (seen === undefined) local.claims++;
  else if (typeof seen !== 'string') atomics.add(st.counters, 'violations', 1);
}

/** SharedMap: own keys `${w}:${n}` -> n, set and deleted. */
let mapSeq = 0;
function mapOp() {
  const m = st.map;
  if (myKeys.size > 0 && pick(3) === 0) {
    const k = [...myKeys][pick(myKeys.size)];
    if (!m.delete(k)) atomics.add(st.counters, 'violations', 1);
    myKeys.delete(k);
    local.mapDeletes++;
  } else {
    const n = mapSeq++;
    const k = `${w}:${n}`;
    m.set(k, n);
    myKeys.add(k);
    local.mapSets++;
  }
  // Any key of any worker reads back its own number (or is absent).
  const probe = `${pick(8)}:${pick(Math.max(1, mapSeq))}`;
  const v = m.get(probe);
  if (v !== undefined && v !== Number(probe.split(':')[1])) atomics.add(st.counters, 'violations', 1);
}

// ---------------------------------------------------------------------------------------

let stop = false;
parentPort.on('message', (m) => {
  if (m === 'stop') stop = true;
});

async function main() {
  say('ready');
  while (!stop) {
    const k = pick(100);
    const hold = pick(8) === 0;
    st.phase.set(w, `op ${k}${hold ? ' hold' : ''} after ${local.ops}`);
    if (k < 22) lockedIncrement(hold);
    else if (k < 32) await asyncLockedIncrement(hold);
    else if (k < 44) await rwOp(pick(4) === 0 ? 'write' : 'read', hold);
    else if (k < 50) await rwOp(pick(2) ? 'writeAsync' : 'readAsync', false);
    else if (k < 66) await queueOp(pick(2) === 0, pick(3) === 0, hold);
    else if (k < 82) claim();
    else mapOp();
    local.ops++;
    // Publish the count (a killed worker's ops are counted too); let messages (stop) in, and
    // end jobs so wrappers can be collected.
    if ((local.ops & 15) === 0) {
      st.opsBy.set(w, local.ops);
      await tick();
    }
  }
  st.opsBy.set(w, local.ops);
  parentPort.postMessage({ w, done: true, local, keys: [...myKeys] });
}

main().catch((e) => {
  parentPort.postMessage({ w, error: `${e && e.name}: ${e && e.message}\n${e && e.stack}` });
});
