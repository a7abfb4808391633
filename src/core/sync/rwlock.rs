//! The SharedMutex (readers-writer lock) slow paths.
//!
//! ## RwLock words (u32 state, u32 owner)
//! ```text
//! bits 0..24  reader count
//! bit  24     WRITER: held exclusively (owner word = writer tid)
//! bit  25     WRITERS_PARKED: a writer waits; new readers must wait too (no writer starvation)
//! bit  26     READERS_PARKED: a reader waits
//! ```
//! Release with parked waiters hands the lock off directly: a writer's release grants it to
//! all parked readers (if any) else to one writer; the last reader's release grants it to
//! one writer.

use super::super::park::{ParkResult, ParkingLot, QueueView, WaitKind};
use super::super::shim::{AtomicU32, Instant, Ordering};
use super::{park_until, put, Acquire};

pub const RW_READERS: u32 = (1 << 24) - 1;
pub const RW_WRITER: u32 = 1 << 24;
pub const RW_WRITERS_PARKED: u32 = 1 << 25;
pub const RW_READERS_PARKED: u32 = 1 << 26;

/// A RwLock waiter of `kind` left the queue without the lock (timeout, cancelled async
/// wait): clear the parked bit of its kind if nobody of that kind waits any more, and if a
/// writer gave up while no writer holds the lock, let the readers it held back in.
fn rw_waiter_left(view: &mut QueueView<'_>, state: &AtomicU32, kind: WaitKind) {
    let parked_bit = if kind == WaitKind::Write {
        RW_WRITERS_PARKED
    } else {
        RW_READERS_PARKED
    };
    if view.count(Some(kind)) > 0 {
        return;
    }
    let s = state.fetch_and(!parked_bit, Ordering::AcqRel) & !parked_bit;
    if kind == WaitKind::Write && s & RW_WRITER == 0 && view.count(Some(WaitKind::Read)) > 0 {
        let n = view.take(Some(WaitKind::Read), usize::MAX, true).len() as u32;
        state.fetch_add(n, Ordering::AcqRel);
        state.fetch_and(!RW_READERS_PARKED, Ordering::AcqRel);
    }
}

/// A RwLock waiter of `kind` on `key` was dropped from the queue without the lock (its
/// thread exited with an async wait pending): same clean-up as for a timeout.
pub fn rw_waiter_gone(lot: &ParkingLot, state: &AtomicU32, key: u32, kind: WaitKind) {
    lot.release(key, |view| rw_waiter_left(view, state, kind));
}

/// Cancels async waiter `id` of `tid` on a RwLock (its timeout passed). Returns false if it
/// was already woken (then the lock was handed to it: the caller must take it).
pub fn rw_cancel(lot: &ParkingLot, state: &AtomicU32, key: u32, tid: u32, id: u32) -> bool {
    let mut removed = false;
    lot.release(key, |view| {
        if let Some(kind) = view.remove_async(tid, id) {
            removed = true;
            rw_waiter_left(view, state, kind);
        }
    });
    removed
}

