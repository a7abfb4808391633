//! The allocator: hands out thread-local allocation buffers (TLABs) and large objects.
//!
//! JS bump-allocates inside its TLAB with no native call; only a refill or an object of a
//! quarter TLAB or more reaches here. Space comes from the free lists the collector's sweep
//! builds (best fit), else from a global bump pointer.
//!
//! Invariant (heap parsability): every word in `[HEAP_START, top)` belongs to exactly one
//! object or FREE span whose header gives its size. A span handed out is split with a FREE
//! header on the remainder; a thread that gives up a TLAB writes a FREE header over its
//! unused tail (JS does it on refill, the collector at a safepoint).
//!
//! A collection empties the free lists (their spans are FREE in the heap); the sweep then
//! publishes each free run as soon as it has written its header. The sweep walks upwards
//! and never returns, so the free list only ever holds spans behind its cursor: no thread
//! allocates where the sweeper still walks.

use parking_lot::{Condvar, Mutex};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{CoreError, CoreResult};
use super::layout;
use super::region::Region;

/// Smallest free span worth handing out as a TLAB; smaller ones wait to be coalesced.
pub const MIN_REUSE_WORDS: usize = 16;

pub struct Heap {
    state: Mutex<State>,
    /// Signalled when a sweep publishes free spans or ends.
    published: Condvar,
    /// Words handed out since the last collection (drives the trigger).
    since_gc: AtomicU64,
    allocated_total: AtomicU64,
    large_objects: AtomicU64,
    tlabs: AtomicU64,
}

struct State {
    top: usize,
    limit: usize,
    /// Free spans as (length, start), ordered for best fit.
    free: BTreeSet<(usize, usize)>,
    free_words: usize,
    sweeping: bool,
}

/// Statistics about the heap.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeapStats {
    pub reserved_bytes: u64,
    /// Bytes between the heap start and the bump pointer (ever used).
    pub high_water_bytes: u64,
    /// Bytes in free lists.
    pub free_bytes: u64,
    pub tlabs: u64,
    pub large_objects: u64,
    pub allocated_bytes_total: u64,
}

/// How long a refill waits for the running sweep to publish a span before growing the heap.
const SWEEP_WAIT: std::time::Duration = std::time::Duration::from_millis(30);

impl Heap {
    pub fn new(region: &Region) -> Heap {
        Heap {
            published: Condvar::new(),
            state: Mutex::new(State {
                top: layout::HEAP_START,
                limit: region.words(),
                free: BTreeSet::new(),
                free_words: 0,
                sweeping: false,
            }),
            since_gc: AtomicU64::new(0),
            allocated_total: AtomicU64::new(0),
            large_objects: AtomicU64::new(0),
            tlabs: AtomicU64::new(0),
        }
    }

