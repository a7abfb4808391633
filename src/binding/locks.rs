//! Lock introspection for debugging (docs/locks.md, "Who holds it"): queued waiters per
//! lock word, the holders of a SharedMutex's read locks, and labels naming threads.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::to_napi;
use crate::core;

fn rt() -> Result<&'static core::Runtime> {
    core::runtime().map_err(to_napi)
}

/// Waiters (sync and async) queued on the lock or condition word at u32 index `index`.
#[napi]
pub fn lock_waiters(index: u32) -> Result<u32> {
    Ok(core::sync::heap::waiters(rt()?, index) as u32)
}

/// Thread ids holding a read lock on the SharedMutex whose state word is u32 index `index`,
/// one entry per recorded hold (threads record up to 64 holds: tb::READS).
#[napi]
pub fn read_lock_holders(index: u32) -> Result<Vec<u32>> {
    Ok(core::sync::heap::read_lock_holders(rt()?, index))
}

#[napi(object)]
pub struct ThreadLabel {
    /// worker_threads' threadId (0 = the main thread).
    pub thread_id: f64,
    /// The worker's name (`new Worker(file, { name })`), or empty.
    pub name: String,
}

/// Names thread `tid` (the library's thread id) by its worker_threads id and name.
#[napi]
pub fn set_thread_label(tid: u32, thread_id: f64, name: String) -> Result<()> {
    super::sync::check_own_tid(tid)?;
    rt()?.set_thread_label(tid, thread_id, name);
    Ok(())
}

/// The label of thread `tid`, if it set one (kept after the thread exits).
#[napi]
pub fn thread_label(tid: u32) -> Result<Option<ThreadLabel>> {
    Ok(rt()?
        .thread_label(tid)
        .map(|(thread_id, name)| ThreadLabel { thread_id, name }))
}

#[napi(object)]
pub struct DeadLockCount {
    pub mutexes: f64,
    pub shared_mutexes: f64,
    pub internal: f64,
    pub owners: f64,
}

/// Asks the next collection to count the locks held by dead threads (core::locks).
#[napi]
pub fn request_dead_lock_count() {
    core::locks::request();
}

/// The count the last requested collection made, if any.
#[napi]
pub fn dead_lock_count() -> Option<DeadLockCount> {
    core::locks::last().map(|d| DeadLockCount {
        mutexes: d.mutexes as f64,
        shared_mutexes: d.shared_mutexes as f64,
        internal: d.internal as f64,
        owners: d.owners as f64,
    })
}
