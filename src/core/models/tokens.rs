//! Tokens against a collection (`core::tokens` with `core::safepoint`): a thread opens
//! tokens while a collection stops the world, marks (pinned tokens and every thread's
//! roots), drops the weak records of unmarked objects in the pause, resumes and sweeps.
//!
//! The collection's order is gc/mod.rs's `collect` (stop, mark, `tokens.retain`, resume,
//! sweep), written out here over two model objects; the handshake, the token table and the
//! opener's root-then-unpin (`TokenTable::open_rooted`) are the real code. An open that
//! succeeds must leave its object alive and unswept: the sweep poisons a dead object's body,
//! which the opener reads, so loom reports a race (and the final check fails) otherwise.

use loom::thread;

use super::super::safepoint::Safepoints;
use super::super::shim::{Arc, AtomicBool, Ordering::SeqCst};
use super::super::tokens::TokenTable;
use super::{check, Cell};

/// Offsets of the two model objects (0 = no object in a root cell).
const OBJ: [u32; 2] = [100, 200];
const POISON: u32 = 0xdead;

struct Object {
    /// The header's stamp, as `open` checks it (0 once swept).
    stamp: Cell,
    body: Cell,
    marked: Cell,
}

struct World {
    sp: Safepoints<()>,
    tokens: TokenTable,
    objects: [Object; 2],
    /// The opener's roots (young ranges, identity table): written by its JS.
    roots: [Cell; 2],
}

fn object(stamp: u32) -> Object {
    let o = Object {
        stamp: Cell::new(),
        body: Cell::new(),
        marked: Cell::new(),
    };
    o.stamp.set(stamp);
    o.body.set(7);
    o
}

fn index(off: u32) -> usize {
    OBJ.iter().position(|&o| o == off).expect("a model object")
}

/// gc/mod.rs's `collect` over the model heap.
fn collect(w: &World) {
    let registered =
        w.sp.stop(
            None,
            std::time::Duration::from_secs(2),
            |_| {},
            |recs| recs.count(),
        )
        .expect("the clock is frozen: a collection never gives up");
    // Mark: pinned tokens, then the roots of the (registered) opener.
    for o in &w.objects {
        o.marked.set(0);
    }
    for off in w.tokens.pinned_offsets() {
        w.objects[index(off)].marked.set(1);
    }
    for r in w.roots.iter().take(2 * registered) {
        let off = r.get();
        if off != 0 {
            w.objects[index(off)].marked.set(1);
        }
    }
    // Weak records of unmarked objects go while every thread is stopped.
    w.tokens.retain(|off, stamp| {
        let o = &w.objects[index(off)];
        o.marked.get() == 1 && o.stamp.get() == stamp
    });
    w.sp.resume(|_| {});
    // Sweep, concurrently with JS.
    for o in &w.objects {
        if o.marked.get() == 0 {
            o.stamp.set(0);
            o.body.set(POISON);
        }
    }
}

/// The opener: `open()` of a token (binding's open_token: root, unpin, check the stamp),
/// then a use of the object through its wrapper; a stack check may stop it in between.
fn open(w: &World, irq: &AtomicBool, id: u64, nonce: u64, slot: usize) -> bool {
    let opened = w
        .tokens
        .open_rooted(id, nonce, |off| w.roots[slot].set(off))
        .ok()
        .filter(|e| w.objects[index(e.offset)].stamp.get() == e.stamp);
    if irq.swap(false, SeqCst) {
        w.sp.safepoint(1);
    }
    match opened {
        Some(e) => {
            assert_ne!(w.objects[index(e.offset)].body.get(), POISON);
            true
        }
        None => false,
    }
}

/// Two tokens, opened while a collection runs: one still pinned (its first open), one a
/// weak record whose object nothing else holds (its opener has dropped it). Every open
/// that succeeds keeps its object alive; the weak one either opens (the open came first and
/// rooted it) or fails (the pause dropped it), never opens an object being swept.
#[test]
fn tokens_opened_during_a_collection() {
    check("tokens_opened_during_a_collection", 5, || {
        let w = Arc::new(World {
            sp: Safepoints::new(),
            tokens: TokenTable::new(),
            objects: [object(1), object(2)],
            roots: [Cell::new(), Cell::new()],
        });
        let irq = Arc::new(AtomicBool::new(false));
        let ring = irq.clone();
        w.sp.register(1, (), Box::new(move || ring.store(true, SeqCst)));
        let pinned = w.tokens.share(OBJ[0], 1);
        let weak = w.tokens.share(OBJ[1], 2);
        w.tokens.open(weak.0, weak.1).unwrap();
        let (w1, i1) = (w.clone(), irq.clone());
        let opener = thread::spawn(move || {
            let a = open(&w1, &i1, pinned.0, pinned.1, 0);
            let b = open(&w1, &i1, weak.0, weak.1, 1);
            w1.sp.exit(1, |_| {});
            (a, b)
        });
        collect(&w);
        let (a, _) = opener.join().unwrap();
        assert!(a, "a pinned token always opens");
    });
}
