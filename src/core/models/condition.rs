//! Condition: wait/notify with the sequence word and the waiter count, blocking and async
//! waiters, notify counts, a wait cancelled by its timeout, a wake-up delivered to a
//! terminating waiter.

use loom::thread;

use super::super::park::{ParkingLot, DOORBELL_GRANTED};
use super::super::shim::{Arc, Ordering::SeqCst};
use super::super::sync::{self, Acquire};
use super::{check, js, register, Cell, Inbox, Words};

const M: u32 = 10;
const CV: u32 = 20;

struct World {
    lot: ParkingLot,
    m: Words,
    cv: Words,
    /// The predicate, protected by the mutex.
    flag: Cell,
}

fn world() -> Arc<World> {
    Arc::new(World {
        lot: ParkingLot::new(),
        m: Words::new(),
        cv: Words::new(),
        flag: Cell::new(),
    })
}

/// `condWait` (lib/sync.js) with the mutex held: read the sequence, release the mutex,
/// wait in Rust (`native.condWait`), re-lock. Returns whether it was woken.
fn wait(w: &World, tid: u32, abort: &dyn Fn() -> bool) -> Result<bool, Acquire> {
    let seq = w.cv.lo.load(SeqCst);
    js::mutex_unlock(&w.lot, &w.m.lo, M, tid);
    let r = sync::cond_wait(&w.lot, &w.cv.lo, &w.cv.hi, CV, tid, seq, None, abort);
    assert_eq!(js::mutex_lock(&w.lot, &w.m.lo, M, tid), Acquire::Acquired);
    r
}

/// `Condition.waitFor(cv, m, pred)` without a timeout: waits until the flag is set.
fn wait_for_flag(w: &World, tid: u32) {
    assert_eq!(js::mutex_lock(&w.lot, &w.m.lo, M, tid), Acquire::Acquired);
    while w.flag.get() == 0 {
        assert_eq!(wait(w, tid, &|| false), Ok(true));
    }
    js::mutex_unlock(&w.lot, &w.m.lo, M, tid);
}

/// Sets the flag under the mutex and notifies (inside or after the critical section);
/// returns what notify returned.
fn set_flag(w: &World, tid: u32, n: usize, inside: bool) -> usize {
    assert_eq!(js::mutex_lock(&w.lot, &w.m.lo, M, tid), Acquire::Acquired);
    w.flag.set(1);
    let mut woken = 0;
    if inside {
        woken = js::notify(&w.lot, &w.cv.lo, &w.cv.hi, CV, n);
    }
    js::mutex_unlock(&w.lot, &w.m.lo, M, tid);
    if !inside {
        woken = js::notify(&w.lot, &w.cv.lo, &w.cv.hi, CV, n);
    }
    woken
}

/// One waiter, one notifier that notifies after unlocking (so the notify can land anywhere
/// in the wait): the waiter always returns (no lost wake-up), and the count of waiters ends
/// at 0.
#[test]
fn cond_notify_after_unlock_is_never_lost() {
    check("cond_notify_after_unlock_is_never_lost", 4, || {
        let w = world();
        let w2 = w.clone();
        let h = thread::spawn(move || {
            let tid = register(&w2.lot, &Inbox::new());
            wait_for_flag(&w2, tid);
        });
        let tid = register(&w.lot, &Inbox::new());
        assert!(set_flag(&w, tid, 1, false) <= 1);
        h.join().unwrap();
        assert_eq!(w.cv.hi.load(SeqCst), 0, "waiter count back to 0");
        assert!(!w.lot.has_waiters(CV, None));
    });
}

/// Two waiters and `notify(cv, 1)` twice (each inside the critical section): each notify
/// takes at most one waiter off the queue, and both waiters return.
#[test]
fn cond_notify_one_wakes_at_most_one() {
    check("cond_notify_one_wakes_at_most_one", 3, || {
        let w = world();
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let w = w.clone();
                thread::spawn(move || {
                    let tid = register(&w.lot, &Inbox::new());
                    wait_for_flag(&w, tid);
                })
            })
            .collect();
        let tid = register(&w.lot, &Inbox::new());
        assert!(set_flag(&w, tid, 1, true) <= 1);
        assert!(js::notify(&w.lot, &w.cv.lo, &w.cv.hi, CV, 1) <= 1);
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(w.cv.hi.load(SeqCst), 0);
        assert!(!w.lot.has_waiters(CV, None));
    });
}

