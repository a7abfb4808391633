'use strict';
// Lower bounds of the architecture (JS accessors over typed-array views of the shared heap,
// one frozen JS wrapper per object), measured without the library: how close the three
// issue-2 figures that miss (string read <= 2x, `new T()` <= 4x plain, tree + DFS >= 10x)
// could get at best. `node bench/floors.js` (~15 s). See bench/README.md, "Floors".
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

function main() {
  const s = stringFloor();
  log(`string read, getter with no decoding at all: ${s.toFixed(2)}x a plain string field (target: <= 2x)`);
  const m = makeFloor();
  log(
    `making an object, all kept alive: plain literal ${m.plain.toFixed(1)} ns, wrapper class ${m.wrapper.toFixed(1)} ns, ` +
      `frozen wrapper ${m.frozen.toFixed(1)} ns (Object.freeze: +${(m.frozen - m.wrapper).toFixed(1)} ns)`,
  );
  console.log(JSON.stringify({ stringReadFloorRatio: s, makeNs: m }));
}

main();
