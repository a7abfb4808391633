'use strict';
// Memory per object of a 6-field type (4 number fields, 2 reference fields), measured over
// COUNT live objects. Needs `--expose-gc` for stable JS-heap numbers; run.js starts it as
//   node --expose-gc bench/memory.js            -> JSON { plain, shared, sharedWrapper }
// and bench/harmony.js calls measureHarmony() in a `--harmony-struct --expose-gc` child.
//   plain:         process.memoryUsage().heapUsed delta per plain object
//   shared:        heapStats().bytesInUse delta per struct (the shared region only),
//                  measured between two TLAB refills so the chunked accounting is exact
//   sharedWrapper: JS-heap bytes per live wrapper of such a struct (informational)
//   harmony:       growth of V8's shared_space (+ shared_large_object_space) per struct

const v8 = require('v8');

const COUNT = 200000;

function gcNow() {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
}

function heapUsed() {
  gcNow();
  return process.memoryUsage().heapUsed;
}

function sharedSpace() {
  gcNow();
  let s = 0;
  for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name.startsWith('shared')) s += sp.space_used_size;
  return s;
}

/** Fills `keep` (preallocated, so its own growth is not counted) with linked objects. */
function fill(keep, make) {
  let prev = null;
  for (let i = 0; i < keep.length; i++) {
    const o = make(i, prev);
    keep[i] = o;
    prev = o;
  }
}

function measurePlain() {
  const keep = new Array(COUNT).fill(null);
  const before = heapUsed();
  fill(keep, (i, prev) => ({ a: i, b: i + 1, c: i + 2, d: i + 3, e: prev, f: null }));
  const bytes = (heapUsed() - before) / COUNT;
  if (keep[COUNT - 1].e !== keep[COUNT - 2]) throw new Error('unexpected');
  return bytes;
}

function measureShared() {
  const { SharedStructType, heapStats, gc } = require('../index.js');
  const T = new SharedStructType(['a', 'b', 'c', 'd', 'e', 'f']);
  const keep = new Array(COUNT).fill(null);
  // Bytes per struct: the collector's exact live-byte count (it traces only heap objects,
  // not the per-thread identity tables) before and after COUNT structs are kept alive.
  gc();
  const live0 = heapStats().liveBytes;
  const used0 = heapStats().bytesInUse;
  const js0 = heapUsed();
  let prev = null;
  for (let k = 0; k < COUNT; k++) {
    const o = new T();
    o.a = k;
    o.b = k + 1;
    o.c = k + 2;
    o.d = k + 3;
    o.e = prev;
    o.f = null;
    keep[k] = o;
    prev = o;
  }
  gc();
  const shared = (heapStats().liveBytes - live0) / COUNT;
  // Everything else the heap holds for them: this thread's identity (root) table entries.
  const bookkeeping = (heapStats().bytesInUse - used0) / COUNT - shared;
  const sharedWrapper = (heapUsed() - js0) / COUNT;
  if (keep[COUNT - 1].e !== keep[COUNT - 2]) throw new Error('unexpected');
  return { shared, sharedWrapper, bookkeeping };
}

function measureHarmony() {
  // eslint-disable-next-line no-undef
  const T = new SharedStructType(['a', 'b', 'c', 'd', 'e', 'f']);
  new T();
  const keep = new Array(COUNT).fill(null);
  const before = sharedSpace();
  fill(keep, (i, prev) => {
    const o = new T();
    o.a = i;
    o.b = i + 1;
    o.c = i + 2;
    o.d = i + 3;
    o.e = prev;
    o.f = null;
    return o;
  });
  const bytes = (sharedSpace() - before) / COUNT;
  if (keep[COUNT - 1].e !== keep[COUNT - 2]) throw new Error('unexpected');
  return bytes;
}

module.exports = { measurePlain, measureShared, measureHarmony, COUNT };

if (require.main === module) {
  const out = { gc: typeof global.gc === 'function', plain: measurePlain(), ...measureShared() };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
