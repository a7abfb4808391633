//! The stop-the-world handshake between a collection and the JS threads (docs/gc.md,
//! "A collection"). The collector keeps one record `R` per registered thread (its roots);
//! this module only decides when nobody runs JS.
//!
//! Algorithm, all under one lock and condition variable:
//! - **Request** ([`Safepoints::stop`]): set `collecting`, then until every registered thread
//!   other than the caller has *arrived* or is *in native*, ring the pending ones (interrupt
//!   their JS and their event loop) and wait. Past the deadline, give up (`collecting`
//!   cleared, `None`).
//! - **Mutators**: [`Safepoints::safepoint`] (called from the interrupt or the doorbell)
//!   records arrival and blocks until the cycle ends; [`Safepoints::enter_native`] counts the
//!   thread as stopped during a native wait and [`Safepoints::leave_native`] blocks while
//!   `collecting` before it returns to JS.
//! - **Pause**: with no thread pending, `marking` is set and the coordinator gets the records.
//! - **Resume** ([`Safepoints::resume`]): clear both flags, advance the cycle, wake everyone.
//!
//! Invariants: while `marking`, every registered thread but the caller is blocked in
//! `safepoint`, or in a native wait and will block in `leave_native`, so no JS runs;
//! a thread registers only while no collection is in progress, and its record leaves only
//! while no marking reads it (`exit` waits). The loom models (src/core/models) check both.

use std::time::Duration;

use super::shim::{Arc, Condvar, Instant, Map, Mutex, Set};

/// How a thread is asked to stop: interrupt its JS and ring its doorbell.
pub type Ring = Box<dyn Fn() + Send + Sync>;

struct Thread<R> {
    rec: R,
    ring: Arc<Ring>,
}

struct State<R> {
    /// A stop-the-world phase is requested or marking.
    collecting: bool,
    /// Marking has started: thread exit must wait for it to end.
    marking: bool,
    cycle: u64,
    arrived: Set<u32>,
    in_native: Map<u32, u32>,
    threads: Map<u32, Thread<R>>,
}

pub struct Safepoints<R> {
    st: Mutex<State<R>>,
    cv: Condvar,
}

impl<R> Default for Safepoints<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// Pending threads are rung again after this long.
const RING_EVERY: Duration = Duration::from_millis(50);

impl<R> Safepoints<R> {
    pub fn new() -> Self {
        Safepoints {
            st: Mutex::new(State {
                collecting: false,
                marking: false,
                cycle: 0,
                arrived: Set::default(),
                in_native: Map::default(),
                threads: Map::default(),
            }),
            cv: Condvar::new(),
        }
    }

    /// Registers thread `tid` with its record; waits while a collection is in progress.
    pub fn register(&self, tid: u32, rec: R, ring: Ring) {
        let mut st = self.st.lock();
        while st.collecting {
            self.cv.wait(&mut st);
        }
        st.threads.insert(
            tid,
            Thread {
                rec,
                ring: Arc::new(ring),
            },
        );
    }

    /// Removes thread `tid`, waiting while marking reads the records; `retire` runs on its
    /// record under the lock first. Returns the record.
    pub fn exit(&self, tid: u32, retire: impl FnOnce(&R)) -> Option<R> {
        let mut st = self.st.lock();
        while st.marking {
            self.cv.wait(&mut st);
        }
        if let Some(t) = st.threads.get(&tid) {
            retire(&t.rec);
        }
        st.in_native.remove(&tid);
        st.arrived.remove(&tid);
        let t = st.threads.remove(&tid);
        self.cv.notify_all();
        t.map(|t| t.rec)
    }

    /// Changes thread `tid`'s record, waiting while marking reads the records.
    pub fn update<T>(&self, tid: u32, f: impl FnOnce(&mut R) -> T) -> Option<T> {
        let mut st = self.st.lock();
        while st.marking {
            self.cv.wait(&mut st);
        }
        st.threads.get_mut(&tid).map(|t| f(&mut t.rec))
    }

