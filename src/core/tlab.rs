//! Allocation for JS threads, on the Rust side: TLAB refills, large objects, the young
//! ranges that root what a thread's current operation allocated, and what happens when the
//! heap is full.
//!
//! JS bump-allocates inside its TLAB (cells TOP and LIMIT of its thread block, block.rs) with
//! no native call (lib/alloc.js `allocObject`); it comes here only to refill the TLAB or
//! for an object of a quarter TLAB or more. Objects a JS operation allocated may be held
//! only in JS locals until the operation links them into the heap, so they are roots until
//! the thread's next operation starts (JS resets YOUNG and YOUNG_N then): those in the
//! current TLAB from YOUNG to TOP, the others as young ranges (PAIRS), recorded here when a
//! refill retires a TLAB, for a large object, and for an object `open()` hands over.
//!
//! On a full heap an allocation runs one collection on the calling thread and retries once,
//! at most once per `gc::EMERGENCY_SPACING_MS` (gc/trigger.rs); JS then recovers what dead
//! wrappers still root and tries again before it throws (docs/gc.md).

use super::block::ThreadBlock;
use super::error::{self, CoreError, CoreResult};
use super::layout::tb;
use super::Runtime;

impl Runtime {
    /// Retires thread `tid`'s TLAB and installs a new one of at least `min_words` (TOP =
    /// start, LIMIT = end, YOUNG = start), so no safepoint sees a TLAB it cannot parse.
    /// Objects the current operation allocated in the old TLAB become a young range.
    /// Returns the new TLAB's size in words.
    pub fn refill_tlab(&'static self, tid: u32, min_words: usize) -> CoreResult<usize> {
        let block = self
            .thread_block(tid)
            .ok_or_else(|| CoreError::type_error("shared-structs: unknown thread"))?;
        let b = ThreadBlock::new(&self.region, block);
        let (top, young) = (b.get(tb::TOP), b.get(tb::YOUNG));
        if young != 0 && young < top {
            b.push_young(young, top);
        }
        b.retire_tlab();
        b.set(tb::YOUNG, 0);
        let (start, end) = self.alloc_tlab(min_words, Some(tid))?;
        // A collection may have run inside alloc_tlab (full heap): the cells were reset by it.
        b.set(tb::TOP, start);
        b.set(tb::LIMIT, end);
        b.set(tb::YOUNG, start);
        Ok(end - start)
    }

    /// A large object of `words` words for thread `tid`, starting on a page boundary, with a
    /// FREE header until JS writes its own; recorded as young for the thread's current
    /// operation.
    pub fn alloc_large_young(&'static self, tid: u32, words: usize) -> CoreResult<u32> {
        // Parsable at once (a FREE header, written under the allocator lock); JS writes the
        // real header right after.
        let off = self.alloc_page_aligned(words, Some(tid))?;
        if let Some(block) = self.thread_block(tid) {
            ThreadBlock::new(&self.region, block).push_young(off, off + words);
        }
        Ok(off as u32)
    }

    /// Records `[from, to)` (parsable: objects and FREE spans) as young for thread `tid`: a
    /// root until its next operation starts. False if the thread's young ranges are full (or
    /// it is not registered).
    pub fn note_young_range(&self, tid: u32, from: usize, to: usize) -> bool {
        let Some(block) = self.thread_block(tid) else {
            return false;
        };
        let b = ThreadBlock::new(&self.region, block);
        let n = b.get(tb::YOUNG_N);
        b.push_young(from, to);
        n < tb::MAX_PAIRS
    }

    /// Records the object at `off` as young for thread `tid` (a root until its next
    /// operation starts).
    pub fn note_young(&self, tid: u32, off: usize) {
        if let Some(block) = self.thread_block(tid) {
            ThreadBlock::new(&self.region, block).push_young(off, off + 1);
        }
    }

    /// A TLAB for thread `caller` (None: not a JS thread); may wake the collector, and on a
    /// full heap collects once and retries. Returns `(start, end)`.
    pub fn alloc_tlab(
        &'static self,
        min_words: usize,
        caller: Option<u32>,
    ) -> CoreResult<(usize, usize)> {
        self.with_retry(caller, || self.heap.alloc_tlab(&self.region, min_words))
    }

    /// A large object whose first word is `header` (None: a FREE header over the block);
    /// same policy as `alloc_tlab`.
    pub fn alloc_large(
        &'static self,
        words: usize,
        header: Option<u64>,
        caller: Option<u32>,
    ) -> CoreResult<usize> {
        self.with_retry(caller, || {
            self.heap.alloc_large(&self.region, words, header)
        })
    }

