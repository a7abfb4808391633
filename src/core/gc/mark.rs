//! Marking (phase 2 of a collection, every JS thread stopped): from every thread's roots
//! and the pinned tokens, set this cycle's epoch in the header of every reachable object.
//!
//! Algorithm: a depth-first walk with an explicit stack. [`Shapes`] gives each object's slot
//! range from its header (type id -> layout, snapshot when the collection starts); a slot
//! whose tag is a reference, string, bigint or boxed double names a child. The coordinator
//! marks alone for the first [`PARALLEL_AFTER`] objects, then with [`helpers`] threads: each
//! has its own stack and hands the bottom half of it (the largest pending subtrees) to an
//! idle one through a shared pool. Alone, a header is marked with a plain store; in
//! parallel, with a compare-exchange, so exactly one thread scans each object. Marking ends
//! when every thread is idle and the pool is empty, decided under the pool's lock.

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::Ordering;

use super::super::block::ThreadBlock;
use super::super::layout::{self, tb};
use super::super::region::Region;
use super::super::roots::RootBitmap;
use super::super::Runtime;

/// Whether `(off, stamp)` names an object the marking of `epoch` reached (during the pause).
pub(super) fn is_marked(region: &Region, off: usize, stamp: u32, epoch: u32, end: usize) -> bool {
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
pub(super) fn helpers() -> usize {
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

    /// Shapes of user types given as (field count, has elements), for tests.
    #[cfg(all(test, not(loom)))]
    pub(super) fn of_user_types(user: Vec<(u32, bool)>) -> Shapes {
        Shapes { user }
    }

    /// (size in words, first slot word, slot count) of the object at `off`, or None if the
    /// header is not a valid object. FREE spans report their size with no slots.
    pub(crate) fn layout(&self, region: &Region, off: usize) -> Option<(usize, usize, usize)> {
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
            // Fixed-size built-ins: header, word 1 (untraced), then slots.
            t => {
                let words = layout::builtin_words(t)?;
                (words, 2, words - 2)
            }
        })
    }
}

/// One cycle's marking: the objects marked and not yet scanned, and what was found live.
pub(super) struct Marker<'a> {
    region: &'a Region,
    shapes: &'a Shapes,
    end: usize,
    epoch: u32,
    stack: Vec<usize>,
    pub(super) live_objects: u64,
    pub(super) live_words: u64,
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
fn try_mark<const SHARED: bool>(region: &Region, end: usize, epoch: u32, off: usize) -> bool {
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
    region: &Region,
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

impl<'a> Marker<'a> {
    /// Marking of the heap below `end` for cycle `epoch`.
    pub(super) fn new(region: &'a Region, shapes: &'a Shapes, end: usize, epoch: u32) -> Self {
        Marker {
            region,
            shapes,
            end,
            epoch,
            stack: Vec::new(),
            live_objects: 0,
            live_words: 0,
        }
    }

    /// Marks the object at `off` (if valid and unmarked) and queues it for scanning.
    pub(super) fn mark(&mut self, off: usize) {
        if try_mark::<false>(self.region, self.end, self.epoch, off) {
            self.stack.push(off);
        }
    }

    /// Scans until nothing is left; with `helpers` > 0, a large heap is marked by
    /// `helpers + 1` threads.
    pub(super) fn drain(&mut self, helpers: usize) {
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

    /// Roots of one thread; also retires its TLAB and clears its string read cache.
    pub(super) fn thread_roots(&mut self, block: ThreadBlock<'_>, roots: &RootBitmap) {
        let top = block.get(tb::TOP);
        let young = block.get(tb::YOUNG);
        // Objects the current operation allocated before this safepoint.
        if young != 0 && young < top {
            self.mark_range(young, top);
            block.push_young(young, top);
        }
        for p in 0..block.get(tb::YOUNG_N).min(tb::MAX_PAIRS) {
            let (a, b) = (
                block.get(tb::PAIRS + 2 * p),
                block.get(tb::PAIRS + 2 * p + 1),
            );
            self.mark_range(a, b);
        }
        // The object this thread is making a wrapper for (read from a slot, not yet in its table).
        let inflight = block.get(tb::INFLIGHT);
        if inflight != 0 {
            self.mark(inflight);
        }
        // The pin stack: objects whose wrappers are being made, strings being copied.
        for i in 0..tb::PINS_LEN {
            let off = block.get(tb::PINS + i);
            if off != 0 {
                self.mark(off);
            }
        }
        // Retire the TLAB so the heap is parsable and the tail can be reused.
        block.retire_tlab();
        block.set(tb::YOUNG, 0);
        // String caches: the read cache is cleared (offsets may be reused), the ring is a root.
        for i in 0..tb::STR_KEYS_LEN {
            block.set(tb::STR_KEYS + i, 0);
        }
        for i in 0..block.get(tb::RING_N).min(tb::RING_LEN) {
            self.mark(block.get(tb::RING + i));
        }
        // SharedMutexes this thread holds read locks on (released for it if it exits).
        for i in 0..tb::READS_LEN {
            if let Some(off) = tb::read_lock_object(block.get(tb::READS + i) as u32) {
                self.mark(off);
            }
        }
        // Objects this thread holds wrappers for.
        roots.for_each_root(|off| self.mark(off));
    }
}