    /// Takes `words` (at least; with `up_to` a span may give up to that many) from the free
    /// lists or the bump pointer. Returns (start, words taken).
    fn take(
        &self,
        region: &Region,
        words: usize,
        up_to: usize,
        header: Option<u64>,
    ) -> CoreResult<(usize, usize)> {
        let mut st = self.state.lock();
        // While a sweep runs the free lists refill as it goes: rather than grow the heap at
        // once, wait for a span (sweeps take milliseconds, tens of them for a big heap on a
        // busy machine). Every refill that gives up grows the heap for good: with a 5 ms
        // wait, 2 churning workers pushed the high-water mark up by ~5 MB/s (282 -> 334 MB
        // in 12 s); with 30 ms it stays flat (258 MB) at the same throughput.
        let deadline = std::time::Instant::now() + SWEEP_WAIT;
        while st.sweeping && !Self::has_span(&st, words, up_to) {
            if self.published.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        let r = self.take_locked(&mut st, region, words, up_to);
        // The header is written under the allocator lock, which a collection takes before it
        // decides what to sweep: no sweep can ever see this span without a valid header.
        if let (Ok((start, _)), Some(h)) = (&r, header) {
            region.word(*start).store(h, Ordering::Release);
        }
        r
    }

    /// Gives `[start, start + len)`, taken under `st`'s lock, back as a FREE span.
    fn give_back(st: &mut State, region: &Region, start: usize, len: usize) {
        if len == 0 {
            return;
        }
        write_free(region, start, len);
        if len >= MIN_REUSE_WORDS {
            st.free.insert((len, start));
            st.free_words += len;
        }
    }

    fn has_span(st: &State, words: usize, up_to: usize) -> bool {
        let want = words.max(if up_to > words { MIN_REUSE_WORDS } else { 0 });
        st.free.range((want, 0)..).next().is_some()
    }

    fn take_locked(
        &self,
        st: &mut State,
        region: &Region,
        words: usize,
        up_to: usize,
    ) -> CoreResult<(usize, usize)> {
        if let Some(r) = self.try_take(st, region, words, up_to) {
            return Ok(r);
        }
        // Free memory may be there in pieces: runs the sweep published as several spans, or
        // a run at the end of the used heap. Join them and try once more.
        if Self::coalesce(st, region) {
            if let Some(r) = self.try_take(st, region, words, up_to) {
                return Ok(r);
            }
        }
        Err(CoreError::range(format!(
            "shared-structs: the shared heap is full ({} MiB reserved; set SHARED_STRUCTS_HEAP_SIZE to reserve more)",
            (st.limit * layout::WORD) >> 20
        )))
    }

    /// Merges free spans that touch (one ends where the next starts) into one span each, and
    /// gives a run of spans that ends at the bump pointer back to it (when no sweep runs).
    /// The sweep publishes a long free run in spans of at most MAX_SPAN_WORDS and cuts runs
    /// at object boundaries, and nothing else joins them, so a large object could fail to
    /// fit in memory that is all free (a 32 MB array in a 64 MB heap with 0.3% in use).
    /// Only spans in the free set are touched (FREE in the heap, behind any sweep cursor),
    /// under the allocator lock. Returns whether anything changed. O(n log n) in the spans;
    /// run only when a request fits nowhere.
    fn coalesce(st: &mut State, region: &Region) -> bool {
        let mut spans: Vec<(usize, usize)> =
            st.free.iter().map(|&(len, start)| (start, len)).collect();
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        let mut changed = false;
        for (start, len) in spans {
            match merged.last_mut() {
                Some((s0, l0)) if *s0 + *l0 == start => {
                    *l0 += len;
                    changed = true;
                }
                _ => merged.push((start, len)),
            }
        }
        if !st.sweeping {
            if let Some(&(start, len)) = merged.last() {
                if start + len == st.top {
                    merged.pop();
                    st.top = start;
                    changed = true;
                }
            }
        }
        if changed {
            st.free.clear();
            st.free_words = 0;
            for (start, len) in merged {
                write_free(region, start, len);
                st.free.insert((len, start));
                st.free_words += len;
            }
        }
        changed
    }

    /// One attempt: a free span (best fit for large objects, the largest for TLABs), else
    /// the bump pointer.
    fn try_take(
        &self,
        st: &mut State,
        region: &Region,
        words: usize,
        up_to: usize,
    ) -> Option<(usize, usize)> {
        {
            let tlab = up_to > words;
            let want = words.max(if tlab { MIN_REUSE_WORDS } else { 0 });
            // Large objects: best fit. TLABs: the largest span (worst fit), so a fragmented
            // heap hands out its big holes first and small ones are still used in the end.
            let pick = if tlab {
                st.free
                    .iter()
                    .next_back()
                    .filter(|&&(len, _)| len >= want)
                    .copied()
            } else {
                st.free.range((want, 0)..).next().copied()
            };
            if let Some((len, start)) = pick {
                st.free.remove(&(len, start));
                if verify_enabled() {
                    let h = region.word(start).load(Ordering::Acquire);
                    if (h as u32) & layout::TYPE_MASK != layout::TYPE_FREE {
                        eprintln!(
                            "shared-structs VERIFY: free-list span {start}+{len} has header {h:#x}"
                        );
                    }
                }
                st.free_words -= len;
                let take = len.min(up_to.max(words));
                let rest = len - take;
                if rest > 0 {
                    write_free(region, start + take, rest);
                    if rest >= MIN_REUSE_WORDS {
                        st.free.insert((rest, start + take));
                        st.free_words += rest;
                    }
                }
                self.account(take);
                return Some((start, take));
            }
        }
        let start = st.top;
        let take = up_to.max(words);
        match start.checked_add(take) {
            Some(end) if end <= st.limit => {
                st.top = end;
                self.account(take);
                Some((start, take))
            }
            _ => match start.checked_add(words) {
                Some(end) if end <= st.limit => {
                    st.top = end;
                    self.account(words);
                    Some((start, words))
                }
                _ => None,
            },
        }
    }

    fn account(&self, words: usize) {
        self.since_gc.fetch_add(words as u64, Ordering::Relaxed);
        self.allocated_total
            .fetch_add(words as u64, Ordering::Relaxed);
    }

    /// A TLAB of at least `min_words` words: returns `(start, end)` word offsets.
    pub fn alloc_tlab(&self, region: &Region, min_words: usize) -> CoreResult<(usize, usize)> {
        let (start, words) = self.take(
            region,
            min_words.max(1),
            layout::TLAB_WORDS.max(min_words),
            None,
        )?;
        self.tlabs.fetch_add(1, Ordering::Relaxed);
        Ok((start, start + words))
    }

    /// A block of exactly `words` words for one large object, its first word set to
    /// `header` (default: a FREE header covering the block, so it is parsable at once).
    pub fn alloc_large(
        &self,
        region: &Region,
        words: usize,
        header: Option<u64>,
    ) -> CoreResult<usize> {
        if words == 0 {
            return Err(CoreError::range(
                "shared-structs: cannot allocate zero words",
            ));
        }
        let h = header.unwrap_or((words as u64) << 32 | layout::TYPE_FREE as u64);
        let (start, _) = self.take(region, words, words, Some(h))?;
        self.large_objects.fetch_add(1, Ordering::Relaxed);
        Ok(start)
    }

    /// A large object that starts on a page boundary (`PAGE_WORDS`), with a FREE header over
    /// it: a JS object's wrapper then has a page, hence an arena, of its own (docs/identity.md).
    /// Takes up to `PAGE_WORDS - 1` words more and gives the head and tail back, all under the
    /// allocator lock (no sweep can see the span half split).
    pub fn alloc_page_aligned(&self, region: &Region, words: usize) -> CoreResult<usize> {
        if words == 0 {
            return Err(CoreError::range(
                "shared-structs: cannot allocate zero words",
            ));
        }
        let want = words
            .checked_add(layout::PAGE_WORDS - 1)
            .ok_or_else(|| CoreError::range("shared-structs: allocation too large"))?;
        let mut st = self.state.lock();
        let deadline = std::time::Instant::now() + SWEEP_WAIT;
        while st.sweeping && !Self::has_span(&st, want, want) {
            if self.published.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        let (start, len) = self.take_locked(&mut st, region, want, want)?;
        let aligned = start.next_multiple_of(layout::PAGE_WORDS);
        Self::give_back(&mut st, region, start, aligned - start);
        write_free(region, aligned, words);
        Self::give_back(
            &mut st,
            region,
            aligned + words,
            start + len - aligned - words,
        );
        drop(st);
        self.large_objects.fetch_add(1, Ordering::Relaxed);
        Ok(aligned)
    }

    /// Words allocated since the last collection.
    pub fn since_gc(&self) -> u64 {
        self.since_gc.load(Ordering::Relaxed)
    }

    /// Start of a collection: forget the free lists (their spans are FREE in the heap and
    /// the sweep finds them again) and return the end of the part of the heap to sweep.
    pub fn begin_sweep(&self) -> usize {
        let mut st = self.state.lock();
        st.free.clear();
        st.free_words = 0;
        st.sweeping = true;
        self.since_gc.store(0, Ordering::Relaxed);
        st.top
    }

    /// Publishes free runs the sweep has finished (all behind its cursor).
    pub fn add_free(&self, spans: &[(usize, usize)]) {
        let mut st = self.state.lock();
        for &(start, len) in spans {
            if len >= MIN_REUSE_WORDS {
                st.free.insert((len, start));
                st.free_words += len;
            }
        }
        self.published.notify_all();
    }

    /// End of a sweep.
    pub fn end_sweep(&self) {
        self.state.lock().sweeping = false;
        self.published.notify_all();
    }

    pub fn top(&self) -> usize {
        self.state.lock().top
    }

    pub fn stats(&self, region: &Region) -> HeapStats {
        let st = self.state.lock();
        HeapStats {
            reserved_bytes: region.bytes() as u64,
            high_water_bytes: ((st.top - layout::HEAP_START) * layout::WORD) as u64,
            free_bytes: (st.free_words * layout::WORD) as u64,
            tlabs: self.tlabs.load(Ordering::Relaxed),
            large_objects: self.large_objects.load(Ordering::Relaxed),
            allocated_bytes_total: self.allocated_total.load(Ordering::Relaxed)
                * layout::WORD as u64,
        }
    }
}

/// `SHARED_STRUCTS_GC_VERIFY=1`: extra consistency checks (slow), for debugging.
pub fn verify_enabled() -> bool {
    static V: once_cell::sync::Lazy<bool> = once_cell::sync::Lazy::new(|| {
        std::env::var("SHARED_STRUCTS_GC_VERIFY").is_ok_and(|v| v == "1")
    });
    *V
}

/// Writes a FREE span header: type 0, length in the high word.
pub fn write_free(region: &Region, start: usize, len: usize) {
    region.word(start).store(
        (len as u64) << 32 | layout::TYPE_FREE as u64,
        Ordering::Release,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlabs_do_not_overlap_and_a_full_heap_is_a_range_error() {
        let region = Region::reserve(layout::MIN_HEAP_BYTES).unwrap();
        let heap = Heap::new(&region);
        let (a0, a1) = heap.alloc_tlab(&region, 1).unwrap();
        let (b0, b1) = heap.alloc_tlab(&region, 10).unwrap();
        assert!(a0 >= layout::HEAP_START && a1 <= b0 && b0 < b1);
        let err = heap.alloc_large(&region, region.words(), None).unwrap_err();
        assert_eq!(err.kind, super::super::error::ErrorKind::Range);
        assert!(err.message.contains("full"));
    }

    #[test]
    fn free_spans_are_reused_best_fit_and_split() {
        let region = Region::reserve(layout::MIN_HEAP_BYTES).unwrap();
        let heap = Heap::new(&region);
        let end = heap.begin_sweep();
        heap.add_free(&[(1000, 200), (2000, 100)]);
        heap.end_sweep();
        let top_before = heap.top();
        assert_eq!(
            heap.alloc_large(&region, 90, None).unwrap(),
            2000,
            "best fit picks the 100-word span"
        );
        assert_eq!(heap.top(), top_before, "no bump allocation");
        // a TLAB takes the largest span (worst fit)
        let (s, e) = heap.alloc_tlab(&region, 1).unwrap();
        assert_eq!((s, e), (1000, 1200));
        assert!(end >= layout::HEAP_START);
    }

    /// Free memory published in touching pieces, or ending at the bump pointer, still serves
    /// a large object that fits in no single piece (found by an audit: a 32 MB array failed
    /// in a 64 MB heap with 0.3% in use).
    #[test]
    fn touching_free_spans_and_a_free_tail_serve_a_large_object() {
        let region = Region::reserve(layout::MIN_HEAP_BYTES).unwrap();
        let heap = Heap::new(&region);
        let a = heap.alloc_large(&region, 3000, None).unwrap();
        let b = heap.alloc_large(&region, 1500, None).unwrap();
        let live = heap.alloc_large(&region, 100, None).unwrap();
        let tail = heap.alloc_large(&region, 2000, None).unwrap();
        // Fill the heap but for 1,000 words, so nothing big fits above the bump pointer.
        let filler_words = region.words() - heap.top() - 1000;
        let filler = heap.alloc_large(&region, filler_words, None).unwrap();
        assert_eq!(
            (b, live, tail, filler),
            (a + 3000, a + 4500, a + 4600, a + 6600)
        );
        let top = heap.top();
        let free = |spans: &[(usize, usize)]| {
            heap.begin_sweep();
            for &(s, l) in spans {
                write_free(&region, s, l);
            }
            heap.add_free(spans);
            heap.end_sweep();
        };
        // The sweep found a and b dead: two spans that touch.
        free(&[(a, 3000), (b, 1500)]);
        // 4,000 words: neither span, nor the space above top, has them; a + b together do.
        assert_eq!(heap.alloc_large(&region, 4000, None).unwrap(), a);
        assert_eq!(
            heap.top(),
            top,
            "served from the joined spans, not the bump pointer"
        );
        // Then the tail and the filler die: a free run ending at the bump pointer, which
        // goes back to it, so the whole rest of the heap above `live` can be had again.
        free(&[(tail, 2000), (filler, filler_words)]);
        let rest = region.words() - tail;
        assert_eq!(heap.alloc_large(&region, rest, None).unwrap(), tail);
        assert_eq!(heap.top(), region.words());
    }
}
