//! Loom models of the lock, parking, thread-exit and safepoint protocols (docs/testing.md).
//!
//! Built only with `--cfg loom`: `src/core/shim.rs` then gives the real code loom's atomics,
//! mutexes and condition variables, and loom runs each model under every interleaving of
//! its threads up to a preemption bound, checking each access against the C11 memory model.
//! The models call the real slow paths (`core::sync`, `core::park`, `core::safepoint`,
//! `core::tokens`); only what runs in JavaScript (the fast-path compare-exchanges of
//! lib/sync.js) is mirrored, in `core::testkit::js`, one function per JS function it
//! stands for (the unit tests use the same mirror on std threads).
//!
//! A model fails on an assertion, on a data race on a [`Cell`] (a lock that does not
//! exclude, or does not order the holder's writes before the next holder's reads), or on a
//! deadlock: time is frozen under loom, so a waiter whose wake-up is lost sleeps forever and
//! loom reports every thread blocked.

mod condition;
mod exit;
mod mutex;
mod rwlock;
mod safepoint;
mod tokens;

use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};

use loom::sync::{Condvar as LoomCondvar, Mutex as LoomMutex};

use super::shim::{Arc, AtomicU32};

/// Runs `f` under every interleaving loom explores with at most `preemptions` preemptions
/// (`LOOM_MAX_PREEMPTIONS` overrides it), and reports how many executions it explored.
pub fn check(name: &str, preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    builder.max_branches = 100_000;
    let bound = builder.preemption_bound;
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        f();
    });
    eprintln!(
        "loom model {name}: {} interleavings explored (preemption bound {})",
        runs.load(StdOrdering::Relaxed),
        bound.map_or("none".to_string(), |b| b.to_string())
    );
}

/// A word of memory that a lock protects: loom reports a data race if two threads touch it
/// without the lock ordering them.
pub struct Cell(loom::cell::UnsafeCell<u32>);

impl Cell {
    pub fn new() -> Self {
        Cell(loom::cell::UnsafeCell::new(0))
    }

    pub fn get(&self) -> u32 {
        // SAFETY: loom checks that no write to the cell races with this read.
        self.0.with(|p| unsafe { *p })
    }

    pub fn set(&self, v: u32) {
        // SAFETY: loom checks that no other access races with this write.
        self.0.with_mut(|p| unsafe { *p = v })
    }
}

/// The two u32 words of a lock object (word 1 lo and hi): (state, owner) of a SharedMutex,
/// (sequence, waiter count) of a Condition, (state, unused) of a Mutex.
pub struct Words {
    pub lo: AtomicU32,
    pub hi: AtomicU32,
}

impl Words {
    pub fn new() -> Self {
        Words {
            lo: AtomicU32::new(0),
            hi: AtomicU32::new(0),
        }
    }
}

/// A one-shot signal between model threads (waiting blocks: a gate never opened is a
/// deadlock loom reports, not an endless spin).
pub struct Gate {
    open: LoomMutex<bool>,
    cv: LoomCondvar,
}

impl Gate {
    pub fn new() -> Arc<Gate> {
        Arc::new(Gate {
            open: LoomMutex::new(false),
            cv: LoomCondvar::new(),
        })
    }

    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }

    pub fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cv.wait(open).unwrap();
        }
    }
}

pub use super::testkit::{js, register, Inbox};
