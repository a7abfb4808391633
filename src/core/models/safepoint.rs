//! The collector's stop-the-world handshake (`core::safepoint`): a collection request
//! against threads running JS, stopping at safepoints (the interrupt the ring requests),
//! entering and leaving native waits, registering and exiting. Each thread's JS writes its
//! own heap cell (its roots, its TLAB, the objects it writes) and marking reads and writes
//! every cell (roots, TLAB retirement, tracing), so loom reports a race if any JS runs, or a
//! thread's record changes, while marking.

use loom::thread;

use super::super::safepoint::Safepoints;
use super::super::shim::{Arc, AtomicBool, Ordering::SeqCst};
use super::{check, Cell};

struct World {
    /// Record: the index of the thread's heap cell.
    sp: Safepoints<usize>,
    heap: [Cell; 3],
}

/// Interrupt requests, one per thread (V8's RequestInterrupt: run at the next stack check).
type Interrupts = Arc<[AtomicBool; 3]>;

fn world() -> (Arc<World>, Interrupts) {
    (
        Arc::new(World {
            sp: Safepoints::new(),
            heap: [Cell::new(), Cell::new(), Cell::new()],
        }),
        Arc::new([
            AtomicBool::new(false),
            AtomicBool::new(false),
            AtomicBool::new(false),
        ]),
    )
}

fn register(w: &World, irq: &Interrupts, i: usize) {
    let irq = irq.clone();
    w.sp.register(
        i as u32 + 1,
        i,
        Box::new(move || irq[i].store(true, SeqCst)),
    );
}

/// A stretch of JS on thread `i`: writes its cell, then a stack check runs a requested
/// interrupt (the safepoint).
fn js(w: &World, irq: &Interrupts, i: usize) {
    w.heap[i].set(w.heap[i].get() + 1);
    if irq[i].swap(false, SeqCst) {
        w.sp.safepoint(i as u32 + 1);
    }
}

/// A thread's life after registering: JS, a native wait, JS, exit (whose TLAB retirement
/// writes its cell under the collector's lock).
fn mutator(w: &World, irq: &Interrupts, i: usize) {
    let tid = i as u32 + 1;
    js(w, irq, i);
    w.sp.enter_native(tid);
    w.sp.leave_native(tid);
    js(w, irq, i);
    let rec = w.sp.exit(tid, |&c| w.heap[c].set(0));
    assert_eq!(rec, Some(i));
}

/// One collection: stop, mark (every cell: the registered threads' records name theirs,
/// and tracing reaches whatever any thread wrote), resume.
fn collect(w: &World, caller: Option<u32>) {
    let cells =
        w.sp.stop(
            caller,
            std::time::Duration::from_secs(2),
            |_| {},
            |recs| recs.copied().collect::<Vec<usize>>(),
        )
        .expect("the clock is frozen: a collection never gives up");
    for c in cells {
        w.heap[c].set(w.heap[c].get() + 100);
    }
    for cell in &w.heap {
        cell.get();
    }
    w.sp.resume(|_| {});
}

/// A collector thread against two JS threads: one registered before it (JS, a native wait,
/// JS, exit), one registering while the collection may be in progress and torn down from
/// inside a native wait (a worker terminated while it waits: its exit hook runs while it
/// counts as stopped, so it must wait for marking to end before its record goes).
#[test]
fn safepoint_collection_vs_running_registering_and_exiting_threads() {
    check(
        "safepoint_collection_vs_running_registering_and_exiting_threads",
        4,
        || {
            let (w, irq) = world();
            register(&w, &irq, 0);
            let (w0, i0) = (w.clone(), irq.clone());
            let a = thread::spawn(move || mutator(&w0, &i0, 0));
            let (w1, i1) = (w.clone(), irq.clone());
            let b = thread::spawn(move || {
                register(&w1, &i1, 1);
                js(&w1, &i1, 1);
                w1.sp.enter_native(2);
                assert_eq!(w1.sp.exit(2, |&c| w1.heap[c].set(0)), Some(1));
            });
            collect(&w, None);
            a.join().unwrap();
            b.join().unwrap();
            assert_eq!(w.sp.count(), 0);
        },
    );
}

/// `gc()` from a JS thread (the caller counts as stopped: it is in a native wait) against
/// another JS thread, twice in a row (a second request must find threads again, not count
/// the first cycle's arrivals).
#[test]
fn safepoint_gc_from_a_js_thread_twice() {
    check("safepoint_gc_from_a_js_thread_twice", 4, || {
        let (w, irq) = world();
        register(&w, &irq, 0);
        register(&w, &irq, 2);
        let (w0, i0) = (w.clone(), irq.clone());
        let a = thread::spawn(move || {
            js(&w0, &i0, 0);
            js(&w0, &i0, 0);
            mutator(&w0, &i0, 0);
        });
        let me = 3;
        for _ in 0..2 {
            js(&w, &irq, 2);
            w.sp.enter_native(me);
            collect(&w, Some(me));
            w.sp.leave_native(me);
        }
        js(&w, &irq, 2);
        a.join().unwrap();
        assert_eq!(w.sp.exit(me, |_| {}), Some(2));
    });
}
