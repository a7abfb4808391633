//! Slow paths of the shared locks. Fast paths (uncontended lock and unlock) are one
//! compare-and-swap in JS on the same words; see docs/locks.md for the state tables.
//!
//! ## Mutex word (u32)
//! ```text
//! bits 0..29  owner thread id (0 = unlocked)
//! bit  30     PARKED: some waiter may be queued; unlock must come here to wake it
//! ```
//! Lock (JS): `CAS(0 -> tid)`. Unlock (JS): `CAS(tid -> 0)`; if that fails PARKED is set,
//! call [`mutex_unlock`]. The owner is inside the word, so a thread that dies while holding
//! the lock leaves its id there and the next locker can see that it is dead (abandoned).
//!
//! ## Condition word (u32): a sequence number, bumped by every notify (no lost wake-ups:
//! a waiter reads it before releasing the mutex and parks only if it is unchanged).
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

use std::time::Duration;

use super::park::{ParkResult, ParkingLot, QueueView, WaitKind};
use super::shim::{fence, AtomicU32, Instant, Ordering};

pub const MUTEX_PARKED: u32 = 1 << 30;
pub const MUTEX_OWNER: u32 = MUTEX_PARKED - 1;

pub const RW_READERS: u32 = (1 << 24) - 1;
pub const RW_WRITER: u32 = 1 << 24;
pub const RW_WRITERS_PARKED: u32 = 1 << 25;
pub const RW_READERS_PARKED: u32 = 1 << 26;

/// Spins of a contended blocking `mutex_lock` before it parks (one under loom: spinning is
/// only a speed-up, and every spin would multiply the interleavings to explore).
const SPINS: u32 = if cfg!(loom) { 1 } else { 40 };

/// How a blocking acquire ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquire {
    Acquired = 0,
    /// Acquired, but the previous owner died holding it.
    Abandoned = 1,
    TimedOut = 2,
    /// The waiting thread is being terminated: give up at once.
    Aborted = 3,
    /// Queued as an async waiter; the doorbell will ring.
    Queued = 4,
}

/// Writes the next state of a lock word, decided under the queue lock. A swap, not a
/// plain store: the same here (parkers' CASes that it overwrites only set a parked bit,
/// and each parker then re-validates under the queue lock), but loom 0.7 lets a plain store
/// fall between the read and the write of a concurrent CAS (tokio-rs/loom#254), and would
/// report a lost wake-up that cannot happen.
fn put(word: &AtomicU32, v: u32) {
    word.swap(v, Ordering::Release);
}

/// Parks with the caller's deadline and abort check; maps an abort to `Err`. Lock waits
/// pass a `recheck`, run at every slice (outside the queue lock): the wait ends when it
/// says the lock may be free or its holder is dead; condition waits must not (a moved
/// sequence would turn `notify(cv, 1)` into a wake-all).
#[allow(clippy::too_many_arguments)]
fn park_until(
    lot: &ParkingLot,
    key: u32,
    kind: WaitKind,
    tid: u32,
    validate: &dyn Fn() -> bool,
    recheck: Option<&dyn Fn() -> bool>,
    deadline: Option<Instant>,
    abort: &dyn Fn() -> bool,
) -> Result<ParkResult, Acquire> {
    match lot.park(key, kind, tid, validate, recheck, deadline, abort) {
        ParkResult::Aborted => Err(Acquire::Aborted),
        r => Ok(r),
    }
}

