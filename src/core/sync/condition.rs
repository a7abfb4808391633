//! The Condition slow paths.
//!
//! ## Condition words (u32 sequence, u32 waiter count: word 1 lo and hi)
//! The sequence is bumped by every notify (no lost wake-ups: a waiter reads it before
//! releasing the mutex and parks only if it is unchanged). The waiter count (kept by Rust,
//! never JS) lets a notify with nobody waiting skip the native call; see [`cond_notify`].

use super::super::park::ParkResult;
use super::super::park::{ParkingLot, WaitKind};
use super::super::shim::{fence, AtomicU32, Instant, Ordering};
use super::{park_until, Acquire};

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

/// What a blocking condition wait returns across the binding: woken (or already notified),
/// or timed out; an abort returns `Acquire::Aborted`'s code.
pub const COND_WOKEN: u32 = 1;
pub const COND_TIMED_OUT: u32 = 0;

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
