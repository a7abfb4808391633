//! A parking lot for threads and async waiters, keyed by a word of the shared region.
//!
//! The design follows `parking_lot_core`: a thread that must wait enqueues itself under a
//! global queue lock *after* re-checking (validating) the lock word, so a concurrent
//! unlocker that changes the word and then looks for waiters under the same lock cannot
//! miss it. Unlike `parking_lot_core`, a queue can also hold *async* waiters (a JS promise
//! in some thread): waking one rings that thread's doorbell (a threadsafe function set up by
//! the binding) instead of signalling a condvar, so `lockAsync`/`waitAsync` never block a
//! thread. See docs/locks.md for the protocols built on top.
//!
//! Threads are registered here too (`register_thread`), so the lock code can ask whether
//! the owner of a lock is still alive (abandoned mutexes) and so a thread's exit can wake
//! whoever waits on a lock it held.

use std::collections::VecDeque;
use std::time::Duration;

use super::shim::{Arc, AtomicU32, Condvar, Instant, Map, Mutex, Ordering};

/// What a waiter waits for (used to decide whom a thread's death must wake).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    Mutex,
    Condition,
    Read,
    Write,
}

/// Outcome of a park.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkResult {
    /// The validation failed: the word changed before the waiter was queued.
    Invalid,
    /// Woken by an unpark (or a thread's death).
    Woken,
    /// Woken by an unpark that handed the lock over: the waiter now holds it.
    Granted,
    /// `abort()` said to stop (the thread is being terminated); the waiter left the queue.
    Aborted,
    /// The timeout elapsed first.
    TimedOut,
}

/// How a doorbell is rung: the binding supplies this for every JS thread.
pub type Doorbell = Box<dyn Fn(u32) + Send + Sync>;

/// 0 = waiting, 1 = woken, 2 = woken with the lock handed over.
struct SyncSlot {
    woken: Mutex<u8>,
    cv: Condvar,
}

/// Doorbell payloads (the u32 a doorbell delivers to its thread's JS, lib/thread.js): an
/// async waiter's id (below [`DOORBELL_GC`]), with [`DOORBELL_GRANTED`] set when the lock
/// was handed over to it; or [`DOORBELL_GC`], asking the thread to stop for a collection.
pub const DOORBELL_GRANTED: u32 = 1 << 31;
/// The payload asking the thread to stop for a collection (never an async waiter id).
pub const DOORBELL_GC: u32 = DOORBELL_GRANTED - 1;

/// The parking lot's constants the JS layer uses (core::constants).
pub fn constants() -> Vec<(&'static str, f64)> {
    vec![
        ("DOORBELL_GRANTED", DOORBELL_GRANTED as f64),
        ("DOORBELL_GC", DOORBELL_GC as f64),
        ("MAX_TID", MAX_TID as f64),
    ]
}

enum Wake {
    Sync(Arc<SyncSlot>),
    /// Async waiter `id` of thread `tid`.
    Async(u32),
}

struct Waiter {
    kind: WaitKind,
    tid: u32,
    wake: Wake,
}

/// A waiter taken off a queue, to be woken after the queue lock is released.
pub struct Unparked {
    tid: u32,
    wake: Wake,
    granted: bool,
    kind: WaitKind,
}

impl Unparked {
    /// Whether this was an async waiter (woken through its thread's doorbell).
    pub fn is_async(&self) -> bool {
        matches!(self.wake, Wake::Async(_))
    }

    pub fn tid(&self) -> u32 {
        self.tid
    }
}

struct Inner {
    queues: Map<u32, VecDeque<Waiter>>,
    threads: Map<u32, Arc<Doorbell>>,
    /// Locks handed to async waiters whose thread has not yet acknowledged the doorbell:
    /// (tid, waiter id) -> (key, kind). If that thread exits first, the lock is given back.
    grants: Map<(u32, u32), (u32, WaitKind)>,
}

pub struct ParkingLot {
    inner: Mutex<Inner>,
    next_tid: AtomicU32,
}

/// Largest thread id: ids share a 30-bit field with lock flags.
pub const MAX_TID: u32 = (1 << 30) - 1;

impl Default for ParkingLot {
    fn default() -> Self {
        Self::new()
    }
}

impl ParkingLot {
    pub fn new() -> Self {
        ParkingLot {
            inner: Mutex::new(Inner {
                queues: Map::default(),
                threads: Map::default(),
                grants: Map::default(),
            }),
            next_tid: AtomicU32::new(1),
        }
    }