    /// Reads thread `tid`'s record.
    pub fn read<T>(&self, tid: u32, f: impl FnOnce(&R) -> T) -> Option<T> {
        self.st.lock().threads.get(&tid).map(|t| f(&t.rec))
    }

    /// Runs `f` on every registered thread's id and record.
    pub fn for_each(&self, mut f: impl FnMut(u32, &R)) {
        for (&tid, t) in self.st.lock().threads.iter() {
            f(tid, &t.rec);
        }
    }

    pub fn count(&self) -> usize {
        self.st.lock().threads.len()
    }

    // ---- mutator side ----------------------------------------------------------------

    /// Called on a JS thread (interrupt, doorbell): if a collection wants this thread
    /// stopped, report arrival and block until the cycle is over.
    pub fn safepoint(&self, tid: u32) {
        let mut st = self.st.lock();
        if !st.collecting
            || st.arrived.contains(&tid)
            || !st.threads.contains_key(&tid)
            || st.in_native.contains_key(&tid)
        {
            return;
        }
        let cycle = st.cycle;
        st.arrived.insert(tid);
        self.cv.notify_all();
        while st.collecting && st.cycle == cycle {
            self.cv.wait(&mut st);
        }
    }

    /// The thread enters a native wait: it counts as stopped until `leave_native`.
    pub fn enter_native(&self, tid: u32) {
        let mut st = self.st.lock();
        *st.in_native.entry(tid).or_insert(0) += 1;
        self.cv.notify_all();
    }

    /// The thread returns to JS: waits while a collection is stopping the world.
    pub fn leave_native(&self, tid: u32) {
        let mut st = self.st.lock();
        while st.collecting {
            self.cv.wait(&mut st);
        }
        if let Some(n) = st.in_native.get_mut(&tid) {
            *n -= 1;
            if *n == 0 {
                st.in_native.remove(&tid);
            }
        }
    }

    // ---- coordinator side --------------------------------------------------------------

    /// Stops every registered thread but `caller` (which must be in a native wait itself).
    /// `published(true)` runs under the lock as the request starts, `published(false)` if
    /// it is given up after `deadline`. On success marking has begun: returns what
    /// `snapshot` made of the records; the caller must [`Safepoints::resume`].
    pub fn stop<T>(
        &self,
        caller: Option<u32>,
        deadline: Duration,
        published: impl Fn(bool),
        snapshot: impl FnOnce(&mut dyn Iterator<Item = &R>) -> T,
    ) -> Option<T> {
        let t0 = Instant::now();
        let mut st = self.st.lock();
        st.collecting = true;
        st.arrived.clear();
        published(true);
        let mut last_ring = Instant::now() - Duration::from_secs(1);
        loop {
            let pending: Vec<u32> = st
                .threads
                .keys()
                .copied()
                .filter(|t| {
                    !st.arrived.contains(t) && !st.in_native.contains_key(t) && Some(*t) != caller
                })
                .collect();
            if pending.is_empty() {
                break;
            }
            if t0.elapsed() > deadline {
                st.collecting = false;
                published(false);
                self.cv.notify_all();
                return None;
            }
            if last_ring.elapsed() > RING_EVERY {
                for t in &pending {
                    if let Some(rec) = st.threads.get(t) {
                        (rec.ring)();
                    }
                }
                last_ring = Instant::now();
            }
            self.cv.wait_for(&mut st, Duration::from_millis(10));
        }
        st.marking = true;
        Some(snapshot(&mut st.threads.values().map(|t| &t.rec)))
    }

    /// Ends the pause begun by a successful [`Safepoints::stop`]: `published(cycle)` runs
    /// under the lock with the new cycle number, then every stopped thread resumes.
    pub fn resume(&self, published: impl FnOnce(u64)) {
        let mut st = self.st.lock();
        st.marking = false;
        st.collecting = false;
        st.cycle += 1;
        published(st.cycle);
        self.cv.notify_all();
    }
}