    /// A large JS object starting on a page boundary (FREE header until JS writes its own);
    /// same policy as `alloc_tlab`.
    pub fn alloc_page_aligned(
        &'static self,
        words: usize,
        caller: Option<u32>,
    ) -> CoreResult<usize> {
        self.with_retry(caller, || self.heap.alloc_page_aligned(&self.region, words))
    }

    fn with_retry<T>(
        &'static self,
        caller: Option<u32>,
        f: impl Fn() -> CoreResult<T>,
    ) -> CoreResult<T> {
        match f() {
            Ok(v) => {
                self.gc.allocated(self);
                Ok(v)
            }
            Err(e) if e.kind == error::ErrorKind::Range && self.gc.emergency_allowed() => {
                match caller {
                    Some(tid) => self.gc.in_native(tid, || self.gc.collect(self, Some(tid))),
                    None => self.gc.collect(self, None),
                };
                f()
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::core::layout::{self, TLAB_WORDS};
    use crate::core::threads::tests::{register, runtime};
    use std::sync::atomic::Ordering::SeqCst;

    fn young_ranges(b: &ThreadBlock<'_>) -> Vec<(usize, usize)> {
        (0..b.get(tb::YOUNG_N))
            .map(|p| (b.get(tb::PAIRS + 2 * p), b.get(tb::PAIRS + 2 * p + 1)))
            .collect()
    }

    #[test]
    fn a_refill_retires_the_tlab_and_keeps_what_the_operation_allocated_young() {
        let rt = runtime();
        let (tid, _) = register(rt);
        let b = ThreadBlock::new(&rt.region, rt.thread_block(tid).unwrap());
        assert_eq!(rt.refill_tlab(tid, 1).unwrap(), TLAB_WORDS);
        let (start, end) = (b.get(tb::TOP), b.get(tb::LIMIT));
        assert_eq!((end - start, b.get(tb::YOUNG)), (TLAB_WORDS, start));
        // JS bump-allocates 10 words, then refills.
        b.set(tb::TOP, start + 10);
        rt.refill_tlab(tid, 1).unwrap();
        assert_eq!(young_ranges(&b), vec![(start, start + 10)]);
        let tail = rt.region.word(start + 10).load(SeqCst);
        assert_eq!(
            tail as u32,
            layout::TYPE_FREE,
            "the old tail is a FREE span"
        );
        assert_eq!((tail >> 32) as usize, end - start - 10);
        assert_eq!(b.get(tb::YOUNG), b.get(tb::TOP));
        assert!(b.get(tb::TOP) >= end || b.get(tb::LIMIT) <= start);

        rt.note_young(tid, 5000);
        let big = rt.alloc_large_young(tid, 9000).unwrap() as usize;
        assert_eq!(big % layout::PAGE_WORDS, 0, "large objects start on a page");
        assert_eq!(
            young_ranges(&b),
            vec![(start, start + 10), (5000, 5001), (big, big + 9000)]
        );
    }

    #[test]
    fn a_refill_for_an_unregistered_thread_is_a_type_error() {
        let rt = runtime();
        let e = rt.refill_tlab(12345, 1).unwrap_err();
        assert_eq!(e.kind, error::ErrorKind::Type);
    }

    #[test]
    fn a_full_heap_collects_once_then_fails_until_the_spacing_has_passed() {
        let rt = runtime();
        rt.gc.set_enabled(true);
        let words = rt.region.words();
        let e = rt.alloc_large(words, None, None).unwrap_err();
        assert_eq!(e.kind, error::ErrorKind::Range);
        assert_eq!(rt.gc.stats().collections, 1, "one emergency collection");
        rt.alloc_large(words, None, None).unwrap_err();
        assert_eq!(rt.gc.stats().collections, 1, "none within the spacing");
        rt.gc.set_enabled(false);
        std::thread::sleep(std::time::Duration::from_millis(
            crate::core::gc::EMERGENCY_SPACING_MS + 20,
        ));
        rt.alloc_large(words, None, None).unwrap_err();
        assert_eq!(rt.gc.stats().collections, 1, "none while collection is off");
        rt.gc.set_enabled(true);
        rt.alloc_large(words, None, None).unwrap_err();
        assert_eq!(rt.gc.stats().collections, 2);
    }
}
