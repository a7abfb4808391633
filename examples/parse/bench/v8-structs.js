'use strict';
// The shared AST built and read with V8's own shared structs (`node --harmony-struct`) next to
// shared-structs and plain objects, side by side in one process on the same parsed files: what
// building and reading a shared node costs when the engine does it. Run:
//   node --harmony-struct --expose-gc examples/parse/bench/v8-structs.js [--small] [--files N] [--rounds N]
//
//   parse         ts.createSourceFile (setParentNodes) of every file, for scale
//   build noop    reads what a conversion reads and recurses, builds nothing (the floor)
//   build plain   plain objects of the schema's shape (message mode's conversion)
//   build v8      V8 SharedStructType per shape (the schema's fields), NodeArrays as a struct
//                 { pos, end, hasTrailingComma, elements: SharedArray }, jsDoc as a SharedArray
//   build lib     shared-structs through bulk cursors (sharedAst(ts).build: shared mode's build)
//   read <x>      one generated walker per kind (kind, pos, end, the scalars, every child,
//                 NodeArray elements) over TypeScript's AST, the plain copy, the V8 structs
//                 and the shared-structs AST (every wrapper made here: its first touch)
//
// V8's shared structs have no prototype (no per-thread methods), and its SharedArray is not
// iterable, so TypeScript's own forEachChild cannot walk them: the generated walker is the
// same code for all four representations but for how a list's elements are reached. Every
// read checks that it saw the same nodes (count and a checksum of kind, pos, end) as the
// walk of TypeScript's AST. Figures: medians over the interleaved rounds, ns per node
// visited, of the wall time and of the process's CPU time (every thread).

const ss = require('../lib/library');
const tsl = require('../lib/typescript');
const { resolveDefault } = require('../lib/corpus');
const { makeConverter } = require('../lib/convert');
const { deriveSchema } = require('../lib/schema');
const { sharedAst } = require('../lib/shared-ast');

if (typeof globalThis.SharedStructType !== 'function') {
  console.error('run with node --harmony-struct');
  process.exit(2);
}
const V8Struct = globalThis.SharedStructType;
const V8Array = globalThis.SharedArray;

const { gcNow, median, timed } = require('./common');
const { small, rounds, maxFiles } = require('./common').options;


const ident = (f) => (/^[A-Za-z_$][\w$]*$/.test(f) ? `.${f}` : `[${JSON.stringify(f)}]`);

/** A converter of TypeScript's AST into V8 shared structs, one generated function per kind. */
function v8Converter(schema) {
  const types = schema.shapes.map((sh) => new V8Struct(sh.fields));
  const NA = new V8Struct(['pos', 'end', 'hasTrailingComma', 'elements']);
  const parts = [];
  for (const k of schema.kinds) {
    const lines = [`function convert_${k.name}(n, p) {`, `  const o = new T[${k.shape}]();`];
    lines.push(`  o.kind = ${k.kind}; o.pos = n.pos; o.end = n.end; o.flags = n.flags;`);
    lines.push('  if (p !== undefined) o.parent = p;');
    lines.push('  let v;');
    for (const f of k.scalarFields) lines.push(`  v = n${ident(f)}; if (v !== undefined) o${ident(f)} = v;`);
    for (const f of k.childFields) {
      lines.push(`  v = n${ident(f)}; if (v !== undefined) o${ident(f)} = typeof v === 'object' ? (isArray(v) ? list(v, o) : node(v, o)) : v;`);
    }
    if (k.jsDoc) lines.push('  v = n.jsDoc; if (v !== undefined) o.jsDoc = docs(v, o);');
    lines.push('  return o;', '}');
    parts.push(lines.join('\n'));
  }
  const body = `
function node(n, p) { return fns[n.kind](n, p); }
function list(a, owner) {
  const m = a.length;
  const e = new SA(m);
  for (let i = 0; i < m; i++) e[i] = node(a[i], owner);
  const out = new NA();
  out.pos = a.pos; out.end = a.end; out.hasTrailingComma = a.hasTrailingComma; out.elements = e;
  return out;
}
function docs(a, owner) {
  const m = a.length;
  const e = new SA(m);
  for (let i = 0; i < m; i++) e[i] = node(a[i], owner);
  return e;
}
${parts.join('\n')}
const fns = [${schema.kinds.map((k) => `convert_${k.name}`).join(', ')}];
return (sf) => node(sf, undefined);`;
  // eslint-disable-next-line no-new-func
  return new Function('T', 'NA', 'SA', 'isArray', body)(types, NA, V8Array, Array.isArray);
}

/**
 * A walker over one representation: one generated function per kind reading kind, pos, end,
 * the scalars and every child; `isList(v)` and `each(list, fn)` say how its lists look.
 * Returns walk(root) -> [nodes, checksum].
 */
