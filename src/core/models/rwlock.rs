//! SharedMutex: readers and writers, parked bits, hand-off of the lock to parked waiters
//! (all readers, else one writer), writer timeouts and async grants.

use loom::thread;

use super::super::park::ParkingLot;
use super::super::shim::{Arc, Ordering::SeqCst};
use super::super::sync::{self, Acquire, RW_READERS, RW_WRITER};
use super::{check, js, register, Cell, Gate, Inbox, Words};

const KEY: u32 = 30;

struct World {
    lot: ParkingLot,
    rw: Words,
    data: Cell,
}

fn world() -> Arc<World> {
    Arc::new(World {
        lot: ParkingLot::new(),
        rw: Words::new(),
        data: Cell::new(),
    })
}

/// A read hold sees no writer and counts itself; reads the protected cell.
fn read(w: &World, tid: u32) {
    assert_eq!(
        js::read_lock(&w.lot, &w.rw.lo, &w.rw.hi, KEY, tid),
        Acquire::Acquired
    );
    let s = w.rw.lo.load(SeqCst);
    assert!(
        s & RW_WRITER == 0 && s & RW_READERS >= 1,
        "read hold in state {s:#x}"
    );
    w.data.get();
    js::read_unlock(&w.lot, &w.rw.lo, &w.rw.hi, KEY, tid);
}

/// A write hold is alone and named in the owner word; writes the protected cell.
fn write(w: &World, tid: u32) {
    assert_eq!(
        js::write_lock(&w.lot, &w.rw.lo, &w.rw.hi, KEY, tid),
        Acquire::Acquired
    );
    let s = w.rw.lo.load(SeqCst);
    assert!(
        s & RW_WRITER != 0 && s & RW_READERS == 0,
        "write hold in state {s:#x}"
    );
    assert_eq!(w.rw.hi.load(SeqCst), tid);
    w.data.set(w.data.get() + 1);
    js::write_unlock(&w.lot, &w.rw.lo, &w.rw.hi, KEY, tid);
}

/// Everything released: no hold, no owner, no waiter (parked bits may be stale only while
/// nobody waits, and then are cleared by the next slow release; none is left here).
fn assert_free(w: &World) {
    assert_eq!(w.rw.lo.load(SeqCst) & (RW_WRITER | RW_READERS), 0);
    assert_eq!(w.rw.hi.load(SeqCst), 0);
    assert!(!w.lot.has_waiters(KEY, None));
}

fn spawn(w: &Arc<World>, f: fn(&World, u32)) -> thread::JoinHandle<()> {
    let w = w.clone();
    thread::spawn(move || {
        let tid = register(&w.lot, &Inbox::new());
        f(&w, tid);
    })
}

/// Two readers (JS fast paths, then the slow paths) and a writer.
#[test]
fn rw_two_readers_one_writer() {
    check("rw_two_readers_one_writer", 3, || {
        let w = world();
        let r1 = spawn(&w, read);
        let r2 = spawn(&w, read);
        let tid = register(&w.lot, &Inbox::new());
        write(&w, tid);
        r1.join().unwrap();
        r2.join().unwrap();
        assert_eq!(w.data.get(), 1);
        assert_free(&w);
    });
}

/// Two writers and a reader: writer-to-writer hand-off, and a reader held back by a parked
/// writer.
#[test]
fn rw_two_writers_one_reader() {
    check("rw_two_writers_one_reader", 3, || {
        let w = world();
        let w1 = spawn(&w, write);
        let r = spawn(&w, read);
        let tid = register(&w.lot, &Inbox::new());
        write(&w, tid);
        w1.join().unwrap();
        r.join().unwrap();
        assert_eq!(w.data.get(), 2);
        assert_free(&w);
    });
}

/// A writer that gives up (its deadline has passed once it is queued) while a reader holds
/// the lock, with another reader parked behind it (held back by WRITERS_PARKED): the writer
/// must let that reader in, since the holder releases only once the second reader is done.
#[test]
fn rw_writer_timeout_lets_readers_in() {
    check("rw_writer_timeout_lets_readers_in", 3, || {
        let w = world();
        let holding = Gate::new();
        let done = Gate::new();
        let (w1, h1, d1) = (w.clone(), holding.clone(), done.clone());
        let r1 = thread::spawn(move || {
            let tid = register(&w1.lot, &Inbox::new());
            let r = js::read_lock(&w1.lot, &w1.rw.lo, &w1.rw.hi, KEY, tid);
            assert_eq!(r, Acquire::Acquired);
            h1.open();
            d1.wait();
            js::read_unlock(&w1.lot, &w1.rw.lo, &w1.rw.hi, KEY, tid);
        });
        let (w2, d2) = (w.clone(), done.clone());
        let r2 = thread::spawn(move || {
            let tid = register(&w2.lot, &Inbox::new());
            read(&w2, tid);
            d2.open();
        });
        let tid = register(&w.lot, &Inbox::new());
        holding.wait();
        let deadline = sync::deadline_after(0.0);
        let r = sync::rw_lock(
            &w.lot,
            &w.rw.lo,
            &w.rw.hi,
            KEY,
            tid,
            true,
            deadline,
            None,
            &|| false,
        );
        match r {
            Acquire::Acquired => {
                w.data.set(w.data.get() + 1);
                js::write_unlock(&w.lot, &w.rw.lo, &w.rw.hi, KEY, tid);
            }
            Acquire::TimedOut => {}
            other => panic!("writer: {other:?}"),
        }
        r1.join().unwrap();
        r2.join().unwrap();
        assert_free(&w);
    });
}

/// Async readers queued behind a writer are handed the lock (granted doorbells,
/// acknowledged) by its release, and a blocking writer after them gets it in turn.
#[test]
fn rw_async_read_grants() {
    check("rw_async_read_grants", 3, || {
        let w = world();
        let w2 = w.clone();
        let reader = thread::spawn(move || {
            let inbox = Inbox::new();
            let tid = register(&w2.lot, &inbox);
            let r = js::rw_lock_async(&w2.lot, &w2.rw.lo, &w2.rw.hi, KEY, tid, false, 1, &inbox);
            assert_eq!(r, Acquire::Acquired);
            let s = w2.rw.lo.load(SeqCst);
            assert!(
                s & RW_WRITER == 0 && s & RW_READERS >= 1,
                "read hold in state {s:#x}"
            );
            w2.data.get();
            js::read_unlock(&w2.lot, &w2.rw.lo, &w2.rw.hi, KEY, tid);
        });
        let w1 = spawn(&w, write);
        let tid = register(&w.lot, &Inbox::new());
        write(&w, tid);
        reader.join().unwrap();
        w1.join().unwrap();
        assert_eq!(w.data.get(), 2);
        assert_free(&w);
    });
}
