//! The N-API-free core: region, allocator, layouts, types and tokens.

pub mod alloc;
pub mod error;
pub mod freeze;
pub mod gc;
pub mod json;
pub mod layout;
pub mod locks;
pub mod park;
pub mod region;
pub mod roots;
pub mod safepoint;
pub mod shim;
pub mod sync;
pub mod tokens;
pub mod types;

#[cfg(all(test, loom))]
mod models;
#[cfg(test)]
mod testkit;

use once_cell::sync::OnceCell;

pub use error::{CoreError, CoreResult};

/// Everything process-wide, created on first use by whichever thread loads the addon first.
pub struct Runtime {
    pub region: region::Region,
    pub heap: alloc::Heap,
    pub types: types::TypeRegistry,
    pub tokens: tokens::TokenTable,
    pub lot: park::ParkingLot,
    pub gc: gc::Collector,
}

/// Milliseconds (since the runtime started) of the last collection run because the heap was
/// full; another one within EMERGENCY_SPACING_MS fails at once instead of thrashing.
static LAST_EMERGENCY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
const EMERGENCY_SPACING_MS: u64 = 100;
static START: once_cell::sync::Lazy<std::time::Instant> =
    once_cell::sync::Lazy::new(std::time::Instant::now);

impl Runtime {
    fn emergency_allowed(&self) -> bool {
        let now = START.elapsed().as_millis() as u64 + EMERGENCY_SPACING_MS;
        let last = LAST_EMERGENCY.load(std::sync::atomic::Ordering::Relaxed);
        if last != 0 && now < last + EMERGENCY_SPACING_MS {
            return false;
        }
        LAST_EMERGENCY.store(now, std::sync::atomic::Ordering::Relaxed);
        true
    }

    /// A TLAB for thread JS; may wake the collector, and on a full heap collects once and retries.
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
                self.gc.start_thread(self);
                self.gc.maybe_trigger(self.heap.since_gc());
                Ok(v)
            }
            Err(e)
                if e.kind == error::ErrorKind::Range
                    && self.gc.enabled()
                    && self.emergency_allowed() =>
            {
                if let Some(tid) = caller {
                    self.gc.enter_native(tid);
                    self.gc.collect(self, Some(tid));
                    self.gc.leave_native(tid);
                } else {
                    self.gc.collect(self, None);
                }
                f()
            }
            Err(e) => Err(e),
        }
    }
}

static RUNTIME: OnceCell<Runtime> = OnceCell::new();

/// Heap size in bytes: `SHARED_STRUCTS_HEAP_SIZE` (accepts `k`, `m`, `g` suffixes), else the default.
fn configured_heap_size() -> CoreResult<usize> {
    match std::env::var("SHARED_STRUCTS_HEAP_SIZE") {
        Ok(s) => layout::parse_size(&s).ok_or_else(|| {
            CoreError::range(format!("SHARED_STRUCTS_HEAP_SIZE: cannot parse {s:?}"))
        }),
        Err(_) => Ok(layout::DEFAULT_HEAP_BYTES),
    }
}

/// The process-wide runtime; the first call reserves the region.
pub fn runtime() -> CoreResult<&'static Runtime> {
    RUNTIME.get_or_try_init(|| {
        let bytes = layout::clamp_heap_size(configured_heap_size()?);
        let region = region::Region::reserve(bytes)?;
        let heap = alloc::Heap::new(&region);
        Ok(Runtime {
            region,
            heap,
            types: types::TypeRegistry::new(),
            tokens: tokens::TokenTable::new(),
            lot: park::ParkingLot::new(),
            gc: gc::Collector::new(),
        })
    })
}
