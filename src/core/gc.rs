//! The collector: stop-the-world marking from every thread's roots, concurrent sweeping.
//!
//! Algorithm (docs/gc.md has the full protocol and invariants):
//!
//! 1. **Request** (the handshake: src/core/safepoint.rs). The coordinator (the collector thread, or a thread calling `gc()`) sets
//!    `collecting` and rings every registered thread: the binding asks V8 to interrupt the
//!    thread's JS (`Isolate::RequestInterrupt`, which fires even in tight loops) and rings
//!    its doorbell (which fires when the thread is idle in its event loop). Either one calls
//!    [`Collector::safepoint`] on that thread, which blocks until marking is over. Threads
//!    inside a native wait (`enter_native`) count as stopped; they block on the way out.
//! 2. **Mark** (all JS stopped). Roots: the objects every thread holds wrappers for (its
//!    root bitmap, roots.rs),
//!    its string ring, the objects its current operation allocated (young ranges), pinned
//!    tokens. Each thread's TLAB is retired (FREE header over the unused tail) and its
//!    string read cache cleared. Marking writes the cycle's *epoch* (1..=127) into the
//!    header's flags byte and follows every slot holding a reference, string or bigint tag.
//!    A large heap is marked by several threads (the JS threads are all stopped, so their
//!    cores are free): after [`PARALLEL_AFTER`] objects the coordinator starts helpers; each
//!    marks with a compare-exchange on the header and hands half its stack to an idle one.
//!    Epochs instead of a mark bit that the sweep clears: if a sweep ever stops early (an
//!    unparsable word), objects after it merely keep an old epoch, which the next cycle
//!    reads as "unmarked", so nothing is skipped during tracing; at worst memory leaks.
//! 3. **Resume.** `collecting` is cleared, the cycle counter (the stamp new objects get)
//!    advances, threads continue.
//! 4. **Sweep** (concurrently with JS). Walk `[HEAP_START, top at mark)`: keep objects
//!    with this cycle's epoch; poison dead ones and coalesce them with neighbouring FREE spans; give
//!    whole pages inside large spans back to the OS (`madvise(MADV_DONTNEED)`); build the
//!    free lists. During the sweep the allocator only bump-allocates beyond the swept range.
//!
//! Soundness rests on: JS never holds an unrooted offset across a safepoint except objects
//! its current operation allocated (young ranges cover those); no JS runs while marking;
//! wrappers stay rooted in their thread's root bitmap until JS has seen them die.

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::alloc::write_free;
use super::layout::{self, tb};
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
}

