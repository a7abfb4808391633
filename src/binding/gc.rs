//! Bindings for the collector: thread blocks, TLAB refills, root bitmaps, V8 interrupts,
//! `gc()`.
//!
//! Stopping a thread that is running JS uses `v8::Isolate::RequestInterrupt`, which V8
//! services at the next stack check (function entries, loop back edges), so even a tight
//! loop reaches a safepoint. The symbols are looked up with `dlsym` at load time; where
//! they are missing (a runtime that is not Node), busy threads are only stopped when they
//! return to the event loop (doorbell) or enter a native wait.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use once_cell::sync::Lazy;
use std::ffi::c_void;
use std::sync::atomic::Ordering;

use super::to_napi;
use crate::core::{self, alloc::write_free, gc::Outcome, layout, layout::tb, CoreResult};

fn rt() -> Result<&'static core::Runtime> {
    core::runtime().map_err(to_napi)
}

type GetCurrentFn = unsafe extern "C" fn() -> *mut c_void;
type InterruptCallback = unsafe extern "C" fn(*mut c_void, *mut c_void);
type RequestInterruptFn = unsafe extern "C" fn(*mut c_void, InterruptCallback, *mut c_void);

struct V8Api {
    get_current: GetCurrentFn,
    request_interrupt: RequestInterruptFn,
}

static V8: Lazy<Option<V8Api>> = Lazy::new(|| {
    // The names are the Itanium-mangled v8::Isolate::GetCurrent() and
    // v8::Isolate::RequestInterrupt(void(*)(Isolate*, void*), void*), whose C ABI is the one
    // the function types above describe (the `this` pointer first).
    // SAFETY: dlsym(RTLD_DEFAULT) only looks names up in the loaded image; see above for types.
    unsafe {
        let gc = libc::dlsym(libc::RTLD_DEFAULT, c"_ZN2v87Isolate10GetCurrentEv".as_ptr());
        let ri = libc::dlsym(
            libc::RTLD_DEFAULT,
            c"_ZN2v87Isolate16RequestInterruptEPFvPS0_PvES2_".as_ptr(),
        );
        if gc.is_null() || ri.is_null() {
            return None;
        }
        Some(V8Api {
            get_current: std::mem::transmute::<*mut c_void, GetCurrentFn>(gc),
            request_interrupt: std::mem::transmute::<*mut c_void, RequestInterruptFn>(ri),
        })
    }
});

/// The calling thread's isolate (as an integer), or 0 if unavailable.
pub fn current_isolate() -> usize {
    match &*V8 {
        // SAFETY: called on a JS thread inside a napi call, where an isolate is entered.
        Some(v8) => unsafe { (v8.get_current)() as usize },
        None => 0,
    }
}

unsafe extern "C" fn on_interrupt(_isolate: *mut c_void, data: *mut c_void) {
    if let Ok(rt) = core::runtime() {
        rt.gc.safepoint(data as usize as u32);
    }
}

/// Asks V8 to run a safepoint on `isolate`'s thread at its next stack check.
pub fn request_interrupt(isolate: usize, tid: u32) {
    if let (Some(v8), true) = (&*V8, isolate != 0) {
        // RequestInterrupt may be called from any thread. The isolate is alive: the ring
        // closure that calls this is dropped (under the collector's lock, which the caller
        // holds) by the thread's env cleanup hook, which runs before the isolate is disposed.
        // SAFETY: as above; the callback only reads `data` as an integer.
        unsafe {
            (v8.request_interrupt)(
                isolate as *mut c_void,
                on_interrupt,
                tid as usize as *mut c_void,
            )
        };
    }
}

fn block_cell(rt: &core::Runtime, block: u32, i: usize) -> &std::sync::atomic::AtomicU32 {
    rt.region
        .u32_at(block * 2 + i as u32)
        .expect("thread block inside the heap")
}

/// Allocates and zeroes a thread block.
pub fn alloc_thread_block(rt: &'static core::Runtime) -> Result<u32> {
    let header = ((tb::WORDS as u64) << 32) | layout::TYPE_THREAD_BLOCK as u64;
    let off = rt
        .alloc_large(tb::WORDS, Some(header), None)
        .map_err(to_napi)?;
    for w in off + 1..off + tb::WORDS {
        rt.region.word(w).store(0, Ordering::Relaxed);
    }
    Ok(off as u32)
}

