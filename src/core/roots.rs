//! Per-thread root bitmaps: the heap objects a JS thread holds wrappers for.
//!
//! Every registered JS thread owns one bitmap, mapped here (`mmap(MAP_NORESERVE)`, committed
//! as touched) and viewed by that thread as an external `ArrayBuffer` (docs/identity.md). It
//! has two *planes* of the same shape, each a root set of its own: plane 0 for the objects the
//! thread holds wrappers for, plane 1 for the objects it holds bulk handles for (docs/bulk.md).
//!
//! ```text
//! bits[plane]     u32[bit_words]      bit (w & 31) of word (w >> 5): heap word w starts an
//!                                     object of the plane's root set
//! summary[plane]  u32[summary_words]  bit (p & 31) of word (p >> 5): page p (PAGE_WORDS
//!                                     words) may have bits set in the plane
//! ```
//! Each of the four arrays starts on a 4 KiB boundary, in the order bits 0, bits 1, summary 0,
//! summary 1.
//!
//! Invariants: only the owning thread writes its bitmap, with plain stores, and the
//! collector reads it only while that thread is stopped (at a safepoint or inside a native
//! wait; the handshake's lock orders the two), so relaxed loads suffice. A page whose summary
//! bit is clear has no bits set (JS clears a page's bits before its summary bit). Bitmaps are
//! never unmapped: a JS view may outlive the thread's registration (the env is torn down after
//! its cleanup hook runs), so an exited thread's bitmap is zeroed and kept for the next one.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use super::error::CoreResult;
use super::layout;

/// Root planes per bitmap.
pub const PLANES: usize = 2;

pub struct RootBitmap {
    base: *mut u8,
    bit_words: usize,
    summary_words: usize,
    /// Byte size of one plane's bits and of one plane's summary (each page aligned).
    bits_bytes: usize,
    summary_bytes: usize,
    bytes: usize,
}

// SAFETY: the mapping is owned by this value for the life of the process (never unmapped);
// contents are written by one JS thread and read by the collector under the handshake
// protocol described above, through atomics on the Rust side.
unsafe impl Send for RootBitmap {}
// SAFETY: see `Send`; `&RootBitmap` only exposes the pointer, sizes and relaxed atomic loads.
unsafe impl Sync for RootBitmap {}

impl RootBitmap {
    /// A zeroed bitmap for a heap of `heap_words` words.
    pub fn new(heap_words: usize) -> CoreResult<RootBitmap> {
        let bit_words = heap_words.div_ceil(32);
        let pages = heap_words.div_ceil(layout::PAGE_WORDS);
        let summary_words = pages.div_ceil(32);
        let bits_bytes = (bit_words * 4).div_ceil(4096) * 4096;
        let summary_bytes = (summary_words * 4).div_ceil(4096) * 4096;
        let bytes = PLANES * (bits_bytes + summary_bytes);
        let ptr = super::region::map_anonymous(bytes, "for a root bitmap")?;
        Ok(RootBitmap {
            base: ptr,
            bit_words,
            summary_words,
            bits_bytes,
            summary_bytes,
            bytes,
        })
    }

    pub fn base(&self) -> *mut u8 {
        self.base
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn bit_words(&self) -> usize {
        self.bit_words
    }

    pub fn summary_words(&self) -> usize {
        self.summary_words
    }

    /// Byte offset of plane `plane`'s bits.
    pub fn bits_byte_offset(&self, plane: usize) -> usize {
        plane * self.bits_bytes
    }

    /// Byte offset of plane `plane`'s page summary.
    pub fn summary_byte_offset(&self, plane: usize) -> usize {
        PLANES * self.bits_bytes + plane * self.summary_bytes
    }

    fn cell(&self, byte: usize) -> &AtomicU32 {
        debug_assert!(byte + 4 <= self.bytes && byte.is_multiple_of(4));
        // SAFETY: callers pass offsets inside the mapping (checked in debug builds), 4-byte
        // aligned (the base is page aligned); AtomicU32 has the layout of u32 and the mapping
        // is never unmapped.
        unsafe { &*(self.base.add(byte) as *const AtomicU32) }
    }

    /// Sets the bit of `word` in `plane` (tests; JS sets bits itself).
    pub fn set(&self, plane: usize, word: usize) {
        let page = word / layout::PAGE_WORDS;
        self.cell(self.bits_byte_offset(plane) + 4 * (word >> 5))
            .fetch_or(1 << (word & 31), Ordering::Relaxed);
        self.cell(self.summary_byte_offset(plane) + 4 * (page >> 5))
            .fetch_or(1 << (page & 31), Ordering::Relaxed);
    }

    /// Calls `f` with every word whose bit is set, in every plane (a word set in both planes
    /// is reported twice).
    pub fn for_each_root(&self, mut f: impl FnMut(usize)) {
        const WORDS_PER_PAGE: usize = layout::PAGE_WORDS / 32;
        for plane in 0..PLANES {
            let bits_at = self.bits_byte_offset(plane);
            let summary_at = self.summary_byte_offset(plane);
            for s in 0..self.summary_words {
                let mut pages = self.cell(summary_at + 4 * s).load(Ordering::Relaxed);
                while pages != 0 {
                    let page = 32 * s + pages.trailing_zeros() as usize;
                    pages &= pages - 1;
                    for k in 0..WORDS_PER_PAGE {
                        let i = page * WORDS_PER_PAGE + k;
                        if i >= self.bit_words {
                            break;
                        }
                        let mut bits = self.cell(bits_at + 4 * i).load(Ordering::Relaxed);
                        while bits != 0 {
                            f(32 * i + bits.trailing_zeros() as usize);
                            bits &= bits - 1;
                        }
                    }
                }
            }
        }
    }

    /// Zeroes the whole bitmap and gives its pages back to the OS.
    pub fn clear(&self) {
        // SAFETY: the range is exactly this mapping; MADV_DONTNEED on a private anonymous
        // mapping makes the next touch read zeroes, which is the state we want.
        let r = unsafe { libc::madvise(self.base.cast(), self.bytes, libc::MADV_DONTNEED) };
        if r != 0 {
            // Fall back to writing zeroes (the bitmap must be clean for its next thread).
            for i in (0..self.bytes).step_by(4) {
                self.cell(i).store(0, Ordering::Relaxed);
            }
        }
    }
}

/// Bitmaps of exited threads, zeroed, for the next threads to register.
#[derive(Default)]
pub struct BitmapPool {
    free: Mutex<Vec<RootBitmap>>,
}

impl BitmapPool {
    /// A zeroed bitmap: a kept one, or a new mapping.
    pub fn take(&self, heap_words: usize) -> CoreResult<RootBitmap> {
        if let Some(b) = self.free.lock().pop() {
            return Ok(b);
        }
        RootBitmap::new(heap_words)
    }

    /// Keeps the bitmap of a thread that exited (zeroed first).
    pub fn give_back(&self, b: RootBitmap) {
        b.clear();
        self.free.lock().push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_bits_are_found_page_by_page_and_clear_empties_the_bitmap() {
        let b = RootBitmap::new(1 << 20).unwrap();
        let words = [512usize, 513, 1023, 4096 + 7, (1 << 20) - 2];
        for &w in &words {
            b.set(0, w);
        }
        b.set(1, 700);
        let mut seen = Vec::new();
        b.for_each_root(|w| seen.push(w));
        assert_eq!(seen, [&words[..], &[700]].concat());
        b.clear();
        let mut after = 0;
        b.for_each_root(|_| after += 1);
        assert_eq!(after, 0);
    }
}
