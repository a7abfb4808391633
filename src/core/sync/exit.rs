//! The lock side of a JS thread's exit: its queued async waiters, the grants it never
//! acknowledged, the locks it held, and the read locks recorded in its thread block.

use super::super::park::{ParkingLot, WaitKind};
use super::super::shim::{AtomicU32, Ordering};
use super::{cond_notify, cond_waiters_gone, rw_unlock, rw_waiter_gone, LockWords};

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