pub fn deadline_after(timeout_ms: f64) -> Option<Instant> {
    if timeout_ms.is_finite() && timeout_ms >= 0.0 {
        Some(Instant::now() + Duration::from_secs_f64(timeout_ms.min(1e12) / 1000.0))
    } else {
        None
    }
}

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
            super::shim::spin_loop();
            if spins > 10 || cfg!(loom) {
                super::shim::yield_now();
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

/// Condition wait: parks while the sequence word `word` still equals `seq` (read by the
/// caller before it released the mutex). Returns true if woken (or the sequence had already
/// moved), false on timeout. The waiter is counted in `waiters` (word 1 hi) for the whole
/// call, counted before the sequence is checked: a notify bumps the sequence before it reads
/// the count, so one of the two sees the other (a store-load order on each side: the SeqCst
/// fence after the count makes it explicit, and is what loom checks, which models SeqCst
/// accesses as AcqRel).
#[allow(clippy::too_many_arguments)]
pub fn cond_wait(
    lot: &ParkingLot,
    word: &AtomicU32,
    waiters: &AtomicU32,
    key: u32,
    tid: u32,
    seq: u32,
    deadline: Option<Instant>,
    abort: &dyn Fn() -> bool,
) -> Result<bool, Acquire> {
    waiters.fetch_add(1, Ordering::SeqCst);
    fence(Ordering::SeqCst);
    let validate = || word.load(Ordering::SeqCst) == seq;
    let r = park_until(
        lot,
        key,
        WaitKind::Condition,
        tid,
        &validate,
        None,
        deadline,
        abort,
    );
    cond_waiters_gone(waiters, 1);
    match r? {
        ParkResult::TimedOut => Ok(false),
        _ if abort() => {
            // Woken while this thread is being terminated: the wake-up would be lost with
            // it (a notify(cv, 1) consumed, the other waiters left asleep). Pass it on.
            cond_notify(lot, waiters, key, 1);
            Err(Acquire::Aborted)
        }
        // Woken by a notify, or the sequence moved before we queued (a notify came first).
        _ => Ok(true),
    }
}

/// Queues async condition waiter `id` if the sequence is still `seq`, counted in `waiters`
/// while queued; false means "already notified" (not queued, not counted).
pub fn cond_wait_async(
    lot: &ParkingLot,
    word: &AtomicU32,
    waiters: &AtomicU32,
    key: u32,
    tid: u32,
    seq: u32,
    id: u32,
) -> bool {
    waiters.fetch_add(1, Ordering::SeqCst);
    fence(Ordering::SeqCst);
    let queued = lot.park_async(key, WaitKind::Condition, tid, id, || {
        word.load(Ordering::SeqCst) == seq
    });
    if !queued {
        cond_waiters_gone(waiters, 1);
    }
    queued
}

/// Removes async condition waiter `id` (its timeout passed); false if a notify took it first.
pub fn cond_cancel_async(
    lot: &ParkingLot,
    waiters: &AtomicU32,
    key: u32,
    tid: u32,
    id: u32,
) -> bool {
    let removed = lot.cancel_async(key, tid, id, |_| {});
    if removed {
        cond_waiters_gone(waiters, 1);
    }
    removed
}

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

/// Wakes up to `count` condition waiters; returns how many.
///
/// `waiters` (word 1 hi of the Condition) counts queued and blocking waiters so that a
/// notify with nobody waiting makes no native call. Rust keeps it, never JS (a worker
/// terminated between a JS increment and its decrement leaked counts): a blocking wait takes
/// one for its duration (`cond_wait` callers), an async waiter one while queued, given back
/// here when a notify takes it off the queue, by `cond_cancel_async`, or at thread exit.
pub fn cond_notify(lot: &ParkingLot, waiters: &AtomicU32, key: u32, count: usize) -> usize {
    // Taken waiters are marked granted: a wake-up delivered to an async waiter is then
    // recorded until its thread acknowledges it, and passed on if that thread exits first.
    lot.unpark(key, count, Some(WaitKind::Condition), true, |taken, _| {
        let n = taken.iter().filter(|u| u.is_async()).count() as u32;
        if n > 0 {
            cond_waiters_gone(waiters, n);
        }
    })
}

/// Gives back `n` waiter counts (never below 0).
pub fn cond_waiters_gone(waiters: &AtomicU32, n: u32) {
    let _ = waiters.fetch_update(Ordering::AcqRel, Ordering::Relaxed, |v| {
        Some(v.saturating_sub(n))
    });
}

/// The two words of the lock whose parking key is `key`, found by the caller: (sequence,
/// waiter count) of a Condition, (state, owner) of a SharedMutex; None if `key` no longer
/// names such a lock.
pub type LockWords<'a> = dyn Fn(u32, WaitKind) -> Option<(&'a AtomicU32, &'a AtomicU32)> + 'a;

/// The lock side of a JS thread's exit (its env cleanup hook), in this order:
/// 1. drop its queued async waiters (giving back a Condition waiter's count, clearing a
///    RwLock's parked bits as for a timeout), so nothing below is handed to it again (a lock
///    given back went to the same dying thread's next queued waiter, and leaked);
/// 2. give back what was handed to its async waiters and never delivered: a SharedMutex
///    grant is released as by its holder, a Condition wake-up goes to another waiter;
/// 3. only then mark it dead, waking lock waiters to check for locks it did hold (marked
///    dead before 2, a waiter took an undelivered grant as abandoned).
///
/// Its recorded read locks are released afterwards with its thread block
/// ([`release_reads`]).
pub fn exit_locks(lot: &ParkingLot, tid: u32, words: &LockWords<'_>) {
    for (key, kind) in lot.drop_async_waiters(tid) {
        match (kind, words(key, kind)) {
            (WaitKind::Condition, Some((_, waiters))) => cond_waiters_gone(waiters, 1),
            (WaitKind::Read | WaitKind::Write, Some((state, _))) => {
                rw_waiter_gone(lot, state, key, kind)
            }
            _ => {}
        }
    }
    for (key, kind) in lot.take_grants_of(tid) {
        match (kind, words(key, kind)) {
            (WaitKind::Read | WaitKind::Write, Some((state, owner))) => {
                rw_unlock(lot, state, owner, key, tid, kind == WaitKind::Write);
            }
            (WaitKind::Condition, Some((_, waiters))) => {
                cond_notify(lot, waiters, key, 1);
            }
            _ => {}
        }
    }
    lot.mark_dead(tid);
}

/// Releases the read locks recorded in `cells` (a thread block's tb::READS: state-word
/// indices, 0 = empty) for thread `tid`, which is exiting. While recorded, a mutex is a
/// root of every collection, so each cell still names a live SharedMutex; a cell is cleared
/// only after its unlock.
pub fn release_reads<'a>(
    lot: &ParkingLot,
    tid: u32,
    cells: impl IntoIterator<Item = &'a AtomicU32>,
    words: &LockWords<'a>,
) {
    for cell in cells {
        let s = cell.load(Ordering::Relaxed);
        if s != 0 {
            if let Some((state, owner)) = words(s, WaitKind::Read) {
                rw_unlock(lot, state, owner, s, tid, false);
            }
        }
        cell.store(0, Ordering::Relaxed);
    }
}

