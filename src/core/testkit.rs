//! Test helpers shared by the unit tests and the loom models (src/core/models): mirrors of
//! the JavaScript side of the locks, and a thread's doorbell inbox. Written on the shim's
//! primitives, so the same code runs on std threads and under loom.

use super::park::ParkingLot;
use super::shim::{Arc, Condvar, Mutex};

/// A thread's event loop, as far as doorbells go: rung payloads queue here until the thread
/// takes them.
pub struct Inbox {
    q: Mutex<Vec<u32>>,
    cv: Condvar,
}

impl Inbox {
    pub fn new() -> Arc<Inbox> {
        Arc::new(Inbox {
            q: Mutex::new(Vec::new()),
            cv: Condvar::new(),
        })
    }

    /// Blocks until a doorbell rings (under loom, a lost doorbell is a deadlock loom reports).
    pub fn next(&self) -> u32 {
        let mut q = self.q.lock();
        while q.is_empty() {
            self.cv.wait(&mut q);
        }
        q.remove(0)
    }
}

/// Registers a thread whose doorbell rings into `inbox`.
pub fn register(lot: &ParkingLot, inbox: &Arc<Inbox>) -> u32 {
    let inbox = inbox.clone();
    lot.register_thread(Box::new(move |payload| {
        inbox.q.lock().push(payload);
        inbox.cv.notify_one();
    }))
}

/// Mirrors of the JavaScript side of the locks (lib/sync.js). JS `Atomics` operations are
/// sequentially consistent; so are these.
pub mod js {
    use super::super::park::{ParkingLot, DOORBELL_GRANTED};
    use super::super::shim::{fence, AtomicU32, Ordering::SeqCst};
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
        fence(SeqCst);
        if waiters.load(SeqCst) == 0 || n == 0 {
            return 0;
        }
        sync::cond_notify(lot, waiters, key, n)
    }
}
