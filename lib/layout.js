'use strict';
// Mirrors src/core/layout.rs. The region is addressed in 8-byte words; see docs/layout.md.

module.exports = Object.freeze({
  // control block (Uint32 cells)
  CTL_MAGIC: 0,
  CTL_CYCLE: 1,
  CTL_GC_ACTIVE: 2,
  MAGIC: 0x53535431,

  // type ids
  TYPE_FREE: 0,
  TYPE_STRING: 2,
  TYPE_BIGINT: 3,
  TYPE_ARRAY: 4,
  TYPE_MUTEX: 5,
  TYPE_CONDITION: 6,
  TYPE_SHARED_MUTEX: 7,
  TYPE_MAP: 8,
  TYPE_MAP_TABLE: 9,
  TYPE_DOUBLE: 12,
  FIRST_USER_TYPE: 16,
  TYPE_MASK: 0x00ffffff,

  // value tags: high 32 bits of a slot; low 32 bits are the payload
  TAG_UNDEFINED: 0xffff0000,
  TAG_NULL: 0xffff0001,
  TAG_BOOL: 0xffff0002,
  TAG_REF: 0xffff0003,
  TAG_STRING: 0xffff0004,
  TAG_BIGINT: 0xffff0005,
  TAG_DOUBLE: 0xffff0006,
  CANONICAL_NAN_HI: 0x7ff80000,
  TAG_POISON: 0xffff00ff,
  TYPE_THREAD_BLOCK: 10,

  // wrapper pages (docs/identity.md): 2^PAGE_BITS words; large objects start on a page boundary
  PAGE_BITS: 9,

  // thread block cells (u32 index relative to 2 * block offset); see src/core/layout.rs `tb`
  TB_TOP: 2,
  TB_LIMIT: 3,
  TB_YOUNG: 4,
  TB_YOUNG_N: 5,
  TB_RING_N: 6,
  TB_INFLIGHT: 7,
  TB_STR_KEYS: 8 + 2 * 256,
  TB_STR_KEYS_LEN: 8192,
  TB_RING: 8 + 2 * 256 + 8192,
  TB_RING_LEN: 16384,
  TB_READS: 8 + 2 * 256 + 8192 + 16384,
  TB_READS_LEN: 64,
  TB_PINS: 8 + 2 * 256 + 8192 + 16384 + 64,
  TB_PINS_LEN: 32,
});
