//! Unit tests of the lock slow paths on std threads (the loom models are in src/core/models).

use super::*;
use std::sync::Arc;

#[test]
fn contended_mutex_counts_exactly() {
    let lot = Arc::new(ParkingLot::new());
    let word = Arc::new(AtomicU32::new(0));
    let counter = Arc::new(AtomicU32::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (lot, word, counter) = (lot.clone(), word.clone(), counter.clone());
            std::thread::spawn(move || {
                let tid = lot.register_thread(Box::new(|_| {}));
                for _ in 0..2000 {
                    if word
                        .compare_exchange(0, tid, Ordering::Acquire, Ordering::Relaxed)
                        .is_err()
                    {
                        assert_eq!(
                            mutex_lock(&lot, &word, 1, tid, None, None, &|| false),
                            Acquire::Acquired
                        );
                    }
                    let v = counter.load(Ordering::Relaxed);
                    counter.store(v + 1, Ordering::Relaxed);
                    if word
                        .compare_exchange(tid, 0, Ordering::Release, Ordering::Relaxed)
                        .is_err()
                    {
                        assert!(mutex_unlock(&lot, &word, 1, tid));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::SeqCst), 8000);
}

#[test]
fn a_dead_owner_is_reported_as_abandoned() {
    let lot = ParkingLot::new();
    let dead = lot.register_thread(Box::new(|_| {}));
    let me = lot.register_thread(Box::new(|_| {}));
    let word = AtomicU32::new(dead);
    lot.thread_exit(dead);
    assert_eq!(
        mutex_lock(&lot, &word, 1, me, None, None, &|| false),
        Acquire::Abandoned
    );
    assert_eq!(word.load(Ordering::SeqCst) & MUTEX_OWNER, me);
}

#[test]
fn mutex_lock_times_out() {
    let lot = ParkingLot::new();
    let a = lot.register_thread(Box::new(|_| {}));
    let b = lot.register_thread(Box::new(|_| {}));
    let word = AtomicU32::new(a);
    let r = mutex_lock(&lot, &word, 1, b, deadline_after(20.0), None, &|| false);
    assert_eq!(r, Acquire::TimedOut);
}

// ---- SharedMutex and Condition, on std threads ------------------------------------

use crate::core::park::DOORBELL_GRANTED;
use crate::core::testkit::{js, register, Inbox};
use std::sync::atomic::AtomicBool;

const RW: u32 = 30;
const CV: u32 = 20;
const M: u32 = 10;

fn never() -> bool {
    false
}

/// Waits (yielding) until `cond` holds; the tests bound every such wait by what the
/// other threads do, never by time.
fn until(cond: impl Fn() -> bool) {
    while !cond() {
        std::thread::yield_now();
    }
}

/// How many waiters of `kind` are queued on `key`.
fn queued(lot: &ParkingLot, key: u32, kind: Option<WaitKind>) -> usize {
    let mut n = 0;
    lot.release(key, |view| n = view.count(kind));
    n
}

struct Rw {
    lot: ParkingLot,
    state: AtomicU32,
    owner: AtomicU32,
}

fn rw() -> Arc<Rw> {
    Arc::new(Rw {
        lot: ParkingLot::new(),
        state: AtomicU32::new(0),
        owner: AtomicU32::new(0),
    })
}

impl Rw {
    fn lock(&self, tid: u32, exclusive: bool, deadline: Option<Instant>) -> Acquire {
        rw_lock(
            &self.lot,
            &self.state,
            &self.owner,
            RW,
            tid,
            exclusive,
            deadline,
            None,
            &never,
        )
    }
    fn read(&self, tid: u32) -> Acquire {
        js::read_lock(&self.lot, &self.state, &self.owner, RW, tid)
    }
    fn read_unlock(&self, tid: u32) {
        js::read_unlock(&self.lot, &self.state, &self.owner, RW, tid);
    }
    fn write(&self, tid: u32) -> Acquire {
        js::write_lock(&self.lot, &self.state, &self.owner, RW, tid)
    }
    fn write_unlock(&self, tid: u32) {
        js::write_unlock(&self.lot, &self.state, &self.owner, RW, tid);
    }
    fn assert_free(&self) {
        assert_eq!(
            self.state.load(Ordering::SeqCst) & (RW_WRITER | RW_READERS),
            0
        );
        assert_eq!(self.owner.load(Ordering::SeqCst), 0);
        assert!(!self.lot.has_waiters(RW, None));
    }
}

#[test]
fn shared_mutex_readers_share_and_writers_exclude() {
    let m = rw();
    let writing = Arc::new(AtomicBool::new(false));
    let readers_in = Arc::new(AtomicU32::new(0));
    let counter = Arc::new(AtomicU32::new(0));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (m, writing, readers_in, counter) = (
                m.clone(),
                writing.clone(),
                readers_in.clone(),
                counter.clone(),
            );
            std::thread::spawn(move || {
                let tid = register(&m.lot, &Inbox::new());
                for _ in 0..1500 {
                    if i % 2 == 0 {
                        assert_eq!(m.write(tid), Acquire::Acquired);
                        assert!(!writing.swap(true, Ordering::SeqCst), "two writers");
                        assert_eq!(readers_in.load(Ordering::SeqCst), 0, "a reader inside");
                        assert_eq!(m.owner.load(Ordering::SeqCst), tid);
                        let v = counter.load(Ordering::Relaxed);
                        counter.store(v + 1, Ordering::Relaxed);
                        writing.store(false, Ordering::SeqCst);
                        m.write_unlock(tid);
                    } else {
                        assert_eq!(m.read(tid), Acquire::Acquired);
                        readers_in.fetch_add(1, Ordering::SeqCst);
                        assert!(!writing.load(Ordering::SeqCst), "a writer inside");
                        let s = m.state.load(Ordering::SeqCst);
                        assert!(s & RW_WRITER == 0 && s & RW_READERS >= 1, "{s:#x}");
                        readers_in.fetch_sub(1, Ordering::SeqCst);
                        m.read_unlock(tid);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::SeqCst), 3000);
    m.assert_free();
}

#[test]
fn shared_mutex_counts_readers_exactly() {
    let m = rw();
    let tids: Vec<u32> = (0..3).map(|_| register(&m.lot, &Inbox::new())).collect();
    for (k, &t) in tids.iter().enumerate() {
        assert_eq!(m.read(t), Acquire::Acquired);
        assert_eq!(m.state.load(Ordering::SeqCst), k as u32 + 1);
    }
    // A reader that holds it already may join past a parked writer (as JS's joinRead);
    // the slow path counts exactly too.
    assert_eq!(m.lock(tids[0], false, None), Acquire::Acquired);
    assert_eq!(m.state.load(Ordering::SeqCst), 4);
    for &t in tids.iter().chain(std::iter::once(&tids[0])) {
        assert!(rw_unlock(&m.lot, &m.state, &m.owner, RW, t, false));
    }
    assert_eq!(m.state.load(Ordering::SeqCst), 0);
    // Releasing what is not held is refused, in either mode.
    assert!(!rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[0], false));
    assert!(!rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[0], true));
    assert_eq!(m.write(tids[1]), Acquire::Acquired);
    assert!(
        !rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[2], true),
        "only the writer releases"
    );
    assert!(!rw_unlock(&m.lot, &m.state, &m.owner, RW, tids[2], false));
    m.write_unlock(tids[1]);
    m.assert_free();
}

#[test]
fn shared_mutex_writer_timeout_clears_its_bit_and_lets_readers_in() {
    let m = rw();
    let reader = register(&m.lot, &Inbox::new());
    let writer = register(&m.lot, &Inbox::new());
    assert_eq!(m.read(reader), Acquire::Acquired);
    // A second reader parks behind the writer (WRITERS_PARKED keeps new readers out).
    let m2 = m.clone();
    let late = std::thread::spawn(move || {
        let t = register(&m2.lot, &Inbox::new());
        // Wait for the writer to be queued, then ask to read.
        until(|| queued(&m2.lot, RW, Some(WaitKind::Write)) == 1);
        let r = m2.read(t);
        m2.read_unlock(t);
        r
    });
    let r = m.lock(writer, true, deadline_after(60.0));
    assert_eq!(r, Acquire::TimedOut);
    assert_eq!(late.join().unwrap(), Acquire::Acquired);
    let s = m.state.load(Ordering::SeqCst);
    assert_eq!(
        s & RW_WRITERS_PARKED,
        0,
        "a writer that gave up left its bit: {s:#x}"
    );
    assert_eq!(s & RW_READERS, 1);
    // A reader that times out behind a writer leaves no bit either.
    m.read_unlock(reader);
    assert_eq!(m.write(writer), Acquire::Acquired);
    assert_eq!(
        m.lock(reader, false, deadline_after(10.0)),
        Acquire::TimedOut
    );
    assert_eq!(m.state.load(Ordering::SeqCst), RW_WRITER);
    m.write_unlock(writer);
    m.assert_free();
}

#[test]
fn shared_mutex_of_a_dead_writer_is_abandoned_to_readers_and_writers() {
    for exclusive in [true, false] {
        let m = rw();
        let dead = register(&m.lot, &Inbox::new());
        let me = register(&m.lot, &Inbox::new());
        assert_eq!(m.write(dead), Acquire::Acquired);
        m.lot.thread_exit(dead);
        assert_eq!(m.lock(me, exclusive, None), Acquire::Abandoned);
        if exclusive {
            assert_eq!(m.state.load(Ordering::SeqCst), RW_WRITER);
            assert_eq!(m.owner.load(Ordering::SeqCst), me);
            m.write_unlock(me);
        } else {
            assert_eq!(m.state.load(Ordering::SeqCst), 1);
            assert_eq!(m.owner.load(Ordering::SeqCst), 0);
            m.read_unlock(me);
        }
        m.assert_free();
    }
}

#[test]
fn shared_mutex_waiters_of_a_writer_that_dies_take_it_over() {
    let m = rw();
    let dying = register(&m.lot, &Inbox::new());
    assert_eq!(m.write(dying), Acquire::Acquired);
    let waiters: Vec<_> = [true, false]
        .into_iter()
        .map(|exclusive| {
            let m = m.clone();
            std::thread::spawn(move || {
                let t = register(&m.lot, &Inbox::new());
                let r = m.lock(t, exclusive, None);
                match r {
                    Acquire::Acquired | Acquire::Abandoned if exclusive => m.write_unlock(t),
                    Acquire::Acquired | Acquire::Abandoned => m.read_unlock(t),
                    _ => {}
                }
                r
            })
        })
        .collect();
    until(|| queued(&m.lot, RW, None) == 2);
    exit_locks(&m.lot, dying, &|_, _| None);
    let results: Vec<Acquire> = waiters.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|&&r| r == Acquire::Abandoned).count(),
        1,
        "exactly the first to take it over reports it abandoned: {results:?}"
    );
    assert!(results
        .iter()
        .all(|&r| matches!(r, Acquire::Acquired | Acquire::Abandoned)));
    m.assert_free();
}

