'use strict';
// The per-thread runtime, one module per concern; this module assembles their exports for
// the rest of the library (lib/structs.js compiles its generated classes against them):
//
//   lib/heap.js       typed-array views of the shared region, scratch and constant cells
//   lib/thread.js     this thread's registration, thread-block cells and doorbell
//   lib/types.js      the type registry (type id -> this thread's class)
//   lib/identity.js   wrappers: arenas per heap page, pins, roots, SharedObject
//   lib/alloc.js      TLAB bump allocation, refills, the full-heap recovery
//   lib/strings.js    strings in the heap and their read and write caches
//   lib/bigints.js    bigints in the heap
//   lib/operation.js  opStart (an operation's young range) and gc()
//   lib/values.js     the value encoding: slot reads and writes, value checks
//
// Everything on a hot path runs in JS with no N-API call. See docs/architecture.md.

const heap = require('./heap');
const thread = require('./thread');
const { types } = require('./types');
const identity = require('./identity');
const { allocObject, fillUndefined } = require('./alloc');
const strings = require('./strings');
const { opStart, collect } = require('./operation');
const values = require('./values');

/** Statistics of this thread's caches (for tests and heapStats). */
function threadStats() {
  const { wrappers, arenas, held } = identity.stats();
  return { wrappers, arenas, held, strings: strings.writeCacheSize(), tid: thread.TID };
}

module.exports = {
  C_INFLIGHT: thread.C_INFLIGHT,
  C_READS: thread.C_READS,
  debugArenas: identity.debugArenas,
  TID: thread.TID,
  opStart,
  collect,
  addAsyncWaiter: thread.addAsyncWaiter,
  removeAsyncWaiter: thread.removeAsyncWaiter,
  buffer: heap.buffer,
  F64: heap.F64,
  U32: heap.U32,
  I32: heap.I32,
  U16: heap.U16,
  BI64: heap.BI64,
  K: heap.K,
  K_UNDEFINED: heap.K_UNDEFINED,
  OFF: identity.OFF,
  INTERNAL: identity.INTERNAL,
  SECRET: identity.SECRET,
  SharedObject: identity.SharedObject,
  sealing: identity.sealing,
  seal: identity.seal,
  StructBase: identity.StructBase,
  compileIn: identity.compileIn,
  offsetOf: identity.offsetOf,
  receiverOffset: values.receiverOffset,
  setPrototypeOf: Object.setPrototypeOf,
  HEAP_START: heap.HEAP_START,
  HEAP_WORDS: heap.HEAP_WORDS,
  HB: identity.HB,
  HS: identity.HS,
  PAGE_BITS: identity.PAGE_BITS,
  allocObject,
  fillUndefined,
  readSlot: values.readSlot,
  decodeTagged: values.decodeTagged,
  writeSlot: values.writeSlot,
  encodeValue: values.encodeValue,
  refBits: values.refBits,
  stringOffset: strings.stringOffset,
  SF: heap.SF,
  SU: heap.SU,
  describe: values.describe,
  canBeShared: values.canBeShared,
  isWrapper: values.isWrapper,
  typeIdOf: values.typeIdOf,
  readString: strings.readString,
  cachedString: strings.cachedString,
  wrap: identity.wrap,
  attach: identity.attach,
  attachNew: identity.attachNew,
  findWrapper: identity.findWrapper,
  types,
  threadStats,
};
