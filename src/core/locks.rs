//! Locks held by dead threads, counted in a collection's pause when asked for
//! (`heapStats({ locks: true })`, docs/locks.md).
//!
//! With every JS thread stopped the heap is parsable (docs/gc.md, invariant 1), so the
//! collector, right after marking, walks `[HEAP_START, sweep end)` by object sizes and looks
//! at the lock word of every live object that has one: a Mutex, SharedMutex, SharedMap,
//! SharedSet, SharedVector, Channel or Barrier whose owner id is a thread that has exited.
//! The walk stops at the first word it cannot parse (as the sweep does).

use std::sync::atomic::{AtomicBool, Ordering};

use super::layout;
use super::region::Region;
use super::sync::{MUTEX_OWNER as M_OWNER, RW_WRITER};

/// Locks found held by dead threads in the last counted collection.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeadLocks {
    /// Mutexes.
    pub mutexes: u64,
    /// SharedMutexes held exclusively (read holds of exited threads are released at exit).
    pub shared_mutexes: u64,
    /// The internal locks of maps, sets, vectors, channels and barriers (a thread died
    /// inside an operation; the next operation takes the lock over).
    pub internal: u64,
    /// Lock ids (tids) of the dead owners, each once.
    pub owners: u64,
}

static REQUESTED: AtomicBool = AtomicBool::new(false);
static LAST: parking_lot::Mutex<Option<DeadLocks>> = parking_lot::Mutex::new(None);

/// Asks the next collection to count (and clears the last count).
pub fn request() {
    *LAST.lock() = None;
    REQUESTED.store(true, Ordering::Release);
}

/// The last count, if a collection made one since the request.
pub fn last() -> Option<DeadLocks> {
    *LAST.lock()
}

/// Whether a count was requested (taken: the collector counts once).
pub fn take_request() -> bool {
    REQUESTED.swap(false, Ordering::AcqRel)
}

/// Walks the live objects in `[from, end)` (all threads stopped): `size(off)` is an object's
/// size in words (None: unparsable, stop), `live(off)` whether marking reached it, `alive`
/// whether a thread id is a live thread. Stores and returns the count.
pub fn count(
    region: &Region,
    from: usize,
    end: usize,
    size: impl Fn(usize) -> Option<usize>,
    live: impl Fn(usize) -> bool,
    alive: impl Fn(u32) -> bool,
) -> DeadLocks {
    let mut d = DeadLocks::default();
    let mut owners = std::collections::HashSet::new();
    let mut off = from;
    while off < end {
        let Some(n) = size(off) else { break };
        let ty = region.word(off).load(Ordering::Relaxed) as u32 & layout::TYPE_MASK;
        if n >= 2 && live(off) {
            let w1 = region.word(off + 1).load(Ordering::Relaxed);
            let (lo, hi) = (w1 as u32, (w1 >> 32) as u32);
            let owner = match ty {
                layout::TYPE_MUTEX => Some((lo & M_OWNER, 0)),
                layout::TYPE_SHARED_MUTEX => (lo & RW_WRITER != 0).then_some((hi, 1)),
                layout::TYPE_MAP
                | layout::TYPE_SET
                | layout::TYPE_VECTOR
                | layout::TYPE_CHANNEL
                | layout::TYPE_BARRIER => Some((lo & M_OWNER, 2)),
                _ => None,
            };
            if let Some((tid, kind)) = owner {
                if tid != 0 && !alive(tid) {
                    owners.insert(tid);
                    match kind {
                        0 => d.mutexes += 1,
                        1 => d.shared_mutexes += 1,
                        _ => d.internal += 1,
                    }
                }
            }
        }
        off += n.max(1);
    }
    d.owners = owners.len() as u64;
    *LAST.lock() = Some(d);
    d
}
