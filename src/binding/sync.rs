//! Bindings for threads, doorbells and the lock slow paths (core::park, core::sync).
//!
//! Every JS thread registers once: it gets a thread id (the owner id in lock words) and a
//! *doorbell*, a threadsafe function that wakes async waiters (`lockAsync`, `waitAsync`)
//! on that thread's event loop. The doorbell is unref'd unless the thread has async
//! waiters. An env cleanup hook marks the thread dead, which is how abandoned mutexes are
//! detected and how waiters on them are woken.
//!
//! Blocking waits park in slices and, between slices, ask N-API whether the env can still
//! run JS: a worker being terminated gives up its wait instead of hanging its exit.

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use std::ffi::c_void;
use std::sync::Arc;

use super::to_napi;
use crate::core::{self, park::DOORBELL_GC, sync};

fn rt() -> Result<&'static core::Runtime> {
    core::runtime().map_err(to_napi)
}

/// The threadsafe function behind a doorbell; None once released.
type TsfnSlot = Arc<parking_lot::Mutex<Option<usize>>>;

unsafe extern "C" fn call_js(
    env: sys::napi_env,
    js_cb: sys::napi_value,
    context: *mut c_void,
    data: *mut c_void,
) {
    if data as usize as u32 == DOORBELL_GC {
        // Idle in the event loop: a safepoint with no JS on the stack.
        if let Ok(rt) = core::runtime() {
            // SAFETY: the context is the AtomicU32 kept alive by the thread's ThreadEntry for as
            // long as the tsfn exists (it is released in the same cleanup hook, after the tsfn).
            let tid = unsafe { &*(context as *const std::sync::atomic::AtomicU32) }
                .load(std::sync::atomic::Ordering::Acquire);
            rt.gc.safepoint(tid);
        }
        // Fall through: JS prunes wrappers V8 has collected (it is idle, so this is cheap).
    }
    if env.is_null() || js_cb.is_null() {
        return;
    }
    let mut arg = std::ptr::null_mut();
    let mut undefined = std::ptr::null_mut();
    // SAFETY: called by Node on the doorbell's own env thread with a live env and callback;
    // the payload is an integer smuggled through the data pointer, never dereferenced.
    unsafe {
        sys::napi_create_uint32(env, data as usize as u32, &mut arg);
        sys::napi_get_undefined(env, &mut undefined);
        sys::napi_call_function(env, undefined, js_cb, 1, &arg, std::ptr::null_mut());
    }
}

/// Whether the env can still run JS (false while a worker is being terminated).
fn env_can_run_js(env: sys::napi_env) -> bool {
    let mut obj = std::ptr::null_mut();
    let mut val = std::ptr::null_mut();
    // SAFETY: `env` is the live env of the current call on this thread. napi_set_named_property
    // runs N-API's preamble, which fails with a pending-exception status once the env is
    // stopping (worker.terminate()); nothing is retained.
    unsafe {
        if sys::napi_create_object(env, &mut obj) != sys::Status::napi_ok {
            return false;
        }
        sys::napi_get_undefined(env, &mut val);
        sys::napi_set_named_property(env, obj, c"x".as_ptr(), val) == sys::Status::napi_ok
    }
}

struct ThreadEntry {
    tid: u32,
    tsfn: TsfnSlot,
    /// Keeps the tsfn context (the thread id) alive as long as the tsfn.
    _tid_cell: Arc<std::sync::atomic::AtomicU32>,
}