    /// Registers a thread; returns its id (never 0, never reused).
    pub fn register_thread(&self, doorbell: Doorbell) -> u32 {
        let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
        assert!(tid <= MAX_TID, "shared-structs: too many threads");
        self.inner.lock().threads.insert(tid, Arc::new(doorbell));
        tid
    }

    pub fn is_alive(&self, tid: u32) -> bool {
        self.inner.lock().threads.contains_key(&tid)
    }

    pub fn live_threads(&self) -> usize {
        self.inner.lock().threads.len()
    }

    /// A thread is exiting: drops its queued async waiters (it will never take what they
    /// wait for) and returns the (key, kind) of each (the caller clears the lock's parked
    /// bits). The thread still counts as alive until [`ParkingLot::mark_dead`].
    pub fn drop_async_waiters(&self, tid: u32) -> Vec<(u32, WaitKind)> {
        let mut dropped = Vec::new();
        let mut inner = self.inner.lock();
        for (&key, q) in inner.queues.iter_mut() {
            q.retain(|w| {
                let mine = w.tid == tid && matches!(w.wake, Wake::Async(_));
                if mine {
                    dropped.push((key, w.kind));
                }
                !mine
            });
        }
        inner.queues.retain(|_, q| !q.is_empty());
        dropped
    }

    /// A thread is gone: wake every lock waiter so they re-check whether the lock they wait
    /// for was held by the dead thread (abandoned).
    pub fn mark_dead(&self, tid: u32) {
        let mut woken = Vec::new();
        {
            let mut inner = self.inner.lock();
            inner.threads.remove(&tid);
            for q in inner.queues.values_mut() {
                let mut keep = VecDeque::new();
                while let Some(w) = q.pop_front() {
                    if matches!(w.kind, WaitKind::Mutex | WaitKind::Write | WaitKind::Read) {
                        woken.push(Unparked {
                            tid: w.tid,
                            wake: w.wake,
                            granted: false,
                            kind: w.kind,
                        });
                    } else {
                        keep.push_back(w);
                    }
                }
                *q = keep;
            }
            inner.queues.retain(|_, q| !q.is_empty());
        }
        for u in woken {
            self.wake(u);
        }
    }

    /// Both steps of a thread's exit: [`ParkingLot::drop_async_waiters`], then
    /// [`ParkingLot::mark_dead`].
    pub fn thread_exit(&self, tid: u32) -> Vec<(u32, WaitKind)> {
        let dropped = self.drop_async_waiters(tid);
        self.mark_dead(tid);
        dropped
    }

    /// Parks the calling thread on `key` if `validate()` holds (checked under the queue lock)
    /// until woken, until `deadline`, or until `abort()` (polled every `SLICE`) says to stop.
    /// The waiter stays queued across slices, so a wake is never mistaken or lost.
    /// With `recheck`, the waiter also re-runs it at every slice and leaves (Invalid) when it
    /// says the wait is no longer needed: for locks, this bounds any lost wake-up (say a woken
    /// async waiter whose thread died before its doorbell rang) to one slice.
    #[allow(clippy::too_many_arguments)]
    pub fn park(
        &self,
        key: u32,
        kind: WaitKind,
        tid: u32,
        validate: impl FnOnce() -> bool,
        recheck: Option<&dyn Fn() -> bool>,
        deadline: Option<Instant>,
        abort: &dyn Fn() -> bool,
    ) -> ParkResult {
        const SLICE: Duration = Duration::from_millis(50);
        let slot = Arc::new(SyncSlot {
            woken: Mutex::new(0),
            cv: Condvar::new(),
        });
        {
            let mut inner = self.inner.lock();
            if !validate() {
                return ParkResult::Invalid;
            }
            inner.queues.entry(key).or_default().push_back(Waiter {
                kind,
                tid,
                wake: Wake::Sync(slot.clone()),
            });
        }
        let outcome = {
            let mut woken = slot.woken.lock();
            loop {
                if *woken != 0 {
                    break None;
                }
                let now = Instant::now();
                let until = match deadline {
                    Some(d) if d <= now => break Some(ParkResult::TimedOut),
                    Some(d) => d.min(now + SLICE),
                    None => now + SLICE,
                };
                if slot.cv.wait_until(&mut woken, until).timed_out() && *woken == 0 {
                    if abort() {
                        break Some(ParkResult::Aborted);
                    }
                    if recheck.is_some_and(|r| !r()) {
                        break Some(ParkResult::Invalid);
                    }
                }
            }
        };
        if let Some(r) = outcome {
            // Leave the queue, unless an unparker already took us off it.
            let mut inner = self.inner.lock();
            let removed = remove_where(
                &mut inner.queues,
                key,
                |w| matches!(&w.wake, Wake::Sync(s) if Arc::ptr_eq(s, &slot)),
            );
            if removed {
                return r;
            }
            drop(inner);
            // Taken off the queue by an unparker that is about to set the slot: wait for it.
            let mut woken = slot.woken.lock();
            while *woken == 0 {
                slot.cv.wait(&mut woken);
            }
        }
        if *slot.woken.lock() == 1 {
            ParkResult::Woken
        } else {
            ParkResult::Granted
        }
    }

