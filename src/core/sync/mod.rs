//! Slow paths of the shared locks, one primitive per file (as parking_lot): [`mutex`],
//! [`condition`], [`rwlock`] (SharedMutex). Fast paths (uncontended lock and unlock) are one
//! compare-and-swap in JS on the same words (lib/sync.js); each file states its word's bits
//! and protocol, and docs/locks.md has the full state tables.
//!
//! Every slow path parks on the [`ParkingLot`] keyed by the lock word's u32 index, and
//! reports how a blocking acquire ended as an [`Acquire`]. This module holds what the
//! primitives share; [`exit`] is the lock side of a thread's exit, and [`heap`] binds the
//! primitives to the words of the shared heap and to the calling thread's block (what the
//! binding calls).

mod condition;
mod exit;
#[cfg(not(loom))]
pub mod heap;
mod mutex;
mod rwlock;
#[cfg(all(test, not(loom)))]
mod tests;

pub use condition::*;
pub use exit::*;
pub use mutex::*;
pub use rwlock::*;

use std::time::Duration;

use super::park::{ParkResult, ParkingLot, WaitKind};
use super::shim::{AtomicU32, Instant, Ordering};

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

/// The lock words' bits and the slow paths' result codes, by the names the JS layer uses
/// (core::constants): lib/sync.js's fast paths work on the same words.
pub fn constants() -> Vec<(&'static str, f64)> {
    vec![
        ("MUTEX_PARKED", MUTEX_PARKED as f64),
        ("MUTEX_OWNER", MUTEX_OWNER as f64),
        ("RW_READERS", RW_READERS as f64),
        ("RW_WRITER", RW_WRITER as f64),
        ("RW_WRITERS_PARKED", RW_WRITERS_PARKED as f64),
        ("RW_READERS_PARKED", RW_READERS_PARKED as f64),
        ("ACQUIRED", Acquire::Acquired as u32 as f64),
        ("ABANDONED", Acquire::Abandoned as u32 as f64),
        ("TIMED_OUT", Acquire::TimedOut as u32 as f64),
        ("ABORTED", Acquire::Aborted as u32 as f64),
        ("QUEUED", Acquire::Queued as u32 as f64),
        ("COND_WOKEN", COND_WOKEN as f64),
        ("COND_TIMED_OUT", COND_TIMED_OUT as f64),
    ]
}

/// A deadline `timeout_ms` from now; None (no deadline) for a negative or infinite one.
pub fn deadline_after(timeout_ms: f64) -> Option<Instant> {
    if timeout_ms.is_finite() && timeout_ms >= 0.0 {
        Some(Instant::now() + Duration::from_secs_f64(timeout_ms.min(1e12) / 1000.0))
    } else {
        None
    }
}

/// The two words of the lock whose parking key is `key`, found by the caller: (sequence,
/// waiter count) of a Condition, (state, owner) of a SharedMutex; None if `key` no longer
/// names such a lock.
pub type LockWords<'a> = dyn Fn(u32, WaitKind) -> Option<(&'a AtomicU32, &'a AtomicU32)> + 'a;