thread_local! {
    /// The doorbells registered by this JS thread (tid -> threadsafe function), for
    /// `doorbell_ref`. Only this thread creates, refs, unrefs and releases them (the cleanup
    /// hook runs here too), so reading one needs no lock: taking the slot's lock instead made
    /// the thread wait whenever another thread, ringing the doorbell, was preempted holding it
    /// (milliseconds on a busy machine).
    static MY_DOORBELLS: std::cell::RefCell<std::collections::HashMap<u32, usize>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

#[napi(object)]
pub struct ThreadRegistration {
    /// Thread id (owner id in lock words).
    pub tid: u32,
    /// Word offset of this thread's block (TLAB cells, young ranges, string caches).
    pub block: u32,
}

/// Registers the calling JS thread; `onWake(payload)` is called on this thread's event loop
/// when an async waiter is woken. Returns the thread id and its block.
#[napi]
pub fn register_thread(env: Env, on_wake: Function<u32, ()>) -> Result<ThreadRegistration> {
    let rt = rt()?;
    let raw_env = env.raw();
    let block = rt.alloc_thread_block().map_err(to_napi)?;
    let tid_cell = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut tsfn = std::ptr::null_mut();
    let mut name = std::ptr::null_mut();
    // SAFETY: raw_env is this call's env; the function value comes from this call's
    // arguments; the created threadsafe function is released in the env cleanup hook below.
    unsafe {
        sys::napi_create_string_utf8(
            raw_env,
            c"shared-structs doorbell".as_ptr(),
            -1isize,
            &mut name,
        );
        let status = sys::napi_create_threadsafe_function(
            raw_env,
            on_wake.raw(),
            std::ptr::null_mut(),
            name,
            0,
            1,
            std::ptr::null_mut(),
            None,
            Arc::as_ptr(&tid_cell) as *mut c_void,
            Some(call_js),
            &mut tsfn,
        );
        if status != sys::Status::napi_ok {
            return Err(Error::new(
                Status::GenericFailure,
                format!("napi_create_threadsafe_function failed: {status}"),
            ));
        }
        sys::napi_unref_threadsafe_function(raw_env, tsfn);
    }
    let slot: TsfnSlot = Arc::new(parking_lot::Mutex::new(Some(tsfn as usize)));
    let bell_slot = slot.clone();
    let doorbell = Box::new(move |payload| {
        let guard = bell_slot.lock();
        if let Some(t) = *guard {
            // SAFETY: the tsfn is alive while the slot holds it (the cleanup hook clears the
            // slot under this lock before releasing it); calling a tsfn from any thread is
            // what it is for. The payload is an integer, not a pointer.
            unsafe {
                sys::napi_call_threadsafe_function(
                    t as sys::napi_threadsafe_function,
                    payload as usize as *mut c_void,
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                );
            }
        }
    });
    let ring_slot = slot.clone();
    let isolate = super::gc::current_isolate();
    let ring = move |tid: u32| -> core::gc::Ring {
        Box::new(move || {
            super::gc::request_interrupt(isolate, tid);
            let guard = ring_slot.lock();
            if let Some(t) = *guard {
                // SAFETY: as for the doorbell above: the tsfn is alive while the slot holds it.
                unsafe {
                    sys::napi_call_threadsafe_function(
                        t as sys::napi_threadsafe_function,
                        DOORBELL_GC as usize as *mut c_void,
                        sys::ThreadsafeFunctionCallMode::nonblocking,
                    );
                }
            }
        })
    };
    let tid = rt.register_thread(block, doorbell, ring).map_err(to_napi)?;
    tid_cell.store(tid, std::sync::atomic::Ordering::Release);
    MY_DOORBELLS.with(|m| m.borrow_mut().insert(tid, tsfn as usize));
    let entry = ThreadEntry {
        tid,
        tsfn: slot,
        _tid_cell: tid_cell,
    };
    env.add_env_cleanup_hook(entry, |entry| {
        if let Ok(rt) = core::runtime() {
            rt.thread_exit(entry.tid);
        }
        // try_with: never panic if this runs while the thread's locals are being destroyed.
        let _ = MY_DOORBELLS.try_with(|m| m.borrow_mut().remove(&entry.tid));
        if let Some(t) = entry.tsfn.lock().take() {
            // SAFETY: the slot held the only handle and is now empty, so no doorbell call can
            // use it after this release.
            unsafe {
                sys::napi_release_threadsafe_function(
                    t as sys::napi_threadsafe_function,
                    sys::ThreadsafeFunctionReleaseMode::abort,
                );
            }
        }
    })?;
    Ok(ThreadRegistration { tid, block })
}

/// Fails with a TypeError unless `tid` was registered by the calling thread: binding calls
/// that write a thread's cells (TLAB, young ranges, root tables) or stop it for a collection
/// must come from that thread (another id would race with its owner or wait on itself).
pub(super) fn check_own_tid(tid: u32) -> Result<()> {
    let own = MY_DOORBELLS
        .try_with(|m| m.borrow().contains_key(&tid))
        .unwrap_or(false);
    if own {
        Ok(())
    } else {
        Err(Error::new(
            Status::InvalidArg,
            format!("TypeError: shared-structs: thread id {tid} is not the calling thread's"),
        ))
    }
}

/// Keeps this thread's event loop alive (ref) while it has async waiters, or not (unref).
#[napi]
pub fn doorbell_ref(env: Env, tid: u32, keep_alive: bool) -> Result<()> {
    let Some(t) = MY_DOORBELLS.with(|m| m.borrow().get(&tid).copied()) else {
        return Ok(());
    };
    // SAFETY: `t` is a tsfn this thread created (so it belongs to this env) and has not
    // released: the cleanup hook, on this thread, removes it from the map before releasing it.
    unsafe {
        if keep_alive {
            sys::napi_ref_threadsafe_function(env.raw(), t as sys::napi_threadsafe_function);
        } else {
            sys::napi_unref_threadsafe_function(env.raw(), t as sys::napi_threadsafe_function);
        }
    }
    Ok(())
}

/// Number of registered, live JS threads.
#[napi]
pub fn live_threads() -> Result<u32> {
    Ok(rt()?.lot.live_threads() as u32)
}

fn abort_check(env: &Env) -> impl Fn() -> bool + '_ {
    let raw = env.raw();
    move || !env_can_run_js(raw)
}

