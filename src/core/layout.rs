//! Memory layout constants shared with the JS layer (read from the binding at load:
//! core::constants, lib/layout.js).
//!
//! The region is addressed in 8-byte *words*. Word offsets are what JS stores in
//! references and what wrappers hold. See `docs/layout.md` for the full picture.
//!
//! ```text
//! word 0 .. CONTROL_WORDS      control block (u32 cells, see CTL_*)
//! word HEAP_START ..           objects, each starting with one header word
//!
//! header word: lo u32 = type id (bits 0..24) | flags (bits 24..32)
//!              hi u32 = stamp (collection cycle at allocation) or, for FREE, span length in words
//! element objects: word 1 lo u32 = element count
//! ```

/// Bytes per word.
pub const WORD: usize = 8;
/// Words reserved at the start of the region for the control block.
pub const CONTROL_WORDS: usize = 512;
/// First word that can hold an object. Offset 0 is never a valid object.
pub const HEAP_START: usize = CONTROL_WORDS;
/// Wrappers are grouped by heap page (docs/identity.md): a page is `PAGE_WORDS` words, and
/// large objects start on a page boundary so that their wrapper has a page of its own.
pub const PAGE_BITS: u32 = 9;
pub const PAGE_WORDS: usize = 1 << PAGE_BITS;

/// Control block cells (u32 index into the region viewed as `Uint32Array`).
pub const CTL_MAGIC: usize = 0;
/// Collection cycle counter: the stamp new objects receive.
pub const CTL_CYCLE: usize = 1;
/// Non-zero while a stop-the-world phase is requested or running (informational for JS).
pub const CTL_GC_ACTIVE: usize = 2;
/// Non-zero once any object has been frozen in this process: write paths test an object's
/// FROZEN bit only then (a header load per write cost ~25% of a number field write).
pub const CTL_ANY_FROZEN: usize = 3;
pub const MAGIC: u32 = 0x5353_5431; // "SST1"

/// Built-in type ids. User struct types start at [`FIRST_USER_TYPE`].
pub const TYPE_FREE: u32 = 0;
pub const TYPE_STRING: u32 = 2;
pub const TYPE_BIGINT: u32 = 3;
pub const TYPE_ARRAY: u32 = 4;
pub const TYPE_MUTEX: u32 = 5;
pub const TYPE_CONDITION: u32 = 6;
pub const TYPE_SHARED_MUTEX: u32 = 7;
pub const TYPE_MAP: u32 = 8;
/// The entry table of a SharedMap: like an array, 3 slots (hash, key, value) per entry.
pub const TYPE_MAP_TABLE: u32 = 9;
/// Per-thread block of root cells (TLAB top/limit, young ranges, string caches); see block.rs.
pub const TYPE_THREAD_BLOCK: u32 = 10;
// 11 is retired (it was a thread's identity-table keys, now per-thread root bitmaps: roots.rs).
/// A NaN whose bits fall in the tag space, kept bit-exact: word 1 = the raw 64 bits.
pub const TYPE_DOUBLE: u32 = 12;
/// A SharedSet: the layout of a SharedMap (its table is a TYPE_MAP_TABLE).
pub const TYPE_SET: u32 = 13;
/// A SharedVector: lock word (word 1 lo; hi = structural version), storage (a TYPE_ARRAY
/// whose element count is the capacity), length.
pub const TYPE_VECTOR: u32 = 14;
/// A Channel: lock word (word 1), then 8 slots (docs/channel.md).
pub const TYPE_CHANNEL: u32 = 15;
/// A Semaphore: permits (word 1 lo, raw), then its Condition (a slot).
pub const TYPE_SEMAPHORE: u32 = 16;
/// A Barrier: lock word (word 1), then 3 slots (Condition, arrived, parties).
pub const TYPE_BARRIER: u32 = 17;
/// Sizes in words of the fixed-size built-in objects. Each is a header, word 1 (lock words or
/// raw counters, never traced), then slots up to its size, which the collector traces
/// ([`builtin_words`]). The JS constructors allocate exactly this many (lib/sync.js,
/// lib/map.js, lib/set.js, lib/vector.js, lib/channel.js, lib/semaphore.js).
///
/// Mutex, Condition, SharedMutex: word 1 holds the lock words (src/core/sync/).
pub const LOCK_WORDS: usize = 2;
/// SharedMap, SharedSet: lock word, then the table, the size and the tombstone count.
pub const MAP_WORDS: usize = 5;
/// SharedVector: lock word and version, then the storage and the length.
pub const VECTOR_WORDS: usize = 4;
/// Channel: lock word, then 8 slots (docs/channel.md).
pub const CHANNEL_WORDS: usize = 10;
/// Semaphore: permits, then its Condition.
pub const SEMAPHORE_WORDS: usize = 3;
/// Barrier: lock word, then the Condition, the arrived count and the parties.
pub const BARRIER_WORDS: usize = 5;

