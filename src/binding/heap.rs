//! Bindings for the region, allocator, type registry and tokens.

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use super::to_napi;
use crate::core::{self, layout, pressure, CoreError};

fn rt() -> Result<&'static core::Runtime> {
    core::runtime().map_err(to_napi)
}

/// A raw `napi_value` handed back to JS as is.
pub struct RawValue(sys::napi_value);

impl ToNapiValue for RawValue {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        Ok(val.0)
    }
}

impl TypeName for RawValue {
    fn type_name() -> &'static str {
        "ArrayBuffer"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

/// Wraps the whole region as an external ArrayBuffer for the calling thread.
/// The finalizer does nothing: the region lives until the process exits.
#[napi(ts_return_type = "ArrayBuffer")]
pub fn heap_buffer(env: Env) -> Result<RawValue> {
    let rt = rt()?;
    // SAFETY: the region is never unmapped (region.rs).
    unsafe { external_buffer(&env, rt.region.base(), rt.region.bytes()) }
}

/// An external ArrayBuffer over `bytes` bytes at `base`, with no finalizer.
///
/// # Safety
/// The memory must stay mapped for the rest of the process.
pub unsafe fn external_buffer(env: &Env, base: *mut u8, bytes: usize) -> Result<RawValue> {
    let mut value = std::ptr::null_mut();
    // SAFETY: `env` is the live env of this call; the caller guarantees that the memory
    // outlives the buffer; passing no finalizer is allowed by N-API.
    let status = unsafe {
        sys::napi_create_external_arraybuffer(
            env.raw(),
            base.cast(),
            bytes,
            None,
            std::ptr::null_mut(),
            &mut value,
        )
    };
    if status == sys::Status::napi_no_external_buffers_allowed {
        return Err(to_napi(CoreError::other(
            "shared-structs: this runtime forbids external ArrayBuffers (V8 sandbox, e.g. Electron); the shared heap cannot be mapped",
        )));
    }
    if status != sys::Status::napi_ok {
        return Err(Error::new(
            Status::GenericFailure,
            format!("napi_create_external_arraybuffer failed: {status}"),
        ));
    }
    Ok(RawValue(value))
}

/// Freezes the object at `offset` and everything reachable from it (src/core/freeze.rs);
/// returns how many objects were newly frozen. The caller, thread `tid`, holds a wrapper of
/// the root.
#[napi]
pub fn freeze_graph(tid: u32, offset: u32) -> Result<f64> {
    super::sync::check_own_tid(tid)?;
    let n = core::freeze::freeze_graph(rt()?, tid, offset as usize).map_err(to_napi)?;
    Ok(n as f64)
}

/// Every constant the JS layer shares with Rust (lib/layout.js), from core::constants.
#[napi]
pub fn layout_constants() -> std::collections::HashMap<String, f64> {
    core::constants::all()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

#[napi(object)]
pub struct HeapLayout {
    pub heap_start: u32,
    pub words: f64,
    pub tlab_words: u32,
}

/// Constants JS needs to address the region.
#[napi]
pub fn heap_layout() -> Result<HeapLayout> {
    let rt = rt()?;
    Ok(HeapLayout {
        heap_start: layout::HEAP_START as u32,
        words: rt.region.words() as f64,
        tlab_words: layout::TLAB_WORDS as u32,
    })
}

/// Refills thread `tid`'s TLAB (at least `min_words`: core::tlab) and reports the refill to
/// V8 as external memory (core::pressure), given this thread's V8 heap in use and limit.
#[napi]
pub fn alloc_tlab(
    env: Env,
    tid: u32,
    min_words: u32,
    v8_heap_used: Option<f64>,
    v8_heap_limit: Option<f64>,
) -> Result<()> {
    super::sync::check_own_tid(tid)?;
    let rt = rt()?;
    let words = rt.refill_tlab(tid, min_words as usize).map_err(to_napi)?;
    adjust_external(&env, rt.external_report(words, v8_heap_used, v8_heap_limit));
    Ok(())
}

/// Adds `bytes` (may be negative) to V8's external-memory accounting for this isolate; V8
/// may collect its heap in the call, as any allocation may. A failed report only leaves V8's
/// accounting as it was.
fn adjust_external(env: &Env, bytes: i64) -> sys::napi_status {
    let mut result = 0i64;
    // SAFETY: `env` is this call's live env and `result` a live local;
    // napi_adjust_external_memory only updates V8's accounting for this isolate.
    unsafe { sys::napi_adjust_external_memory(env.raw(), bytes, &mut result) }
}

/// Makes V8 run a full collection of this thread's heap now, so that wrappers which died
/// since its last one (and whose objects they keep rooted in the shared heap) are freed and
/// their arenas' weak references cleared: reports a burst of external memory and takes it
/// back (core::pressure::BURST_BYTES, BURSTS times). Used by `gc()` and when the shared heap
/// is full.
#[napi]
pub fn v8_memory_pressure(env: Env) -> Result<()> {
    for _ in 0..pressure::BURSTS {
        let status = adjust_external(&env, pressure::BURST_BYTES);
        // Gives back exactly what the previous call reported.
        let back = adjust_external(&env, -pressure::BURST_BYTES);
        if status != sys::Status::napi_ok || back != sys::Status::napi_ok {
            return Err(Error::from_reason("napi_adjust_external_memory failed"));
        }
    }
    Ok(())
}

/// One large object of `words` words for thread `tid` (core::tlab); returns its word offset.
/// The object is added to the thread's young ranges (rooted until its operation ends).
/// `v8_heap_used` and `v8_heap_limit` as for [`alloc_tlab`].
#[napi]
pub fn alloc_large(
    env: Env,
    tid: u32,
    words: f64,
    v8_heap_used: Option<f64>,
    v8_heap_limit: Option<f64>,
) -> Result<u32> {
    super::sync::check_own_tid(tid)?;
    if !(words.is_finite() && words >= 1.0 && words <= u32::MAX as f64) {
        return Err(to_napi(CoreError::range(format!(
            "shared-structs: cannot allocate {words} words"
        ))));
    }
    let rt = rt()?;
    let off = rt.alloc_large_young(tid, words as usize).map_err(to_napi)?;
    adjust_external(
        &env,
        rt.external_report(words as usize, v8_heap_used, v8_heap_limit),
    );
    Ok(off)
}

/// Registers (or finds, by key) a struct type; returns its id.
#[napi]
pub fn register_type(key: Option<String>, fields: Vec<String>, elements: bool) -> Result<u32> {
    rt()?.types.register(key, fields, elements).map_err(to_napi)
}

#[napi(object)]
pub struct TypeDescription {
    pub id: u32,
    pub key: Option<String>,
    pub fields: Vec<String>,
    pub elements: bool,
}

/// The layout of a type id, or null if there is no such type.
#[napi]
pub fn type_info(id: u32) -> Result<Option<TypeDescription>> {
    Ok(rt()?.types.get(id).map(|t| TypeDescription {
        id: t.id,
        key: t.key.clone(),
        fields: t.fields.clone(),
        elements: t.elements,
    }))
}

#[napi(object)]
pub struct TokenParts {
    pub id: f64,
    pub nonce: f64,
}

/// Pins the object at `offset` (whose header stamp is `stamp`) under a new token.
#[napi]
pub fn share_object(offset: u32, stamp: u32) -> Result<TokenParts> {
    let (id, nonce) = rt()?.share_object(offset, stamp).map_err(to_napi)?;
    Ok(TokenParts {
        id: id as f64,
        nonce: nonce as f64,
    })
}

/// Resolves a token to the offset of a live object for thread `tid` (core::tokens: the
/// object is recorded as young for `tid` before the token unpins it).
#[napi]
pub fn open_token(id: f64, nonce: f64, tid: u32) -> Result<u32> {
    super::sync::check_own_tid(tid)?;
    let rt = rt()?;
    if !(id.fract() == 0.0 && id >= 1.0 && nonce.fract() == 0.0 && nonce >= 0.0) {
        return Err(to_napi(CoreError::type_error(
            "shared-structs: open(): malformed token",
        )));
    }
    rt.open_token(id as u64, nonce as u64, tid).map_err(to_napi)
}

/// Drops a token that will not be opened; returns whether it existed.
#[napi]
pub fn release_token(id: f64, nonce: f64) -> Result<bool> {
    Ok(rt()?.tokens.release(id as u64, nonce as u64))
}

#[napi(object)]
pub struct NativeHeapStats {
    pub reserved_bytes: f64,
    pub high_water_bytes: f64,
    pub free_bytes: f64,
    pub allocated_bytes_total: f64,
    pub tlabs: f64,
    pub large_objects: f64,
    pub types: u32,
    pub tokens: u32,
    pub threads: u32,
    pub collections: f64,
    pub aborted_collections: f64,
    pub last_pause_ms: f64,
    pub max_pause_ms: f64,
    pub last_sweep_ms: f64,
    pub live_objects: f64,
    pub live_bytes: f64,
    pub freed_objects_total: f64,
}

/// Allocator and collector statistics.
#[napi]
pub fn native_heap_stats() -> Result<NativeHeapStats> {
    let rt = rt()?;
    let s = rt.heap.stats(&rt.region);
    let g = rt.gc.stats();
    Ok(NativeHeapStats {
        reserved_bytes: s.reserved_bytes as f64,
        high_water_bytes: s.high_water_bytes as f64,
        free_bytes: s.free_bytes as f64,
        allocated_bytes_total: s.allocated_bytes_total as f64,
        tlabs: s.tlabs as f64,
        large_objects: s.large_objects as f64,
        types: rt.types.count() as u32,
        tokens: rt.tokens.len() as u32,
        threads: rt.gc.thread_count() as u32,
        collections: g.collections as f64,
        aborted_collections: g.aborted as f64,
        last_pause_ms: g.last_pause_ns as f64 / 1e6,
        max_pause_ms: g.max_pause_ns as f64 / 1e6,
        last_sweep_ms: g.last_sweep_ns as f64 / 1e6,
        live_objects: g.live_objects as f64,
        live_bytes: g.live_bytes as f64,
        freed_objects_total: g.freed_objects_total as f64,
    })
}
