'use strict';
// Lower bounds of the architecture (JS accessors over typed-array views of the shared heap,
// one JS wrapper per object), measured without the library: how close the figures that miss
// could get at best. `node bench/floors.js` (~20 s). See bench/README.md, "Floors".
//
// 1. String field read. A getter with the library's shape (private-field brand check, the
//    slot's offset, one Float64Array load, the NaN test) that then returns a string from a
//    JS array without decoding anything, against a plain object's string field.
// 2. Making a wrapper. A class instance with the library's own fields (a symbol-keyed
//    offset and two private fields) with and without Object.freeze, against a plain object
//    literal, every instance kept alive (as wrappers are while anything uses them).

const { log, median } = require('./lib');

const buf = new SharedArrayBuffer(1 << 20);
const F64 = new Float64Array(buf);
const U32 = new Uint32Array(buf);
const TAG_STRING = 0xffff0004;
const N = 1024;

function timeLoop(fn, reps) {
  fn(200);
  const t = [];
  for (let k = 0; k < 9; k++) {
    const t0 = process.hrtime.bigint();
    fn(reps);
    t.push(Number(process.hrtime.bigint() - t0) / (reps * N));
  }
  return median(t);
}

function stringFloor() {
  const vals = new Array(N).fill('');
  class W {
    #o;
    constructor(o) {
      this.#o = o;
    }
    get name() {
      if (!(#o in Object(this))) throw new TypeError('not a wrapper');
      const i = this.#o;
      const v = F64[i];
      return v === v ? v : vals[i & (N - 1)];
    }
  }
  const objs = [];
  const plain = [];
  for (let k = 0; k < N; k++) {
    const s = `name-${k}`;
    const i = k * 4;
    U32[2 * i] = k;
    U32[2 * i + 1] = TAG_STRING; // a NaN: the getter takes its tagged path
    vals[i & (N - 1)] = s;
    objs.push(new W(i));
    plain.push({ name: s, y: 0 });
  }
  const readPlain = (reps) => {
    let s = 0;
    for (let r = 0; r < reps; r++) for (let k = 0; k < N; k++) s += plain[k].name.length;
    return s;
  };
  const readFloor = (reps) => {
    let s = 0;
    for (let r = 0; r < reps; r++) for (let k = 0; k < N; k++) s += objs[k].name.length;
    return s;
  };
  const ratios = [];
  for (let round = 0; round < 3; round++) ratios.push(timeLoop(readFloor, 20000) / timeLoop(readPlain, 20000));
  return median(ratios);
}

function makeFloor() {
  const OFF = Symbol('offset');
  const freeze = Object.freeze;
  const make = (frozen) =>
    class Wrapper {
      [OFF] = 0;
      #a = null;
      #o = 0;
      constructor(a, o) {
        this[OFF] = o;
        this.#o = o;
        this.#a = a;
        if (frozen) freeze(this);
      }
      get o() {
        return this.#o;
      }
    };
  const Frozen = make(true);
  const Open = make(false);
  const M = 1 << 18;
  const keep = new Array(M).fill(null);
  const sides = {
    plain: (i) => ({ off: i, a: keep, o: i }),
    wrapper: (i) => new Open(keep, i),
    frozen: (i) => new Frozen(keep, i),
  };
  const out = {};
  for (const [name, mk] of Object.entries(sides)) {
    const run = () => {
      for (let i = 0; i < M; i++) keep[i] = mk(i);
    };
    for (let k = 0; k < 3; k++) run();
    const t = [];
    for (let k = 0; k < 7; k++) {
      const t0 = process.hrtime.bigint();
      run();
      t.push(Number(process.hrtime.bigint() - t0) / M);
    }
    out[name] = median(t);
  }
  return out;
}

// 3. Graph walks (issue 14): what a walk over shared memory costs with no library at all.
//    The tree of bench/tree.js (262,143 nodes: id, left, right, parent, name) laid out in a
//    SharedArrayBuffer as the library lays it out (6 words a node, the name a string object
//    right after it), built breadth-first; then (a) a depth-first walk reading id, left,
//    right and both children's parent pointers straight from a Float64Array/Uint32Array,
//    decoding no name; (b) decoding every node's name once (String.fromCharCode, what any
//    read of a distinct string costs in JS: V8's own shared structs share the string itself).
//    Each walk is over a tree built just before (cold, as the benchmark's worker sees it).
function graphFloor() {
  const COUNT = 2 ** 18 - 1;
  const NODE = 6;
  const STR = 5; // header, length, 3 words of UTF-16 for up to 12 units
  const words = 512 + COUNT * (NODE + STR);
  const buf = new SharedArrayBuffer(words * 8);
  const F = new Float64Array(buf);
  const U = new Uint32Array(buf);
  const U16 = new Uint16Array(buf);
  const SF = new Float64Array(1);
  const SU = new Uint32Array(SF.buffer);
  const REF = 0xffff0003;
  const NIL = (() => {
    SU[0] = 0;
    SU[1] = 0xffff0001;
    return SF[0];
  })();
  const ref = (o) => {
    SU[0] = o;
    SU[1] = REF;
    return SF[0];
  };
  const at = (i) => 512 + i * (NODE + STR);
  function build() {
    for (let i = 0; i < COUNT; i++) {
      const o = at(i);
      F[o + 1] = i;
      F[o + 2] = 2 * i + 1 < COUNT ? ref(at(2 * i + 1)) : NIL;
      F[o + 3] = 2 * i + 2 < COUNT ? ref(at(2 * i + 2)) : NIL;
      F[o + 4] = i === 0 ? NIL : ref(at((i - 1) >> 1));
      const s = `node-${i}`;
      const so = o + NODE;
      U[2 * so + 2] = s.length;
      for (let k = 0; k < s.length; k++) U16[(so + 2) * 4 + k] = s.charCodeAt(k);
      F[o + 5] = ref(so);
    }
  }
  const refOf = (i) => {
    SF[0] = F[i];
    return SU[1] === REF ? SU[0] : 0;
  };
  function walk() {
    const stack = [at(0)];
    let s = 0;
    while (stack.length > 0) {
      const n = stack.pop();
      s += F[n + 1];
      const l = refOf(n + 2);
      const r = refOf(n + 3);
      if (l !== 0) {
        if (refOf(l + 4) !== n) throw new Error('bad parent');
        stack.push(l);
      }
      if (r !== 0) {
        if (refOf(r + 4) !== n) throw new Error('bad parent');
        stack.push(r);
      }
    }
    return s;
  }
  const fcc = String.fromCharCode;
  function decodeNames() {
    let len = 0;
    for (let i = 0; i < COUNT; i++) {
      const so = refOf(at(i) + 5);
      const b = (so + 2) * 4;
      const n = U[2 * so + 2];
      const str = n === 10 ? fcc(U16[b], U16[b + 1], U16[b + 2], U16[b + 3], U16[b + 4], U16[b + 5], U16[b + 6], U16[b + 7], U16[b + 8], U16[b + 9]) : fcc(U16[b], U16[b + 1], U16[b + 2], U16[b + 3], U16[b + 4], U16[b + 5], U16[b + 6], U16[b + 7], U16[b + 8], U16[b + 9], U16[b + 10]);
      len += str.length;
    }
    return len;
  }
  const w = [];
  const d = [];
  for (let k = 0; k < 9; k++) {
    build();
    let t0 = process.hrtime.bigint();
    walk();
    w.push(Number(process.hrtime.bigint() - t0) / 1e6);
    build();
    t0 = process.hrtime.bigint();
    decodeNames();
    d.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { walkMs: median(w.slice(2)), namesMs: median(d.slice(2)) };
}

function main() {
  const g = graphFloor();
  log(
    `tree of 262,143 nodes in shared memory, no library: depth-first walk with parent checks ${g.walkMs.toFixed(1)} ms; ` +
      `decoding every node's distinct name once ${g.namesMs.toFixed(1)} ms (compare with tree-visit [harmony] of npm run bench)`,
  );
  const s = stringFloor();
  log(`string read, getter with no decoding at all: ${s.toFixed(2)}x a plain string field (target: <= 2x)`);
  const m = makeFloor();
  log(
    `making an object, all kept alive: plain literal ${m.plain.toFixed(1)} ns, wrapper class ${m.wrapper.toFixed(1)} ns, ` +
      `frozen wrapper ${m.frozen.toFixed(1)} ns (Object.freeze: +${(m.frozen - m.wrapper).toFixed(1)} ns)`,
  );
  console.log(JSON.stringify({ stringReadFloorRatio: s, makeNs: m, graph: g }));
}

main();
