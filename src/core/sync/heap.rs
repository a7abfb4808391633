//! The lock primitives over the shared heap, as the binding calls them: lock words found by
//! their u32 index (a TypeError outside the heap), blocking waits with the thread counted as
//! stopped for the collector, and read locks recorded in the thread's block (layout.rs
//! `tb::READS`) in the same call that takes or releases them. Not built under loom (the
//! models run the primitives on words of their own).

use super::super::error::{CoreError, CoreResult};
use super::super::park::{ParkingLot, WaitKind};
use super::super::region::Region;
use super::super::shim::{AtomicU32, Instant, Ordering};
use super::super::Runtime;
use super::{exit_locks, note_read_in, release_reads, Acquire};

/// The words of the lock at parking key `key` in the heap, if the object there is of the
/// type `kind` waits on (what a parking key or a READS cell names, checked before use).
fn heap_lock_words(region: &Region, key: u32, kind: WaitKind) -> Option<(&AtomicU32, &AtomicU32)> {
    use super::super::layout::{self, tb};
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
fn read_cells(region: &Region, block: u32) -> impl Iterator<Item = &AtomicU32> + '_ {
    use super::super::layout::tb;
    (0..tb::READS_LEN).filter_map(move |i| region.u32_at(block * 2 + i as u32 + tb::READS as u32))
}

/// [`exit_locks`] over the heap's lock words.
pub fn thread_exit(region: &Region, lot: &ParkingLot, tid: u32) {
    exit_locks(lot, tid, &|key, kind| heap_lock_words(region, key, kind));
}

/// [`release_reads`] of thread block `block`.
pub fn release_read_locks(region: &Region, lot: &ParkingLot, block: u32, tid: u32) {
    release_reads(lot, tid, read_cells(region, block), &|key, kind| {
        heap_lock_words(region, key, kind)
    });
}

/// [`note_read_in`] the cells of thread block `block`.
pub fn note_read(region: &Region, block: u32, s: u32, held: bool) {
    note_read_in(read_cells(region, block), s, held);
}

/// The lock word at u32 index `index` of the heap, or a TypeError.
fn word(rt: &Runtime, index: u32) -> CoreResult<&AtomicU32> {
    rt.region
        .u32_at(index)
        .ok_or_else(|| CoreError::type_error("shared-structs: not a lock word of the shared heap"))
}

/// Runs a wait that may block (`may_block`) with thread `tid` counted as stopped for the
/// collector.
fn blocking<T>(rt: &Runtime, tid: u32, may_block: bool, f: impl FnOnce() -> T) -> T {
    if may_block {
        rt.gc.in_native(tid, f)
    } else {
        f()
    }
}

/// Records (`held`) or clears a read lock of the SharedMutex whose state word is `state_index`
/// in thread `tid`'s block.
fn note_thread_read(rt: &Runtime, tid: u32, state_index: u32, held: bool) {
    if let Some(block) = rt.thread_block(tid) {
        note_read(&rt.region, block, state_index, held);
    }
}

/// [`super::mutex_lock`] on the Mutex whose state word is `index`. Without `async_id` the
/// wait blocks (the thread counts as stopped meanwhile).
pub fn mutex_lock(
    rt: &Runtime,
    index: u32,
    tid: u32,
    deadline: Option<Instant>,
    async_id: Option<u32>,
    abort: &dyn Fn() -> bool,
) -> CoreResult<Acquire> {
    let w = word(rt, index)?;
    Ok(blocking(rt, tid, async_id.is_none(), || {
        super::mutex_lock(&rt.lot, w, index, tid, deadline, async_id, abort)
    }))
}

/// [`super::mutex_unlock`] of the Mutex whose state word is `index`.
pub fn mutex_unlock(rt: &Runtime, index: u32, tid: u32) -> CoreResult<bool> {
    Ok(super::mutex_unlock(&rt.lot, word(rt, index)?, index, tid))
}

/// [`super::cond_wait`] on the Condition whose sequence word is `index` (its waiter count is
/// the next u32); the thread counts as stopped meanwhile.
pub fn cond_wait(
    rt: &Runtime,
    index: u32,
    tid: u32,
    seq: u32,
    deadline: Option<Instant>,
    abort: &dyn Fn() -> bool,
) -> CoreResult<Result<bool, Acquire>> {
    let (w, waiters) = (word(rt, index)?, word(rt, index + 1)?);
    Ok(rt.gc.in_native(tid, || {
        super::cond_wait(&rt.lot, w, waiters, index, tid, seq, deadline, abort)
    }))
}

