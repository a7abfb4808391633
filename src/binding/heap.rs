//! Bindings for the region, allocator, type registry and tokens.

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use super::to_napi;
use crate::core::{self, layout, CoreError};

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
/// returns how many objects were newly frozen. The caller holds a wrapper of the root.
#[napi]
pub fn freeze_graph(offset: u32) -> Result<f64> {
    let rt = rt()?;
    check_object(rt, offset, None).map_err(to_napi)?;
    Ok(core::freeze::freeze_graph(rt, offset as usize) as f64)
}

/// The layout constants the JS layer uses (lib/layout.js), from src/core/layout.rs.
#[napi]
pub fn layout_constants() -> std::collections::HashMap<String, f64> {
    layout::constants()
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

/// Refills thread `tid`'s TLAB (at least `min_words`): retires the old one and updates the
/// block's TOP/LIMIT/YOUNG cells in one step, so no safepoint sees a TLAB it cannot parse.
/// `v8_heap_used` is this thread's V8 heap in use (bytes), which sets how much the refill is
/// reported to V8 as external memory ([`external_factor`]).
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
    let words = super::gc::refill_tlab(rt, tid, min_words as usize).map_err(to_napi)?;
    report_external(
        &env,
        words,
        external_factor(rt, v8_heap_used, v8_heap_limit),
    );
    Ok(())
}