/// The size in words of a fixed-size built-in object of type `ty` (None for other types).
pub const fn builtin_words(ty: u32) -> Option<usize> {
    match ty {
        TYPE_MUTEX | TYPE_CONDITION | TYPE_SHARED_MUTEX => Some(LOCK_WORDS),
        TYPE_MAP | TYPE_SET => Some(MAP_WORDS),
        TYPE_VECTOR => Some(VECTOR_WORDS),
        TYPE_CHANNEL => Some(CHANNEL_WORDS),
        TYPE_SEMAPHORE => Some(SEMAPHORE_WORDS),
        TYPE_BARRIER => Some(BARRIER_WORDS),
        _ => None,
    }
}

/// Ids below this one are reserved for built-in types.
pub const FIRST_USER_TYPE: u32 = 32;
/// Header flags byte (bits 24..32 of the low word): the mark epoch (1..=127) of the last
/// cycle that marked the object; 0 for objects never marked. See gc/mark.rs.
pub const MARK_SHIFT: u32 = 24;
pub const MARK_MASK: u32 = 0x7f << MARK_SHIFT;
/// Header bit 31 of the low word: the object is frozen (docs/layout.md): every write to its
/// slots, through any thread, throws. Set once (freeze), never cleared while it lives.
pub const FROZEN: u32 = 1 << 31;
/// Mask of the type id inside the header's low word.
pub const TYPE_MASK: u32 = 0x00ff_ffff;
/// The largest number of user types.
pub const MAX_TYPES: u32 = TYPE_MASK;

/// Words in a thread-local allocation buffer handed to JS.
pub const TLAB_WORDS: usize = 32 * 1024;
/// Objects of this many words or more are allocated by Rust, one by one, page aligned
/// (docs/identity.md); smaller ones are bumped in the TLAB.
pub const LARGE_WORDS: usize = TLAB_WORDS / 4;
/// Wrapper arenas (one per heap page a thread holds wrappers in, docs/identity.md) have ids
/// below this in each thread.
pub const MAX_ARENAS: u32 = 1 << 23;

/// Default region size: 2 GiB of address space (pages are committed only when touched).
pub const DEFAULT_HEAP_BYTES: usize = 2 << 30;
/// Node 20 refuses an `ArrayBuffer` of 4 GiB or more for some views: stay one page below.
pub const MAX_HEAP_BYTES: usize = (4 << 30) - 4096;
/// Smallest heap that makes sense: the control block plus a few buffers.
pub const MIN_HEAP_BYTES: usize = 1 << 20;

/// Value encoding (one 8-byte slot). A slot is a double unless its high word is
/// `>= TAG_BASE`; those bit patterns are negative quiet NaNs, never written for a number
/// because every NaN is canonicalized to `CANONICAL_NAN_HI:0`.
pub const TAG_BASE: u32 = 0xffff_0000;
pub const TAG_UNDEFINED: u32 = TAG_BASE;
pub const TAG_NULL: u32 = TAG_BASE + 1;
pub const TAG_BOOL: u32 = TAG_BASE + 2;
/// Payload: word offset of a shared object (struct, array, mutex, ...).
pub const TAG_REF: u32 = TAG_BASE + 3;
/// Payload: word offset of a string object.
pub const TAG_STRING: u32 = TAG_BASE + 4;
/// Payload: word offset of a bigint object.
pub const TAG_BIGINT: u32 = TAG_BASE + 5;
/// Payload: word offset of a boxed double (a NaN whose high word is `TAG_BASE` or above).
pub const TAG_DOUBLE: u32 = TAG_BASE + 6;
pub const CANONICAL_NAN_HI: u32 = 0x7ff8_0000;
/// Freed memory is filled with this tag (payload 0xdead): reading it through a stale
/// reference throws instead of returning another object's data.
pub const TAG_POISON: u32 = TAG_BASE + 0xff;
pub const POISON: u64 = ((TAG_POISON as u64) << 32) | 0xdead;

