'use strict';
// Shared pieces of the fuzz layer (docs/testing.md, "JavaScript fuzz layer"): budgets, seeds,
// value generators with their printable descriptors, bit-exact comparison, the heap sanity
// workload, and the run report.
//
// Budgets: by default each suite runs a fixed, small amount of work (fixed seeds plus one
// random seed) sized for `npm test`, which runs the suite twice on 2 cores. With
// SHARED_STRUCTS_SOAK=<minutes> the suites run random seeds until their share of that time
// is spent. SHARED_STRUCTS_FUZZ_SEED=<n> (and SHARED_STRUCTS_FUZZ_PATH=<path> from a
// fast-check failure report) replays one run. SHARED_STRUCTS_FUZZ_REPORT=<file> appends one
// JSON line per suite with the counts.

const fs = require('fs');
const fc = require('fast-check');
const ss = require('../../index.js');

const SOAK_MIN = Number(process.env.SHARED_STRUCTS_SOAK) || 0;
const REPLAY_SEED = process.env.SHARED_STRUCTS_FUZZ_SEED !== undefined ? Number(process.env.SHARED_STRUCTS_FUZZ_SEED) : null;
const REPLAY_PATH = process.env.SHARED_STRUCTS_FUZZ_PATH || undefined;

/** Share of a soak's minutes per suite (the receivers walk is exhaustive already: it runs once). */
const SOAK_SHARE = { model: 0.45, inputs: 0.15, receivers: 0, concurrent: 0.4 };

/** Milliseconds this suite may run in a soak, or 0 outside one. */
function soakMs(suite) {
  return SOAK_MIN > 0 ? Math.round(SOAK_MIN * 60000 * SOAK_SHARE[suite]) : 0;
}

/** A vitest timeout for a suite: its soak time plus slack, or `ciMs`. */
function testTimeout(suite, ciMs) {
  return SOAK_MIN > 0 ? soakMs(suite) + 120000 : ciMs;
}

/**
 * Runs fast-check `property` with fixed seeds, then one random seed (printed by fast-check
 * on failure), or in a soak random seeds until the suite's time is spent. `runs` is the
 * number of runs per seed outside a soak. Returns the seeds run.
 */
async function assertProperty(suite, property, { seeds, runs }) {
  const done = [];
  const go = async (seed, numRuns, extra = {}) => {
    done.push(seed);
    await fc.assert(property, { seed, numRuns, endOnFailure: false, ...extra });
  };
  if (REPLAY_SEED !== null) {
    await go(REPLAY_SEED, runs, REPLAY_PATH ? { path: REPLAY_PATH, endOnFailure: true } : process.env.SHARED_STRUCTS_FUZZ_NOSHRINK ? { endOnFailure: true } : {});
    return done;
  }
  for (const s of seeds) await go(s, runs);
  await go((Math.random() * 2 ** 31) | 0, runs);
  const ms = soakMs(suite);
  if (ms > 0) {
    // Whole runs of `runs` each until the time is spent. (fast-check's interruptAfterTimeLimit
    // returns while an async run is still going: the next seed's first sequence then ran
    // beside it, and the live count of one saw the other's objects.)
    const end = Date.now() + ms;
    // endOnFailure: a soak reports its first failure as found (a shrink after a failed
    // sequence can end on a follow-on failure instead).
    while (Date.now() < end) await go((Math.random() * 2 ** 31) | 0, runs, { endOnFailure: true });
  }
  return done;
}

/** Records and prints a suite's counts. */
function report(suite, counts) {
  const line = { suite, soakMinutes: SOAK_MIN, pid: process.pid, at: new Date().toISOString(), ...counts };
  // eslint-disable-next-line no-console
  console.log(`[fuzz] ${JSON.stringify(line)}`);
  if (process.env.SHARED_STRUCTS_FUZZ_REPORT) fs.appendFileSync(process.env.SHARED_STRUCTS_FUZZ_REPORT, JSON.stringify(line) + '\n');
}

// ---------------------------------------------------------------------------------------
// Numbers as bits.

const F = new Float64Array(1);
const B = new BigUint64Array(F.buffer);
/** The double with bits `b` (a BigInt). */
function fromBits(b) {
  B[0] = b;
  return F[0];
}
/** The bits of double `d`. */
function bitsOf(d) {
  F[0] = d;
  return B[0];
}
const CANONICAL_NAN = 0x7ff8000000000000n;
const hex = (b) => '0x' + b.toString(16).padStart(16, '0');