/// V8 clears the weak references to wrapper arenas (which is how this library learns that
/// wrappers died, docs/identity.md) only in full collections, and a dead wrapper keeps its
/// shared object rooted until then. V8 schedules full collections by its own heap's growth
/// and by external memory: one starts after about 64 MB of external growth since the last.
/// So shared bytes a thread allocates are reported to V8 this many times over: often
/// enough that a worker with a small JS heap, churning through the shared heap, lets its
/// dead wrappers go every few MB (the churn benchmark's shared heap peaked at 280-290 MB
/// with a factor of 1, ~60 MB with 16), but never more marking work than about
/// `PRESSURE_BUDGET / 64 MB` = 2 bytes of V8 heap per shared byte allocated: a full
/// collection costs in proportion to the V8 heap, so a thread with a large JS heap (a
/// compiler) is pushed no harder than a factor of 1 once its heap passes 128 MB. A thread
/// whose V8 heap limit (`heap_size_limit`: the old generation's plus the young one's) is
/// under 512 MB reports 1:1 (below), and so does every thread while the shared heap is under
/// 16 MB in use (live at the last collection plus allocated since): what dead wrappers can
/// keep rooted is small then, and full collections of a small JS heap, cheap as they are,
/// took ~20% of `new T()` in a loop when every byte was boosted.
fn external_factor(
    rt: &core::Runtime,
    v8_heap_used: Option<f64>,
    v8_heap_limit: Option<f64>,
) -> i64 {
    const PRESSURE_BUDGET: f64 = (128u64 << 20) as f64;
    const BOOST_FROM_BYTES: u64 = 16 << 20;
    let in_use = rt.gc.stats().live_bytes + rt.heap.since_gc() * layout::WORD as u64;
    if in_use < BOOST_FROM_BYTES {
        return 1;
    }
    const MAX_FACTOR: f64 = 16.0;
    // V8 collects synchronously (a blocking full collection, not incremental marking) once
    // external growth passes half its old-generation limit: with a small limit
    // (`resourceLimits`, `--max-old-space-size`) every report-triggered collection blocks,
    // and a factor would make them that many times as frequent (40 blocking collections
    // instead of 3 for 160 MB of 1 KiB structs with a 16 MB or 100 MB limit, found by review).
    // The cut at 512 MB of total limit keeps that half-limit well above what a boosted
    // report reaches while incremental marking runs.
    const MIN_LIMIT: f64 = (512u64 << 20) as f64;
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

fn report_external(env: &Env, words: usize, factor: i64) {
    thread_local! {
        static REPORTED: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
    }
    let bytes = (words * layout::WORD) as i64 * factor;
    let mut adjust = bytes;
    REPORTED.with(|r| {
        let total = r.get() + bytes;
        // Keep the number V8 sees bounded: V8 triggers on growth since its last full GC.
        if total > (1 << 30) {
            adjust -= 1 << 30;
            r.set(total - (1 << 30));
        } else {
            r.set(total);
        }
    });
    // A failed report only leaves V8's accounting as it was.
    let _ = adjust_external(env, adjust);
}

/// Adds `bytes` (may be negative) to V8's external-memory accounting for this isolate; V8
/// may collect its heap in the call, as any allocation may.
fn adjust_external(env: &Env, bytes: i64) -> sys::napi_status {
    let mut result = 0i64;
    // SAFETY: `env` is this call's live env and `result` a live local;
    // napi_adjust_external_memory only updates V8's accounting for this isolate.
    unsafe { sys::napi_adjust_external_memory(env.raw(), bytes, &mut result) }
}

/// External memory reported by [`v8_memory_pressure`] for the length of one call.
const PRESSURE_BYTES: i64 = 1 << 40;

/// Makes V8 run a full collection of this thread's heap now, so that wrappers which died
/// since its last one (and whose objects they keep rooted in the shared heap) are freed and
/// their arenas' weak references cleared. N-API has no call for that; V8 runs a full
/// collection synchronously when external memory goes past its hard limit, so this reports a
/// burst of external memory and takes it back. Twice: if incremental marking was already
/// running (an allocation's external-memory report starts one), the first burst only
/// finishes that cycle, which keeps every object allocated since marking began (V8 allocates
/// them black), such as the wrapper of a big array made and dropped in the meantime. Used by
/// `gc()` and when the shared heap is full.
#[napi]
pub fn v8_memory_pressure(env: Env) -> Result<()> {
    for _ in 0..2 {
        let status = adjust_external(&env, PRESSURE_BYTES);
        // Gives back exactly what the previous call reported.
        let back = adjust_external(&env, -PRESSURE_BYTES);
        if status != sys::Status::napi_ok || back != sys::Status::napi_ok {
            return Err(Error::from_reason("napi_adjust_external_memory failed"));
        }
    }
    Ok(())
}

/// One large object of `words` words for thread `tid`; returns its word offset. The object
/// is added to the thread's young ranges (rooted until its operation ends). `v8_heap_used`
/// as for [`alloc_tlab`].
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
    let off = super::gc::alloc_large(rt, tid, words as usize).map_err(to_napi)?;
    report_external(
        &env,
        words as usize,
        external_factor(rt, v8_heap_used, v8_heap_limit),
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
    let rt = rt()?;
    check_object(rt, offset, Some(stamp)).map_err(to_napi)?;
    let (id, nonce) = rt.tokens.share(offset, stamp);
    Ok(TokenParts {
        id: id as f64,
        nonce: nonce as f64,
    })
}

/// Resolves a token to the offset of a live object.
/// The object is recorded as young for thread `tid` BEFORE the token unpins it, so it stays a
/// root until the caller's wrapper is in its identity table (the next operation start).
#[napi]
pub fn open_token(id: f64, nonce: f64, tid: u32) -> Result<u32> {
    super::sync::check_own_tid(tid)?;
    let rt = rt()?;
    if !(id.fract() == 0.0 && id >= 1.0 && nonce.fract() == 0.0 && nonce >= 0.0) {
        return Err(to_napi(CoreError::type_error(
            "shared-structs: open(): malformed token",
        )));
    }
    // Rooted as young for this thread before the token is unpinned (the loom model of tokens
    // checks open_rooted itself).
    let e = rt
        .tokens
        .open_rooted(id as u64, nonce as u64, |off| {
            super::gc::note_young(rt, tid, off as usize)
        })
        .map_err(to_napi)?;
    check_object(rt, e.offset, Some(e.stamp)).map_err(|_| {
        to_napi(CoreError::type_error(
            "shared-structs: open(): stale token (its object has been collected)",
        ))
    })?;
    Ok(e.offset)
}

/// Drops a token that will not be opened; returns whether it existed.
#[napi]
pub fn release_token(id: f64, nonce: f64) -> Result<bool> {
    Ok(rt()?.tokens.release(id as u64, nonce as u64))
}

/// Checks that `offset` starts a live object (and, if given, that its stamp matches).
fn check_object(rt: &core::Runtime, offset: u32, stamp: Option<u32>) -> core::CoreResult<()> {
    let off = offset as usize;
    if off < layout::HEAP_START || off >= rt.region.words() {
        return Err(CoreError::type_error("shared-structs: not a shared object"));
    }
    let header = rt
        .region
        .word(off)
        .load(std::sync::atomic::Ordering::Acquire);
    let ty = (header as u32) & layout::TYPE_MASK;
    let st = (header >> 32) as u32;
    if ty == layout::TYPE_FREE || stamp.is_some_and(|s| s != st) {
        return Err(CoreError::type_error(
            "shared-structs: not a live shared object",
        ));
    }
    Ok(())
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