/// With both waiters queued (parked, as the parking lot shows), `notify(cv, 1)` wakes
/// exactly one: the other stays queued until a second notify.
#[test]
fn cond_notify_one_of_two_parked() {
    check("cond_notify_one_of_two_parked", 3, || {
        let w = world();
        let woken = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let (w, woken) = (w.clone(), woken.clone());
                thread::spawn(move || {
                    let tid = register(&w.lot, &Inbox::new());
                    assert_eq!(js::mutex_lock(&w.lot, &w.m.lo, M, tid), Acquire::Acquired);
                    assert_eq!(wait(&w, tid, &|| false), Ok(true));
                    woken.fetch_add(1, SeqCst);
                    js::mutex_unlock(&w.lot, &w.m.lo, M, tid);
                })
            })
            .collect();
        // Both counted and queued: the parking lot holds them.
        while w.cv.hi.load(SeqCst) < 2 || !queued(&w, 2) {
            thread::yield_now();
        }
        assert_eq!(js::notify(&w.lot, &w.cv.lo, &w.cv.hi, CV, 1), 1);
        while woken.load(SeqCst) < 1 {
            thread::yield_now();
        }
        assert_eq!(woken.load(SeqCst), 1, "notify(cv, 1) woke more than one");
        assert!(queued(&w, 1), "the other waiter is still queued");
        assert_eq!(js::notify(&w.lot, &w.cv.lo, &w.cv.hi, CV, 1), 1);
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(woken.load(SeqCst), 2);
        assert_eq!(w.cv.hi.load(SeqCst), 0);
    });
}

/// Whether exactly `n` condition waiters are queued (the parking lot's count, read under its
/// lock through a release that takes nobody).
fn queued(w: &World, n: usize) -> bool {
    let mut count = 0;
    w.lot.release(CV, |view| count = view.count(None));
    count == n
}

/// An async waiter (`Condition.waitAsync`) whose timeout cancels it while a notify races to
/// take it: exactly one of the two removes it, the count ends at 0, and a notify that took it
/// rang its doorbell.
#[test]
fn cond_async_wait_cancel_races_notify() {
    check("cond_async_wait_cancel_races_notify", 5, || {
        let w = world();
        let inbox = Inbox::new();
        let tid = register(&w.lot, &inbox);
        let seq = w.cv.lo.load(SeqCst);
        assert!(sync::cond_wait_async(
            &w.lot, &w.cv.lo, &w.cv.hi, CV, tid, seq, 7
        ));
        let w2 = w.clone();
        let notifier = thread::spawn(move || js::notify(&w2.lot, &w2.cv.lo, &w2.cv.hi, CV, 1));
        let cancelled = sync::cond_cancel_async(&w.lot, &w.cv.hi, CV, tid, 7);
        let notified = notifier.join().unwrap();
        assert_eq!(
            cancelled as usize + notified,
            1,
            "cancel and notify both took it"
        );
        if notified == 1 {
            assert_eq!(inbox.next(), 7 | DOORBELL_GRANTED);
            assert!(w.lot.ack_grant(tid, 7).is_some());
        }
        assert_eq!(w.cv.hi.load(SeqCst), 0);
    });
}

/// A blocking waiter whose thread is being terminated (`worker.terminate()` is noticed at
/// its next 50 ms slice, modelled by one slice expiry) against a single `notify(cv, 1)`:
/// if the notify took it, it passes the wake-up on, so the other waiter always returns.
#[test]
fn cond_wake_of_a_terminating_waiter_is_passed_on() {
    check("cond_wake_of_a_terminating_waiter_is_passed_on", 3, || {
        let w = world();
        let w1 = w.clone();
        let doomed = thread::spawn(move || {
            let tid = register(&w1.lot, &Inbox::new());
            assert_eq!(js::mutex_lock(&w1.lot, &w1.m.lo, M, tid), Acquire::Acquired);
            let seq = w1.cv.lo.load(SeqCst);
            js::mutex_unlock(&w1.lot, &w1.m.lo, M, tid);
            // The condition wait's first slice ends (the termination is noticed there).
            super::super::shim::expire_slices(1);
            let r = sync::cond_wait(&w1.lot, &w1.cv.lo, &w1.cv.hi, CV, tid, seq, None, &|| true);
            super::super::shim::expire_slices(0);
            assert_eq!(r, Err(Acquire::Aborted));
        });
        let w2 = w.clone();
        let survivor = thread::spawn(move || {
            let tid = register(&w2.lot, &Inbox::new());
            wait_for_flag(&w2, tid);
        });
        let tid = register(&w.lot, &Inbox::new());
        set_flag(&w, tid, 1, false);
        survivor.join().unwrap();
        doomed.join().unwrap();
        assert_eq!(w.cv.hi.load(SeqCst), 0);
    });
}
