//! A JS thread's block: the heap object (type THREAD_BLOCK, cells at layout.rs `tb`) holding
//! the u32 cells that the thread's JS and the collector share: its TLAB (TOP, LIMIT), where its
//! current operation's allocations start (YOUNG) and its older young ranges (YOUNG_N, PAIRS),
//! its pins (INFLIGHT, PINS), its string caches (STR_KEYS, RING_N, RING) and the read locks it
//! holds (READS). docs/gc.md describes the protocol; this module is the Rust view of a block.
//!
//! Only the owning thread writes its cells, except the collector while the thread is stopped
//! (at a safepoint or in a native wait) and the thread's exit under the collector's lock; the
//! handshake's lock orders those accesses, so relaxed loads and stores suffice.

use std::sync::atomic::{AtomicU32, Ordering};

use super::alloc::write_free;
use super::layout::tb;
use super::region::Region;

/// The cells of the thread block at word offset `base`.
#[derive(Clone, Copy)]
pub struct ThreadBlock<'a> {
    region: &'a Region,
    base: u32,
}

impl<'a> ThreadBlock<'a> {
    pub fn new(region: &'a Region, base: u32) -> Self {
        ThreadBlock { region, base }
    }

    /// Cell `i` (a `tb::*` index).
    pub fn cell(&self, i: usize) -> &'a AtomicU32 {
        self.region
            .u32_at(self.base * 2 + i as u32)
            .expect("thread block inside the heap")
    }

    pub fn get(&self, i: usize) -> usize {
        self.cell(i).load(Ordering::Relaxed) as usize
    }

    pub fn set(&self, i: usize, v: usize) {
        self.cell(i).store(v as u32, Ordering::Relaxed);
    }

    /// Records `[from, to)` as a young range (a root until the thread's next operation
    /// starts); dropped if all `tb::MAX_PAIRS` are in use.
    pub fn push_young(&self, from: usize, to: usize) {
        let n = self.get(tb::YOUNG_N);
        if n < tb::MAX_PAIRS {
            self.set(tb::PAIRS + 2 * n, from);
            self.set(tb::PAIRS + 2 * n + 1, to);
            self.set(tb::YOUNG_N, n + 1);
        }
    }

    /// Retires the TLAB: a FREE header over its unused tail `[TOP, LIMIT)` (the heap stays
    /// parsable), then `TOP = LIMIT = 0`.
    pub fn retire_tlab(&self) {
        let (top, limit) = (self.get(tb::TOP), self.get(tb::LIMIT));
        if top != 0 && top < limit {
            write_free(self.region, top, limit - top);
        }
        self.set(tb::TOP, 0);
        self.set(tb::LIMIT, 0);
    }
}