#[test]
fn shared_mutex_read_locks_of_an_exiting_thread_are_released() {
    let m = rw();
    let dying = register(&m.lot, &Inbox::new());
    let cells = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];
    for _ in 0..2 {
        assert_eq!(m.lock(dying, false, None), Acquire::Acquired);
        note_read_in(&cells, RW, true);
    }
    assert_eq!(m.state.load(Ordering::SeqCst), 2);
    let m2 = m.clone();
    let writer = std::thread::spawn(move || {
        let t = register(&m2.lot, &Inbox::new());
        let r = m2.write(t);
        m2.write_unlock(t);
        r
    });
    until(|| queued(&m.lot, RW, Some(WaitKind::Write)) == 1);
    let words = |key: u32, _| (key == RW).then_some((&m.state, &m.owner));
    exit_locks(&m.lot, dying, &words);
    release_reads(&m.lot, dying, &cells, &words);
    assert!(cells.iter().all(|c| c.load(Ordering::SeqCst) == 0));
    assert_eq!(
        writer.join().unwrap(),
        Acquire::Acquired,
        "readers own nothing"
    );
    m.assert_free();
}

#[test]
fn shared_mutex_grants_to_an_async_waiter_and_gives_back_an_undelivered_one() {
    for exclusive in [true, false] {
        // Delivered: the doorbell carries the grant, the acknowledgement takes it.
        let m = rw();
        let holder = register(&m.lot, &Inbox::new());
        let inbox = Inbox::new();
        let waiter = register(&m.lot, &inbox);
        assert_eq!(m.write(holder), Acquire::Acquired);
        let r = rw_lock(
            &m.lot,
            &m.state,
            &m.owner,
            RW,
            waiter,
            exclusive,
            None,
            Some(5),
            &never,
        );
        assert_eq!(r, Acquire::Queued);
        m.write_unlock(holder);
        assert_eq!(inbox.next(), 5 | DOORBELL_GRANTED);
        let kind = if exclusive {
            WaitKind::Write
        } else {
            WaitKind::Read
        };
        assert_eq!(m.lot.ack_grant(waiter, 5), Some((RW, kind)));
        if exclusive {
            assert_eq!(m.owner.load(Ordering::SeqCst), waiter);
            m.write_unlock(waiter);
        } else {
            m.read_unlock(waiter);
        }
        m.assert_free();

        // Undelivered: the thread exits first; a blocking writer gets the lock, not
        // abandoned.
        let inbox = Inbox::new();
        let gone = register(&m.lot, &inbox);
        assert_eq!(m.write(holder), Acquire::Acquired);
        let r = rw_lock(
            &m.lot,
            &m.state,
            &m.owner,
            RW,
            gone,
            exclusive,
            None,
            Some(6),
            &never,
        );
        assert_eq!(r, Acquire::Queued);
        m.write_unlock(holder);
        assert_eq!(inbox.next(), 6 | DOORBELL_GRANTED);
        let m2 = m.clone();
        let writer = std::thread::spawn(move || {
            let t = register(&m2.lot, &Inbox::new());
            let r = m2.write(t);
            m2.write_unlock(t);
            r
        });
        until(|| queued(&m.lot, RW, Some(WaitKind::Write)) == 1);
        exit_locks(&m.lot, gone, &|key, _| {
            (key == RW).then_some((&m.state, &m.owner))
        });
        assert_eq!(writer.join().unwrap(), Acquire::Acquired);
        m.assert_free();
    }
}

