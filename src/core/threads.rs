//! The JS thread registry: how a JS thread registers and how it exits, in one place.
//!
//! A JS thread (the main thread or a worker: lib/thread.js at load, through the binding)
//! registers once and is then known to
//! - the parking lot (park.rs): its thread id (the owner id in lock words, never reused),
//!   whether it is alive, and its doorbell (how its async waiters are woken);
//! - the collector (gc): its thread block (block.rs, allocated in the heap), its root bitmap
//!   (roots.rs), and its ring (how a collection asks it to stop). The block's offset is kept
//!   there only ([`Runtime::thread_block`]).
//!
//! Its exit (the env cleanup hook, on `worker.terminate()` or a normal exit) undoes that in
//! this order: the lock side first (sync/exit.rs: its async waiters, the grants it never
//! acknowledged, then it is marked dead), then the read locks its block records, then its
//! collector record (waiting while marking reads it; its TLAB is retired), and last its block
//! is freed. The binding owns what is N-API: the doorbell's threadsafe function, the V8
//! interrupt, the env cleanup hook.

use once_cell::sync::Lazy;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::alloc::write_free;
use super::error::CoreResult;
use super::gc::Ring;
use super::layout::{self, tb};
use super::park::Doorbell;
use super::sync;
use super::Runtime;

/// Thread labels (tid -> worker_threads id, name), for lock introspection.
static LABELS: Lazy<Mutex<HashMap<u32, (f64, String)>>> = Lazy::new(|| Mutex::new(HashMap::new()));

impl Runtime {
    /// Allocates a zeroed thread block (the first step of a registration).
    pub fn alloc_thread_block(&'static self) -> CoreResult<u32> {
        let header = ((tb::WORDS as u64) << 32) | layout::TYPE_THREAD_BLOCK as u64;
        let off = self.alloc_large(tb::WORDS, Some(header), None)?;
        for w in off + 1..off + tb::WORDS {
            self.region.word(w).store(0, Ordering::Relaxed);
        }
        Ok(off as u32)
    }

    /// Registers a JS thread with the block [`Runtime::alloc_thread_block`] gave it, its
    /// doorbell, and the ring `ring(tid)` makes for its id; returns the id. Waits if a
    /// collection is in progress.
    pub fn register_thread(
        &self,
        block: u32,
        doorbell: Doorbell,
        ring: impl FnOnce(u32) -> Ring,
    ) -> CoreResult<u32> {
        let tid = self.lot.register_thread(doorbell);
        self.gc
            .register_thread(tid, block, self.region.words(), ring(tid))?;
        Ok(tid)
    }

    /// The thread block of registered thread `tid`.
    pub fn thread_block(&self, tid: u32) -> Option<u32> {
        self.gc.thread_block(tid)
    }

    /// Every registered thread's (tid, block).
    pub fn thread_blocks(&self) -> Vec<(u32, u32)> {
        self.gc.thread_blocks()
    }

    /// Names thread `tid` by its worker_threads id and name (lock introspection,
    /// docs/locks.md); the label is kept after the thread exits.
    pub fn set_thread_label(&self, tid: u32, thread_id: f64, name: String) {
        LABELS.lock().insert(tid, (thread_id, name));
    }

    /// The label of thread `tid`, if it set one: (worker_threads id, name).
    pub fn thread_label(&self, tid: u32) -> Option<(f64, String)> {
        LABELS.lock().get(&tid).cloned()
    }

    /// Thread `tid` is gone (its env cleanup hook): releases what it held and forgets it.
    pub fn thread_exit(&self, tid: u32) {
        sync::heap::thread_exit(&self.region, &self.lot, tid);
        if let Some(block) = self.thread_block(tid) {
            sync::heap::release_read_locks(&self.region, &self.lot, block, tid);
        }
        if let Some(block) = self.gc.thread_exit(&self.region, tid) {
            let words = (self.region.word(block as usize).load(Ordering::Relaxed) >> 32) as usize;
            write_free(&self.region, block as usize, words.max(1));
        }
    }
}

#[cfg(all(test, not(loom)))]
pub(crate) mod tests {
    use super::*;
    use crate::core::sync::Acquire;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    /// A runtime of its own (not the process-wide one) over a 16 MiB heap.
    pub(crate) fn runtime() -> &'static Runtime {
        Box::leak(Box::new(Runtime::new(16 << 20).unwrap()))
    }

    /// Registers a thread whose ring counts how often it was rung.
    pub(crate) fn register(rt: &'static Runtime) -> (u32, Arc<AtomicUsize>) {
        let block = rt.alloc_thread_block().unwrap();
        let rung = Arc::new(AtomicUsize::new(0));
        let r = rung.clone();
        let tid = rt
            .register_thread(block, Box::new(|_| {}), move |_| {
                Box::new(move || {
                    r.fetch_add(1, SeqCst);
                })
            })
            .unwrap();
        (tid, rung)
    }

    #[test]
    fn a_thread_is_known_to_the_lock_and_the_collector_until_it_exits() {
        let rt = runtime();
        let (a, _) = register(rt);
        let (b, _) = register(rt);
        assert_ne!(a, b);
        let (ba, bb) = (rt.thread_block(a).unwrap(), rt.thread_block(b).unwrap());
        assert_ne!(ba, bb);
        let header = rt.region.word(ba as usize).load(SeqCst);
        assert_eq!(header as u32, layout::TYPE_THREAD_BLOCK);
        assert_eq!((header >> 32) as usize, tb::WORDS);
        assert!(rt.lot.is_alive(a) && rt.lot.is_alive(b));
        assert_eq!(rt.gc.thread_count(), 2);

        rt.thread_exit(a);
        assert!(!rt.lot.is_alive(a) && rt.lot.is_alive(b));
        assert_eq!(rt.thread_block(a), None);
        assert_eq!(rt.gc.thread_count(), 1);
        let header = rt.region.word(ba as usize).load(SeqCst);
        assert_eq!(header as u32, layout::TYPE_FREE, "the block is freed");
        assert_eq!((header >> 32) as usize, tb::WORDS);
    }

    #[test]
    fn an_exiting_thread_gives_back_the_read_locks_its_block_records() {
        let rt = runtime();
        let (tid, _) = register(rt);
        // A SharedMutex: header, then word 1 = (state, owner).
        let header = layout::TYPE_SHARED_MUTEX as u64;
        let m = rt.alloc_large(2, Some(header), None).unwrap();
        rt.region.word(m + 1).store(0, SeqCst);
        let state = 2 * (m as u32 + 1);
        let never = || false;
        for _ in 0..2 {
            let a = sync::heap::rw_lock(rt, state, state + 1, tid, false, None, None, &never);
            assert_eq!(a.unwrap(), Acquire::Acquired);
        }
        let cells = crate::core::block::ThreadBlock::new(&rt.region, rt.thread_block(tid).unwrap());
        assert_eq!(
            (0..tb::READS_LEN)
                .filter(|&i| cells.get(tb::READS + i) == state as usize)
                .count(),
            2,
            "both holds are recorded"
        );
        assert_eq!(rt.region.u32_at(state).unwrap().load(SeqCst), 2);
        rt.thread_exit(tid);
        assert_eq!(rt.region.u32_at(state).unwrap().load(SeqCst), 0, "released");
    }
}