/// Records (`held`) or clears one read-lock cell in `cells` for the SharedMutex whose state
/// word is u32 index `s`. The slow paths record here, in Rust, in the same call that changes
/// the reader count, so a worker terminated in JS can never hold a read lock its cells do
/// not show, nor show one it released (the exit hook releases what the cells show). No free
/// cell (64 holds): the hold goes unrecorded.
pub fn note_read_in<'a>(cells: impl IntoIterator<Item = &'a AtomicU32>, s: u32, held: bool) {
    let (from, to) = if held { (0, s) } else { (s, 0) };
    for cell in cells {
        if cell.load(Ordering::Relaxed) == from {
            cell.store(to, Ordering::Relaxed);
            return;
        }
    }
}

/// The words of the lock at parking key `key` in the heap, if the object there is of the
/// type `kind` waits on (what a parking key or a READS cell names, checked before use).
#[cfg(not(loom))]
fn heap_lock_words(
    region: &super::region::Region,
    key: u32,
    kind: WaitKind,
) -> Option<(&AtomicU32, &AtomicU32)> {
    use super::layout::{self, tb};
    let ty = match kind {
        WaitKind::Condition => layout::TYPE_CONDITION,
        WaitKind::Read | WaitKind::Write => layout::TYPE_SHARED_MUTEX,
        WaitKind::Mutex => return None,
    };
    let off = tb::read_lock_object(key)?;
    if off >= region.words()
        || region.word(off).load(Ordering::Acquire) as u32 & layout::TYPE_MASK != ty
    {
        return None;
    }
    Some((region.u32_at(key)?, region.u32_at(key + 1)?))
}

/// The read-lock cells (tb::READS) of thread block `block`.
#[cfg(not(loom))]
fn read_cells(region: &super::region::Region, block: u32) -> impl Iterator<Item = &AtomicU32> + '_ {
    use super::layout::tb;
    (0..tb::READS_LEN).filter_map(move |i| region.u32_at(block * 2 + i as u32 + tb::READS as u32))
}

/// [`exit_locks`] over the heap's lock words.
#[cfg(not(loom))]
pub fn thread_exit(region: &super::region::Region, lot: &ParkingLot, tid: u32) {
    exit_locks(lot, tid, &|key, kind| heap_lock_words(region, key, kind));
}

/// [`release_reads`] of thread block `block`.
#[cfg(not(loom))]
pub fn release_read_locks(region: &super::region::Region, lot: &ParkingLot, block: u32, tid: u32) {
    release_reads(lot, tid, read_cells(region, block), &|key, kind| {
        heap_lock_words(region, key, kind)
    });
}