/// RwLock acquire (shared or exclusive) when the fast path failed.
#[allow(clippy::too_many_arguments)]
pub fn rw_lock(
    lot: &ParkingLot,
    state: &AtomicU32,
    owner: &AtomicU32,
    key: u32,
    tid: u32,
    exclusive: bool,
    deadline: Option<Instant>,
    async_id: Option<u32>,
    abort: &dyn Fn() -> bool,
) -> Acquire {
    let (kind, parked_bit) = if exclusive {
        (WaitKind::Write, RW_WRITERS_PARKED)
    } else {
        (WaitKind::Read, RW_READERS_PARKED)
    };
    loop {
        let s = state.load(Ordering::Acquire);
        if exclusive {
            if s & (RW_WRITER | RW_READERS) == 0 {
                // Free: take it, keeping the parked flags (parked writers stay queued).
                if state
                    .compare_exchange(s, s | RW_WRITER, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    owner.store(tid, Ordering::Relaxed);
                    return Acquire::Acquired;
                }
                continue;
            }
            let o = owner.load(Ordering::Relaxed);
            if s & RW_WRITER != 0 && o != 0 && o != tid && !lot.is_alive(o) {
                // The writer died holding it: take it over.
                if state
                    .compare_exchange(s, s, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                    && owner
                        .compare_exchange(o, tid, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    return Acquire::Abandoned;
                }
                continue;
            }
        } else if s & (RW_WRITER | RW_WRITERS_PARKED) == 0 && s & RW_READERS < RW_READERS {
            if state
                .compare_exchange(s, s + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return Acquire::Acquired;
            }
            continue;
        } else if s & RW_WRITER != 0 {
            let o = owner.load(Ordering::Relaxed);
            if o != 0
                && o != tid
                && !lot.is_alive(o)
                && owner
                    .compare_exchange(o, 0, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                // The writer died holding it: this reader takes it over (shared) and reports it.
                state.fetch_add(1, Ordering::AcqRel);
                state.fetch_and(!RW_WRITER, Ordering::AcqRel);
                return Acquire::Abandoned;
            }
        }
        if s & parked_bit == 0
            && state
                .compare_exchange(s, s | parked_bit, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            continue;
        }
        // Park while the lock is still unavailable to us and our parked bit is set. The
        // releaser hands the lock to us directly (Woken = acquired), so re-check on wake.
        let validate = || {
            let v = state.load(Ordering::Relaxed);
            let blocked = if exclusive {
                v & (RW_WRITER | RW_READERS) != 0
            } else {
                v & (RW_WRITER | RW_WRITERS_PARKED) != 0
            };
            blocked && v & parked_bit != 0
        };
        if let Some(id) = async_id {
            if lot.park_async(key, kind, tid, id, validate) {
                return Acquire::Queued;
            }
            continue;
        }
        // At each slice also whether an exclusive holder is still alive (as for Mutex).
        let recheck = || {
            validate() && {
                let v = state.load(Ordering::Relaxed);
                let o = owner.load(Ordering::Relaxed);
                v & RW_WRITER == 0 || o == 0 || lot.is_alive(o)
            }
        };
        match park_until(
            lot,
            key,
            kind,
            tid,
            &validate,
            Some(&recheck),
            deadline,
            abort,
        ) {
            Err(a) => {
                // Left the queue (the thread is terminating): as for a timeout, clear the
                // parked bit if nobody of our kind waits, and let readers in that a parked
                // writer held back (else new readers waited for the next release).
                lot.release(key, |view| rw_waiter_left(view, state, kind));
                return a;
            }
            Ok(ParkResult::TimedOut) => {
                // Clear our parked bit if nobody of our kind waits any more, and if we were
                // the writer holding readers back, let them in.
                lot.release(key, |view| rw_waiter_left(view, state, kind));
                return Acquire::TimedOut;
            }
            Ok(ParkResult::Granted) if abort() => {
                // Handed the lock while this thread is being terminated: give it back (to
                // the next waiter) rather than die holding it.
                rw_unlock(lot, state, owner, key, tid, exclusive);
                return Acquire::Aborted;
            }
            Ok(ParkResult::Granted) => return Acquire::Acquired,
            Ok(_) if abort() => return Acquire::Aborted,
            Ok(_) => {}
        }
    }
}

/// RwLock release when the fast path failed (parked bits set). `exclusive` says which hold
/// is released. Returns false if the caller does not hold the lock that way. Everything is
/// decided under the queue lock, so a waiter cannot queue between decision and store.
pub fn rw_unlock(
    lot: &ParkingLot,
    state: &AtomicU32,
    owner: &AtomicU32,
    key: u32,
    tid: u32,
    exclusive: bool,
) -> bool {
    let mut ok = true;
    lot.release(key, |view| {
        let s = state.load(Ordering::Acquire);
        let readers = view.count(Some(WaitKind::Read));
        let writers = view.count(Some(WaitKind::Write));
        if exclusive {
            if s & RW_WRITER == 0 || owner.load(Ordering::Relaxed) != tid {
                ok = false;
                return;
            }
            owner.store(0, Ordering::Relaxed);
            if readers > 0 {
                // Grant every parked reader; parked writers stay and block new readers.
                let n = view.take(Some(WaitKind::Read), usize::MAX, true).len() as u32;
                put(state, n | if writers > 0 { RW_WRITERS_PARKED } else { 0 });
            } else if writers > 0 {
                let w = view.take(Some(WaitKind::Write), 1, true)[0];
                owner.store(w, Ordering::Relaxed);
                put(
                    state,
                    RW_WRITER | if writers > 1 { RW_WRITERS_PARKED } else { 0 },
                );
            } else {
                put(state, 0);
            }
            return;
        }
        // Every change is a CAS from the value the decision was made on: the JS fast paths
        // (shared CAS, 64-bit exclusive CAS) and rw_lock's barging CAS do not take the
        // queue lock. A fetch_sub followed by a store wiped a hold taken in between (the
        // reader count then wrapped into WRITER), or handed the lock to a queued writer
        // while a barging one held it.
        let mut s = s;
        loop {
            if s & RW_READERS == 0 {
                ok = false;
                return;
            }
            let now = s - 1;
            // Parked bits of a kind nobody is queued for are stale: a parker sets its bit,
            // then validates it under this queue lock, so clearing it only makes it retry.
            let mut stale = 0;
            if writers == 0 {
                stale |= RW_WRITERS_PARKED;
            }
            if readers == 0 {
                stale |= RW_READERS_PARKED;
            }
            let last = now & (RW_READERS | RW_WRITER) == 0;
            let next = if last && writers > 0 {
                let rp = if readers > 0 { RW_READERS_PARKED } else { 0 };
                RW_WRITER | rp | if writers > 1 { RW_WRITERS_PARKED } else { 0 }
            } else if last && readers > 0 {
                // Readers parked behind a writer that gave up (timed out): let them in.
                readers as u32 | (now & RW_WRITERS_PARKED & !stale)
            } else {
                now & !stale
            };
            match state.compare_exchange(s, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    if last && writers > 0 {
                        let w = view.take(Some(WaitKind::Write), 1, true)[0];
                        owner.store(w, Ordering::Relaxed);
                    } else if last && readers > 0 {
                        view.take(Some(WaitKind::Read), usize::MAX, true);
                    }
                    return;
                }
                Err(v) => s = v,
            }
        }
    });
    ok
}
