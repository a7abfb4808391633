//! Bindings for the collector: root bitmaps, V8 interrupts, `gc()`.
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

use super::to_napi;
use crate::core::{self, gc::Outcome};

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

/// Confirms that `block` is the thread block of the calling thread `tid` (a TypeError
/// otherwise: any other offset would make later calls write outside the block).
#[napi]
pub fn bind_thread_block(tid: u32, block: u32) -> Result<()> {
    super::sync::check_own_tid(tid)?;
    if rt()?.thread_block(tid) != Some(block) {
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
    let r = rt.gc.in_native(tid, || rt.gc.collect(rt, Some(tid)));
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