/// [`super::cond_wait_async`] on the Condition whose sequence word is `index`.
pub fn cond_wait_async(rt: &Runtime, index: u32, tid: u32, seq: u32, id: u32) -> CoreResult<bool> {
    let (w, waiters) = (word(rt, index)?, word(rt, index + 1)?);
    Ok(super::cond_wait_async(
        &rt.lot, w, waiters, index, tid, seq, id,
    ))
}

/// [`super::cond_cancel_async`] on the Condition whose sequence word is `index`.
pub fn cond_cancel_async(rt: &Runtime, index: u32, tid: u32, id: u32) -> CoreResult<bool> {
    let waiters = word(rt, index + 1)?;
    Ok(super::cond_cancel_async(&rt.lot, waiters, index, tid, id))
}

/// [`super::cond_notify`] of up to `count` waiters of the Condition whose sequence word is
/// `index`.
pub fn cond_notify(rt: &Runtime, index: u32, count: usize) -> CoreResult<usize> {
    word(rt, index)?;
    let waiters = word(rt, index + 1)?;
    Ok(super::cond_notify(&rt.lot, waiters, index, count))
}

/// [`super::rw_lock`] on the SharedMutex whose words are `state_index` and `owner_index`.
/// Without `async_id` the wait blocks (the thread counts as stopped meanwhile). A read lock
/// taken is recorded in the thread's block in the same call (note_read_in).
#[allow(clippy::too_many_arguments)]
pub fn rw_lock(
    rt: &Runtime,
    state_index: u32,
    owner_index: u32,
    tid: u32,
    exclusive: bool,
    deadline: Option<Instant>,
    async_id: Option<u32>,
    abort: &dyn Fn() -> bool,
) -> CoreResult<Acquire> {
    let (s, o) = (word(rt, state_index)?, word(rt, owner_index)?);
    let a = blocking(rt, tid, async_id.is_none(), || {
        super::rw_lock(
            &rt.lot,
            s,
            o,
            state_index,
            tid,
            exclusive,
            deadline,
            async_id,
            abort,
        )
    });
    if !exclusive && matches!(a, Acquire::Acquired | Acquire::Abandoned) {
        note_thread_read(rt, tid, state_index, true);
    }
    Ok(a)
}

/// [`super::rw_cancel`] of async waiter `id` on the SharedMutex whose state word is
/// `state_index`.
pub fn rw_cancel(rt: &Runtime, state_index: u32, tid: u32, id: u32) -> CoreResult<bool> {
    let s = word(rt, state_index)?;
    Ok(super::rw_cancel(&rt.lot, s, state_index, tid, id))
}

/// [`super::rw_unlock`] of the SharedMutex whose words are `state_index` and `owner_index`; a
/// read lock released is cleared from the thread's block in the same call.
pub fn rw_unlock(
    rt: &Runtime,
    state_index: u32,
    owner_index: u32,
    tid: u32,
    exclusive: bool,
) -> CoreResult<bool> {
    let (s, o) = (word(rt, state_index)?, word(rt, owner_index)?);
    let ok = super::rw_unlock(&rt.lot, s, o, state_index, tid, exclusive);
    if ok && !exclusive {
        note_thread_read(rt, tid, state_index, false);
    }
    Ok(ok)
}

/// Thread `tid` received the doorbell of its async waiter `id`: a lock granted to it is its
/// own from now on, and a read lock is recorded in its block (in Rust: nothing in JS runs
/// between the two).
pub fn ack_grant(rt: &Runtime, tid: u32, id: u32) {
    if let Some((key, WaitKind::Read)) = rt.lot.ack_grant(tid, id) {
        note_thread_read(rt, tid, key, true);
    }
}

/// Thread ids holding a read lock on the SharedMutex whose state word is `state_index`, one
/// entry per hold recorded in their blocks (threads record up to `tb::READS_LEN` holds).
pub fn read_lock_holders(rt: &Runtime, state_index: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for (tid, block) in rt.thread_blocks() {
        for cell in read_cells(&rt.region, block) {
            if cell.load(Ordering::Relaxed) == state_index {
                out.push(tid);
            }
        }
    }
    out
}

/// Waiters (blocking and async) queued on the lock or condition word `index`.
pub fn waiters(rt: &Runtime, index: u32) -> usize {
    let mut n = 0;
    // A release that takes nobody: only looks at the queue, under its lock.
    rt.lot.release(index, |view| n = view.count(None));
    n
}

/// Removes async Mutex waiter `id` of `tid` on the Mutex whose state word is `index` (its
/// timeout passed); false if it was already woken.
pub fn cancel_async(rt: &Runtime, index: u32, tid: u32, id: u32) -> bool {
    rt.lot.cancel_async(index, tid, id, |_| {})
}
