'use strict';
// This thread's view of the shared region: typed-array views of the one external
// ArrayBuffer every thread wraps (docs/layout.md), and the scratch and constant cells the
// value encoding works through. Loaded first by every other part of the runtime.

const native = require('./native');
const L = require('./layout');

const buffer = native.heapBuffer();
const F64 = new Float64Array(buffer);
const U32 = new Uint32Array(buffer);
const I32 = new Int32Array(buffer);
const U16 = new Uint16Array(buffer);
const BU64 = new BigUint64Array(buffer);
const BI64 = new BigInt64Array(buffer);
const { heapStart: HEAP_START, words: HEAP_WORDS } = native.heapLayout();

if (U32[L.CTL_MAGIC] !== L.MAGIC) throw new Error('shared-structs: the shared region is not initialized');

// Scratch for moving bit patterns between a double and two u32 halves. A slot is always
// written with ONE 8-byte store (F64[i] = d), so a concurrent reader never sees half of it.
const SF = new Float64Array(1);
const SU = new Uint32Array(SF.buffer);

/** Constant slot values, kept in a typed array so no compiler tier canonicalizes their NaN bits. */
const K = new Float64Array(5);
const K_UNDEFINED = 0;
const K_NULL = 1;
const K_FALSE = 2;
const K_TRUE = 3;
const K_NAN = 4;
{
  const KU = new Uint32Array(K.buffer);
  KU[2 * K_UNDEFINED + 1] = L.TAG_UNDEFINED;
  KU[2 * K_NULL + 1] = L.TAG_NULL;
  KU[2 * K_FALSE + 1] = L.TAG_BOOL;
  KU[2 * K_TRUE + 1] = L.TAG_BOOL;
  KU[2 * K_TRUE] = 1;
  KU[2 * K_NAN + 1] = L.CANONICAL_NAN_HI;
}

module.exports = { buffer, F64, U32, I32, U16, BU64, BI64, HEAP_START, HEAP_WORDS, SF, SU, K, K_UNDEFINED, K_NULL, K_FALSE, K_TRUE, K_NAN };
