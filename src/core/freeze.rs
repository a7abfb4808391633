//! Freezing a shared object graph: every object reachable from a root gets the FROZEN header
//! bit (layout.rs), after which every write to its slots throws in every thread (the JS write
//! paths test the bit; docs/layout.md).
//!
//! The walk runs while no collection runs (`Collector::walk_stopped`): nothing is freed
//! during it, so every reference it reads names a live object. Other threads may write
//! meanwhile; each slot is read with one atomic load, so the walk follows either the old or
//! the new reference, and an object linked in after its parent was visited is not frozen
//! (freezing is not a snapshot of concurrent writers: synchronize them first). Locks (Mutex,
//! Condition, SharedMutex) are left as they are; strings, bigints and boxed doubles are
//! immutable already.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use super::error::CoreResult;
use super::gc::Shapes;
use super::layout;
use super::Runtime;

/// Freezes `root` (which must be a live object) and everything reachable from it, for the
/// calling thread `tid`; returns how many objects were frozen (those that were not already).
/// The thread counts as stopped meanwhile: a collection already stopping the world when the
/// call starts runs to its end first (waiting for the collection lock here would have held
/// that collection up until its arrival deadline), and one requested during the walk starts
/// when it is over.
pub fn freeze_graph(rt: &Runtime, tid: u32, root: usize) -> CoreResult<u64> {
    rt.region.check_object(root, None)?;
    rt.region
        .u32_cell(layout::CTL_ANY_FROZEN)
        .store(1, Ordering::SeqCst);
    Ok(rt.gc.walk_stopped(tid, || {
        let region = &rt.region;
        let shapes = Shapes::snapshot(rt);
        let mut seen = HashSet::new();
        let mut stack = vec![root];
        let mut frozen = 0;
        while let Some(o) = stack.pop() {
            if o < layout::HEAP_START || o >= region.words() || !seen.insert(o) {
                continue;
            }
            let lo = region.word(o).load(Ordering::Acquire) as u32;
            match lo & layout::TYPE_MASK {
                layout::TYPE_FREE
                | layout::TYPE_THREAD_BLOCK
                | layout::TYPE_STRING
                | layout::TYPE_BIGINT
                | layout::TYPE_DOUBLE
                | layout::TYPE_MUTEX
                | layout::TYPE_CONDITION
                | layout::TYPE_SHARED_MUTEX => continue,
                _ => {}
            }
            let Some((_, first, count)) = shapes.layout(region, o) else {
                continue;
            };
            let cell = region
                .u32_at(2 * o as u32)
                .expect("an object header inside the heap");
            if cell.fetch_or(layout::FROZEN, Ordering::AcqRel) & layout::FROZEN == 0 {
                frozen += 1;
            }
            for k in first..first + count {
                let v = region.word(o + k).load(Ordering::Acquire);
                if (v >> 32) as u32 == layout::TAG_REF {
                    stack.push(v as u32 as usize);
                }
            }
        }
        frozen
    }))
}
