//! The primitives the parking lot, the lock slow paths and the safepoint handshake are
//! written against: `std`, `parking_lot` and the real clock normally; under `--cfg loom`
//! (model checking, docs/testing.md) loom's versions, which let loom run every interleaving
//! of a model's threads and check each access against the C11 memory model.
//!
//! Under loom, time is frozen (`Instant::now()` never moves), so a deadline of 0 has passed
//! at once and any other never does; a condition-variable wait with a deadline returns only
//! when notified, except that a thread may ask for its next `n` such waits to end at once as
//! if their deadline had passed ([`expire_slices`]), which is how a model reaches the 50 ms
//! slice rechecks of a parked waiter. Hash maps use a fixed hasher under loom so that every
//! replay of an execution iterates them in the same order.

#[cfg(not(loom))]
mod imp {
    pub use parking_lot::{Condvar, Mutex, MutexGuard};
    pub use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64};
    pub use std::sync::Arc;
    pub use std::time::Instant;

    pub type Map<K, V> = std::collections::HashMap<K, V>;
    pub type Set<K> = std::collections::HashSet<K>;

    #[inline]
    pub fn spin_loop() {
        std::hint::spin_loop();
    }

    #[inline]
    pub fn yield_now() {
        std::thread::yield_now();
    }
}

#[cfg(loom)]
mod imp {
    use std::hash::BuildHasherDefault;
    use std::ops::{Add, Deref, DerefMut, Sub};
    use std::time::Duration;

    pub use loom::hint::spin_loop;
    pub use loom::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64};
    pub use loom::sync::Arc;
    pub use loom::thread::yield_now;

    /// A fixed hasher: replays of one execution must iterate maps in the same order.
    pub type Map<K, V> = std::collections::HashMap<
        K,
        V,
        BuildHasherDefault<std::collections::hash_map::DefaultHasher>,
    >;
    pub type Set<K> =
        std::collections::HashSet<K, BuildHasherDefault<std::collections::hash_map::DefaultHasher>>;

    /// `parking_lot::Mutex`'s interface over loom's mutex.
    #[derive(Debug)]
    pub struct Mutex<T>(loom::sync::Mutex<T>);

    /// Holds loom's guard in an option so that [`Condvar::wait`] can take it by `&mut`.
    pub struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub fn new(v: T) -> Self {
            Mutex(loom::sync::Mutex::new(v))
        }

        pub fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().expect("loom mutex poisoned")))
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().expect("guard present outside a wait")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("guard present outside a wait")
        }
    }

    /// Result of a wait with a deadline (as parking_lot's).
    pub struct WaitTimeoutResult(bool);

    impl WaitTimeoutResult {
        pub fn timed_out(&self) -> bool {
            self.0
        }
    }

    /// `parking_lot::Condvar`'s interface over loom's condition variable.
    #[derive(Debug)]
    pub struct Condvar(loom::sync::Condvar);

    impl Default for Condvar {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Condvar {
        pub fn new() -> Self {
            Condvar(loom::sync::Condvar::new())
        }

        pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let g = guard.0.take().expect("guard present");
            guard.0 = Some(self.0.wait(g).expect("loom mutex poisoned"));
        }

        /// Times out at once if `until` has passed (frozen clock) or the thread asked for an
        /// expiry; otherwise waits for a notify.
        pub fn wait_until<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            until: Instant,
        ) -> WaitTimeoutResult {
            if take_expiry() || until <= Instant::now() {
                return WaitTimeoutResult(true);
            }
            self.wait(guard);
            WaitTimeoutResult(false)
        }

        pub fn wait_for<T>(&self, guard: &mut MutexGuard<'_, T>, d: Duration) -> WaitTimeoutResult {
            self.wait_until(guard, Instant::now() + d)
        }

        pub fn notify_one(&self) {
            self.0.notify_one();
        }

        pub fn notify_all(&self) {
            self.0.notify_all();
        }
    }

    loom::thread_local! {
        static EXPIRIES: std::cell::Cell<usize> = std::cell::Cell::new(0);
    }

    fn take_expiry() -> bool {
        EXPIRIES.with(|e| {
            let n = e.get();
            e.set(n.saturating_sub(1));
            n > 0
        })
    }

    /// The calling model thread's next `n` waits with a deadline end at once, as if their
    /// deadline (a parking slice) had passed.
    pub fn expire_slices(n: usize) {
        EXPIRIES.with(|e| e.set(n));
    }

    /// A frozen clock: `now()` is always the same instant.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Instant(Duration);

    /// Where the frozen clock stands (far enough from 0 that `now() - 1 s` exists).
    const NOW: Duration = Duration::from_secs(1 << 20);

    impl Instant {
        pub fn now() -> Instant {
            Instant(NOW)
        }

        pub fn elapsed(&self) -> Duration {
            NOW.saturating_sub(self.0)
        }
    }

    impl Add<Duration> for Instant {
        type Output = Instant;
        fn add(self, d: Duration) -> Instant {
            Instant(self.0.saturating_add(d))
        }
    }

    impl Sub<Duration> for Instant {
        type Output = Instant;
        fn sub(self, d: Duration) -> Instant {
            Instant(self.0.saturating_sub(d))
        }
    }
}

pub use imp::*;
pub use std::sync::atomic::Ordering;
