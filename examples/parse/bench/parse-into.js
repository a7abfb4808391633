'use strict';
// What parsing straight into shared structs costs (docs/parse.md, "The floor, and what would
// pass", design 1): a second copy of TypeScript whose node constructors
// (ts.setObjectAllocator) return shared structs and whose factory's createNodeArray returns
// shared NodeArrays, so the parser writes every node once, into the shared heap, and no
// conversion follows (its isArray and isNodeArray also know shared NodeArrays). Side by side in one thread on the same files with TypeScript's own
// parse and with shared mode's way (parse, then the cursor build). Run:
//   node --expose-gc examples/parse/bench/parse-into.js [--small] [--files N] [--rounds N]
//
// A struct type per kind declares every property a first parse of the same files left on
// nodes of that kind, abandoned speculative nodes included (so nothing the parser writes is
// refused), but:
//   - properties holding a plain array of nodes (`jsDoc`) are accessors that copy the array
//     into a shared list;
//   - properties holding anything else that is not shareable (the SourceFile's tables: the
//     identifiers Map, diagnostics, pragmas, ...) live per thread, in a WeakMap (as the
//     demo's caches do);
//   - NodeArrays are made as TypeScript makes them (a plain array) and copied into a shared
//     NodeArray at once: the factory's createNodeArray, renamed, is wrapped.
// Every round checks that the shared parse gives the same (kind, pos, end, identifier text,
// parent kind) list as TypeScript's own parse, file by file. Figures: medians over the
// rounds, ns per node visited, of the wall time and of the process's CPU time.
// This is a measurement, not a mode: the patched TypeScript is built from the installed one's
// source text at run time.

const fs = require('fs');
const vm = require('vm');
const Module = require('module');
const ss = require('../lib/library');
const tsl = require('../lib/typescript');
const { resolveDefault } = require('../lib/corpus');
const { sharedAst } = require('../lib/shared-ast');

const { gcNow, median, timed } = require('./common');
const { small, rounds, maxFiles } = require('./common').options;


/** Loads a second, patched copy of typescript.js: createNodeArray's result goes through hooks.shareNodeArray. */
function loadPatchedTypeScript(hooks) {
  const file = require.resolve('typescript');
  let source = fs.readFileSync(file, 'utf8');
  const head = '  function createNodeArray(elements, hasTrailingComma) {\n    if (elements === void 0 || elements === emptyArray) {';
  if (source.split(head).length !== 2) throw new Error(`typescript ${require('typescript').version}: the factory's createNodeArray was not found once; update bench/parse-into.js`);
  source = source.replace(
    head,
    `  function createNodeArray(elements, hasTrailingComma) { return __parseIntoHooks.shareNodeArray(createNodeArray__own(elements, hasTrailingComma)); }\n  function createNodeArray__own(elements, hasTrailingComma) {\n    if (elements === void 0 || elements === emptyArray) {`,
  );
  const isNA = 'function isNodeArray(array) {\n  return hasProperty(array, "pos") && hasProperty(array, "end");\n}';
  if (source.split(isNA).length !== 2) throw new Error('isNodeArray was not found once; update bench/parse-into.js');
  // A shared NodeArray's pos and end are accessors on its prototype, not own properties.
  source = source.replace(isNA, 'function isNodeArray(array) {\n  return (hasProperty(array, "pos") && hasProperty(array, "end")) || __parseIntoHooks.isSharedNodeArray(array);\n}');
  // TypeScript's NodeArrays are arrays: its isArray (forEachChildRecursively, the parent
  // fixup) must say so for a shared one too.
  const isArr = 'function isArray(value) {\n  return Array.isArray(value);\n}';
  if (source.split(isArr).length !== 2) throw new Error('isArray was not found once; update bench/parse-into.js');
  source = source.replace(isArr, 'function isArray(value) {\n  return Array.isArray(value) || __parseIntoHooks.isSharedNodeArray(value);\n}');
  globalThis.__parseIntoHooks = hooks;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(require('path').dirname(file));
  const fn = new vm.Script(Module.wrap(source), { filename: `${file} (parse-into)` }).runInThisContext();
  fn.call(mod.exports, mod.exports, (id) => mod.require(id), mod, file, require('path').dirname(file));
  return mod.exports;
}

