//! The collector: stop-the-world marking from every thread's roots, concurrent sweeping.
//!
//! This module owns the [`Collector`] (its thread records, statistics and settings) and runs
//! one collection ([`Collector::collect`]) through its phases; each phase has a file:
//!
//! 1. **Request** (the handshake: src/core/safepoint.rs). The coordinator (the collector
//!    thread, or a thread calling `gc()`) sets `collecting` and rings every registered
//!    thread: the binding asks V8 to interrupt the thread's JS (`Isolate::RequestInterrupt`,
//!    which fires even in tight loops) and rings its doorbell (which fires when the thread is
//!    idle in its event loop). Either one calls [`Collector::safepoint`] on that thread,
//!    which blocks until marking is over. Threads inside a native wait (`enter_native`)
//!    count as stopped; they block on the way out.
//! 2. **Mark** ([`mark`], all JS stopped). Roots: the objects every thread holds wrappers
//!    for (its root bitmap, roots.rs), its string ring, the objects its current operation
//!    allocated (young ranges), pinned tokens. Each thread's TLAB is retired (FREE header
//!    over the unused tail) and its string read cache cleared. Marking writes the cycle's
//!    *epoch* (1..=127) into the header's flags byte and follows every slot holding a
//!    reference, string or bigint tag. A large heap is marked by several threads (the JS
//!    threads are all stopped, so their cores are free): after `PARALLEL_AFTER` objects the
//!    coordinator starts helpers; each marks with a compare-exchange on the header and hands
//!    half its stack to an idle one. Epochs instead of a mark bit that the sweep clears: if
//!    a sweep ever stops early (an unparsable word), objects after it merely keep an old
//!    epoch, which the next cycle reads as "unmarked", so nothing is skipped during tracing;
//!    at worst memory leaks.
//! 3. **Resume.** `collecting` is cleared, the cycle counter (the stamp new objects get)
//!    advances, threads continue.
//! 4. **Sweep** ([`sweep`], concurrently with JS). Walk `[HEAP_START, top at mark)`: keep
//!    objects with this cycle's epoch; poison dead ones and coalesce them with neighbouring
//!    FREE spans; give whole pages inside large spans back to the OS
//!    (`madvise(MADV_DONTNEED)`); build the free lists. During the sweep the allocator only
//!    bump-allocates beyond the swept range.
//!
//! When a collection starts (after enough allocation, or on a full heap) is [`trigger`]'s.
//! docs/gc.md has the full protocol and invariants.
//!
//! Soundness rests on: JS never holds an unrooted offset across a safepoint except objects
//! its current operation allocated (young ranges cover those); no JS runs while marking;
//! wrappers stay rooted in their thread's root bitmap until JS has seen them die.

mod mark;
mod sweep;
#[cfg(all(test, not(loom)))]
mod tests;
mod trigger;

pub use mark::Shapes;
pub use trigger::EMERGENCY_SPACING_MS;

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::block::ThreadBlock;
use super::layout;
use super::roots::{BitmapPool, RootBitmap};
use super::safepoint::Safepoints;
use super::Runtime;

pub use super::safepoint::Ring;

struct ThreadRec {
    /// Word offset of the thread block.
    block: u32,
    /// The objects the thread holds wrappers for (written by its JS, read at safepoints).
    roots: Arc<RootBitmap>,
}

/// Statistics of the collector.
#[derive(Debug, Clone, Copy, Default)]
pub struct GcStats {
    pub collections: u64,
    pub aborted: u64,
    pub last_pause_ns: u64,
    pub max_pause_ns: u64,
    pub live_objects: u64,
    pub live_bytes: u64,
    pub freed_objects_total: u64,
    pub last_sweep_ns: u64,
}

pub struct Collector {
    /// The stop-the-world handshake and each thread's roots.
    threads: Safepoints<ThreadRec>,
    /// Serializes whole collections (request .. sweep); holds the mark epoch of the
    /// current/last cycle (1..=127).
    cycle_lock: Mutex<u32>,
    trigger: Mutex<bool>,
    trigger_cv: Condvar,
    stats: Mutex<GcStats>,
    /// Allocation volume (words) that triggers a collection.
    threshold: AtomicU64,
    enabled: AtomicBool,
    thread_started: AtomicBool,
    /// Root bitmaps of exited threads, for new ones.
    bitmaps: BitmapPool,
    /// When the collector was made, and the time of the last emergency collection (ms
    /// since then, plus the spacing; 0: none yet): trigger.rs.
    started: Instant,
    last_emergency: AtomicU64,
}

