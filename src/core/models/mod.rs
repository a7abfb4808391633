//! Loom models of the lock, parking, thread-exit and safepoint protocols (docs/testing.md).
//!
//! Built only with `--cfg loom`: `src/core/shim.rs` then gives the real code loom's atomics,
//! mutexes and condition variables, and loom runs each model under every interleaving of
//! its threads up to a preemption bound, checking each access against the C11 memory model.
//! The models call the real slow paths (`core::sync`, `core::park`, `core::safepoint`,
//! `core::tokens`); only what runs in JavaScript (the fast-path compare-exchanges of
//! lib/sync.js) is mirrored here, in [`js`], one function per JS function it stands for.
//!
//! A model fails on an assertion, on a data race on a [`Cell`] (a lock that does not
//! exclude, or does not order the holder's writes before the next holder's reads), or on a
//! deadlock: time is frozen under loom, so a waiter whose wake-up is lost sleeps forever and
//! loom reports every thread blocked.

mod condition;
mod exit;
mod mutex;
mod rwlock;
mod safepoint;
mod tokens;

use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};

use loom::sync::{Condvar as LoomCondvar, Mutex as LoomMutex};

use super::park::ParkingLot;
use super::shim::{Arc, AtomicU32};

/// Runs `f` under every interleaving loom explores with at most `preemptions` preemptions
/// (`LOOM_MAX_PREEMPTIONS` overrides it), and reports how many executions it explored.
pub fn check(name: &str, preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.max_branches = 100_000;
    let bound = builder.preemption_bound;
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        f();
    });
    eprintln!(
        "loom model {name}: {} interleavings explored (preemption bound {})",
        runs.load(StdOrdering::Relaxed),
        bound.map_or("none".to_string(), |b| b.to_string())
    );
}

/// A word of memory that a lock protects: loom reports a data race if two threads touch it
/// without the lock ordering them.
pub struct Cell(loom::cell::UnsafeCell<u32>);

impl Cell {
    pub fn new() -> Self {
        Cell(loom::cell::UnsafeCell::new(0))
    }

    pub fn get(&self) -> u32 {
        // SAFETY: loom checks that no write to the cell races with this read.
        self.0.with(|p| unsafe { *p })
    }

    pub fn set(&self, v: u32) {
        // SAFETY: loom checks that no other access races with this write.
        self.0.with_mut(|p| unsafe { *p = v })
    }
}

/// The two u32 words of a lock object (word 1 lo and hi): (state, owner) of a SharedMutex,
/// (sequence, waiter count) of a Condition, (state, unused) of a Mutex.
pub struct Words {
    pub lo: AtomicU32,
    pub hi: AtomicU32,
}

impl Words {
    pub fn new() -> Self {
        Words {
            lo: AtomicU32::new(0),
            hi: AtomicU32::new(0),
        }
    }
}

/// A thread's event loop, as far as doorbells go: rung payloads queue here until the thread
/// takes them.
pub struct Inbox {
    q: LoomMutex<Vec<u32>>,
    cv: LoomCondvar,
}

impl Inbox {
    pub fn new() -> Arc<Inbox> {
        Arc::new(Inbox {
            q: LoomMutex::new(Vec::new()),
            cv: LoomCondvar::new(),
        })
    }

    /// Blocks until a doorbell rings (a lost doorbell is a deadlock loom reports).
    pub fn next(&self) -> u32 {
        let mut q = self.q.lock().unwrap();
        while q.is_empty() {
            q = self.cv.wait(q).unwrap();
        }
        q.remove(0)
    }
}

/// A one-shot signal between model threads (waiting blocks: a gate never opened is a
/// deadlock loom reports, not an endless spin).
pub struct Gate {
    open: LoomMutex<bool>,
    cv: LoomCondvar,
}

impl Gate {
    pub fn new() -> Arc<Gate> {
        Arc::new(Gate {
            open: LoomMutex::new(false),
            cv: LoomCondvar::new(),
        })
    }

    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }

    pub fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cv.wait(open).unwrap();
        }
    }
}

/// Registers a thread whose doorbell rings into `inbox`.
pub fn register(lot: &ParkingLot, inbox: &Arc<Inbox>) -> u32 {
    let inbox = inbox.clone();
    lot.register_thread(Box::new(move |payload| {
        inbox.q.lock().unwrap().push(payload);
        inbox.cv.notify_one();
    }))
}

/// Mirrors of the JavaScript side of the locks (lib/sync.js). JS `Atomics` operations are
/// sequentially consistent; so are these.
pub mod js {
    use super::super::park::{ParkingLot, DOORBELL_GRANTED};
    use super::super::shim::{AtomicU32, Ordering::SeqCst};
    use super::super::sync::{self, Acquire, MUTEX_OWNER, MUTEX_PARKED};
    use super::super::sync::{RW_READERS, RW_READERS_PARKED, RW_WRITER, RW_WRITERS_PARKED};
    use super::Inbox;

    /// `mutexAcquire` without a timeout: `CAS(0 -> tid)`, else `native.mutexLockSlow` (the
    /// JS spin in between only re-tries the same CAS).
    pub fn mutex_lock(lot: &ParkingLot, word: &AtomicU32, key: u32, tid: u32) -> Acquire {
        if word.compare_exchange(0, tid, SeqCst, SeqCst).is_ok() {
            return Acquire::Acquired;
        }
        sync::mutex_lock(lot, word, key, tid, None, None, &|| false)
    }

