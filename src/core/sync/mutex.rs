//! The Mutex slow paths.
//!
//! ## Mutex word (u32)
//! ```text
//! bits 0..29  owner thread id (0 = unlocked)
//! bit  30     PARKED: some waiter may be queued; unlock must come here to wake it
//! ```
//! Lock (JS): `CAS(0 -> tid)`. Unlock (JS): `CAS(tid -> 0)`; if that fails PARKED is set,
//! call [`mutex_unlock`]. The owner is inside the word, so a thread that dies while holding
//! the lock leaves its id there and the next locker can see that it is dead (abandoned).
//! Unlock wakes one waiter, which competes again (no hand-off, as parking_lot's unfair unlock).

use super::super::park::{ParkResult, ParkingLot, WaitKind};
use super::super::shim::{AtomicU32, Instant, Ordering};
use super::{park_until, put, Acquire};

pub const MUTEX_PARKED: u32 = 1 << 30;
pub const MUTEX_OWNER: u32 = MUTEX_PARKED - 1;

/// Spins of a contended blocking `mutex_lock` before it parks (one under loom: spinning is
/// only a speed-up, and every spin would multiply the interleavings to explore).
const SPINS: u32 = if cfg!(loom) { 1 } else { 40 };

/// Blocking (or async-queueing) mutex acquire. `word` is the mutex state word, `key` its
/// u32 index (the parking key). With `async_id`, a contended acquire queues async waiter
/// `async_id` and returns [`Acquire::Queued`] instead of blocking.
#[allow(clippy::too_many_arguments)]
pub fn mutex_lock(
    lot: &ParkingLot,
    word: &AtomicU32,
    key: u32,
    tid: u32,
    deadline: Option<Instant>,
    async_id: Option<u32>,
    abort: &dyn Fn() -> bool,
) -> Acquire {
    let mut spins = 0;
    loop {
        let s = word.load(Ordering::Acquire);
        let owner = s & MUTEX_OWNER;
        if owner == 0 || (owner != tid && !lot.is_alive(owner)) {
            if word
                .compare_exchange(
                    s,
                    tid | (s & MUTEX_PARKED),
                    Ordering::Acquire,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return if owner == 0 {
                    Acquire::Acquired
                } else {
                    Acquire::Abandoned
                };
            }
            continue;
        }
        if spins < SPINS && async_id.is_none() {
            spins += 1;
            super::super::shim::spin_loop();
            if spins > 10 || cfg!(loom) {
                super::super::shim::yield_now();
            }
            continue;
        }
        if s & MUTEX_PARKED == 0
            && word
                .compare_exchange(s, s | MUTEX_PARKED, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            continue;
        }
        let validate = || {
            let v = word.load(Ordering::Relaxed);
            v & MUTEX_PARKED != 0 && v & MUTEX_OWNER != 0
        };
        // At each slice also whether the owner is still alive: an owner that exited between
        // the liveness check above and this waiter queuing woke nobody (its exit hook had
        // already woken the queue), and the lock word alone still looks held.
        let recheck = || {
            let v = word.load(Ordering::Relaxed);
            v & MUTEX_PARKED != 0 && v & MUTEX_OWNER != 0 && lot.is_alive(v & MUTEX_OWNER)
        };
        if let Some(id) = async_id {
            if lot.park_async(key, WaitKind::Mutex, tid, id, validate) {
                return Acquire::Queued;
            }
            continue;
        }
        match park_until(
            lot,
            key,
            WaitKind::Mutex,
            tid,
            &validate,
            Some(&recheck),
            deadline,
            abort,
        ) {
            Err(a) => return a,
            Ok(ParkResult::TimedOut) => return Acquire::TimedOut,
            Ok(_) if abort() => {
                // Woken, but this thread is being terminated: taking the lock now would
                // abandon it at once. Pass the wake-up on to another waiter instead.
                lot.unpark(key, 1, Some(WaitKind::Mutex), false, |_, _| {});
                return Acquire::Aborted;
            }
            Ok(_) => {}
        }
    }
}

/// Mutex release when the fast path failed (PARKED set). Wakes one waiter (who competes
/// again: no handoff, as in parking_lot's unfair unlock). Returns false if `tid` is not the owner.
pub fn mutex_unlock(lot: &ParkingLot, word: &AtomicU32, key: u32, tid: u32) -> bool {
    if word.load(Ordering::Relaxed) & MUTEX_OWNER != tid {
        return false;
    }
    lot.unpark(key, 1, None, false, |_, remaining| {
        put(word, if remaining { MUTEX_PARKED } else { 0 });
    });
    true
}