    /// Queues async waiter `id` of thread `tid` on `key` if `validate()` holds.
    /// Returns false if validation failed (the caller retries at once).
    pub fn park_async(
        &self,
        key: u32,
        kind: WaitKind,
        tid: u32,
        id: u32,
        validate: impl FnOnce() -> bool,
    ) -> bool {
        let mut inner = self.inner.lock();
        if !inner.threads.contains_key(&tid) || !validate() {
            return false;
        }
        inner.queues.entry(key).or_default().push_back(Waiter {
            kind,
            tid,
            wake: Wake::Async(id),
        });
        true
    }

    /// Removes async waiter `id` of `tid` from `key` (timeout); false if it was already woken.
    pub fn cancel_async(&self, key: u32, tid: u32, id: u32, after: impl FnOnce(bool)) -> bool {
        let mut inner = self.inner.lock();
        let removed = remove_where(&mut inner.queues, key, |w| {
            w.tid == tid && matches!(w.wake, Wake::Async(i) if i == id)
        });
        let remaining = inner.queues.get(&key).is_some_and(|q| !q.is_empty());
        after(remaining);
        removed
    }

    /// Takes up to `n` waiters of `kind` (any kind if None) off `key` and wakes them; `after`
    /// runs under the queue lock with the taken waiters and whether any remain. Returns how
    /// many were woken.
    pub fn unpark(
        &self,
        key: u32,
        n: usize,
        kind: Option<WaitKind>,
        handoff: bool,
        after: impl FnOnce(&[Unparked], bool),
    ) -> usize {
        self.release(key, |view| {
            view.take(kind, n, handoff);
            let remaining = view.remaining();
            after(&view.taken, remaining);
        })
    }

    /// The general release: `f` runs with the queue lock held and a view of `key`'s queue,
    /// decides what to store in the lock word and whom to take; the taken waiters are woken
    /// after the lock is dropped. Returns how many were woken.
    pub fn release(&self, key: u32, f: impl FnOnce(&mut QueueView<'_>)) -> usize {
        let taken = {
            let mut inner = self.inner.lock();
            let mut view = QueueView {
                q: inner.queues.get_mut(&key),
                taken: Vec::new(),
            };
            f(&mut view);
            let taken = std::mem::take(&mut view.taken);
            if inner.queues.get(&key).is_some_and(|q| q.is_empty()) {
                inner.queues.remove(&key);
            }
            for u in &taken {
                if let (true, Wake::Async(id)) = (u.granted, &u.wake) {
                    inner.grants.insert((u.tid, *id), (key, u.kind));
                }
            }
            taken
        };
        let count = taken.len();
        for u in taken {
            self.wake(u);
        }
        count
    }

    /// The thread received the doorbell for a granted async wait: the grant is its own now.
    /// Returns the (key, kind) of the grant, if it was still pending.
    pub fn ack_grant(&self, tid: u32, id: u32) -> Option<(u32, WaitKind)> {
        self.inner.lock().grants.remove(&(tid, id))
    }

    /// Grants made to `tid` that it never acknowledged (it is exiting): (key, kind) of each.
    pub fn take_grants_of(&self, tid: u32) -> Vec<(u32, WaitKind)> {
        let mut inner = self.inner.lock();
        let keys: Vec<(u32, u32)> = inner
            .grants
            .keys()
            .filter(|(t, _)| *t == tid)
            .copied()
            .collect();
        keys.into_iter()
            .filter_map(|k| inner.grants.remove(&k))
            .collect()
    }

    /// Whether any waiter of `kind` is queued on `key`.
    pub fn has_waiters(&self, key: u32, kind: Option<WaitKind>) -> bool {
        self.inner
            .lock()
            .queues
            .get(&key)
            .is_some_and(|q| q.iter().any(|w| kind.is_none_or(|k| k == w.kind)))
    }

    fn wake(&self, u: Unparked) {
        match u.wake {
            Wake::Sync(slot) => {
                *slot.woken.lock() = if u.granted { 2 } else { 1 };
                slot.cv.notify_one();
            }
            Wake::Async(id) => {
                let bell = self.inner.lock().threads.get(&u.tid).cloned();
                if let Some(bell) = bell {
                    bell(if u.granted { id | DOORBELL_GRANTED } else { id });
                }
            }
        }
    }
}

/// A queue seen from inside [`ParkingLot::release`].
pub struct QueueView<'a> {
    q: Option<&'a mut VecDeque<Waiter>>,
    taken: Vec<Unparked>,
}

