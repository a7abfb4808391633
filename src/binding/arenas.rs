//! Weak references to this thread's wrapper arenas (docs/identity.md).
//!
//! A JS `WeakRef` keeps its target alive to the end of the current job when it is created
//! or dereferenced, and a `FinalizationRegistry` reports deaths only from a task of the
//! event loop, so a thread that runs a long synchronous loop (or only microtasks) never
//! learnt that its wrappers had died, and their shared objects stayed rooted. An N-API
//! reference with count 0 is a plain weak handle: V8 clears it in the collection that frees
//! the arena, whatever the event loop does, and reading it keeps nothing alive.
//!
//! State is per thread (one env per thread): arena id -> `napi_ref` (null = none). Refs of
//! dead arenas stay until their id is reused; refs are never used with another env.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use crate::core::layout::MAX_ARENAS;

/// A JS value passed through untouched.
pub struct RawArg(sys::napi_value);

impl FromNapiValue for RawArg {
    unsafe fn from_napi_value(_env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        Ok(RawArg(value))
    }
}

impl TypeName for RawArg {
    fn type_name() -> &'static str {
        "object"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for RawArg {}

/// A JS value handed back as is (`undefined` when null).
pub struct RawOut(sys::napi_value);

impl ToNapiValue for RawOut {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        if !val.0.is_null() {
            return Ok(val.0);
        }
        let mut undef = std::ptr::null_mut();
        // SAFETY: `env` is the live env of the current call (napi-rs passes it).
        let status = unsafe { sys::napi_get_undefined(env, &mut undef) };
        check(status, "napi_get_undefined")?;
        Ok(undef)
    }
}

impl TypeName for RawOut {
    fn type_name() -> &'static str {
        "object | undefined"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

struct Refs {
    env: sys::napi_env,
    refs: Vec<sys::napi_ref>,
}

thread_local! {
    static REFS: RefCell<Refs> = const { RefCell::new(Refs { env: std::ptr::null_mut(), refs: Vec::new() }) };
}

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("{what} failed: {status}"),
        ))
    }
}

/// Runs `f` on this thread's refs for `env` (forgetting refs of an earlier env).
fn with_refs<R>(env: sys::napi_env, f: impl FnOnce(&mut Vec<sys::napi_ref>) -> R) -> R {
    REFS.with(|cell| {
        let mut r = cell.borrow_mut();
        if r.env != env {
            // Another env on this thread (the old one is gone, and its refs with it).
            r.env = env;
            r.refs.clear();
        }
        f(&mut r.refs)
    })
}

/// The value of `r`, or null if V8 has collected it.
///
/// # Safety
/// `env` must be the live env of the current call and `r` a ref created in it.
unsafe fn ref_value(env: sys::napi_env, r: sys::napi_ref) -> Result<sys::napi_value> {
    let mut value = std::ptr::null_mut();
    // SAFETY: guaranteed by the caller.
    let status = unsafe { sys::napi_get_reference_value(env, r, &mut value) };
    check(status, "napi_get_reference_value")?;
    Ok(value)
}

/// Makes `refs[aid]` a weak reference to `value` (replacing the reference of a dead arena
/// that had the same id).
fn set_weak(
    env: sys::napi_env,
    refs: &mut Vec<sys::napi_ref>,
    aid: u32,
    value: sys::napi_value,
) -> Result<()> {
    if aid >= MAX_ARENAS {
        return Err(super::to_napi(crate::core::CoreError::range(format!(
            "shared-structs: arena id {aid} out of range"
        ))));
    }
    let i = aid as usize;
    if refs.len() <= i {
        refs.resize(i + 1, std::ptr::null_mut());
    }
    if !refs[i].is_null() {
        // SAFETY: refs[i] was created with this env (with_refs forgets other envs' refs).
        let status = unsafe { sys::napi_delete_reference(env, refs[i]) };
        check(status, "napi_delete_reference")?;
        refs[i] = std::ptr::null_mut();
    }
    let mut r = std::ptr::null_mut();
    // SAFETY: `env` is the live env of the current call and `value` a value of it; count 0
    // makes the reference weak.
    let status = unsafe { sys::napi_create_reference(env, value, 0, &mut r) };
    check(status, "napi_create_reference")?;
    refs[i] = r;
    Ok(())
}

/// Holds arena `aid` of this thread weakly.
#[napi]
pub fn arena_weak(env: Env, aid: u32, #[napi(ts_arg_type = "object")] arena: RawArg) -> Result<()> {
    let env = env.raw();
    with_refs(env, |refs| set_weak(env, refs, aid, arena.0))
}

/// Holds `arenas[k]` weakly under id `ids[k]`, for every k (one call for a whole demotion).
#[napi]
pub fn arenas_weak(
    env: Env,
    ids: Vec<u32>,
    #[napi(ts_arg_type = "object[]")] arenas: RawArg,
) -> Result<()> {
    let env = env.raw();
    with_refs(env, |refs| {
        for (k, &aid) in ids.iter().enumerate() {
            let mut value = std::ptr::null_mut();
            // SAFETY: `env` is this call's env and `arenas.0` a value of this call; a
            // non-array or a missing element is reported as an error by N-API.
            let status = unsafe { sys::napi_get_element(env, arenas.0, k as u32, &mut value) };
            check(status, "napi_get_element")?;
            set_weak(env, refs, aid, value)?;
        }
        Ok(())
    })
}

/// Arena `aid` if it is still alive, else undefined.
#[napi(ts_return_type = "object | undefined")]
pub fn arena_get(env: Env, aid: u32) -> Result<RawOut> {
    let env = env.raw();
    with_refs(env, |refs| match refs.get(aid as usize) {
        // SAFETY: the ref belongs to this env (with_refs).
        Some(r) if !r.is_null() => Ok(RawOut(unsafe { ref_value(env, *r) }?)),
        _ => Ok(RawOut(std::ptr::null_mut())),
    })
}

/// Ids below `below` of arenas that were held weakly and have been collected.
#[napi]
pub fn arenas_dead(env: Env, below: u32) -> Result<Vec<u32>> {
    let env = env.raw();
    with_refs(env, |refs| {
        let mut dead = Vec::new();
        for (aid, r) in refs.iter().enumerate().take(below as usize) {
            // SAFETY: the ref belongs to this env (with_refs).
            if !r.is_null() && unsafe { ref_value(env, *r) }?.is_null() {
                dead.push(aid as u32);
            }
        }
        Ok(dead)
    })
}
