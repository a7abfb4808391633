//! Mutex: mutual exclusion, parking and wake-up (no hand-off: a woken waiter competes
//! again), with blocking and async waiters.

use loom::thread;

use super::super::park::ParkingLot;
use super::super::shim::{Arc, Ordering::SeqCst};
use super::super::sync::Acquire;
use super::{check, js, register, Cell, Inbox, Words};

const KEY: u32 = 10;

struct World {
    lot: ParkingLot,
    m: Words,
    data: Cell,
}

fn world() -> Arc<World> {
    Arc::new(World {
        lot: ParkingLot::new(),
        m: Words::new(),
        data: Cell::new(),
    })
}

/// One critical section: read-modify-write of the protected cell.
fn critical(w: &World, tid: u32) {
    assert_eq!(js::mutex_lock(&w.lot, &w.m.lo, KEY, tid), Acquire::Acquired);
    w.data.set(w.data.get() + 1);
    js::mutex_unlock(&w.lot, &w.m.lo, KEY, tid);
}

/// Three threads, one critical section each: whoever finds the lock held spins once, sets
/// PARKED and parks; every unlock that finds PARKED wakes one waiter and leaves PARKED set
/// while others remain. Checks exclusion (the cell), no lost wake-up (no deadlock), the
/// count, and that the word ends free with no waiter queued.
#[test]
fn mutex_three_threads_park_and_wake() {
    check("mutex_three_threads_park_and_wake", 3, || {
        let w = world();
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let w = w.clone();
                thread::spawn(move || {
                    let tid = register(&w.lot, &Inbox::new());
                    critical(&w, tid);
                })
            })
            .collect();
        let tid = register(&w.lot, &Inbox::new());
        critical(&w, tid);
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(w.data.get(), 3);
        assert_eq!(
            w.m.lo.load(SeqCst),
            0,
            "the mutex word ends free, PARKED clear"
        );
        assert!(!w.lot.has_waiters(KEY, None));
    });
}

/// Two threads taking the lock twice each, so that a thread that was woken can find the
/// lock taken again and park a second time.
#[test]
fn mutex_two_threads_twice() {
    check("mutex_two_threads_twice", 4, || {
        let w = world();
        let w2 = w.clone();
        let h = thread::spawn(move || {
            let tid = register(&w2.lot, &Inbox::new());
            critical(&w2, tid);
            critical(&w2, tid);
        });
        let tid = register(&w.lot, &Inbox::new());
        critical(&w, tid);
        critical(&w, tid);
        h.join().unwrap();
        assert_eq!(w.data.get(), 4);
        assert_eq!(w.m.lo.load(SeqCst), 0);
    });
}

/// A blocking and an async locker against a holder: the async waiter is queued, its
/// doorbell rings on the release, and it takes the lock from its event loop.
#[test]
fn mutex_async_waiter() {
    check("mutex_async_waiter", 4, || {
        let w = world();
        let w2 = w.clone();
        let h = thread::spawn(move || {
            let inbox = Inbox::new();
            let tid = register(&w2.lot, &inbox);
            assert_eq!(
                js::mutex_lock_async(&w2.lot, &w2.m.lo, KEY, tid, 1, &inbox),
                Acquire::Acquired
            );
            w2.data.set(w2.data.get() + 1);
            js::mutex_unlock(&w2.lot, &w2.m.lo, KEY, tid);
        });
        let tid = register(&w.lot, &Inbox::new());
        critical(&w, tid);
        h.join().unwrap();
        assert_eq!(w.data.get(), 2);
        assert_eq!(w.m.lo.load(SeqCst), 0);
    });
}
