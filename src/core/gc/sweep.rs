//! Sweeping (phase 4 of a collection, concurrently with JS): walk `[HEAP_START, sweep end)`
//! by object sizes, keep objects marked with this cycle's epoch (and thread blocks), poison
//! the dead ones, coalesce them with neighbouring FREE spans, and publish the free runs to the
//! allocator as the walk goes. Whole pages inside long free runs go back to the OS, except
//! memory freed in this cycle up to the next cycle's allocation budget (docs/gc.md).
//!
//! The walk never returns below its cursor, and the allocator hands out only published
//! spans (behind it) or memory beyond the sweep end, so no thread allocates where it walks.

use std::sync::atomic::Ordering;

use super::super::alloc::{self, write_free};
use super::super::layout;
use super::super::region::Region;
use super::Shapes;

/// A free span: (start word, length in words).
pub(super) type Span = (usize, usize);

/// Sweeps `[HEAP_START, end)`, handing finished free runs to `publish` in batches; returns
/// how many objects died.
pub(super) fn sweep(
    region: &Region,
    shapes: &Shapes,
    end: usize,
    epoch: u32,
    resident_budget: usize,
    publish: &dyn Fn(&[Span]),
) -> u64 {
    let mut spans: Vec<Span> = Vec::new();
    let mut freed = 0u64;
    let mut run_start = usize::MAX;
    // Whether the current run holds an object that died in this cycle (else it is made only
    // of spans that were already free at the last sweep and were not reused since).
    let mut run_fresh = false;
    let mut o = layout::HEAP_START;
    // Words in `spans` not yet published.
    let mut pending = 0usize;
    // Words freed in this cycle that were left resident.
    let mut kept = 0usize;
    let mut close = |spans: &mut Vec<Span>, start: usize, stop: usize, fresh: bool| {
        if start == usize::MAX || stop <= start {
            return;
        }
        write_free(region, start, stop - start);
        // Memory freed in this cycle stays resident up to what the program will allocate
        // before the next collection (`resident_budget`): the allocator hands it out again
        // at once, and every page given back would cost a page fault and a zeroed page on
        // reuse (~50 ns per 56-byte struct made). Beyond that, and for a run that stayed
        // free for a whole cycle (not being reused), the pages go back to the OS.
        if fresh && kept < resident_budget {
            kept += stop - start;
        } else {
            release_pages(region, start, stop);
        }
        spans.push((start, stop - start));
        pending += stop - start;
        // A thread waiting for a TLAB gets memory as soon as a few TLABs' worth is swept.
        if spans.len() >= 256 || pending >= PUBLISH_WORDS {
            publish(spans);
            spans.clear();
            pending = 0;
        }
    };
    while o < end {
        let Some((size, _, _)) = shapes.layout(region, o) else {
            if alloc::verify_enabled() {
                eprintln!(
                    "shared-structs VERIFY: unparsable word {o} ({:#x}) while sweeping to {end}",
                    region.word(o).load(Ordering::Relaxed)
                );
            }
            // An unparsable word: leave the rest alone (never free what we cannot read).
            close(&mut spans, run_start, o, run_fresh);
            publish(&spans);
            return freed;
        };
        let size = size.min(end - o);
        let cell = region.word(o);
        let h = cell.load(Ordering::Relaxed);
        let lo = h as u32;
        let ty = lo & layout::TYPE_MASK;
        let marked = (lo & layout::MARK_MASK) >> layout::MARK_SHIFT == epoch;
        let keep = ty == layout::TYPE_THREAD_BLOCK || marked;
        if ty == layout::TYPE_FREE {
            if run_start == usize::MAX {
                run_start = o;
                run_fresh = false;
            }
        } else if keep {
            close(&mut spans, run_start, o, run_fresh);
            run_start = usize::MAX;
        } else {
            freed += 1;
            for w in o + 1..o + size {
                region.word(w).store(layout::POISON, Ordering::Relaxed);
            }
            cell.store(
                (size as u64) << 32 | layout::TYPE_FREE as u64,
                Ordering::Relaxed,
            );
            if run_start == usize::MAX {
                run_start = o;
            }
            run_fresh = true;
        }
        o += size;
        // A long run of garbage is handed out in pieces: closed only at its end, a heap that
        // is mostly garbage would publish nothing until the whole sweep is done, and every
        // thread needing a TLAB meanwhile would wait for it (or grow the heap).
        if run_start != usize::MAX && o - run_start >= MAX_SPAN_WORDS && o <= end {
            close(&mut spans, run_start, o, run_fresh);
            run_start = usize::MAX;
        }
    }
    close(&mut spans, run_start, o.min(end), run_fresh);
    publish(&spans);
    freed
}

/// Longest span the sweep builds (8 MB); longer runs of free memory become several spans.
pub(super) const MAX_SPAN_WORDS: usize = 1 << 20;
/// The sweep publishes its spans once they hold this many words (4 TLABs), or 256 spans.
const PUBLISH_WORDS: usize = 4 * layout::TLAB_WORDS;

/// Gives whole pages strictly inside a free span back to the OS.
fn release_pages(region: &Region, start: usize, stop: usize) {
    const PAGE_WORDS: usize = 4096 / layout::WORD;
    let first = (start + 1).div_ceil(PAGE_WORDS) * PAGE_WORDS;
    let last = stop / PAGE_WORDS * PAGE_WORDS;
    if last > first && last - first >= 16 * PAGE_WORDS {
        // SAFETY: [first, last) words lie inside the mapping and inside a free span (no live
        // object, no header: the span's header is at `start < first`); MADV_DONTNEED on a
        // private anonymous mapping just makes those pages read as zero afterwards.
        unsafe {
            libc::madvise(
                region.base().add(first * layout::WORD).cast(),
                (last - first) * layout::WORD,
                libc::MADV_DONTNEED,
            );
        }
    }
}