impl QueueView<'_> {
    /// Waiters of `kind` (any if None) still queued.
    pub fn count(&self, kind: Option<WaitKind>) -> usize {
        self.q.as_ref().map_or(0, |q| {
            q.iter()
                .filter(|w| kind.is_none_or(|k| k == w.kind))
                .count()
        })
    }

    pub fn remaining(&self) -> bool {
        self.q.as_ref().is_some_and(|q| !q.is_empty())
    }

    /// Removes async waiter `id` of `tid`; returns its kind if it was queued.
    pub fn remove_async(&mut self, tid: u32, id: u32) -> Option<WaitKind> {
        let q = self.q.as_mut()?;
        let i = q
            .iter()
            .position(|w| w.tid == tid && matches!(w.wake, Wake::Async(x) if x == id))?;
        q.remove(i).map(|w| w.kind)
    }

    /// Takes up to `n` waiters of `kind` in FIFO order; returns their thread ids.
    pub fn take(&mut self, kind: Option<WaitKind>, n: usize, granted: bool) -> Vec<u32> {
        let mut tids = Vec::new();
        if let Some(q) = self.q.as_mut() {
            let mut keep = VecDeque::new();
            while let Some(w) = q.pop_front() {
                if tids.len() < n && kind.is_none_or(|k| k == w.kind) {
                    tids.push(w.tid);
                    self.taken.push(Unparked {
                        tid: w.tid,
                        wake: w.wake,
                        granted,
                        kind: w.kind,
                    });
                } else {
                    keep.push_back(w);
                }
            }
            **q = keep;
        }
        tids
    }
}

fn remove_where(
    queues: &mut Map<u32, VecDeque<Waiter>>,
    key: u32,
    pred: impl Fn(&Waiter) -> bool,
) -> bool {
    let Some(q) = queues.get_mut(&key) else {
        return false;
    };
    let before = q.len();
    q.retain(|w| !pred(w));
    let removed = q.len() != before;
    if q.is_empty() {
        queues.remove(&key);
    }
    removed
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn park_times_out_and_unpark_wakes() {
        let lot = Arc::new(ParkingLot::new());
        let tid = lot.register_thread(Box::new(|_| {}));
        assert_eq!(
            lot.park(7, WaitKind::Condition, tid, || false, None, None, &|| false),
            ParkResult::Invalid
        );
        assert_eq!(
            lot.park(
                7,
                WaitKind::Condition,
                tid,
                || true,
                None,
                Some(Instant::now() + Duration::from_millis(10)),
                &|| false
            ),
            ParkResult::TimedOut
        );
        let l2 = lot.clone();
        let h = std::thread::spawn(move || {
            l2.park(
                7,
                WaitKind::Condition,
                tid,
                || true,
                None,
                Some(Instant::now() + Duration::from_secs(10)),
                &|| false,
            )
        });
        while !lot.has_waiters(7, None) {
            std::thread::yield_now();
        }
        assert_eq!(lot.unpark(7, usize::MAX, None, false, |_, _| {}), 1);
        assert_eq!(h.join().unwrap(), ParkResult::Woken);
    }

    #[test]
    fn async_waiters_ring_their_doorbell_and_die_with_their_thread() {
        let lot = ParkingLot::new();
        let rung = Arc::new(AtomicUsize::new(0));
        let r2 = rung.clone();
        let tid = lot.register_thread(Box::new(move |id| {
            r2.fetch_add(id as usize, Ordering::SeqCst);
        }));
        assert!(lot.park_async(3, WaitKind::Mutex, tid, 5, || true));
        assert_eq!(
            lot.unpark(3, 1, None, false, |taken, rem| assert!(
                taken.len() == 1 && !rem
            )),
            1
        );
        assert_eq!(rung.load(Ordering::SeqCst), 5);
        assert!(lot.park_async(3, WaitKind::Mutex, tid, 6, || true));
        lot.thread_exit(tid);
        assert!(!lot.has_waiters(3, None));
        assert!(!lot.is_alive(tid));
        assert!(
            !lot.park_async(3, WaitKind::Mutex, tid, 7, || true),
            "a dead thread cannot queue"
        );
    }
}