/// Does this tag's payload point at a heap object? (Used by the collector.)
pub fn tag_is_pointer(hi: u32) -> bool {
    hi == TAG_REF || hi == TAG_STRING || hi == TAG_BIGINT || hi == TAG_DOUBLE
}

/// Thread block cells (u32 index relative to the block's first u32, i.e. `2 * offset`).
pub mod tb {
    pub const TOP: usize = 2;
    pub const LIMIT: usize = 3;
    /// Start of the current operation's allocations in the current TLAB (0 = none).
    pub const YOUNG: usize = 4;
    /// Number of extra young ranges (pairs at PAIRS).
    pub const YOUNG_N: usize = 5;
    /// Number of entries in the string ring.
    pub const RING_N: usize = 6;
    /// Offset of an object a thread is making a wrapper for right now (a root; 0 = none).
    pub const INFLIGHT: usize = 7;
    pub const PAIRS: usize = 8;
    pub const MAX_PAIRS: usize = 256;
    /// Offsets of the string read cache (zeroed by the collector).
    pub const STR_KEYS: usize = PAIRS + 2 * MAX_PAIRS;
    pub const STR_KEYS_LEN: usize = 32768;
    /// Offsets of strings this thread wrote recently (roots).
    pub const RING: usize = STR_KEYS + STR_KEYS_LEN;
    pub const RING_LEN: usize = 16384;
    /// Read locks this thread holds: u32 indices of SharedMutex state words (0 = empty), one
    /// entry per hold. The mutexes are roots; a thread that exits holding any releases them.
    pub const READS: usize = RING + RING_LEN;
    pub const READS_LEN: usize = 64;
    /// The pin stack: objects this thread is making wrappers for, and long strings it is
    /// decoding (roots; 0 = empty). Unlike INFLIGHT, nested pins do not overwrite each other:
    /// making a wrapper or copying a string can reach user code (a type's first load, builtins
    /// the program patched), whose own reads pin and unpin, and which may start operations
    /// (dropping the young ranges) and collect.
    pub const PINS: usize = READS + READS_LEN;
    pub const PINS_LEN: usize = 32;

    /// The SharedMutex a READS cell names (`s` = u32 index of its state word, word 1 lo):
    /// its word offset, or None for an empty or malformed cell.
    pub fn read_lock_object(s: u32) -> Option<usize> {
        (s >= 2 * (super::HEAP_START as u32 + 1) && s.is_multiple_of(2))
            .then(|| (s / 2 - 1) as usize)
    }
    /// Size of a thread block in words.
    pub const WORDS: usize = (PINS + PINS_LEN).div_ceil(2);
}