/// `async_id` as the core takes it: negative = a blocking wait.
fn async_waiter(async_id: i32) -> Option<u32> {
    (async_id >= 0).then_some(async_id as u32)
}

/// Mutex acquire slow path. `async_id < 0` blocks (up to `timeout_ms`, negative = forever);
/// otherwise queues async waiter `async_id`. Returns a core::sync::Acquire code.
#[napi]
pub fn mutex_lock_slow(
    env: Env,
    index: u32,
    tid: u32,
    timeout_ms: f64,
    async_id: i32,
) -> Result<u32> {
    let deadline = sync::deadline_after(timeout_ms);
    let a = sync::heap::mutex_lock(
        rt()?,
        index,
        tid,
        deadline,
        async_waiter(async_id),
        &abort_check(&env),
    )
    .map_err(to_napi)?;
    Ok(a as u32)
}

/// Mutex release slow path (waiters parked). Returns false if `tid` does not own it.
#[napi]
pub fn mutex_unlock_slow(index: u32, tid: u32) -> Result<bool> {
    sync::heap::mutex_unlock(rt()?, index, tid).map_err(to_napi)
}

/// Condition wait: COND_WOKEN, COND_TIMED_OUT, or ABORTED (thread terminating): core::sync.
#[napi]
pub fn cond_wait(env: Env, index: u32, tid: u32, seq: u32, timeout_ms: f64) -> Result<u32> {
    let deadline = sync::deadline_after(timeout_ms);
    let r = sync::heap::cond_wait(rt()?, index, tid, seq, deadline, &abort_check(&env))
        .map_err(to_napi)?;
    Ok(match r {
        Ok(true) => sync::COND_WOKEN,
        Ok(false) => sync::COND_TIMED_OUT,
        Err(a) => a as u32,
    })
}

/// Queues an async condition waiter if the sequence is still `seq`; false means "already notified".
#[napi]
pub fn cond_wait_async(index: u32, tid: u32, seq: u32, id: u32) -> Result<bool> {
    sync::heap::cond_wait_async(rt()?, index, tid, seq, id).map_err(to_napi)
}

/// Removes async condition waiter `id` (on timeout); false if a notify took it first.
#[napi]
pub fn cond_cancel_async(index: u32, tid: u32, id: u32) -> Result<bool> {
    sync::heap::cond_cancel_async(rt()?, index, tid, id).map_err(to_napi)
}

/// Wakes up to `count` condition waiters (Infinity = all); returns how many.
#[napi]
pub fn cond_notify(index: u32, count: f64) -> Result<u32> {
    let n = if count.is_finite() {
        count.max(0.0) as usize
    } else {
        usize::MAX
    };
    Ok(sync::heap::cond_notify(rt()?, index, n).map_err(to_napi)? as u32)
}

/// Removes async waiter `id` (on timeout); false if it was already woken.
#[napi]
pub fn cancel_async(index: u32, tid: u32, id: u32) -> Result<bool> {
    Ok(sync::heap::cancel_async(rt()?, index, tid, id))
}

/// Reader-writer lock acquire slow path; same conventions as mutex_lock_slow.
#[napi]
pub fn rw_lock_slow(
    env: Env,
    state_index: u32,
    owner_index: u32,
    tid: u32,
    exclusive: bool,
    timeout_ms: f64,
    async_id: i32,
) -> Result<u32> {
    let deadline = sync::deadline_after(timeout_ms);
    let a = sync::heap::rw_lock(
        rt()?,
        state_index,
        owner_index,
        tid,
        exclusive,
        deadline,
        async_waiter(async_id),
        &abort_check(&env),
    )
    .map_err(to_napi)?;
    Ok(a as u32)
}

/// Cancels an async RwLock waiter (timeout); false if it was already handed the lock.
#[napi]
pub fn rw_cancel_async(state_index: u32, tid: u32, id: u32) -> Result<bool> {
    sync::heap::rw_cancel(rt()?, state_index, tid, id).map_err(to_napi)
}

/// Reader-writer lock release slow path. Returns false if not held that way.
#[napi]
pub fn rw_unlock_slow(
    state_index: u32,
    owner_index: u32,
    tid: u32,
    exclusive: bool,
) -> Result<bool> {
    sync::heap::rw_unlock(rt()?, state_index, owner_index, tid, exclusive).map_err(to_napi)
}

/// Acknowledges a lock granted to async waiter `id` (its doorbell has been received).
#[napi]
pub fn ack_grant(tid: u32, id: u32) -> Result<()> {
    sync::heap::ack_grant(rt()?, tid, id);
    Ok(())
}

/// Whether thread `tid` is alive.
#[napi]
pub fn thread_alive(tid: u32) -> Result<bool> {
    Ok(rt()?.lot.is_alive(tid))
}