    /// `mutexRelease`: `CAS(tid -> 0)`, else `native.mutexUnlockSlow`.
    pub fn mutex_unlock(lot: &ParkingLot, word: &AtomicU32, key: u32, tid: u32) {
        if word.compare_exchange(tid, 0, SeqCst, SeqCst).is_err() {
            assert!(
                sync::mutex_unlock(lot, word, key, tid),
                "unlock by a non-owner"
            );
        }
    }

    /// `mutexAcquireAsync` without a timeout: take a free word keeping PARKED, else queue
    /// async waiter `id` and wait for the doorbell, then try again.
    pub fn mutex_lock_async(
        lot: &ParkingLot,
        word: &AtomicU32,
        key: u32,
        tid: u32,
        id: u32,
        inbox: &Inbox,
    ) -> Acquire {
        loop {
            let s = word.load(SeqCst);
            if s & MUTEX_OWNER == 0
                && word
                    .compare_exchange(s, tid | (s & MUTEX_PARKED), SeqCst, SeqCst)
                    .is_ok()
            {
                return Acquire::Acquired;
            }
            match sync::mutex_lock(lot, word, key, tid, None, Some(id), &|| false) {
                Acquire::Queued => {
                    assert_eq!(inbox.next(), id, "a doorbell for another waiter");
                }
                other => return other,
            }
        }
    }

    /// `rwAcquire(m, false)`: the shared fast path (`CAS(v -> v + 1)` when neither WRITER
    /// nor WRITERS_PARKED is set), else `native.rwLockSlow`.
    pub fn read_lock(
        lot: &ParkingLot,
        state: &AtomicU32,
        owner: &AtomicU32,
        key: u32,
        tid: u32,
    ) -> Acquire {
        let v = state.load(SeqCst);
        if v & (RW_WRITER | RW_WRITERS_PARKED) == 0
            && v & RW_READERS < RW_READERS
            && state.compare_exchange(v, v + 1, SeqCst, SeqCst).is_ok()
        {
            return Acquire::Acquired;
        }
        sync::rw_lock(lot, state, owner, key, tid, false, None, None, &|| false)
    }

    /// `rwReleaseShared`: `CAS(v -> v - 1)` when no parked bit is set, else
    /// `native.rwUnlockSlow`.
    pub fn read_unlock(lot: &ParkingLot, state: &AtomicU32, owner: &AtomicU32, key: u32, tid: u32) {
        let v = state.load(SeqCst);
        if v & (RW_WRITERS_PARKED | RW_READERS_PARKED) == 0
            && v & RW_READERS > 0
            && state.compare_exchange(v, v - 1, SeqCst, SeqCst).is_ok()
        {
            return;
        }
        assert!(
            sync::rw_unlock(lot, state, owner, key, tid, false),
            "unlockShared of a lock not held shared"
        );
    }

    /// `rwAcquire(m, true)`. JS takes a free lock with one 64-bit CAS of both words; loom
    /// cannot model a 64-bit access over two 32-bit words, so the model goes straight to
    /// `rwLockSlow`, whose first step is the same acquisition (state CAS, then the owner).
    pub fn write_lock(
        lot: &ParkingLot,
        state: &AtomicU32,
        owner: &AtomicU32,
        key: u32,
        tid: u32,
    ) -> Acquire {
        sync::rw_lock(lot, state, owner, key, tid, true, None, None, &|| false)
    }

    /// `rwRelease`: the 64-bit fast path is not modelled (see `write_lock`); the slow
    /// release handles every state the fast one does.
    pub fn write_unlock(
        lot: &ParkingLot,
        state: &AtomicU32,
        owner: &AtomicU32,
        key: u32,
        tid: u32,
    ) {
        assert!(
            sync::rw_unlock(lot, state, owner, key, tid, true),
            "unlock of a lock not held exclusively"
        );
    }

    /// `rwAcquireAsync` without a timeout: queue async waiter `id` (the slow path acquires
    /// at once if it can), then wait for the doorbell; a granted doorbell is acknowledged
    /// (`ackGrant`) and the lock is held.
    #[allow(clippy::too_many_arguments)]
    pub fn rw_lock_async(
        lot: &ParkingLot,
        state: &AtomicU32,
        owner: &AtomicU32,
        key: u32,
        tid: u32,
        exclusive: bool,
        id: u32,
        inbox: &Inbox,
    ) -> Acquire {
        loop {
            match sync::rw_lock(
                lot,
                state,
                owner,
                key,
                tid,
                exclusive,
                None,
                Some(id),
                &|| false,
            ) {
                Acquire::Queued => {
                    let p = inbox.next();
                    assert_eq!(p & !DOORBELL_GRANTED, id, "a doorbell for another waiter");
                    if p & DOORBELL_GRANTED != 0 {
                        lot.ack_grant(tid, id);
                        return Acquire::Acquired;
                    }
                }
                other => return other,
            }
        }
    }

    /// `Condition.notify(cv, n)`: bump the sequence; if no waiter is counted, return 0
    /// without a native call, else `native.condNotify`. The SeqCst fence stands for the
    /// store-load order of the two SeqCst JS accesses, which loom models only with a fence
    /// (it treats SeqCst accesses as AcqRel).
    pub fn notify(
        lot: &ParkingLot,
        seq: &AtomicU32,
        waiters: &AtomicU32,
        key: u32,
        n: usize,
    ) -> usize {
        seq.fetch_add(1, SeqCst);
        loom::sync::atomic::fence(SeqCst);
        if waiters.load(SeqCst) == 0 || n == 0 {
            return 0;
        }
        sync::cond_notify(lot, waiters, key, n)
    }
}
