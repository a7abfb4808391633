//! When collections run: after enough allocation since the last one (on a background
//! thread, `shared-structs-gc`), and once on a full heap before an allocation fails (an
//! *emergency* collection, on the allocating thread).
//!
//! The trigger is `max(2 x live, 8 MB)` words allocated since the last collection: the
//! memory freed by one collection is reused before the next (docs/gc.md). Emergency
//! collections are spaced by [`EMERGENCY_SPACING_MS`]: a heap that stays full fails at once
//! rather than collecting on every allocation.

use std::sync::atomic::Ordering;

use super::super::Runtime;
use super::Collector;

/// A collection starts once this many words were allocated since the last (and at least
/// the live size after the last one).
pub(super) const MIN_TRIGGER_WORDS: u64 = (8 << 20) / 8;

/// Another emergency collection within this many milliseconds of the last fails at once
/// instead of thrashing.
pub const EMERGENCY_SPACING_MS: u64 = 100;

/// Words to allocate after a collection that left `live_words` live before the next.
pub(super) fn next_threshold(live_words: u64) -> u64 {
    (live_words * 2).max(MIN_TRIGGER_WORDS)
}

impl Collector {
    /// Called after allocation: wakes the collector thread when enough was allocated.
    pub fn maybe_trigger(&self, since_gc_words: u64) {
        if since_gc_words >= self.threshold.load(Ordering::Relaxed) && self.enabled() {
            let mut t = self.trigger.lock();
            if !*t {
                *t = true;
                self.trigger_cv.notify_one();
            }
        }
    }

    /// Starts the background collector thread (once).
    pub fn start_thread(&'static self, rt: &'static Runtime) {
        if self.thread_started.swap(true, Ordering::AcqRel) {
            return;
        }
        std::thread::Builder::new()
            .name("shared-structs-gc".into())
            .spawn(move || loop {
                {
                    let mut t = self.trigger.lock();
                    while !*t {
                        self.trigger_cv.wait(&mut t);
                    }
                    *t = false;
                }
                if self.enabled() && rt.heap.since_gc() >= self.threshold.load(Ordering::Relaxed) {
                    self.collect(rt, None);
                }
            })
            .expect("shared-structs: cannot start the collector thread");
    }

    /// Called after every successful allocation from Rust: starts the background thread
    /// (once) and wakes it if enough was allocated.
    pub fn allocated(&'static self, rt: &'static Runtime) {
        self.start_thread(rt);
        self.maybe_trigger(rt.heap.since_gc());
    }

    /// Whether an allocation that found the heap full may run an emergency collection now
    /// (collection enabled, and none in the last [`EMERGENCY_SPACING_MS`]); if so, records it.
    pub fn emergency_allowed(&self) -> bool {
        if !self.enabled() {
            return false;
        }
        // Milliseconds since the collector was made, plus the spacing: never 0, which
        // stands for "no emergency collection yet".
        let now = self.started.elapsed().as_millis() as u64 + EMERGENCY_SPACING_MS;
        let last = self.last_emergency.load(Ordering::Relaxed);
        if last != 0 && now < last + EMERGENCY_SPACING_MS {
            return false;
        }
        self.last_emergency.store(now, Ordering::Relaxed);
        true
    }
}