/// Finds the block of thread `tid` (cells are only touched by that thread or at a safepoint).
pub(crate) fn thread_block(tid: u32) -> Option<u32> {
    BLOCKS.lock().get(&tid).copied()
}

/// Every registered thread's (tid, block), for introspection (read-lock cells).
pub(crate) fn thread_blocks() -> Vec<(u32, u32)> {
    BLOCKS.lock().iter().map(|(&t, &b)| (t, b)).collect()
}

static BLOCKS: Lazy<parking_lot::Mutex<std::collections::HashMap<u32, u32>>> =
    Lazy::new(|| parking_lot::Mutex::new(std::collections::HashMap::new()));

fn push_young(rt: &core::Runtime, block: u32, from: usize, to: usize) {
    let n = block_cell(rt, block, tb::YOUNG_N).load(Ordering::Relaxed) as usize;
    if n < tb::MAX_PAIRS {
        block_cell(rt, block, tb::PAIRS + 2 * n).store(from as u32, Ordering::Relaxed);
        block_cell(rt, block, tb::PAIRS + 2 * n + 1).store(to as u32, Ordering::Relaxed);
        block_cell(rt, block, tb::YOUNG_N).store(n as u32 + 1, Ordering::Relaxed);
    }
}

/// Records `[from, to)` (parsable: objects and FREE spans) as young for thread `tid`: a root
/// until its next operation start. False if the thread's young ranges are full.
pub fn note_young_range(rt: &core::Runtime, tid: u32, from: usize, to: usize) -> bool {
    let Some(block) = thread_block(tid) else {
        return false;
    };
    let n = block_cell(rt, block, tb::YOUNG_N).load(Ordering::Relaxed) as usize;
    push_young(rt, block, from, to);
    n < tb::MAX_PAIRS
}

/// Records one object as young for thread `tid` (a root until its next operation start).
pub fn note_young(rt: &core::Runtime, tid: u32, off: usize) {
    if let Some(block) = thread_block(tid) {
        push_young(rt, block, off, off + 1);
    }
}

/// Retires the thread's TLAB and installs a new one (TOP = start, LIMIT = end, YOUNG = start).
/// Returns the new TLAB's size in words.
pub fn refill_tlab(rt: &'static core::Runtime, tid: u32, min_words: usize) -> CoreResult<usize> {
    let block = thread_block(tid)
        .ok_or_else(|| core::CoreError::type_error("shared-structs: unknown thread"))?;
    let top = block_cell(rt, block, tb::TOP).load(Ordering::Relaxed) as usize;
    let limit = block_cell(rt, block, tb::LIMIT).load(Ordering::Relaxed) as usize;
    let young = block_cell(rt, block, tb::YOUNG).load(Ordering::Relaxed) as usize;
    if young != 0 && young < top {
        push_young(rt, block, young, top);
    }
    if top != 0 && top < limit {
        write_free(&rt.region, top, limit - top);
    }
    block_cell(rt, block, tb::TOP).store(0, Ordering::Relaxed);
    block_cell(rt, block, tb::LIMIT).store(0, Ordering::Relaxed);
    block_cell(rt, block, tb::YOUNG).store(0, Ordering::Relaxed);
    let (a, b) = rt.alloc_tlab(min_words, Some(tid))?;
    // A collection may have run inside alloc_tlab (full heap): the cells were reset by it.
    block_cell(rt, block, tb::TOP).store(a as u32, Ordering::Relaxed);
    block_cell(rt, block, tb::LIMIT).store(b as u32, Ordering::Relaxed);
    block_cell(rt, block, tb::YOUNG).store(a as u32, Ordering::Relaxed);
    Ok(b - a)
}