struct Cv {
    lot: ParkingLot,
    mutex: AtomicU32,
    seq: AtomicU32,
    waiters: AtomicU32,
}

fn cv() -> Arc<Cv> {
    Arc::new(Cv {
        lot: ParkingLot::new(),
        mutex: AtomicU32::new(0),
        seq: AtomicU32::new(0),
        waiters: AtomicU32::new(0),
    })
}

impl Cv {
    /// `Condition.wait` as lib/sync.js does it, holding the mutex.
    fn wait(
        &self,
        tid: u32,
        deadline: Option<Instant>,
        abort: &dyn Fn() -> bool,
    ) -> Result<bool, Acquire> {
        let seq = self.seq.load(Ordering::SeqCst);
        js::mutex_unlock(&self.lot, &self.mutex, M, tid);
        let r = cond_wait(
            &self.lot,
            &self.seq,
            &self.waiters,
            CV,
            tid,
            seq,
            deadline,
            abort,
        );
        assert_eq!(
            js::mutex_lock(&self.lot, &self.mutex, M, tid),
            Acquire::Acquired
        );
        r
    }
    fn notify(&self, n: usize) -> usize {
        js::notify(&self.lot, &self.seq, &self.waiters, CV, n)
    }
    fn waiting(&self) -> usize {
        queued(&self.lot, CV, Some(WaitKind::Condition))
    }
}