/// How long a collection waits for threads to reach a safepoint before giving up.
const ARRIVAL_DEADLINE: Duration = Duration::from_secs(2);

impl Default for Collector {
    fn default() -> Self {
        Self::new()
    }
}

/// Result of a collection request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Collected,
    /// Some thread did not reach a safepoint in time (blocked in foreign native code).
    Aborted,
}

impl Collector {
    pub fn new() -> Self {
        let enabled = std::env::var("SHARED_STRUCTS_GC")
            .map(|v| v != "0" && v != "off")
            .unwrap_or(true);
        Collector {
            threads: Safepoints::new(),
            cycle_lock: Mutex::new(0),
            trigger: Mutex::new(false),
            trigger_cv: Condvar::new(),
            stats: Mutex::new(GcStats::default()),
            threshold: AtomicU64::new(trigger::MIN_TRIGGER_WORDS),
            enabled: AtomicBool::new(enabled),
            thread_started: AtomicBool::new(false),
            bitmaps: BitmapPool::default(),
            started: Instant::now(),
            last_emergency: AtomicU64::new(0),
        }
    }

    pub fn stats(&self) -> GcStats {
        *self.stats.lock()
    }

    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    // ---- thread registry -------------------------------------------------------------

    /// Registers a JS thread with its block and a zeroed root bitmap for a heap of
    /// `heap_words`; waits if a collection is in progress.
    pub fn register_thread(
        &self,
        tid: u32,
        block: u32,
        heap_words: usize,
        ring: Ring,
    ) -> super::CoreResult<()> {
        let roots = Arc::new(self.bitmaps.take(heap_words)?);
        self.threads.register(tid, ThreadRec { block, roots }, ring);
        Ok(())
    }

    /// The block of thread `tid` (the registry's only record of it: threads.rs).
    pub fn thread_block(&self, tid: u32) -> Option<u32> {
        self.threads.read(tid, |t| t.block)
    }

    /// Every registered thread's (tid, block).
    pub fn thread_blocks(&self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        self.threads.for_each(|tid, t| out.push((tid, t.block)));
        out
    }

    /// The root bitmap of thread `tid` (JS views it as an external ArrayBuffer).
    pub fn root_bitmap(&self, tid: u32) -> Option<Arc<RootBitmap>> {
        self.threads.read(tid, |t| t.roots.clone())
    }

    /// The thread is gone: its roots go with it. Waits while marking reads them. Retires
    /// its TLAB (under the lock, so no collection can see an unplugged TLAB: a TLAB handed
    /// out since the last stop is beyond the range any running sweep walks).
    /// Returns its block so the caller can free it; its root bitmap is kept for a new thread.
    pub fn thread_exit(&self, region: &super::region::Region, tid: u32) -> Option<u32> {
        let rec = self
            .threads
            .exit(tid, |rec| ThreadBlock::new(region, rec.block).retire_tlab());
        rec.map(|r| {
            // The JS view of the bitmap is gone with the thread's env; a collection that
            // copied the Arc before the removal may still read it, so it is reused only once
            // that copy is dropped.
            if let Ok(b) = Arc::try_unwrap(r.roots) {
                self.bitmaps.give_back(b);
            }
            r.block
        })
    }

    pub fn thread_count(&self) -> usize {
        self.threads.count()
    }

    // ---- mutator side (src/core/safepoint.rs) -------------------------------------------

    /// Called on a JS thread (interrupt, doorbell): if a collection wants this thread
    /// stopped, report arrival and block until marking is over.
    pub fn safepoint(&self, tid: u32) {
        self.threads.safepoint(tid);
    }

    /// The thread enters a native wait: it counts as stopped until `leave_native`.
    pub fn enter_native(&self, tid: u32) {
        self.threads.enter_native(tid);
    }

    /// The thread returns to JS: waits while a collection is stopping the world.
    pub fn leave_native(&self, tid: u32) {
        self.threads.leave_native(tid);
    }

    /// Runs `f` (a native wait, or a collection this thread runs itself) with thread `tid`
    /// counted as stopped: [`Collector::enter_native`], then [`Collector::leave_native`].
    pub fn in_native<T>(&self, tid: u32, f: impl FnOnce() -> T) -> T {
        self.enter_native(tid);
        let r = f();
        self.leave_native(tid);
        r
    }