/** Bit patterns that matter to the encoding: NaNs in and out of the tag space, -0, limits. */
const SPECIAL_BITS = [
  0x0000000000000000n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n,
  0xfff8000000000000n, 0x7ff0000000000001n, 0x7ff4dead00000000n, 0xfff0000000000001n, 0xffff000000000000n,
  0xffff000300000008n, 0xffff0004deadbeefn, 0xffff00ff00000000n, 0xffff0006ffffffffn, 0xffffffffffffffffn,
  0x7fffffffffffffffn, 0x0000000000000001n, 0x7fefffffffffffffn, 0x4340000000000000n, 0xc340000000000000n,
];

/** Arbitrary number bits: plain doubles, small integers, NaN payloads (tag space included). */
const numberBits = fc.oneof(
  { weight: 3, arbitrary: fc.double().map(bitsOf) },
  { weight: 3, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((i) => bitsOf(i)) },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_BITS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(0x7ff0n, 0xfff0n, 0x7ff8n, 0xfff8n, 0xffffn), fc.bigInt({ min: 1n, max: (1n << 48n) - 1n }))
      .map(([hi, lo]) => (hi << 48n) | lo),
  },
);

/** Strings of any UTF-16 units (lone surrogates included), short, medium and long. */
const units = (max) => fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff })), { maxLength: max });
const anyString = fc.oneof(
  { weight: 6, arbitrary: units(12).map((a) => String.fromCharCode(...a)) },
  { weight: 1, arbitrary: units(300).map((a) => String.fromCharCode(...a)) },
  { weight: 1, arbitrary: fc.tuple(units(4), fc.integer({ min: 1000, max: 20000 })).map(([a, n]) => String.fromCharCode(...a, 0x41).repeat(Math.ceil(n / (a.length + 1)))) },
  { weight: 2, arbitrary: fc.constantFrom('', 'a', 'b', '\ud800', '\udc00x', 'x\ud83d', '\ud83d\ude00', '0', '-0', 'NaN', 'constructor', '__proto__') },
);

const anyBigInt = fc.oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }), fc.constantFrom(0n, -1n, 1n << 63n, -(1n << 63n), (1n << 64n) - 1n, 1n << 64n));

/**
 * Printable descriptors of primitives (so that a shrunk counterexample shows NaN bits):
 * { n: '0x...' } number bits, { s } string, { big: '123' }, { bool }, { nul: 1 }, { und: 1 }.
 */
const primDesc = fc.oneof(
  { weight: 5, arbitrary: numberBits.map((b) => ({ n: hex(b) })) },
  { weight: 4, arbitrary: anyString.map((s) => ({ s })) },
  { weight: 2, arbitrary: anyBigInt.map((b) => ({ big: b.toString() })) },
  { weight: 1, arbitrary: fc.boolean().map((bool) => ({ bool })) },
  { weight: 1, arbitrary: fc.constantFrom({ nul: 1 }, { und: 1 }) },
);

/** The JS value of a primitive descriptor. */
function primValue(d) {
  if ('n' in d) return fromBits(BigInt(d.n));
  if ('s' in d) return d.s;
  if ('big' in d) return BigInt(d.big);
  if ('bool' in d) return d.bool;
  if ('nul' in d) return null;
  return undefined;
}

/** Whether `a` and `b` are the same primitive, numbers by their bits. */
function samePrim(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return bitsOf(a) === bitsOf(b);
  return Object.is(a, b);
}