/// Starts `n` threads that each wait once (no predicate) and count their wake-ups.
fn waiters(c: &Arc<Cv>, n: usize, woken: &Arc<AtomicU32>) -> Vec<std::thread::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let (c, woken) = (c.clone(), woken.clone());
            std::thread::spawn(move || {
                let tid = register(&c.lot, &Inbox::new());
                assert_eq!(js::mutex_lock(&c.lot, &c.mutex, M, tid), Acquire::Acquired);
                assert_eq!(c.wait(tid, None, &never), Ok(true));
                woken.fetch_add(1, Ordering::SeqCst);
                js::mutex_unlock(&c.lot, &c.mutex, M, tid);
            })
        })
        .collect()
}

#[test]
fn condition_notify_wakes_the_number_asked_and_counts_waiters() {
    let c = cv();
    assert_eq!(c.notify(1), 0, "nobody waits: no native call");
    let woken = Arc::new(AtomicU32::new(0));
    let hs = waiters(&c, 3, &woken);
    until(|| c.waiting() == 3);
    assert_eq!(c.waiters.load(Ordering::SeqCst), 3);
    assert_eq!(c.notify(0), 0);
    assert_eq!(c.notify(1), 1);
    until(|| woken.load(Ordering::SeqCst) == 1);
    assert_eq!(c.waiting(), 2, "notify(1) took exactly one waiter");
    assert_eq!(c.notify(usize::MAX), 2);
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 3);
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    assert_eq!(c.notify(1), 0);
}

