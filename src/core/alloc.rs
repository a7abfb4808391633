//! The allocator: hands out thread-local allocation buffers (TLABs) and large objects.
//!
//! JS bump-allocates inside its TLAB with no native call; only a refill (every
//! `TLAB_WORDS` words) or an object larger than a quarter TLAB reaches here. Space is
//! taken from a global bump pointer; when the collector lands it will also feed free
//! spans back (see docs/gc.md). Until then memory only grows.
//!
//! Invariant (heap parsability): every word in `[HEAP_START, top)` belongs to exactly one
//! object or FREE span whose header gives its size. A thread that gives up a TLAB writes a
//! FREE header over its unused tail before asking for a new one.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{CoreError, CoreResult};
use super::layout;
use super::region::Region;

pub struct Heap {
    state: Mutex<State>,
    /// Words handed out so far (TLABs and large objects), for statistics.
    allocated_words: AtomicU64,
    large_objects: AtomicU64,
    tlabs: AtomicU64,
}

struct State {
    top: usize,
    limit: usize,
}

/// Statistics about the heap.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeapStats {
    pub reserved_bytes: u64,
    pub used_bytes: u64,
    pub tlabs: u64,
    pub large_objects: u64,
}

impl Heap {
    pub fn new(region: &Region) -> Heap {
        Heap {
            state: Mutex::new(State { top: layout::HEAP_START, limit: region.words() }),
            allocated_words: AtomicU64::new(0),
            large_objects: AtomicU64::new(0),
            tlabs: AtomicU64::new(0),
        }
    }

    fn take(&self, words: usize) -> CoreResult<usize> {
        let mut st = self.state.lock();
        let start = st.top;
        match start.checked_add(words) {
            Some(end) if end <= st.limit => {
                st.top = end;
                self.allocated_words.fetch_add(words as u64, Ordering::Relaxed);
                Ok(start)
            }
            _ => Err(CoreError::range(format!(
                "shared-structs: the shared heap is full ({} MiB reserved; set SHARED_STRUCTS_HEAP_SIZE to reserve more)",
                (st.limit * layout::WORD) >> 20
            ))),
        }
    }

    /// A fresh TLAB of at least `min_words` words: returns `(start, end)` word offsets.
    pub fn alloc_tlab(&self, min_words: usize) -> CoreResult<(usize, usize)> {
        let words = min_words.max(layout::TLAB_WORDS);
        let start = self.take(words)?;
        self.tlabs.fetch_add(1, Ordering::Relaxed);
        Ok((start, start + words))
    }

    /// A block of exactly `words` words for one large object.
    pub fn alloc_large(&self, words: usize) -> CoreResult<usize> {
        if words == 0 {
            return Err(CoreError::range("shared-structs: cannot allocate zero words"));
        }
        let start = self.take(words)?;
        self.large_objects.fetch_add(1, Ordering::Relaxed);
        Ok(start)
    }

    pub fn stats(&self, region: &Region) -> HeapStats {
        HeapStats {
            reserved_bytes: region.bytes() as u64,
            used_bytes: self.allocated_words.load(Ordering::Relaxed) * layout::WORD as u64,
            tlabs: self.tlabs.load(Ordering::Relaxed),
            large_objects: self.large_objects.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlabs_do_not_overlap_and_a_full_heap_is_a_range_error() {
        let region = Region::reserve(layout::MIN_HEAP_BYTES).unwrap();
        let heap = Heap::new(&region);
        let (a0, a1) = heap.alloc_tlab(1).unwrap();
        let (b0, b1) = heap.alloc_tlab(10).unwrap();
        assert!(a0 >= layout::HEAP_START && a1 <= b0 && b0 < b1);
        let err = heap.alloc_large(region.words()).unwrap_err();
        assert_eq!(err.kind, super::super::error::ErrorKind::Range);
        assert!(err.message.contains("full"));
    }
}