/** A short printable form of any value (bits for numbers). */
function show(v) {
  if (typeof v === 'number') return `${v} (${hex(bitsOf(v))})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + `...(${v.length})` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  try {
    return Object.prototype.toString.call(v);
  } catch {
    return typeof v;
  }
}

// ---------------------------------------------------------------------------------------
// The heap sanity workload: a graph written once and read back after each batch of attacks.

const CANARY_VALUES = [1.5, -0, fromBits(0x7ff0000000000001n), fromBits(0xffff0004deadbeefn), 'canary', 'x\ud800y', 'long'.repeat(3000), 2n ** 100n, -7n, true, null, undefined];

/**
 * Builds a canary graph (structs, an elements struct, arrays, a map, locks) with `key` as
 * the type prefix. Returns { check(): void } which throws if anything reads back wrong or a
 * lock is left held.
 */
function makeCanary(key) {
  const { SharedStructType, SharedArray, SharedMap, Mutex, SharedMutex, Condition } = ss;
  const P = new SharedStructType(['a', 'b', 'self', 'next'], `${key}.CanaryP`);
  const E = new SharedStructType(['tag'], { key: `${key}.CanaryE`, elements: true });
  const nodes = [];
  for (let i = 0; i < 8; i++) {
    const p = new P();
    p.a = CANARY_VALUES[i % CANARY_VALUES.length];
    p.b = i;
    p.self = p;
    nodes.push(p);
  }
  for (let i = 0; i < 8; i++) nodes[i].next = nodes[(i + 1) % 8];
  const e = new E(CANARY_VALUES.length + 1);
  e.tag = 'E';
  CANARY_VALUES.forEach((v, i) => e.set(i, v));
  e.set(CANARY_VALUES.length, nodes[0]);
  const arr = SharedArray.from(CANARY_VALUES);
  const map = new SharedMap();
  CANARY_VALUES.forEach((v, i) => map.set(i, v));
  map.set(nodes[3], e);
  map.set('arr', arr);
  const m = new Mutex();
  const rw = new SharedMutex();
  const cv = new Condition();
  const root = SharedArray.of(nodes[0], e, arr, map, m, rw, cv);
  // A live wrapper keeps its heap page's other objects alive (docs/identity.md): an object
  // the suite allocates after the canary must not share its last page, or it would outlive
  // the suite and the live count would not come back to the baseline. This array (4.2 KiB,
  // made last and alive with the canary) runs the allocation past that page.
  const pageBreak = new SharedArray(530);
  function fail(what, got, want) {
    throw new Error(`heap sanity: ${what}: got ${show(got)}, want ${show(want)}`);
  }
  function check() {
    for (let i = 0; i < 8; i++) {
      const p = nodes[i];
      if (!samePrim(p.a, CANARY_VALUES[i % CANARY_VALUES.length])) fail(`node ${i}.a`, p.a, CANARY_VALUES[i % CANARY_VALUES.length]);
      if (p.b !== i) fail(`node ${i}.b`, p.b, i);
      if (p.self !== p) fail(`node ${i}.self identity`, p.self, p);
      if (p.next !== nodes[(i + 1) % 8]) fail(`node ${i}.next identity`, p.next, nodes[(i + 1) % 8]);
    }
    if (e.tag !== 'E' || e.length !== CANARY_VALUES.length + 1) fail('elements header', e.tag, 'E');
    CANARY_VALUES.forEach((v, i) => {
      if (!samePrim(e.get(i), v)) fail(`elements[${i}]`, e.get(i), v);
      if (!samePrim(arr.get(i), v)) fail(`array[${i}]`, arr.get(i), v);
      if (!samePrim(map.get(i), v)) fail(`map.get(${i})`, map.get(i), v);
    });
    if (e.get(CANARY_VALUES.length) !== nodes[0]) fail('elements ref', e.get(CANARY_VALUES.length), nodes[0]);
    if (map.get(nodes[3]) !== e || map.get('arr') !== arr || map.size !== CANARY_VALUES.length + 2) fail('map refs/size', map.size, CANARY_VALUES.length + 2);
    const want = [nodes[0], e, arr, map, m, rw, cv];
    if (pageBreak.length !== 530) fail('page break length', pageBreak.length, 530);
    want.forEach((w, i) => {
      if (root.get(i) !== w) fail(`root[${i}] identity`, root.get(i), w);
    });
    // No lock left held: each is free for this thread now.
    if (!Mutex.tryLock(m, () => true).success) fail('mutex free', 'held', 'free');
    if (!SharedMutex.tryLock(rw, () => true).success) fail('shared mutex free (exclusive)', 'held', 'free');
    if (!SharedMutex.tryLockShared(rw, () => true).success) fail('shared mutex free (shared)', 'held', 'free');
    if (Condition.notify(cv) !== 0) fail('condition waiters', 'some', 0);
    const s = ss.heapStats();
    if (!(s.bytesInUse === s.highWaterBytes - s.bytesFree && s.bytesInUse > 0 && s.bytesInUse <= s.bytesReserved)) fail('heapStats bytes', JSON.stringify(s), 'consistent');
    if (!(s.liveObjects >= 0 && s.liveBytes >= 0 && s.threads >= 1 && s.thread.tid > 0)) fail('heapStats counts', JSON.stringify(s), 'consistent');
  }
  check();
  return { check, root };
}

/** Lets this thread's jobs end (wrappers become collectable), then collects V8 and the shared heap. */
async function settle(rounds = 2) {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    ss.gc();
  }
  await new Promise((r) => setImmediate(r));
}

/**
 * The live object count once it has settled back to `baseline`, or after three more rounds:
 * a wrapper V8 had not yet collected keeps its object one more round at most.
 */
async function settledLive(baseline) {
  let live = ss.heapStats().liveObjects;
  for (let k = 0; k < 3 && live !== baseline; k++) {
    await settle(1);
    live = ss.heapStats().liveObjects;
  }
  return live;
}

module.exports = {
  fc,
  ss,
  SOAK_MIN,
  soakMs,
  testTimeout,
  assertProperty,
  report,
  fromBits,
  bitsOf,
  hex,
  CANONICAL_NAN,
  numberBits,
  anyString,
  anyBigInt,
  primDesc,
  primValue,
  samePrim,
  show,
  makeCanary,
  settle,
  settledLive,
};