#[test]
fn condition_wait_times_out_or_returns_at_once_if_notified_before() {
    let c = cv();
    let tid = register(&c.lot, &Inbox::new());
    assert_eq!(js::mutex_lock(&c.lot, &c.mutex, M, tid), Acquire::Acquired);
    assert_eq!(c.wait(tid, deadline_after(20.0), &never), Ok(false));
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    assert!(!c.lot.has_waiters(CV, None));
    // A notify between reading the sequence and parking: the wait does not park.
    let seq = c.seq.load(Ordering::SeqCst);
    c.notify(1);
    let r = cond_wait(&c.lot, &c.seq, &c.waiters, CV, tid, seq, None, &never);
    assert_eq!(r, Ok(true));
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    js::mutex_unlock(&c.lot, &c.mutex, M, tid);
}

#[test]
fn condition_async_waiter_is_counted_until_notified_cancelled_or_its_thread_exits() {
    let c = cv();
    let inbox = Inbox::new();
    let tid = register(&c.lot, &inbox);
    let seq = c.seq.load(Ordering::SeqCst);
    // Already notified: not queued, not counted.
    assert!(!cond_wait_async(
        &c.lot,
        &c.seq,
        &c.waiters,
        CV,
        tid,
        seq.wrapping_sub(1),
        1
    ));
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    // Cancelled by its timeout.
    assert!(cond_wait_async(&c.lot, &c.seq, &c.waiters, CV, tid, seq, 2));
    assert_eq!(c.waiters.load(Ordering::SeqCst), 1);
    assert!(cond_cancel_async(&c.lot, &c.waiters, CV, tid, 2));
    assert!(!cond_cancel_async(&c.lot, &c.waiters, CV, tid, 2));
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    // Notified: the doorbell rings, the cancel comes too late.
    assert!(cond_wait_async(&c.lot, &c.seq, &c.waiters, CV, tid, seq, 3));
    assert_eq!(c.notify(1), 1);
    assert_eq!(inbox.next(), 3 | DOORBELL_GRANTED);
    assert!(!cond_cancel_async(&c.lot, &c.waiters, CV, tid, 3));
    assert!(c.lot.ack_grant(tid, 3).is_some());
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    // Its thread exits while queued: the count is given back.
    let seq = c.seq.load(Ordering::SeqCst);
    assert!(cond_wait_async(&c.lot, &c.seq, &c.waiters, CV, tid, seq, 4));
    exit_locks(&c.lot, tid, &|key, _| {
        (key == CV).then_some((&c.seq, &c.waiters))
    });
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
    assert!(!c.lot.has_waiters(CV, None));
}

