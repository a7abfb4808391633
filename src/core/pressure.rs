//! Memory-pressure policy: how much of its shared allocation a thread reports to V8 as
//! external memory, and how `gc()` makes V8 collect now (the binding makes the N-API calls).
//!
//! V8 clears the weak references to wrapper arenas (which is how this library learns that
//! wrappers died, docs/identity.md) only in full collections, and a dead wrapper keeps its
//! shared object rooted until then. V8 schedules full collections by its own heap's growth
//! and by external memory: one starts after about 64 MB of external growth since the last.
//! So shared bytes a thread allocates are reported to V8 [`factor`] times over: often
//! enough that a worker with a small JS heap, churning through the shared heap, lets its
//! dead wrappers go every few MB (the churn benchmark's shared heap peaked at 280-290 MB
//! with a factor of 1, ~60 MB with 16), but never more marking work than about
//! `PRESSURE_BUDGET / 64 MB` = 2 bytes of V8 heap per shared byte allocated: a full
//! collection costs in proportion to the V8 heap, so a thread with a large JS heap (a
//! compiler) is pushed no harder than a factor of 1 once its heap passes 128 MB. A thread
//! whose V8 heap limit (`heap_size_limit`: the old generation's plus the young one's) is
//! under 512 MB reports 1:1 (below), and so does every thread while the shared heap is under
//! 16 MB in use (live at the last collection plus allocated since): what dead wrappers can
//! keep rooted is small then, and full collections of a small JS heap, cheap as they are,
//! took ~20% of `new T()` in a loop when every byte was boosted. docs/gc.md has the figures.

use std::cell::Cell;

use super::layout;
use super::Runtime;

/// Bytes of V8 heap whose full collection the boosted report may cost per 64 MB reported.
const PRESSURE_BUDGET: f64 = (128u64 << 20) as f64;
/// Below this many shared bytes in use, every thread reports 1:1.
const BOOST_FROM_BYTES: u64 = 16 << 20;
const MAX_FACTOR: f64 = 16.0;
/// V8 collects synchronously (a blocking full collection, not incremental marking) once
/// external growth passes half its old-generation limit: with a small limit
/// (`resourceLimits`, `--max-old-space-size`) every report-triggered collection blocks,
/// and a factor would make them that many times as frequent (40 blocking collections
/// instead of 3 for 160 MB of 1 KiB structs with a 16 MB or 100 MB limit, found by review).
/// The cut at 512 MB of total limit keeps that half-limit well above what a boosted
/// report reaches while incremental marking runs.
const MIN_LIMIT: f64 = (512u64 << 20) as f64;
/// The total a thread has reported is kept below this (V8 triggers on growth since its last
/// full collection, so only the growth matters).
const REPORTED_MAX: i64 = 1 << 30;

/// External memory reported for the length of one call to make V8 collect now: V8 runs a
/// full collection synchronously when external memory passes its hard limit (N-API has no
/// call for a collection), so `gc()` and a full heap report this much and take it back.
pub const BURST_BYTES: i64 = 1 << 40;
/// Bursts per request: if incremental marking was already running (an allocation's report
/// starts one), the first burst only finishes that cycle, which keeps every object
/// allocated since marking began (V8 allocates them black), such as the wrapper of a big
/// array made and dropped in the meantime.
pub const BURSTS: usize = 2;

/// How many times over a thread reports the shared bytes it allocates, given the shared
/// bytes in use and the thread's V8 heap in use and limit (None or not finite: unknown).
pub fn factor(in_use_bytes: u64, v8_heap_used: Option<f64>, v8_heap_limit: Option<f64>) -> i64 {
    if in_use_bytes < BOOST_FROM_BYTES {
        return 1;
    }
    match v8_heap_limit {
        Some(l) if l.is_finite() && l >= MIN_LIMIT => {}
        _ => return 1,
    }
    let used = match v8_heap_used {
        Some(u) if u.is_finite() => u.max((1u64 << 20) as f64),
        _ => PRESSURE_BUDGET,
    };
    (PRESSURE_BUDGET / used).clamp(1.0, MAX_FACTOR) as i64
}

thread_local! {
    /// What this JS thread has reported so far (kept below REPORTED_MAX).
    static REPORTED: Cell<i64> = const { Cell::new(0) };
}

/// The adjustment to V8's external memory for `bytes` more reported by this thread, keeping
/// its running total bounded (past `REPORTED_MAX`, that much is taken back in the same call).
fn bounded(bytes: i64) -> i64 {
    REPORTED.with(|r| {
        let total = r.get() + bytes;
        if total > REPORTED_MAX {
            r.set(total - REPORTED_MAX);
            bytes - REPORTED_MAX
        } else {
            r.set(total);
            bytes
        }
    })
}

impl Runtime {
    /// The calling thread allocated `words` shared words: the bytes to add to V8's external
    /// memory for its isolate (see the module doc), given its V8 heap in use and limit.
    pub fn external_report(
        &self,
        words: usize,
        v8_heap_used: Option<f64>,
        v8_heap_limit: Option<f64>,
    ) -> i64 {
        let in_use = self.gc.stats().live_bytes + self.heap.since_gc() * layout::WORD as u64;
        let f = factor(in_use, v8_heap_used, v8_heap_limit);
        bounded((words * layout::WORD) as i64 * f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    const MB: f64 = (1u64 << 20) as f64;

    #[test]
    fn a_thread_reports_one_to_one_below_16_mb_in_use_or_under_a_small_heap_limit() {
        assert_eq!(factor(15 << 20, Some(4.0 * MB), Some(4096.0 * MB)), 1);
        assert_eq!(factor(64 << 20, Some(4.0 * MB), Some(100.0 * MB)), 1);
        assert_eq!(factor(64 << 20, Some(4.0 * MB), None), 1);
        assert_eq!(factor(64 << 20, Some(4.0 * MB), Some(f64::NAN)), 1);
    }

    #[test]
    fn the_factor_falls_with_the_v8_heap_between_16_and_1() {
        let limit = Some(4096.0 * MB);
        assert_eq!(factor(64 << 20, Some(0.5 * MB), limit), 16, "at most 16");
        assert_eq!(factor(64 << 20, Some(16.0 * MB), limit), 8);
        assert_eq!(factor(64 << 20, Some(128.0 * MB), limit), 1);
        assert_eq!(factor(64 << 20, Some(1024.0 * MB), limit), 1, "at least 1");
        assert_eq!(factor(64 << 20, None, limit), 1, "unknown use: the budget");
    }

    #[test]
    fn the_reported_total_stays_bounded() {
        std::thread::spawn(|| {
            assert_eq!(bounded(REPORTED_MAX - 10), REPORTED_MAX - 10);
            assert_eq!(
                bounded(30),
                30 - REPORTED_MAX,
                "past the bound, it is taken back"
            );
            assert_eq!(REPORTED.with(Cell::get), 20);
        })
        .join()
        .unwrap();
    }
}