/// A large object, recorded as young for the caller's current operation.
pub fn alloc_large(rt: &'static core::Runtime, tid: u32, words: usize) -> CoreResult<u32> {
    // Parsable at once (a FREE header, written under the allocator lock); JS writes the
    // real header right after.
    let off = rt.alloc_page_aligned(words, Some(tid))?;
    if let Some(block) = thread_block(tid) {
        push_young(rt, block, off, off + words);
    }
    Ok(off as u32)
}

/// Called from the env cleanup hook: drop the thread's roots and free its block.
pub fn thread_exit(rt: &core::Runtime, tid: u32) {
    if let Some(block) = thread_block(tid) {
        core::sync::release_read_locks(&rt.region, &rt.lot, block, tid);
    }
    BLOCKS.lock().remove(&tid);
    if let Some(block) = rt.gc.thread_exit(&rt.region, tid) {
        let words = (rt.region.word(block as usize).load(Ordering::Relaxed) >> 32) as usize;
        write_free(&rt.region, block as usize, words.max(1));
    }
}

/// Records the block `registerThread` allocated for thread `tid` (registration does it
/// itself; JS calls `bindThreadBlock` right after, which only confirms the pair).
pub fn record_block(tid: u32, block: u32) {
    BLOCKS.lock().insert(tid, block);
}

/// Confirms that `block` is the thread block of the calling thread `tid` (a TypeError
/// otherwise: any other offset would make later calls write outside the block).
#[napi]
pub fn bind_thread_block(tid: u32, block: u32) -> Result<()> {
    super::sync::check_own_tid(tid)?;
    if thread_block(tid) != Some(block) {
        return Err(to_napi(core::CoreError::type_error(format!(
            "shared-structs: {block} is not the thread block of thread {tid}"
        ))));
    }
    Ok(())
}

#[napi(object, object_from_js = false)]
pub struct RootBitmapView {
    /// The bitmap's two planes (bits and page summaries), external memory owned by the addon.
    pub buffer: super::heap::RawValue,
    /// u32 words of bits per plane (one bit per heap word), and where each plane's start.
    pub bit_words: u32,
    pub bits_byte_offsets: Vec<u32>,
    /// u32 words of a plane's page summary (one bit per page), and where each one starts.
    pub summary_words: u32,
    pub summary_byte_offsets: Vec<u32>,
}

/// The calling thread's root bitmap as an external ArrayBuffer (docs/identity.md).
#[napi]
pub fn root_bitmap(env: Env, tid: u32) -> Result<RootBitmapView> {
    super::sync::check_own_tid(tid)?;
    let rt = rt()?;
    let b = rt.gc.root_bitmap(tid).ok_or_else(|| {
        to_napi(core::CoreError::type_error(format!(
            "shared-structs: thread {tid} is not registered"
        )))
    })?;
    // SAFETY: the bitmap's mapping is never unmapped (roots.rs), so the buffer never
    // dangles; no finalizer is needed.
    let buffer = unsafe { super::heap::external_buffer(&env, b.base(), b.bytes()) }?;
    let planes = 0..core::roots::PLANES;
    Ok(RootBitmapView {
        buffer,
        bit_words: b.bit_words() as u32,
        bits_byte_offsets: planes
            .clone()
            .map(|p| b.bits_byte_offset(p) as u32)
            .collect(),
        summary_words: b.summary_words() as u32,
        summary_byte_offsets: planes.map(|p| b.summary_byte_offset(p) as u32).collect(),
    })
}

/// Runs a full collection now (the calling thread counts as stopped). Returns false if it
/// was abandoned because some thread could not be stopped in time.
#[napi]
pub fn collect(tid: u32) -> Result<bool> {
    super::sync::check_own_tid(tid)?;
    let rt = rt()?;
    rt.gc.enter_native(tid);
    let r = rt.gc.collect(rt, Some(tid));
    rt.gc.leave_native(tid);
    Ok(r == Outcome::Collected)
}

/// Turns automatic collection on or off (`gc()` still collects).
#[napi]
pub fn set_gc_enabled(on: bool) -> Result<()> {
    rt()?.gc.set_enabled(on);
    Ok(())
}

/// Whether V8's interrupt API was found (busy threads can be stopped anywhere).
#[napi]
pub fn interrupts_available() -> bool {
    V8.is_some()
}
