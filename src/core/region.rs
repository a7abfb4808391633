//! The shared region: one reservation of address space, made once per process.
//!
//! `mmap(MAP_NORESERVE)` reserves the range without committing memory; the kernel
//! commits a page when it is first touched. Every thread wraps the same range as an
//! external `ArrayBuffer`, so all of them see the same bytes. The region lives for the
//! life of the process (it is never unmapped: a JS view may exist in any thread until exit).

use super::error::{CoreError, CoreResult};
use super::layout;

pub struct Region {
    base: *mut u8,
    bytes: usize,
}

// SAFETY: the region is a fixed mapping that is never unmapped or moved; all mutation of
// its contents goes through atomics or through protocols documented in docs/ (JS writes
// fields with single 8-byte stores). Sharing the base pointer between threads is the point.
unsafe impl Send for Region {}
// SAFETY: see the `Send` impl: `&Region` only exposes the pointer and the length.
unsafe impl Sync for Region {}

/// Maps `bytes` (a whole number of pages) of zeroed, lazily committed, never unmapped memory;
/// `what` names the use in the error ("cannot reserve N bytes {what}").
pub(crate) fn map_anonymous(bytes: usize, what: &str) -> CoreResult<*mut u8> {
    // SAFETY: an anonymous private mapping with no address hint has no preconditions;
    // the result is checked against MAP_FAILED before use.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(CoreError::other(format!(
            "shared-structs: cannot reserve {bytes} bytes {what}: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(ptr.cast())
}

impl Region {
    /// Reserves `bytes` (a whole number of pages) of zeroed, lazily committed memory.
    pub fn reserve(bytes: usize) -> CoreResult<Region> {
        let ptr = map_anonymous(bytes, "of address space")?;
        let region = Region { base: ptr, bytes };
        region
            .u32_cell(layout::CTL_MAGIC)
            .store(layout::MAGIC, std::sync::atomic::Ordering::Release);
        Ok(region)
    }

    pub fn base(&self) -> *mut u8 {
        self.base
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn words(&self) -> usize {
        self.bytes / layout::WORD
    }

    /// A control-block cell as an atomic.
    pub fn u32_cell(&self, index: usize) -> &std::sync::atomic::AtomicU32 {
        assert!(index < layout::CONTROL_WORDS * 2);
        // SAFETY: index is inside the control block (checked above), which is inside the
        // mapping; the address is 4-byte aligned because `base` is page aligned; AtomicU32
        // has the layout of u32, and the mapping outlives `&self`.
        unsafe { &*(self.base.add(index * 4) as *const std::sync::atomic::AtomicU32) }
    }

    /// The u32 cell at u32 index `index` (anywhere in the region) as an atomic, or None if
    /// the index is outside the heap. Lock words are addressed this way.
    pub fn u32_at(&self, index: u32) -> Option<&std::sync::atomic::AtomicU32> {
        let i = index as usize;
        if i < layout::HEAP_START * 2 || i >= self.words() * 2 {
            return None;
        }
        // SAFETY: i is inside the heap part of the mapping (checked), 4-byte aligned (base is
        // page aligned), AtomicU32 has the layout of u32, and the mapping is never unmapped.
        Some(unsafe { &*(self.base.add(i * 4) as *const std::sync::atomic::AtomicU32) })
    }

    /// Checks that word `off` starts a live object (not a FREE span), and, with `stamp`, that
    /// its header carries that stamp (the object a token or a caller recorded, not a later
    /// one at the same offset).
    pub fn check_object(&self, off: usize, stamp: Option<u32>) -> CoreResult<()> {
        if off < layout::HEAP_START || off >= self.words() {
            return Err(CoreError::type_error("shared-structs: not a shared object"));
        }
        let header = self.word(off).load(std::sync::atomic::Ordering::Acquire);
        let ty = (header as u32) & layout::TYPE_MASK;
        let st = (header >> 32) as u32;
        if ty == layout::TYPE_FREE || stamp.is_some_and(|s| s != st) {
            return Err(CoreError::type_error(
                "shared-structs: not a live shared object",
            ));
        }
        Ok(())
    }

    /// Word `w` of the region as an atomic 64-bit cell.
    pub fn word(&self, w: usize) -> &std::sync::atomic::AtomicU64 {
        assert!(w < self.words(), "word {w} outside the region");
        // SAFETY: w is inside the mapping (checked), 8-byte aligned since base is page aligned,
        // AtomicU64 has the layout of u64 and the mapping is never unmapped.
        unsafe { &*(self.base.add(w * layout::WORD) as *const std::sync::atomic::AtomicU64) }
    }
}