/** How each property of each kind is held, from `nodes` (every node a parse created). */
function survey(nodes) {
  const kinds = new Map(); // kind -> Map(property -> 'field' | 'list' | 'side')
  const isNode = (v) => v !== null && typeof v === 'object' && typeof v.kind === 'number' && !Array.isArray(v);
  const isNodeArray = (v) => Array.isArray(v) && typeof v.pos === 'number';
  const category = (v) => {
    if (typeof v === 'function') return 'side';
    if (v === undefined || v === null || typeof v !== 'object') return 'field';
    if (isNode(v) || isNodeArray(v)) return 'field';
    if (Array.isArray(v) && v.every(isNode)) return 'list';
    return 'side';
  };
  const rank = { field: 0, list: 1, side: 2 };
  for (const n of nodes) {
    let m = kinds.get(n.kind);
    if (m === undefined) kinds.set(n.kind, (m = new Map()));
    for (const p of Object.keys(n)) {
      const c = category(n[p]);
      const was = m.get(p);
      if (was === undefined || rank[c] > rank[was]) m.set(p, c);
    }
  }
  return kinds;
}

async function main() {
  const { files } = resolveDefault({ small });
  const paths = files.map((f) => f.path).slice(0, maxFiles);
  const texts = paths.map((p) => fs.readFileSync(p, 'utf8'));
  const ts = tsl.load({ cacheFile: tsl.defaultCacheFile() });
  const parseOwn = (i) => ts.createSourceFile(paths[i], texts[i], ts.ScriptTarget.Latest, true);

  // Shared NodeArrays and lists.
  const NodeArray = new ss.SharedStructType(['pos', 'end', 'hasTrailingComma', 'transformFlags'], { key: 'parse-into/NodeArray@1', elements: true });
  const List = new ss.SharedStructType([], { key: 'parse-into/List@1', elements: true });
  const toShared = (a) => {
    if (a instanceof NodeArray) return a;
    const m = a.length;
    const out = new NodeArray(m);
    out.pos = a.pos;
    out.end = a.end;
    out.hasTrailingComma = a.hasTrailingComma;
    out.transformFlags = a.transformFlags;
    for (let i = 0; i < m; i++) out.set(i, a[i]);
    return out;
  };
  const hooks = { shareNodeArray: (a) => a, isSharedNodeArray: (a) => a instanceof NodeArray };
  const pts = loadPatchedTypeScript(hooks);
  // The parser keeps the constructors it first gets: one constructor, which records plain
  // nodes (every node the parser makes, those of abandoned speculative parses too) during
  // the survey, and makes shared ones after it.
  let recorded = [];
  function Node(kind, pos, end) {
    if (recorded !== null) {
      this.pos = pos;
      this.end = end;
      this.kind = kind;
      this.id = 0;
      this.flags = 0;
      this.modifierFlagsCache = 0;
      this.transformFlags = 0;
      this.parent = undefined;
      this.original = undefined;
      this.emitNode = undefined;
      recorded.push(this);
      return;
    }
    return sharedNode(kind, pos, end);
  }
  const own = pts.objectAllocator;
  pts.setObjectAllocator({
    ...own,
    getNodeConstructor: () => Node,
    getTokenConstructor: () => Node,
    getIdentifierConstructor: () => Node,
    getPrivateIdentifierConstructor: () => Node,
    getSourceFileConstructor: () => Node,
  });
  for (let i = 0; i < paths.length; i++) pts.createSourceFile(paths[i], texts[i], pts.ScriptTarget.Latest, true);
  const kinds = survey(recorded);
  recorded = null;
  const every = new Map();
  for (const m of kinds.values()) for (const [p, c] of m) if (!every.has(p) || c !== 'field') every.set(p, c);
  hooks.shareNodeArray = toShared;

  // A struct type per kind; accessors for lists and per-thread properties.
  const side = new WeakMap();
  const BASE = ['pos', 'end', 'kind', 'id', 'flags', 'modifierFlagsCache', 'transformFlags', 'parent', 'original', 'emitNode'];
  const types = new Map();
  const typeOf = (kind) => {
    let T = types.get(kind);
    if (T !== undefined) return T;
    const m = kinds.get(kind) || every;
    const fields = new Set(BASE);
    const lists = [];
    const sides = [];
    for (const [p, c] of m) {
      if (c === 'field') fields.add(p);
      else if (c === 'list') lists.push(p);
      else sides.push(p);
    }
    for (const p of lists) fields.add(`${p}$`);
    const fieldList = [...fields].filter((f) => !sides.includes(f) && !lists.includes(f));
    T = new ss.SharedStructType(fieldList, { key: `parse-into/${ts.version}/kind${kind}/${fieldList.join(',')}` });
    for (const p of lists) {
      Object.defineProperty(T.prototype, p, {
        get() {
          return this[`${p}$`];
        },
        set(v) {
          if (v === undefined || v instanceof List) {
            this[`${p}$`] = v;
            return;
          }
          const out = new List(v.length);
          for (let i = 0; i < v.length; i++) out.set(i, v[i]);
          this[`${p}$`] = out;
        },
        configurable: true,
      });
    }
    for (const p of sides) {
      Object.defineProperty(T.prototype, p, {
        get() {
          const o = side.get(this);
          return o === undefined ? undefined : o[p];
        },
        set(v) {
          let o = side.get(this);
          if (o === undefined) side.set(this, (o = {}));
          o[p] = v;
        },
        configurable: true,
      });
    }
    types.set(kind, T);
    return T;
  };
  function sharedNode(kind, pos, end) {
    const o = new (typeOf(kind))();
    o.pos = pos;
    o.end = end;
    o.kind = kind;
    o.id = 0;
    o.flags = 0;
    o.modifierFlagsCache = 0;
    o.transformFlags = 0;
    return o;
  }
  const parseShared = (i) => pts.createSourceFile(paths[i], texts[i], pts.ScriptTarget.Latest, true);

  const collect = (t, root) => {
    const out = [];
    (function visit(n) {
      const isId = n.kind === t.SyntaxKind.Identifier || n.kind === t.SyntaxKind.PrivateIdentifier;
      out.push(`${n.kind}:${n.pos}:${n.end}:${isId ? t.idText(n) : ''}:${n.parent === undefined ? '-' : n.parent.kind}`);
      t.forEachChild(n, visit);
    })(root);
    return out;
  };
  const sa = sharedAst(ts);
  const times = {};
  let nodes = 0;
  const add = (k, [ms, cpu]) => {
    (times[k] || (times[k] = { ms: [], cpu: [] })).ms.push((ms * 1e6) / nodes);
    times[k].cpu.push((cpu * 1e6) / nodes);
  };
  for (let r = 0; r < rounds; r++) {
    gcNow();
    const plainParse = timed(() => paths.map((_, i) => parseOwn(i)));
    const asts = plainParse[2];
    if (r === 0) for (const sf of asts) nodes += collect(ts, sf).length;
    add('parse (TypeScript)', plainParse);
    add('cursor build', timed(() => asts.forEach((sf) => sa.build(sf))));
    gcNow();
    const into = timed(() => paths.map((_, i) => parseShared(i)));
    add('parse into shared', into);
    for (let i = 0; i < paths.length; i++) {
      const got = collect(pts, into[2][i]);
      const want = collect(ts, asts[i]);
      if (got.length !== want.length || got.some((x, j) => x !== want[j])) throw new Error(`${paths[i]}: the shared parse differs from TypeScript's`);
    }
    process.stderr.write(`round ${r + 1}/${rounds}\n`);
  }
  console.log(`${paths.length} files, ${nodes.toLocaleString('en-US')} nodes; every shared parse gave TypeScript's nodes; median of ${rounds} rounds, ns per node (wall, process CPU)`);
  const base = median(times['parse (TypeScript)'].cpu);
  for (const [k, v] of Object.entries(times)) {
    const m = median(v.cpu);
    console.log(`${k.padEnd(20)} wall ${median(v.ms).toFixed(0).padStart(6)}  cpu ${m.toFixed(0).padStart(6)}  (${(m / base).toFixed(2)}x parse)   cpu range ${Math.min(...v.cpu).toFixed(0)}-${Math.max(...v.cpu).toFixed(0)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