function makeReader(schema, isList, each) {
  const parts = [];
  for (const k of schema.kinds) {
    const lines = [`function read_${k.name}(n) {`, '  count++; sum = (sum + n.kind * 31 + n.pos * 7 + n.end) | 0;', '  let v;'];
    for (const f of k.scalarFields) lines.push(`  v = n${ident(f)}; if (v !== undefined) sink = v;`);
    for (const f of k.childFields) lines.push(`  v = n${ident(f)}; if (v !== undefined && typeof v === 'object') isList(v) ? each(v, node) : node(v);`);
    lines.push('}');
    parts.push(lines.join('\n'));
  }
  const body = `
let count = 0, sum = 0, sink;
function node(n) { fns[n.kind](n); }
${parts.join('\n')}
const fns = [${schema.kinds.map((k) => `read_${k.name}`).join(', ')}];
return (root) => { count = 0; sum = 0; node(root); return [count, sum]; };`;
  // eslint-disable-next-line no-new-func
  return new Function('isList', 'each', body)(isList, each);
}

async function main() {
  const { files } = resolveDefault({ small });
  const paths = files.map((f) => f.path).slice(0, maxFiles);
  const ts = tsl.load({ cacheFile: tsl.defaultCacheFile() });
  const schema = deriveSchema(ts);
  const noop = makeConverter(ts, 'noop');
  const plain = makeConverter(ts, 'plain');
  const toV8 = v8Converter(schema);
  const sa = sharedAst(ts);
  const eachArray = (a, f) => {
    for (let i = 0; i < a.length; i++) f(a[i]);
  };
  const readArrays = makeReader(schema, Array.isArray, eachArray);
  const readV8 = makeReader(
    schema,
    (v) => v.kind === undefined, // a NodeArray struct (nodes have an `elements` field too)
    (a, f) => eachArray(a.elements, f),
  );
  const readLib = makeReader(schema, sa.isNodeArray, (a, f) => {
    for (const x of a) f(x);
  });
  const readAll = (read, roots) => {
    let nodes = 0;
    let sum = 0;
    for (const r of roots) {
      const [n, s] = read(r);
      nodes += n;
      sum = (sum * 33 + s) | 0;
    }
    return { nodes, sum };
  };
  const times = {};
  let nodes = 0;
  const add = (k, [ms, cpu]) => {
    (times[k] || (times[k] = { ms: [], cpu: [] })).ms.push((ms * 1e6) / nodes);
    times[k].cpu.push((cpu * 1e6) / nodes);
  };
  const same = (what, got, want) => {
    if (got.nodes !== want.nodes || got.sum !== want.sum) throw new Error(`${what} read ${got.nodes} nodes (checksum ${got.sum}), TypeScript's AST ${want.nodes} (${want.sum})`);
  };
  for (let r = 0; r < rounds; r++) {
    gcNow();
    const parsed = timed(() => paths.map((p) => tsl.parseFile(ts, p)));
    const asts = parsed[2];
    const readTs = timed(() => readAll(readArrays, asts));
    const want = readTs[2];
    nodes = want.nodes;
    add('parse', parsed);
    add('read ts', readTs);
    add('build noop', timed(() => asts.forEach((sf) => noop.convert(sf))));
    let built = timed(() => asts.map((sf) => plain.convert(sf)));
    add('build plain', built);
    let read = timed(() => readAll(readArrays, built[2]));
    same('plain', read[2], want);
    add('read plain', read);
    built = null;
    gcNow();
    built = timed(() => asts.map((sf) => toV8(sf)));
    add('build v8', built);
    read = timed(() => readAll(readV8, built[2]));
    same('v8', read[2], want);
    add('read v8', read);
    built = null;
    gcNow();
    built = timed(() => asts.map((sf) => sa.build(sf)));
    add('build lib', built);
    await null;
    read = timed(() => readAll(readLib, built[2]));
    same('shared-structs', read[2], want);
    add('read lib', read);
    built = null;
    await null;
    gcNow();
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  console.log(`${paths.length} files, ${nodes.toLocaleString('en-US')} nodes read; median of ${rounds} rounds, ns per node (wall, process CPU)`);
  const base = median(times['build plain'].cpu);
  const baseRead = median(times['read ts'].cpu);
  for (const [k, v] of Object.entries(times)) {
    const m = median(v.cpu);
    const vs = k === 'parse' ? `${(m / base).toFixed(1)}x build plain` : k.startsWith('build') ? `${(m / base).toFixed(1)}x build plain` : `${(m / baseRead).toFixed(1)}x read ts`;
    console.log(`${k.padEnd(12)} wall ${median(v.ms).toFixed(0).padStart(6)}  cpu ${m.toFixed(0).padStart(6)}  (${vs})   cpu range ${Math.min(...v.cpu).toFixed(0)}-${Math.max(...v.cpu).toFixed(0)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
