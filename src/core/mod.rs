//! The N-API-free core: everything the addon does, testable with `cargo test` (the binding,
//! src/binding, only converts JS values and forwards here). docs/architecture.md walks
//! through it.
//!
//! Memory and objects:
//! - [`layout`]: the word layout of the region, headers, value tags, thread-block cells, the
//!   sizes of built-in objects.
//! - [`constants`]: every constant and wire code the JS layer shares with Rust (read from the
//!   binding at load).
//! - [`region`]: the one reservation of address space every thread views.
//! - [`alloc`]: the allocator (free lists and bump pointer; TLABs and large objects).
//! - [`types`]: the type registry (type id -> field names, registry keys).
//! - [`tokens`]: in-flight tokens, how an object crosses `postMessage`.
//! - [`freeze`]: freezing an object graph.
//! - [`json`]: JSON text parsed straight into the heap (`parseJSON`).
//!
//! JS threads:
//! - [`threads`]: registering a JS thread and its exit, in one place.
//! - [`block`]: a thread's block, the heap cells its JS and the collector share.
//! - [`tlab`]: allocation for JS threads (TLAB refills, large objects, young ranges, a full
//!   heap).
//! - [`pressure`]: how shared allocation is reported to V8 as external memory.
//!
//! The collector:
//! - [`gc`]: the collector and one collection's phases (`gc/mark.rs`, `gc/sweep.rs`), and
//!   when collections run (`gc/trigger.rs`).
//! - [`safepoint`]: the stop-the-world handshake with the JS threads.
//! - [`roots`]: per-thread root bitmaps (the objects a thread holds wrappers for).
//!
//! Locks:
//! - [`park`]: the parking lot (blocking and async waiters, keyed by a lock word).
//! - [`sync`]: the lock slow paths, one primitive per file (Mutex, Condition, SharedMutex),
//!   and a thread's exit from them.
//! - [`locks`]: the locks held by dead threads, counted in a collection's pause.
//!
//! Support: [`error`] (errors and the JS class each becomes), [`shim`] (the std or loom
//! primitives the concurrent code is written against), and for tests `testkit` and the loom
//! `models` (docs/testing.md).

pub mod alloc;
pub mod block;
pub mod constants;
pub mod error;
pub mod freeze;
pub mod gc;
pub mod json;
pub mod layout;
pub mod locks;
pub mod park;
pub mod pressure;
pub mod region;
pub mod roots;
pub mod safepoint;
pub mod shim;
pub mod sync;
// Bound to the real heap's words: not built under loom (the models run the primitives on
// words of their own; shim.rs).
#[cfg(not(loom))]
pub mod threads;
#[cfg(not(loom))]
pub mod tlab;
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

impl Runtime {
    /// A runtime over a new region of `bytes` (clamped to what Node can view).
    pub fn new(bytes: usize) -> CoreResult<Runtime> {
        let region = region::Region::reserve(layout::clamp_heap_size(bytes))?;
        let heap = alloc::Heap::new(&region);
        Ok(Runtime {
            region,
            heap,
            types: types::TypeRegistry::new(),
            tokens: tokens::TokenTable::new(),
            lot: park::ParkingLot::new(),
            gc: gc::Collector::new(),
        })
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
    RUNTIME.get_or_try_init(|| Runtime::new(configured_heap_size()?))
}