/// The layout constants the JS layer uses, by the name it uses (core::constants hands them to
/// JS with the others).
pub fn constants() -> Vec<(&'static str, f64)> {
    vec![
        ("CTL_MAGIC", CTL_MAGIC as f64),
        ("CTL_CYCLE", CTL_CYCLE as f64),
        ("CTL_GC_ACTIVE", CTL_GC_ACTIVE as f64),
        ("CTL_ANY_FROZEN", CTL_ANY_FROZEN as f64),
        ("MAGIC", MAGIC as f64),
        ("TYPE_FREE", TYPE_FREE as f64),
        ("TYPE_STRING", TYPE_STRING as f64),
        ("TYPE_BIGINT", TYPE_BIGINT as f64),
        ("TYPE_ARRAY", TYPE_ARRAY as f64),
        ("TYPE_MUTEX", TYPE_MUTEX as f64),
        ("TYPE_CONDITION", TYPE_CONDITION as f64),
        ("TYPE_SHARED_MUTEX", TYPE_SHARED_MUTEX as f64),
        ("TYPE_MAP", TYPE_MAP as f64),
        ("TYPE_MAP_TABLE", TYPE_MAP_TABLE as f64),
        ("TYPE_THREAD_BLOCK", TYPE_THREAD_BLOCK as f64),
        ("TYPE_DOUBLE", TYPE_DOUBLE as f64),
        ("TYPE_SET", TYPE_SET as f64),
        ("TYPE_VECTOR", TYPE_VECTOR as f64),
        ("TYPE_CHANNEL", TYPE_CHANNEL as f64),
        ("TYPE_SEMAPHORE", TYPE_SEMAPHORE as f64),
        ("TYPE_BARRIER", TYPE_BARRIER as f64),
        ("FIRST_USER_TYPE", FIRST_USER_TYPE as f64),
        ("LOCK_WORDS", LOCK_WORDS as f64),
        ("MAP_WORDS", MAP_WORDS as f64),
        ("VECTOR_WORDS", VECTOR_WORDS as f64),
        ("CHANNEL_WORDS", CHANNEL_WORDS as f64),
        ("SEMAPHORE_WORDS", SEMAPHORE_WORDS as f64),
        ("BARRIER_WORDS", BARRIER_WORDS as f64),
        ("LARGE_WORDS", LARGE_WORDS as f64),
        ("MAX_ARENAS", MAX_ARENAS as f64),
        ("TYPE_MASK", TYPE_MASK as f64),
        ("FROZEN", FROZEN as f64),
        ("TAG_UNDEFINED", TAG_UNDEFINED as f64),
        ("TAG_NULL", TAG_NULL as f64),
        ("TAG_BOOL", TAG_BOOL as f64),
        ("TAG_REF", TAG_REF as f64),
        ("TAG_STRING", TAG_STRING as f64),
        ("TAG_BIGINT", TAG_BIGINT as f64),
        ("TAG_DOUBLE", TAG_DOUBLE as f64),
        ("TAG_POISON", TAG_POISON as f64),
        ("CANONICAL_NAN_HI", CANONICAL_NAN_HI as f64),
        ("PAGE_BITS", PAGE_BITS as f64),
        ("TB_TOP", tb::TOP as f64),
        ("TB_LIMIT", tb::LIMIT as f64),
        ("TB_YOUNG", tb::YOUNG as f64),
        ("TB_YOUNG_N", tb::YOUNG_N as f64),
        ("TB_RING_N", tb::RING_N as f64),
        ("TB_INFLIGHT", tb::INFLIGHT as f64),
        ("TB_STR_KEYS", tb::STR_KEYS as f64),
        ("TB_STR_KEYS_LEN", tb::STR_KEYS_LEN as f64),
        ("TB_RING", tb::RING as f64),
        ("TB_RING_LEN", tb::RING_LEN as f64),
        ("TB_READS", tb::READS as f64),
        ("TB_READS_LEN", tb::READS_LEN as f64),
        ("TB_PINS", tb::PINS as f64),
        ("TB_PINS_LEN", tb::PINS_LEN as f64),
    ]
}

/// Parses `123`, `64k`, `512m`, `2g` into bytes.
pub fn parse_size(s: &str) -> Option<usize> {
    let s = s.trim().to_ascii_lowercase();
    let (num, mult) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1usize << 10),
        'm' => (&s[..s.len() - 1], 1 << 20),
        'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (&s[..], 1),
    };
    num.trim().parse::<usize>().ok()?.checked_mul(mult)
}

/// Keeps a requested size within what Node can view, rounded down to whole pages.
pub fn clamp_heap_size(bytes: usize) -> usize {
    bytes.clamp(MIN_HEAP_BYTES, MAX_HEAP_BYTES) & !4095
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("64k"), Some(65536));
        assert_eq!(parse_size("2g"), Some(2 << 30));
        assert_eq!(parse_size(" 12 "), Some(12));
        assert_eq!(parse_size("x"), None);
        assert_eq!(clamp_heap_size(1), MIN_HEAP_BYTES);
        assert_eq!(clamp_heap_size(usize::MAX), MAX_HEAP_BYTES);
    }
}