#[test]
fn condition_wake_up_of_a_dead_or_terminating_waiter_is_passed_on() {
    // Delivered to an async waiter whose thread exits before its doorbell runs.
    let c = cv();
    let woken = Arc::new(AtomicU32::new(0));
    let hs = waiters(&c, 1, &woken);
    until(|| c.waiting() == 1);
    let inbox = Inbox::new();
    let gone = register(&c.lot, &inbox);
    let seq = c.seq.load(Ordering::SeqCst);
    assert!(cond_wait_async(
        &c.lot, &c.seq, &c.waiters, CV, gone, seq, 9
    ));
    assert_eq!(c.waiters.load(Ordering::SeqCst), 2);
    // notify(1) takes the blocking waiter first (FIFO); a second notify(1) takes the
    // async one, whose thread then exits with the wake-up undelivered: nobody is left to
    // pass it to, and the count is exact.
    assert_eq!(c.notify(1), 1);
    until(|| woken.load(Ordering::SeqCst) == 1);
    assert_eq!(c.notify(1), 1);
    assert_eq!(inbox.next(), 9 | DOORBELL_GRANTED);
    exit_locks(&c.lot, gone, &|key, _| {
        (key == CV).then_some((&c.seq, &c.waiters))
    });
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);

    // Undelivered with another waiter queued: the exit passes it on.
    let inbox = Inbox::new();
    let gone = register(&c.lot, &inbox);
    let seq = c.seq.load(Ordering::SeqCst);
    assert!(cond_wait_async(
        &c.lot, &c.seq, &c.waiters, CV, gone, seq, 10
    ));
    let hs = waiters(&c, 1, &woken);
    until(|| c.waiting() == 2);
    assert_eq!(c.notify(1), 1, "takes the async waiter (first in line)");
    exit_locks(&c.lot, gone, &|key, _| {
        (key == CV).then_some((&c.seq, &c.waiters))
    });
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 2);
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);

    // A blocking waiter woken while its thread is being terminated passes it on too.
    let dying = Arc::new(AtomicBool::new(false));
    let (c1, d1) = (c.clone(), dying.clone());
    let doomed = std::thread::spawn(move || {
        let tid = register(&c1.lot, &Inbox::new());
        assert_eq!(
            js::mutex_lock(&c1.lot, &c1.mutex, M, tid),
            Acquire::Acquired
        );
        let r = c1.wait(tid, None, &|| d1.load(Ordering::SeqCst));
        js::mutex_unlock(&c1.lot, &c1.mutex, M, tid);
        r
    });
    until(|| c.waiting() == 1);
    let hs = waiters(&c, 1, &woken);
    until(|| c.waiting() == 2);
    dying.store(true, Ordering::SeqCst);
    assert_eq!(c.notify(1), 1, "takes the doomed waiter (first in line)");
    assert_eq!(doomed.join().unwrap(), Err(Acquire::Aborted));
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(woken.load(Ordering::SeqCst), 3);
    assert_eq!(c.waiters.load(Ordering::SeqCst), 0);
}

#[test]
fn async_waiters_of_both_locks_take_them_from_their_doorbell() {
    let lot = Arc::new(ParkingLot::new());
    let word = Arc::new(AtomicU32::new(0));
    let m = rw();
    let holder = register(&lot, &Inbox::new());
    let rw_holder = register(&m.lot, &Inbox::new());
    assert_eq!(js::mutex_lock(&lot, &word, M, holder), Acquire::Acquired);
    assert_eq!(m.write(rw_holder), Acquire::Acquired);
    let (l2, w2, m2) = (lot.clone(), word.clone(), m.clone());
    let h = std::thread::spawn(move || {
        let inbox = Inbox::new();
        let tid = register(&l2, &inbox);
        let a = js::mutex_lock_async(&l2, &w2, M, tid, 1, &inbox);
        js::mutex_unlock(&l2, &w2, M, tid);
        let inbox = Inbox::new();
        let tid = register(&m2.lot, &inbox);
        let b = js::rw_lock_async(&m2.lot, &m2.state, &m2.owner, RW, tid, false, 2, &inbox);
        m2.read_unlock(tid);
        (a, b)
    });
    until(|| lot.has_waiters(M, None));
    js::mutex_unlock(&lot, &word, M, holder);
    until(|| m.lot.has_waiters(RW, None));
    m.write_unlock(rw_holder);
    assert_eq!(h.join().unwrap(), (Acquire::Acquired, Acquire::Acquired));
    assert_eq!(word.load(Ordering::SeqCst), 0);
    m.assert_free();
}