    /// [`Collector::without_collection`] for thread `tid` counted as stopped meanwhile (a
    /// walk of the heap from JS: a collection already stopping the world runs to its end
    /// first instead of waiting for this thread; one requested during `f` starts after it).
    pub fn walk_stopped<T>(&self, tid: u32, f: impl FnOnce() -> T) -> T {
        self.in_native(tid, || self.without_collection(f))
    }

    // ---- a collection ------------------------------------------------------------------

    /// Runs `f` while no collection runs (one that is running finishes first, its sweep
    /// included): nothing is freed meanwhile, so `f` may follow references through the heap.
    pub fn without_collection<T>(&self, f: impl FnOnce() -> T) -> T {
        let _whole = self.cycle_lock.lock();
        f()
    }

    /// Runs one full collection. `caller` is the JS thread running it (already `enter_native`).
    pub fn collect(&self, rt: &Runtime, caller: Option<u32>) -> Outcome {
        let mut whole = self.cycle_lock.lock();
        let t0 = Instant::now();
        let region = &rt.region;
        // 1. Request: stop every thread.
        let active = |on: bool| {
            region
                .u32_cell(layout::CTL_GC_ACTIVE)
                .store(on as u32, Ordering::Release);
        };
        let Some(threads) = self.threads.stop(caller, ARRIVAL_DEADLINE, active, |recs| {
            recs.map(|r| (r.block, r.roots.clone()))
                .collect::<Vec<(u32, Arc<RootBitmap>)>>()
        }) else {
            self.stats.lock().aborted += 1;
            return Outcome::Aborted;
        };
        // 2. Mark, with every JS thread stopped.
        *whole = *whole % 127 + 1;
        let epoch = *whole;
        let sweep_end = rt.heap.begin_sweep();
        let shapes = Shapes::snapshot(rt);
        let mut m = mark::Marker::new(region, &shapes, sweep_end, epoch);
        for (block, roots) in &threads {
            m.thread_roots(ThreadBlock::new(region, *block), roots);
        }
        for off in rt.tokens.pinned_offsets() {
            m.mark(off as usize);
        }
        m.drain(mark::helpers());
        let (live_objects, live_words) = (m.live_objects, m.live_words);
        // Opened (unpinned) tokens whose object was not marked are dropped now, while every
        // thread is stopped: once threads resume, the sweep frees those objects and reuses
        // their memory, and an open() in that window found a header that still looked live
        // (or a reused word that looked like one) and made a wrapper over freed memory.
        rt.tokens
            .retain(|off, stamp| mark::is_marked(region, off as usize, stamp, epoch, sweep_end));
        // Locks held by dead threads, when asked for (heapStats({ locks: true })): the heap
        // is parsable while every thread is stopped (src/core/locks.rs).
        if super::locks::take_request() {
            super::locks::count(
                region,
                layout::HEAP_START,
                sweep_end,
                |off| shapes.layout(region, off).map(|(n, _, _)| n),
                |off| {
                    (region.word(off).load(Ordering::Relaxed) as u32 & layout::MARK_MASK)
                        >> layout::MARK_SHIFT
                        == epoch
                },
                |tid| rt.lot.is_alive(tid),
            );
        }
        if super::alloc::verify_enabled() {
            eprintln!("shared-structs VERIFY: cycle {} live {live_objects} (threads {}, pinned tokens {})", epoch, threads.len(), rt.tokens.pinned_offsets().len());
        }
        // 3. Resume.
        self.threads.resume(|cycle| {
            region
                .u32_cell(layout::CTL_CYCLE)
                .store(cycle as u32, Ordering::Release);
            active(false);
        });
        let pause = t0.elapsed().as_nanos() as u64;
        // 4. Sweep concurrently with JS.
        let t1 = Instant::now();
        // The next collection starts after `next` words are allocated: that much of the
        // memory freed now is reused before then, so it stays resident.
        let next = trigger::next_threshold(live_words);
        let freed = sweep::sweep(region, &shapes, sweep_end, epoch, next as usize, &|spans| {
            rt.heap.add_free(spans)
        });
        rt.heap.end_sweep();
        self.threshold.store(next, Ordering::Relaxed);
        let mut s = self.stats.lock();
        s.collections += 1;
        s.last_pause_ns = pause;
        s.max_pause_ns = s.max_pause_ns.max(pause);
        s.live_objects = live_objects;
        s.live_bytes = live_words * layout::WORD as u64;
        s.freed_objects_total += freed;
        s.last_sweep_ns = t1.elapsed().as_nanos() as u64;
        Outcome::Collected
    }
}