/// [`note_read_in`] the cells of thread block `block`.
#[cfg(not(loom))]
pub fn note_read(region: &super::region::Region, block: u32, s: u32, held: bool) {
    note_read_in(read_cells(region, block), s, held);
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn contended_mutex_counts_exactly() {
        let lot = Arc::new(ParkingLot::new());
        let word = Arc::new(AtomicU32::new(0));
        let counter = Arc::new(AtomicU32::new(0));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (lot, word, counter) = (lot.clone(), word.clone(), counter.clone());
                std::thread::spawn(move || {
                    let tid = lot.register_thread(Box::new(|_| {}));
                    for _ in 0..2000 {
                        if word
                            .compare_exchange(0, tid, Ordering::Acquire, Ordering::Relaxed)
                            .is_err()
                        {
                            assert_eq!(
                                mutex_lock(&lot, &word, 1, tid, None, None, &|| false),
                                Acquire::Acquired
                            );
                        }
                        let v = counter.load(Ordering::Relaxed);
                        counter.store(v + 1, Ordering::Relaxed);
                        if word
                            .compare_exchange(tid, 0, Ordering::Release, Ordering::Relaxed)
                            .is_err()
                        {
                            assert!(mutex_unlock(&lot, &word, 1, tid));
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::SeqCst), 8000);
    }

    #[test]
    fn a_dead_owner_is_reported_as_abandoned() {
        let lot = ParkingLot::new();
        let dead = lot.register_thread(Box::new(|_| {}));
        let me = lot.register_thread(Box::new(|_| {}));
        let word = AtomicU32::new(dead);
        lot.thread_exit(dead);
        assert_eq!(
            mutex_lock(&lot, &word, 1, me, None, None, &|| false),
            Acquire::Abandoned
        );
        assert_eq!(word.load(Ordering::SeqCst) & MUTEX_OWNER, me);
    }

    #[test]
    fn mutex_lock_times_out() {
        let lot = ParkingLot::new();
        let a = lot.register_thread(Box::new(|_| {}));
        let b = lot.register_thread(Box::new(|_| {}));
        let word = AtomicU32::new(a);
        let r = mutex_lock(&lot, &word, 1, b, deadline_after(20.0), None, &|| false);
        assert_eq!(r, Acquire::TimedOut);
    }

    // ---- SharedMutex and Condition, on std threads ------------------------------------

    use crate::core::park::DOORBELL_GRANTED;
    use crate::core::testkit::{js, register, Inbox};
    use std::sync::atomic::AtomicBool;

    const RW: u32 = 30;
    const CV: u32 = 20;
    const M: u32 = 10;

    fn never() -> bool {
        false
    }

    /// Waits (yielding) until `cond` holds; the tests bound every such wait by what the
    /// other threads do, never by time.
    fn until(cond: impl Fn() -> bool) {
        while !cond() {
            std::thread::yield_now();
        }
    }

    /// How many waiters of `kind` are queued on `key`.
    fn queued(lot: &ParkingLot, key: u32, kind: Option<WaitKind>) -> usize {
        let mut n = 0;
        lot.release(key, |view| n = view.count(kind));
        n
    }

    struct Rw {
        lot: ParkingLot,
        state: AtomicU32,
        owner: AtomicU32,
    }

    fn rw() -> Arc<Rw> {
        Arc::new(Rw {
            lot: ParkingLot::new(),
            state: AtomicU32::new(0),
            owner: AtomicU32::new(0),
        })
    }

    impl Rw {
        fn lock(&self, tid: u32, exclusive: bool, deadline: Option<Instant>) -> Acquire {
            rw_lock(
                &self.lot,
                &self.state,
                &self.owner,
                RW,
                tid,
                exclusive,
                deadline,
                None,
                &never,
            )
        }
        fn read(&self, tid: u32) -> Acquire {
            js::read_lock(&self.lot, &self.state, &self.owner, RW, tid)
        }
        fn read_unlock(&self, tid: u32) {
            js::read_unlock(&self.lot, &self.state, &self.owner, RW, tid);
        }
        fn write(&self, tid: u32) -> Acquire {
            js::write_lock(&self.lot, &self.state, &self.owner, RW, tid)
        }
        fn write_unlock(&self, tid: u32) {
            js::write_unlock(&self.lot, &self.state, &self.owner, RW, tid);
        }
        fn assert_free(&self) {
            assert_eq!(
                self.state.load(Ordering::SeqCst) & (RW_WRITER | RW_READERS),
                0
            );
            assert_eq!(self.owner.load(Ordering::SeqCst), 0);
            assert!(!self.lot.has_waiters(RW, None));
        }
    }

    #[test]
    fn shared_mutex_readers_share_and_writers_exclude() {
        let m = rw();
        let writing = Arc::new(AtomicBool::new(false));
        let readers_in = Arc::new(AtomicU32::new(0));
        let counter = Arc::new(AtomicU32::new(0));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (m, writing, readers_in, counter) = (
                    m.clone(),
                    writing.clone(),
                    readers_in.clone(),
                    counter.clone(),
                );
                std::thread::spawn(move || {
                    let tid = register(&m.lot, &Inbox::new());
                    for _ in 0..1500 {
                        if i % 2 == 0 {
                            assert_eq!(m.write(tid), Acquire::Acquired);
                            assert!(!writing.swap(true, Ordering::SeqCst), "two writers");
                            assert_eq!(readers_in.load(Ordering::SeqCst), 0, "a reader inside");
                            assert_eq!(m.owner.load(Ordering::SeqCst), tid);
                            let v = counter.load(Ordering::Relaxed);
                            counter.store(v + 1, Ordering::Relaxed);
                            writing.store(false, Ordering::SeqCst);
                            m.write_unlock(tid);
                        } else {
                            assert_eq!(m.read(tid), Acquire::Acquired);
                            readers_in.fetch_add(1, Ordering::SeqCst);
                            assert!(!writing.load(Ordering::SeqCst), "a writer inside");
                            let s = m.state.load(Ordering::SeqCst);
                            assert!(s & RW_WRITER == 0 && s & RW_READERS >= 1, "{s:#x}");
                            readers_in.fetch_sub(1, Ordering::SeqCst);
                            m.read_unlock(tid);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::SeqCst), 3000);
        m.assert_free();
    }

    #[test]
    fn shared_mutex_counts_readers_exactly() {
        let m = rw();
        let tids: Vec<u32> = (0..3).map(|_| register(&m.lot, &Inbox::new())).collect();
        for (k, &t) in tids.iter().enumerate() {
            assert_eq!(m.read(t), Acquire::Acquired);
            assert_eq!(m.state.load(Ordering::SeqCst), k as u32 + 1);
        }
        // A reader that holds it already may join past a parked writer (as JS's joinRead);
        // the slow path counts exactly too.
        assert_eq!(m.lock(tids[0], false, None), Acquire::Acquired);
        assert_eq!(m.state.load(Ordering::SeqCst), 4);
        for &t in tids.iter().chain(std::iter::once(&tids[0])) {
            assert!(rw_unlock(&m.lot, &m.state, &m.owner, RW, t, false));
        }
        assert_eq!(m.state.load(Ordering::SeqCst), 0);
        // Releasing what is not held is refused, in either mode.
        assert!(!rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[0], false));
        assert!(!rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[0], true));
        assert_eq!(m.write(tids[1]), Acquire::Acquired);
        assert!(
            !rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[2], true),
            "only the writer releases"
        );
        assert!(!rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[2], false));
        m.write_unlock(tids[1]);
        m.assert_free();
    }

    #[test]
    fn shared_mutex_writer_timeout_clears_its_bit_and_lets_readers_in() {
        let m = rw();
        let reader = register(&m.lot, &Inbox::new());
        let writer = register(&m.lot, &Inbox::new());
        assert_eq!(m.read(reader), Acquire::Acquired);
        // A second reader parks behind the writer (WRITERS_PARKED keeps new readers out).
        let m2 = m.clone();
        let late = std::thread::spawn(move || {
            let t = register(&m2.lot, &Inbox::new());
            // Wait for the writer to be queued, then ask to read.
            until(|| queued(&m2.lot, RW, Some(WaitKind::Write)) == 1);
            let r = m2.read(t);
            m2.read_unlock(t);
            r
        });
        let r = m.lock(writer, true, deadline_after(60.0));
        assert_eq!(r, Acquire::TimedOut);
        assert_eq!(late.join().unwrap(), Acquire::Acquired);
        let s = m.state.load(Ordering::SeqCst);
        assert_eq!(
            s & RW_WRITERS_PARKED,
            0,
            "a writer that gave up left its bit: {s:#x}"
        );
        assert_eq!(s & RW_READERS, 1);
        // A reader that times out behind a writer leaves no bit either.
        m.read_unlock(reader);
        assert_eq!(m.write(writer), Acquire::Acquired);
        assert_eq!(
            m.lock(reader, false, deadline_after(10.0)),
            Acquire::TimedOut
        );
        assert_eq!(m.state.load(Ordering::SeqCst), RW_WRITER);
        m.write_unlock(writer);
        m.assert_free();
    }

    #[test]
    fn shared_mutex_of_a_dead_writer_is_abandoned_to_readers_and_writers() {
        for exclusive in [true, false] {
            let m = rw();
            let dead = register(&m.lot, &Inbox::new());
            let me = register(&m.lot, &Inbox::new());
            assert_eq!(m.write(dead), Acquire::Acquired);
            m.lot.thread_exit(dead);
            assert_eq!(m.lock(me, exclusive, None), Acquire::Abandoned);
            if exclusive {
                assert_eq!(m.state.load(Ordering::SeqCst), RW_WRITER);
                assert_eq!(m.owner.load(Ordering::SeqCst), me);
                m.write_unlock(me);
            } else {
                assert_eq!(m.state.load(Ordering::SeqCst), 1);
                assert_eq!(m.owner.load(Ordering::SeqCst), 0);
                m.read_unlock(me);
            }
            m.assert_free();
        }
    }

    #[test]
    fn shared_mutex_waiters_of_a_writer_that_dies_take_it_over() {
        let m = rw();
        let dying = register(&m.lot, &Inbox::new());
        assert_eq!(m.write(dying), Acquire::Acquired);
        let waiters: Vec<_> = [true, false]
            .into_iter()
            .map(|exclusive| {
                let m = m.clone();
                std::thread::spawn(move || {
                    let t = register(&m.lot, &Inbox::new());
                    let r = m.lock(t, exclusive, None);
                    match r {
                        Acquire::Acquired | Acquire::Abandoned if exclusive => m.write_unlock(t),
                        Acquire::Acquired | Acquire::Abandoned => m.read_unlock(t),
                        _ => {}
                    }
                    r
                })
            })
            .collect();
        until(|| queued(&m.lot, RW, None) == 2);
        exit_locks(&m.lot, dying, &|_, _| None);
        let results: Vec<Acquire> = waiters.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|&&r| r == Acquire::Abandoned).count(),
            1,
            "exactly the first to take it over reports it abandoned: {results:?}"
        );
        assert!(results
            .iter()
            .all(|&r| matches!(r, Acquire::Acquired | Acquire::Abandoned)));
        m.assert_free();
    }

    #[test]
    fn shared_mutex_read_locks_of_an_exiting_thread_are_released() {
        let m = rw();
        let dying = register(&m.lot, &Inbox::new());
        let cells = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
        for _ in 0..2 {
            assert_eq!(m.lock(dying, false, None), Acquire::Acquired);
            note_read_in(&cells, RW, true);
        }
        assert_eq!(m.state.load(Ordering::SeqCst), 2);
        let m2 = m.clone();
        let writer = std::thread::spawn(move || {
            let t = register(&m2.lot, &Inbox::new());
            let r = m2.write(t);
            m2.write_unlock(t);
            r
        });
        until(|| queued(&m.lot, RW, Some(WaitKind::Write)) == 1);
        let words = |key: u32, _| (key == RW).then_some((&m.state, &m.owner));
        exit_locks(&m.lot, dying, &words);
        release_reads(&m.lot, dying, &cells, &words);
        assert!(cells.iter().all(|c| c.load(Ordering::SeqCst) == 0));
        assert_eq!(
            writer.join().unwrap(),
            Acquire::Acquired,
            "readers own nothing"
        );
        m.assert_free();
    }

    #[test]
    fn shared_mutex_grants_to_an_async_waiter_and_gives_back_an_undelivered_one() {
        for exclusive in [true, false] {
            // Delivered: the doorbell carries the grant, the acknowledgement takes it.
            let m = rw();
            let holder = register(&m.lot, &Inbox::new());
            let inbox = Inbox::new();
            let waiter = register(&m.lot, &inbox);
            assert_eq!(m.write(holder), Acquire::Acquired);
            let r = rw_lock(
                &m.lot,
                &m.state,
                &m.owner,
                RW,
                waiter,
                exclusive,
                None,
                Some(5),
                &never,
            );
            assert_eq!(r, Acquire::Queued);
            m.write_unlock(holder);
            assert_eq!(inbox.next(), 5 | DOORBELL_GRANTED);
            let kind = if exclusive {
                WaitKind::Write
            } else {
                WaitKind::Read
            };
            assert_eq!(m.lot.ack_grant(waiter, 5), Some((RW, kind)));
            if exclusive {
                assert_eq!(m.owner.load(Ordering::SeqCst), waiter);
                m.write_unlock(waiter);
            } else {
                m.read_unlock(waiter);
            }
            m.assert_free();

            // Undelivered: the thread exits first; a blocking writer gets the lock, not
            // abandoned.
            let inbox = Inbox::new();
            let gone = register(&m.lot, &inbox);
            assert_eq!(m.write(holder), Acquire::Acquired);
            let r = rw_lock(
                &m.lot,
                &m.state,
                &m.owner,
                RW,
                gone,
                exclusive,
                None,
                Some(6),
                &never,
            );
            assert_eq!(r, Acquire::Queued);
            m.write_unlock(holder);
            assert_eq!(inbox.next(), 6 | DOORBELL_GRANTED);
            let m2 = m.clone();
            let writer = std::thread::spawn(move || {
                let t = register(&m2.lot, &Inbox::new());
                let r = m2.write(t);
                m2.write_unlock(t);
                r
            });
            until(|| queued(&m.lot, RW, Some(WaitKind::Write)) == 1);
            exit_locks(&m.lot, gone, &|key, _| {
                (key == RW).then_some((&m.state, &m.owner))
            });
            assert_eq!(writer.join().unwrap(), Acquire::Acquired);
            m.assert_free();
        }
    }

    struct Cv {
        lot: ParkingLot,
        mutex: AtomicU32,
        seq: AtomicU32,
        waiters: AtomicU32,
    }

    fn cv() -> Arc<Cv> {
        Arc::new(Cv {
            lot: ParkingLot::new(),
            mutex: AtomicU32::new(0),
            seq: AtomicU32::new(0),
            waiters: AtomicU32::new(0),
        })
    }

    impl Cv {
        /// `Condition.wait` as lib/sync.js does it, holding the mutex.
        fn wait(
            &self,
            tid: u32,
            deadline: Option<Instant>,
            abort: &dyn Fn() -> bool,
        ) -> Result<bool, Acquire> {
            let seq = self.seq.load(Ordering::SeqCst);
            js::mutex_unlock(&self.lot, &self.mutex, M, tid);
            let r = cond_wait(
                &self.lot,
                &self.seq,
                &self.waiters,
                CV,
                tid,
                seq,
                deadline,
                abort,
            );
            assert_eq!(
                js::mutex_lock(&self.lot, &self.mutex, M, tid),
                Acquire::Acquired
            );
            r
        }
        fn notify(&self, n: usize) -> usize {
            js::notify(&self.lot, &self.seq, &self.waiters, CV, n)
        }
        fn waiting(&self) -> usize {
            queued(&self.lot, CV, Some(WaitKind::Condition))
        }
    }

    /// Starts `n` threads that each wait once (no predicate) and count their wake-ups.
    fn waiters(c: &Arc<Cv>, n: usize, woken: &Arc<AtomicU32>) -> Vec<std::thread::JoinHandle<()>> {
        (0..n)
            .map(|_| {
                let (c, woken) = (c.clone(), woken.clone());
                std::thread::spawn(move || {
                    let tid = register(&c.lot, &Inbox::new());
                    assert_eq!(js::mutex_lock(&c.lot, &c.mutex, M, tid), Acquire::Acquired);
                    assert_eq!(c.wait(tid, None, &never), Ok(true));
                    woken.fetch_add(1, Ordering::SeqCst);
                    js::mutex_unlock(&c.lot, &c.mutex, M, tid);
                })
            })
            .collect()
    }

    #[test]
    fn condition_notify_wakes_the_number_asked_and_counts_waiters() {
        let c = cv();
        assert_eq!(c.notify(1), 0, "nobody waits: no native call");
        let woken = Arc::new(AtomicU32::new(0));
        let hs = waiters(&c, 3, &woken);
        until(|| c.waiting() == 3);
        assert_eq!(c.waiters.load(Ordering::SeqCst), 3);
        assert_eq!(c.notify(0), 0);
        assert_eq!(c.notify(1), 1);
        until(|| woken.load(Ordering::SeqCst) == 1);
        assert_eq!(c.waiting(), 2, "notify(1) took exactly one waiter");
        assert_eq!(c.notify(usize::MAX), 2);
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(woken.load(Ordering::SeqCst), 3);
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        assert_eq!(c.notify(1), 0);
    }

    #[test]
    fn condition_wait_times_out_or_returns_at_once_if_notified_before() {
        let c = cv();
        let tid = register(&c.lot, &Inbox::new());
        assert_eq!(js::mutex_lock(&c.lot, &c.mutex, M, tid), Acquire::Acquired);
        assert_eq!(c.wait(tid, deadline_after(20.0), &never), Ok(false));
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        assert!(!c.lot.has_waiters(CV, None));
        // A notify between reading the sequence and parking: the wait does not park.
        let seq = c.seq.load(Ordering::SeqCst);
        c.notify(1);
        let r = cond_wait(&c.lot, &c.seq, &c.waiters, CV, tid, seq, None, &never);
        assert_eq!(r, Ok(true));
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        js::mutex_unlock(&c.lot, &c.mutex, M, tid);
    }

    #[test]
    fn condition_async_waiter_is_counted_until_notified_cancelled_or_its_thread_exits() {
        let c = cv();
        let inbox = Inbox::new();
        let tid = register(&c.lot, &inbox);
        let seq = c.seq.load(Ordering::SeqCst);
        // Already notified: not queued, not counted.
        assert!(!cond_wait_async(
            &c.lot,
            &c.seq,
            &c.waiters,
            CV,
            tid,
            seq.wrapping_sub(1),
            1
        ));
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        // Cancelled by its timeout.
        assert!(cond_wait_async(&c.lot, &c.seq, &c.waiters, CV, tid, seq, 2));
        assert_eq!(c.waiters.load(Ordering::SeqCst), 1);
        assert!(cond_cancel_async(&c.lot, &c.waiters, CV, tid, 2));
        assert!(!cond_cancel_async(&c.lot, &c.waiters, CV, tid, 2));
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        // Notified: the doorbell rings, the cancel comes too late.
        assert!(cond_wait_async(&c.lot, &c.seq, &c.waiters, CV, tid, seq, 3));
        assert_eq!(c.notify(1), 1);
        assert_eq!(inbox.next(), 3 | DOORBELL_GRANTED);
        assert!(!cond_cancel_async(&c.lot, &c.waiters, CV, tid, 3));
        assert!(c.lot.ack_grant(tid, 3).is_some());
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        // Its thread exits while queued: the count is given back.
        let seq = c.seq.load(Ordering::SeqCst);
        assert!(cond_wait_async(&c.lot, &c.seq, &c.waiters, CV, tid, seq, 4));
        exit_locks(&c.lot, tid, &|key, _| {
            (key == CV).then_some((&c.seq, &c.waiters))
        });
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
        assert!(!c.lot.has_waiters(CV, None));
    }

    #[test]
    fn condition_wake_up_of_a_dead_or_terminating_waiter_is_passed_on() {
        // Delivered to an async waiter whose thread exits before its doorbell runs.
        let c = cv();
        let woken = Arc::new(AtomicU32::new(0));
        let hs = waiters(&c, 1, &woken);
        until(|| c.waiting() == 1);
        let inbox = Inbox::new();
        let gone = register(&c.lot, &inbox);
        let seq = c.seq.load(Ordering::SeqCst);
        assert!(cond_wait_async(
            &c.lot, &c.seq, &c.waiters, CV, gone, seq, 9
        ));
        assert_eq!(c.waiters.load(Ordering::SeqCst), 2);
        // notify(1) takes the blocking waiter first (FIFO); a second notify(1) takes the
        // async one, whose thread then exits with the wake-up undelivered: nobody is left to
        // pass it to, and the count is exact.
        assert_eq!(c.notify(1), 1);
        until(|| woken.load(Ordering::SeqCst) == 1);
        assert_eq!(c.notify(1), 1);
        assert_eq!(inbox.next(), 9 | DOORBELL_GRANTED);
        exit_locks(&c.lot, gone, &|key, _| {
            (key == CV).then_some((&c.seq, &c.waiters))
        });
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);

        // Undelivered with another waiter queued: the exit passes it on.
        let inbox = Inbox::new();
        let gone = register(&c.lot, &inbox);
        let seq = c.seq.load(Ordering::SeqCst);
        assert!(cond_wait_async(
            &c.lot, &c.seq, &c.waiters, CV, gone, seq, 10
        ));
        let hs = waiters(&c, 1, &woken);
        until(|| c.waiting() == 2);
        assert_eq!(c.notify(1), 1, "takes the async waiter (first in line)");
        exit_locks(&c.lot, gone, &|key, _| {
            (key == CV).then_some((&c.seq, &c.waiters))
        });
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(woken.load(Ordering::SeqCst), 2);
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);

        // A blocking waiter woken while its thread is being terminated passes it on too.
        let dying = Arc::new(AtomicBool::new(false));
        let (c1, d1) = (c.clone(), dying.clone());
        let doomed = std::thread::spawn(move || {
            let tid = register(&c1.lot, &Inbox::new());
            assert_eq!(
                js::mutex_lock(&c1.lot, &c1.mutex, M, tid),
                Acquire::Acquired
            );
            let r = c1.wait(tid, None, &|| d1.load(Ordering::SeqCst));
            js::mutex_unlock(&c1.lot, &c1.mutex, M, tid);
            r
        });
        until(|| c.waiting() == 1);
        let hs = waiters(&c, 1, &woken);
        until(|| c.waiting() == 2);
        dying.store(true, Ordering::SeqCst);
        assert_eq!(c.notify(1), 1, "takes the doomed waiter (first in line)");
        assert_eq!(doomed.join().unwrap(), Err(Acquire::Aborted));
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(woken.load(Ordering::SeqCst), 3);
        assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn async_waiters_of_both_locks_take_them_from_their_doorbell() {
        let lot = Arc::new(ParkingLot::new());
        let word = Arc::new(AtomicU32::new(0));
        let m = rw();
        let holder = register(&lot, &Inbox::new());
        let rw_holder = register(&m.lot, &Inbox::new());
        assert_eq!(js::mutex_lock(&lot, &word, M, holder), Acquire::Acquired);
        assert_eq!(m.write(rw_holder), Acquire::Acquired);
        let (l2, w2, m2) = (lot.clone(), word.clone(), m.clone());
        let h = std::thread::spawn(move || {
            let inbox = Inbox::new();
            let tid = register(&l2, &inbox);
            let a = js::mutex_lock_async(&l2, &w2, M, tid, 1, &inbox);
            js::mutex_unlock(&l2, &w2, M, tid);
            let inbox = Inbox::new();
            let tid = register(&m2.lot, &inbox);
            let b = js::rw_lock_async(&m2.lot, &m2.state, &m2.owner, RW, tid, false, 2, &inbox);
            m2.read_unlock(tid);
            (a, b)
        });
        until(|| lot.has_waiters(M, None));
        js::mutex_unlock(&lot, &word, M, holder);
        until(|| m.lot.has_waiters(RW, None));
        m.write_unlock(rw_holder);
        assert_eq!(h.join().unwrap(), (Acquire::Acquired, Acquire::Acquired));
        assert_eq!(word.load(Ordering::SeqCst), 0);
        m.assert_free();
    }
}
