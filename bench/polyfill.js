'use strict';
// What the polyfill's Atomics overloads cost, side by side (docs/compat.md):
//   node bench/polyfill.js
// Three child processes: stock Node without the polyfill (typed arrays only), stock Node
// with shared-structs/polyfill, and `node --harmony-struct` (V8's own). Each times
// Atomics.load on an Int32Array and, where there are shared structs, on a struct field;
// ns per call, median of 5 samples after a warm-up, 3 rounds interleaved.

const { spawnSync } = require('child_process');
const path = require('path');
const { median } = require('./lib');

const SIDES = [
  { name: 'stock Node', args: [] },
  { name: 'polyfill', args: ['--polyfill'] },
  { name: 'node --harmony-struct', node: ['--harmony-struct'], args: [] },
];

function child() {
  if (process.argv.includes('--polyfill')) require(path.join(__dirname, '..', 'polyfill.js'));
  const i32 = new Int32Array(new SharedArrayBuffer(16));
  const typed = (n) => {
    let x = 0;
    for (let i = 0; i < n; i++) x += Atomics.load(i32, i & 3);
    return x;
  };
  let field = null;
  if (typeof SharedStructType === 'function') {
    const S = new SharedStructType(['f']);
    const s = new S();
    s.f = 1;
    field = (n) => {
      let x = 0;
      for (let i = 0; i < n; i++) x += Atomics.load(s, 'f');
      return x;
    };
  }
  const time = (f, n) => {
    const xs = [];
    f(n);
    for (let k = 0; k < 5; k++) {
      const t0 = process.hrtime.bigint();
      f(n);
      xs.push(Number(process.hrtime.bigint() - t0) / n);
    }
    return median(xs);
  };
  process.stdout.write(`${JSON.stringify({ typed: time(typed, 2e6), field: field ? time(field, 1e6) : null })}\n`);
}

function main() {
  const rows = SIDES.map((s) => ({ ...s, typed: [], field: [] }));
  for (let r = 0; r < 3; r++) {
    for (const s of rows) {
      const out = spawnSync(process.execPath, [...(s.node || []), __filename, '--child', ...s.args], { encoding: 'utf8', timeout: 60000 });
      if (out.status !== 0) throw new Error(`${s.name}: ${out.stderr}`);
      const x = JSON.parse(out.stdout.trim());
      s.typed.push(x.typed);
      if (x.field !== null) s.field.push(x.field);
    }
  }
  const range = (xs) => (xs.length ? `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}` : '');
  console.log('| side | Atomics.load(Int32Array, i) ns | Atomics.load(struct, "f") ns |');
  console.log('| --- | --- | --- |');
  for (const s of rows) console.log(`| ${s.name} | ${range(s.typed)} | ${range(s.field)} |`);
}

if (process.argv.includes('--child')) child();
else main();
