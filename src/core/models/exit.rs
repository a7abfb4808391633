//! Thread exit (the env cleanup hook: `sync::thread_exit`, then the read locks of its block)
//! racing with lockers: a Mutex held by the dying thread, a SharedMutex read lock it holds,
//! and a lock handed to one of its async waiters that it never acknowledged.

use loom::thread;

use super::super::park::{ParkingLot, WaitKind};
use super::super::shim::{expire_slices, Arc, AtomicU32, Ordering::SeqCst};
use super::super::sync::{self, Acquire, RW_READERS, RW_WRITER, RW_WRITERS_PARKED};
use super::{check, js, register, Cell, Gate, Inbox, Words};

const KEY: u32 = 30;

struct World {
    lot: ParkingLot,
    lock: Words,
    data: Cell,
}

fn world() -> Arc<World> {
    Arc::new(World {
        lot: ParkingLot::new(),
        lock: Words::new(),
        data: Cell::new(),
    })
}

/// The exit hook of thread `tid` with read-lock cells `cells`, over the model's one lock.
fn exit(w: &World, tid: u32, cells: &[AtomicU32]) {
    let words = |key: u32, kind: WaitKind| {
        (key == KEY && kind != WaitKind::Mutex).then_some((&w.lock.lo, &w.lock.hi))
    };
    sync::exit_locks(&w.lot, tid, &words);
    sync::release_reads(&w.lot, tid, cells, &words);
}

/// A thread dies holding a Mutex while another locks it (parked or not, queued before or
/// after the death; one parking slice may end, as the 50 ms slices do): exactly one later
/// locker gets it abandoned, and the lock is never lost.
#[test]
fn exit_holding_a_mutex() {
    check("exit_holding_a_mutex", 4, || {
        let w = world();
        let w1 = w.clone();
        let dying = thread::spawn(move || {
            let tid = register(&w1.lot, &Inbox::new());
            assert_eq!(
                js::mutex_lock(&w1.lot, &w1.lock.lo, KEY, tid),
                Acquire::Acquired
            );
            w1.data.set(1);
            exit(&w1, tid, &[]);
        });
        let w2 = w.clone();
        let locker = thread::spawn(move || {
            let tid = register(&w2.lot, &Inbox::new());
            expire_slices(1);
            let r = js::mutex_lock(&w2.lot, &w2.lock.lo, KEY, tid);
            expire_slices(0);
            js::mutex_unlock(&w2.lot, &w2.lock.lo, KEY, tid);
            r
        });
        dying.join().unwrap();
        let first = locker.join().unwrap();
        let tid = register(&w.lot, &Inbox::new());
        let last = js::mutex_lock(&w.lot, &w.lock.lo, KEY, tid);
        assert_eq!(w.data.get(), 1);
        // The dead thread held it last either before the locker (locker: abandoned) or
        // after it (this last locker: abandoned).
        let abandoned = [first, last]
            .iter()
            .filter(|&&r| r == Acquire::Abandoned)
            .count();
        assert_eq!(abandoned, 1, "locker {first:?}, last {last:?}");
        js::mutex_unlock(&w.lot, &w.lock.lo, KEY, tid);
        assert_eq!(w.lock.lo.load(SeqCst), 0);
    });
}

/// A thread dies holding a SharedMutex read lock (recorded in its cells, by the JS fast path
/// or by the slow path in Rust) while a writer waits: the exit hook releases the hold, the
/// writer gets the lock (acquired, not abandoned: readers own nothing), and the count ends
/// at 0.
#[test]
fn exit_holding_a_read_lock() {
    check("exit_holding_a_read_lock", 4, || {
        let w = world();
        let w1 = w.clone();
        let dying = thread::spawn(move || {
            let tid = register(&w1.lot, &Inbox::new());
            let cells = [AtomicU32::new(0), AtomicU32::new(0)];
            // casRead: pick the cell, CAS the count, record the cell; or rwLockSlow, which
            // records it in Rust.
            let v = w1.lock.lo.load(SeqCst);
            if v & (RW_WRITER | RW_WRITERS_PARKED) == 0
                && w1
                    .lock
                    .lo
                    .compare_exchange(v, v + 1, SeqCst, SeqCst)
                    .is_ok()
            {
                cells[0].store(KEY, SeqCst);
            } else {
                let r = sync::rw_lock(
                    &w1.lot,
                    &w1.lock.lo,
                    &w1.lock.hi,
                    KEY,
                    tid,
                    false,
                    None,
                    None,
                    &|| false,
                );
                assert_eq!(r, Acquire::Acquired);
                sync::note_read_in(&cells, KEY, true);
            }
            w1.data.get();
            exit(&w1, tid, &cells);
            assert!(cells.iter().all(|c| c.load(SeqCst) == 0));
        });
        let tid = register(&w.lot, &Inbox::new());
        assert_eq!(
            js::write_lock(&w.lot, &w.lock.lo, &w.lock.hi, KEY, tid),
            Acquire::Acquired
        );
        w.data.set(1);
        js::write_unlock(&w.lot, &w.lock.lo, &w.lock.hi, KEY, tid);
        dying.join().unwrap();
        assert_eq!(w.lock.lo.load(SeqCst) & (RW_WRITER | RW_READERS), 0);
        assert_eq!(w.lock.hi.load(SeqCst), 0);
    });
}

/// A SharedMutex held by this thread; an async waiter of a thread that exits before its
/// doorbell runs (its exit racing with the release), and a blocking writer. Whoever the release hands the lock to, the
/// writer gets it, acquired (never abandoned: the dying thread never held it in JS), and
/// the lock ends free.
fn grant_in_flight(exclusive: bool) {
    let w = world();
    let tid = register(&w.lot, &Inbox::new());
    assert_eq!(
        js::write_lock(&w.lot, &w.lock.lo, &w.lock.hi, KEY, tid),
        Acquire::Acquired
    );
    let queued = Gate::new();
    let (w1, q1) = (w.clone(), queued.clone());
    let dying = thread::spawn(move || {
        let inbox = Inbox::new();
        let t = register(&w1.lot, &inbox);
        let r = sync::rw_lock(
            &w1.lot,
            &w1.lock.lo,
            &w1.lock.hi,
            KEY,
            t,
            exclusive,
            None,
            Some(1),
            &|| false,
        );
        assert_eq!(r, Acquire::Queued);
        q1.open();
        exit(&w1, t, &[]);
    });
    let w2 = w.clone();
    let writer = thread::spawn(move || {
        let t = register(&w2.lot, &Inbox::new());
        let r = js::write_lock(&w2.lot, &w2.lock.lo, &w2.lock.hi, KEY, t);
        w2.data.set(1);
        js::write_unlock(&w2.lot, &w2.lock.lo, &w2.lock.hi, KEY, t);
        r
    });
    queued.wait();
    js::write_unlock(&w.lot, &w.lock.lo, &w.lock.hi, KEY, tid);
    dying.join().unwrap();
    assert_eq!(writer.join().unwrap(), Acquire::Acquired);
    assert_eq!(w.data.get(), 1);
    assert_eq!(w.lock.lo.load(SeqCst) & (RW_WRITER | RW_READERS), 0);
    assert_eq!(w.lock.hi.load(SeqCst), 0);
    assert!(!w.lot.has_waiters(KEY, None));
}

#[test]
fn exit_with_a_write_grant_in_flight() {
    check("exit_with_a_write_grant_in_flight", 3, || {
        grant_in_flight(true)
    });
}

#[test]
fn exit_with_a_read_grant_in_flight() {
    check("exit_with_a_read_grant_in_flight", 3, || {
        grant_in_flight(false)
    });
}