/// A collection starts once this many words were allocated since the last (and at least
/// the live size after the last one).
const MIN_TRIGGER_WORDS: u64 = (8 << 20) / 8;
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
            threshold: AtomicU64::new(MIN_TRIGGER_WORDS),
            enabled: AtomicBool::new(enabled),
            thread_started: AtomicBool::new(false),
            bitmaps: BitmapPool::default(),
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

    /// The root bitmap of thread `tid` (JS views it as an external ArrayBuffer).
    pub fn root_bitmap(&self, tid: u32) -> Option<Arc<RootBitmap>> {
        self.threads.read(tid, |t| t.roots.clone())
    }

    /// The thread is gone: its roots go with it. Waits while marking reads them. Retires
    /// its TLAB (under the lock, so no collection can see an unplugged TLAB: a TLAB handed
    /// out since the last stop is beyond the range any running sweep walks).
    /// Returns its block so the caller can free it; its root bitmap is kept for a new thread.
    pub fn thread_exit(&self, region: &super::region::Region, tid: u32) -> Option<u32> {
        let rec = self.threads.exit(tid, |rec| {
            let cell = |i: usize| {
                region
                    .u32_at(rec.block * 2 + i as u32)
                    .expect("thread block inside the heap")
            };
            let (top, limit) = (
                cell(tb::TOP).load(Ordering::Relaxed) as usize,
                cell(tb::LIMIT).load(Ordering::Relaxed) as usize,
            );
            if top != 0 && top < limit {
                write_free(region, top, limit - top);
            }
            cell(tb::TOP).store(0, Ordering::Relaxed);
            cell(tb::LIMIT).store(0, Ordering::Relaxed);
        });
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

    // ---- triggering ------------------------------------------------------------------

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

    // ---- a collection ------------------------------------------------------------------

    /// Runs one full collection. `caller` is the JS thread running it (already `enter_native`).
    /// Runs `f` while no collection runs (one that is running finishes first, its sweep
    /// included): nothing is freed meanwhile, so `f` may follow references through the heap.
    pub fn without_collection<T>(&self, f: impl FnOnce() -> T) -> T {
        let _whole = self.cycle_lock.lock();
        f()
    }

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
        let mut m = Marker {
            region,
            shapes: &shapes,
            end: sweep_end,
            epoch,
            stack: Vec::new(),
            live_objects: 0,
            live_words: 0,
        };
        for (block, roots) in &threads {
            m.thread_roots(*block, roots);
        }
        for off in rt.tokens.pinned_offsets() {
            m.mark(off as usize);
        }
        m.drain(marking_helpers());
        let (live_objects, live_words) = (m.live_objects, m.live_words);
        // Opened (unpinned) tokens whose object was not marked are dropped now, while every
        // thread is stopped: once threads resume, the sweep frees those objects and reuses
        // their memory, and an open() in that window found a header that still looked live
        // (or a reused word that looked like one) and made a wrapper over freed memory.
        rt.tokens
            .retain(|off, stamp| is_marked(region, off as usize, stamp, epoch, sweep_end));
        // Locks held by dead threads, when asked for (heapStats({ locks: true })): the heap
        // is parsable while every thread is stopped (src/core/locks.rs).
        if super::locks::take_request() {
            super::locks::count(
                region,
                layout::HEAP_START,
                sweep_end,
                |off| shapes.layout(region, off).map(|(n, _, _)| n),
                |off| (region.word(off).load(Ordering::Relaxed) as u32 & layout::MARK_MASK) >> layout::MARK_SHIFT == epoch,
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
        let next = (live_words * 2).max(MIN_TRIGGER_WORDS);
        let freed = sweep(region, &shapes, sweep_end, epoch, next as usize, &|spans| {
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

/// Whether `(off, stamp)` names an object the marking of `epoch` reached (during the pause).
fn is_marked(
    region: &super::region::Region,
    off: usize,
    stamp: u32,
    epoch: u32,
    end: usize,
) -> bool {
    if off < layout::HEAP_START || off >= end {
        return false;
    }
    let h = region.word(off).load(Ordering::Acquire);
    let lo = h as u32;
    lo & layout::TYPE_MASK != layout::TYPE_FREE
        && (lo & layout::MARK_MASK) >> layout::MARK_SHIFT == epoch
        && (h >> 32) as u32 == stamp
}

/// Helper threads for marking: one fewer than the cores (JS threads are all stopped while
/// marking, so the cores are free), at most 3; `SHARED_STRUCTS_GC_THREADS=1` marks alone.
fn marking_helpers() -> usize {
    static HELPERS: once_cell::sync::Lazy<usize> = once_cell::sync::Lazy::new(|| {
        let threads = std::env::var("SHARED_STRUCTS_GC_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(4)
            });
        threads.max(1) - 1
    });
    *HELPERS
}

/// Slot layout of every type id, snapshot at the start of a collection.
pub struct Shapes {
    /// For user types (index = id - FIRST_USER_TYPE): (field count, has elements).
    user: Vec<(u32, bool)>,
}

impl Shapes {
    pub(crate) fn snapshot(rt: &Runtime) -> Shapes {
        let n = rt.types.count();
        let user = (0..n)
            .map(|i| {
                rt.types
                    .get(layout::FIRST_USER_TYPE + i as u32)
                    .map_or((0, false), |t| (t.fields.len() as u32, t.elements))
            })
            .collect();
        Shapes { user }
    }

    /// (size in words, first slot word, slot count) of the object at `off`, or None if the
    /// header is not a valid object. FREE spans report their size with no slots.
    pub(crate) fn layout(
        &self,
        region: &super::region::Region,
        off: usize,
    ) -> Option<(usize, usize, usize)> {
        let h = region.word(off).load(Ordering::Relaxed);
        let ty = (h as u32) & layout::TYPE_MASK;
        let hi = (h >> 32) as usize;
        let w1 = || region.word(off + 1).load(Ordering::Relaxed) as u32 as usize;
        Some(match ty {
            layout::TYPE_FREE | layout::TYPE_THREAD_BLOCK => (hi.max(1), 0, 0),
            layout::TYPE_STRING => (2 + w1().div_ceil(4), 0, 0),
            layout::TYPE_BIGINT => (2 + w1(), 0, 0),
            layout::TYPE_DOUBLE => (2, 0, 0),
            layout::TYPE_ARRAY => (2 + w1(), 2, w1()),
            layout::TYPE_MUTEX | layout::TYPE_CONDITION | layout::TYPE_SHARED_MUTEX => (2, 0, 0),
            layout::TYPE_MAP | layout::TYPE_SET => (5, 2, 3),
            layout::TYPE_VECTOR => (4, 2, 2),
            layout::TYPE_CHANNEL => (10, 2, 8),
            layout::TYPE_SEMAPHORE => (3, 2, 1),
            layout::TYPE_BARRIER => (5, 2, 3),
            layout::TYPE_MAP_TABLE => (2 + 3 * w1(), 2, 3 * w1()),
            t if t >= layout::FIRST_USER_TYPE => {
                let &(nf, el) = self.user.get((t - layout::FIRST_USER_TYPE) as usize)?;
                if el {
                    let len = w1();
                    (2 + nf as usize + len, 2, nf as usize + len)
                } else {
                    // At least 2 words (wrapper slots are indexed by offset / 2).
                    ((1 + nf as usize).max(2), 1, nf as usize)
                }
            }
            _ => return None,
        })
    }
}

struct Marker<'a> {
    region: &'a super::region::Region,
    shapes: &'a Shapes,
    end: usize,
    epoch: u32,
    stack: Vec<usize>,
    live_objects: u64,
    live_words: u64,
}

/// Objects the coordinator scans alone before it asks helper threads to mark with it (a
/// small heap never pays for a thread).
const PARALLEL_AFTER: u64 = 1 << 16;
/// Offsets handed from one marking thread to another at a time.
const CHUNK: usize = 1024;

/// Sets this cycle's epoch in the header of the object at `off` if it is a valid, unmarked
/// object of the heap below `end`. Returns true if this call marked it (the caller then
/// scans it). With `SHARED` (several marking threads) a compare-exchange, so that exactly
/// one thread wins; alone, a plain store.
fn try_mark<const SHARED: bool>(
    region: &super::region::Region,
    end: usize,
    epoch: u32,
    off: usize,
) -> bool {
    if off < layout::HEAP_START || off >= end {
        return false;
    }
    let cell = region.word(off);
    let mut h = cell.load(Ordering::Relaxed);
    loop {
        let lo = h as u32;
        let ty = lo & layout::TYPE_MASK;
        if (lo & layout::MARK_MASK) >> layout::MARK_SHIFT == epoch
            || ty == layout::TYPE_FREE
            || ty == layout::TYPE_THREAD_BLOCK
        {
            return false;
        }
        let lo2 = (lo & !layout::MARK_MASK) | (epoch << layout::MARK_SHIFT);
        if !SHARED {
            cell.store((h & !0xffff_ffff) | lo2 as u64, Ordering::Relaxed);
            return true;
        }
        match cell.compare_exchange_weak(
            h,
            (h & !0xffff_ffff) | lo2 as u64,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return true,
            Err(now) => h = now,
        }
    }
}

/// Scans the (marked) object at `off`: marks what its slots reference, pushing the newly
/// marked onto `stack`. Returns the object's size in words, or None for an invalid header.
fn scan<const SHARED: bool>(
    region: &super::region::Region,
    shapes: &Shapes,
    end: usize,
    epoch: u32,
    off: usize,
    stack: &mut Vec<usize>,
) -> Option<usize> {
    let (size, first, count) = shapes.layout(region, off)?;
    for k in 0..count {
        let w = off + first + k;
        if w >= region.words() {
            break;
        }
        let v = region.word(w).load(Ordering::Relaxed);
        if layout::tag_is_pointer((v >> 32) as u32) {
            let child = v as u32 as usize;
            if try_mark::<SHARED>(region, end, epoch, child) {
                stack.push(child);
            }
        }
    }
    Some(size)
}

/// Work shared by the marking threads of one parallel drain.
struct Pool {
    /// Chunks of marked, unscanned offsets; `idle` threads wait for one.
    chunks: Vec<Vec<usize>>,
    idle: usize,
    done: bool,
}

impl Marker<'_> {
    /// Marks the object at `off` (if valid and unmarked) and queues it for scanning.
    fn mark(&mut self, off: usize) {
        if try_mark::<false>(self.region, self.end, self.epoch, off) {
            self.stack.push(off);
        }
    }

    /// Scans until nothing is left; with `helpers` > 0, a large heap is marked by
    /// `helpers + 1` threads.
    fn drain(&mut self, helpers: usize) {
        let mut scanned = 0u64;
        while let Some(off) = self.stack.pop() {
            if let Some(size) = scan::<false>(
                self.region,
                self.shapes,
                self.end,
                self.epoch,
                off,
                &mut self.stack,
            ) {
                self.live_objects += 1;
                self.live_words += size as u64;
            }
            scanned += 1;
            if helpers > 0 && scanned >= PARALLEL_AFTER && self.stack.len() >= 2 {
                self.drain_parallel(helpers);
                return;
            }
        }
    }

    /// The rest of the drain on `helpers + 1` threads (this one included). Each thread works
    /// on its own stack and hands a chunk to the shared pool when another thread is idle;
    /// marking is a compare-exchange, so every object is scanned exactly once. It ends when
    /// every thread is idle and the pool is empty (decided under the pool's lock).
    fn drain_parallel(&mut self, helpers: usize) {
        let (region, shapes, end, epoch) = (self.region, self.shapes, self.end, self.epoch);
        let threads = helpers + 1;
        let pool = Mutex::new(Pool {
            chunks: Vec::new(),
            idle: 0,
            done: false,
        });
        let wake = Condvar::new();
        let idle_hint = std::sync::atomic::AtomicUsize::new(0);
        let work = |mut local: Vec<usize>| -> (u64, u64) {
            let (mut objects, mut words) = (0u64, 0u64);
            loop {
                while let Some(off) = local.pop() {
                    if let Some(size) = scan::<true>(region, shapes, end, epoch, off, &mut local) {
                        objects += 1;
                        words += size as u64;
                    }
                    if local.len() >= 2 && idle_hint.load(Ordering::Relaxed) > 0 {
                        // Give the bottom half (the oldest entries: in a depth-first walk,
                        // the largest pending subtrees) to the idle thread.
                        let chunk = local.drain(..(local.len() / 2).min(CHUNK)).collect();
                        pool.lock().chunks.push(chunk);
                        wake.notify_one();
                    }
                }
                let mut g = pool.lock();
                if let Some(chunk) = g.chunks.pop() {
                    local = chunk;
                    continue;
                }
                g.idle += 1;
                idle_hint.store(g.idle, Ordering::Relaxed);
                if g.idle == threads {
                    g.done = true;
                    wake.notify_all();
                    return (objects, words);
                }
                loop {
                    wake.wait(&mut g);
                    if g.done {
                        return (objects, words);
                    }
                    if let Some(chunk) = g.chunks.pop() {
                        g.idle -= 1;
                        idle_hint.store(g.idle, Ordering::Relaxed);
                        local = chunk;
                        break;
                    }
                }
            }
        };
        let mine = std::mem::take(&mut self.stack);
        let totals = std::thread::scope(|s| {
            let handles: Vec<_> = (0..helpers).map(|_| s.spawn(|| work(Vec::new()))).collect();
            let mut t = work(mine);
            for h in handles {
                // A helper that panicked (an assertion on a corrupt heap) re-raises here.
                let (o, w) = h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                t.0 += o;
                t.1 += w;
            }
            t
        });
        self.live_objects += totals.0;
        self.live_words += totals.1;
    }

    /// Marks every object in `[from, to)` (a run of objects allocated back to back).
    fn mark_range(&mut self, from: usize, to: usize) {
        let mut o = from;
        while o < to && o < self.end {
            let Some((size, _, _)) = self.shapes.layout(self.region, o) else {
                break;
            };
            self.mark(o);
            o += size;
        }
    }

    fn cell(&self, block: u32, i: usize) -> &std::sync::atomic::AtomicU32 {
        self.region
            .u32_at(block * 2 + i as u32)
            .expect("thread block inside the heap")
    }

    /// Roots of one thread; also retires its TLAB and clears its string read cache.
    fn thread_roots(&mut self, block: u32, roots: &RootBitmap) {
        let top = self.cell(block, tb::TOP).load(Ordering::Relaxed) as usize;
        let limit = self.cell(block, tb::LIMIT).load(Ordering::Relaxed) as usize;
        let young = self.cell(block, tb::YOUNG).load(Ordering::Relaxed) as usize;
        let mut n = self.cell(block, tb::YOUNG_N).load(Ordering::Relaxed) as usize;
        // Objects the current operation allocated before this safepoint.
        if young != 0 && young < top {
            self.mark_range(young, top);
            if n < tb::MAX_PAIRS {
                self.cell(block, tb::PAIRS + 2 * n)
                    .store(young as u32, Ordering::Relaxed);
                self.cell(block, tb::PAIRS + 2 * n + 1)
                    .store(top as u32, Ordering::Relaxed);
                n += 1;
                self.cell(block, tb::YOUNG_N)
                    .store(n as u32, Ordering::Relaxed);
            }
        }
        for p in 0..n.min(tb::MAX_PAIRS) {
            let a = self.cell(block, tb::PAIRS + 2 * p).load(Ordering::Relaxed) as usize;
            let b = self
                .cell(block, tb::PAIRS + 2 * p + 1)
                .load(Ordering::Relaxed) as usize;
            self.mark_range(a, b);
        }
        // The object this thread is making a wrapper for (read from a slot, not yet in its table).
        let inflight = self.cell(block, tb::INFLIGHT).load(Ordering::Relaxed) as usize;
        if inflight != 0 {
            self.mark(inflight);
        }
        // The pin stack: objects whose wrappers are being made, strings being copied.
        for i in 0..tb::PINS_LEN {
            let off = self.cell(block, tb::PINS + i).load(Ordering::Relaxed) as usize;
            if off != 0 {
                self.mark(off);
            }
        }
        // Retire the TLAB so the heap is parsable and the tail can be reused.
        if top != 0 && top < limit {
            write_free(self.region, top, limit - top);
        }
        self.cell(block, tb::TOP).store(0, Ordering::Relaxed);
        self.cell(block, tb::LIMIT).store(0, Ordering::Relaxed);
        self.cell(block, tb::YOUNG).store(0, Ordering::Relaxed);
        // String caches: the read cache is cleared (offsets may be reused), the ring is a root.
        for i in 0..tb::STR_KEYS_LEN {
            self.cell(block, tb::STR_KEYS + i)
                .store(0, Ordering::Relaxed);
        }
        let ring =
            (self.cell(block, tb::RING_N).load(Ordering::Relaxed) as usize).min(tb::RING_LEN);
        for i in 0..ring {
            let off = self.cell(block, tb::RING + i).load(Ordering::Relaxed) as usize;
            self.mark(off);
        }
        // SharedMutexes this thread holds read locks on (released for it if it exits).
        for i in 0..tb::READS_LEN {
            let s = self.cell(block, tb::READS + i).load(Ordering::Relaxed);
            if let Some(off) = tb::read_lock_object(s) {
                self.mark(off);
            }
        }
        // Objects this thread holds wrappers for.
        roots.for_each_root(|off| self.mark(off));
    }
}

/// A free span: (start word, length in words).
type Span = (usize, usize);

/// Sweeps `[HEAP_START, end)`, handing finished free runs to `publish` in batches; returns
/// how many objects died.
fn sweep(
    region: &super::region::Region,
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
            if super::alloc::verify_enabled() {
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
const MAX_SPAN_WORDS: usize = 1 << 20;
/// The sweep publishes its spans once they hold this many words (4 TLABs), or 256 spans.
const PUBLISH_WORDS: usize = 4 * layout::TLAB_WORDS;

/// Gives whole pages strictly inside a free span back to the OS.
fn release_pages(region: &super::region::Region, start: usize, stop: usize) {
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::core::region::Region;

    /// Writes `n` objects of a 3-slot user type back to back from HEAP_START: a binary tree
    /// (slots 0, 1 = children), plus a pseudo-random extra edge (slot 2) that makes cycles
    /// and cross links; objects from `n / 2` on are unreachable from the root (garbage with
    /// cycles of its own). Returns the offsets.
    fn build(region: &Region, n: usize) -> Vec<usize> {
        let offs: Vec<usize> = (0..n).map(|i| layout::HEAP_START + 4 * i).collect();
        let refv = |o: usize| ((layout::TAG_REF as u64) << 32) | o as u64;
        let undef = (layout::TAG_UNDEFINED as u64) << 32;
        let half = n / 2;
        let mut seed = 0x9e37_79b9_u32;
        for (i, &o) in offs.iter().enumerate() {
            region
                .word(o)
                .store(layout::FIRST_USER_TYPE as u64, Ordering::Relaxed);
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let base = if i < half { 0 } else { half };
            let child = |c: usize| {
                if i < half {
                    c
                } else {
                    half + (c - half) % (n - half)
                }
            };
            for (k, c) in [(1, l), (2, r)] {
                let v = if (i < half && c < half) || (i >= half && c - base < n - half) {
                    refv(offs[child(c)])
                } else {
                    undef
                };
                region.word(o + k).store(v, Ordering::Relaxed);
            }
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let span = if i < half { half } else { n - half };
            let extra = base + (seed as usize >> 8) % span;
            region
                .word(o + 3)
                .store(refv(offs[extra]), Ordering::Relaxed);
        }
        offs
    }

    fn marked(region: &Region, offs: &[usize], epoch: u32) -> Vec<bool> {
        offs.iter()
            .map(|&o| {
                (region.word(o).load(Ordering::Relaxed) as u32 & layout::MARK_MASK)
                    >> layout::MARK_SHIFT
                    == epoch
            })
            .collect()
    }

    #[test]
    fn parallel_marking_marks_exactly_what_sequential_marking_marks() {
        let region = Region::reserve(64 << 20).unwrap();
        let n = 400_000;
        let offs = build(&region, n);
        let end = offs[n - 1] + 4;
        let shapes = Shapes {
            user: vec![(3, false)],
        };
        let mut results = Vec::new();
        for (epoch, helpers) in [(1u32, 0usize), (2, 1), (3, 3)] {
            let mut m = Marker {
                region: &region,
                shapes: &shapes,
                end,
                epoch,
                stack: Vec::new(),
                live_objects: 0,
                live_words: 0,
            };
            m.mark(offs[0]);
            m.drain(helpers);
            results.push((m.live_objects, m.live_words, marked(&region, &offs, epoch)));
        }
        let (objects, words, ref set) = results[0];
        // Everything reachable from the root is the first half, and nothing of the second.
        assert_eq!(objects, (n / 2) as u64);
        assert_eq!(words, 4 * (n / 2) as u64);
        assert!(set[..n / 2].iter().all(|&b| b) && !set[n / 2..].iter().any(|&b| b));
        for r in &results[1..] {
            assert_eq!((r.0, r.1), (objects, words));
            assert!(r.2 == *set);
        }
    }

    #[test]
    fn sweep_publishes_a_long_garbage_run_in_pieces_and_keeps_live_objects() {
        // 1,200,000 dead 4-word objects (4.8 M words) with one live object in the middle.
        let region = Region::reserve(64 << 20).unwrap();
        let n = 1_200_000;
        let offs = build(&region, n);
        let end = offs[n - 1] + 4;
        let shapes = Shapes {
            user: vec![(3, false)],
        };
        let epoch = 5u32;
        let live = offs[n / 2];
        let h = region.word(live).load(Ordering::Relaxed);
        region.word(live).store(
            h | ((epoch as u64) << layout::MARK_SHIFT) & layout::MARK_MASK as u64,
            Ordering::Relaxed,
        );
        let calls = std::cell::RefCell::new(Vec::<Vec<Span>>::new());
        let freed = sweep(&region, &shapes, end, epoch, 0, &|sp: &[Span]| {
            calls.borrow_mut().push(sp.to_vec());
        });
        assert_eq!(freed, (n - 1) as u64);
        let calls = calls.into_inner();
        let spans: Vec<Span> = calls.iter().flatten().copied().collect();
        // Published as it goes (not in one batch at the end), no span longer than the cap.
        assert!(
            calls.iter().filter(|c| !c.is_empty()).count() >= 4,
            "{} publishes",
            calls.len()
        );
        assert!(spans.iter().all(|&(_, len)| len <= MAX_SPAN_WORDS));
        // The spans tile everything but the live object, in order, without overlap.
        let mut at = layout::HEAP_START;
        for &(start, len) in &spans {
            if start != at {
                assert_eq!((at, start), (live, live + 4));
            }
            at = start + len;
        }
        assert_eq!(at, end);
        let total: usize = spans.iter().map(|&(_, len)| len).sum();
        assert_eq!(total, end - layout::HEAP_START - 4);
        // The live object is untouched: its header still parses as the user type.
        assert_eq!(
            region.word(live).load(Ordering::Relaxed) as u32 & layout::TYPE_MASK,
            layout::FIRST_USER_TYPE
        );
    }
}
