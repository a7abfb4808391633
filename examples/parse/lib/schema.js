'use strict';
// The TypeScript-shaped schema of the shared AST, derived at run time from the installed
// TypeScript (docs/parse.md, "The AST"). For every SyntaxKind:
//
//   fields   kind, pos, end, flags, parent; the child properties, in the order
//            ts.forEachChild reads them; the scalar properties TypeScript's parser sets on
//            nodes of that kind (escapedText, text, operator, isTypeOnly, ...); and jsDoc
//            where ts.canHaveJSDoc says the kind can carry JSDoc comments.
//   proto    the prototype TypeScript's own nodes of that kind have (NodeObject,
//            TokenObject, IdentifierObject, SourceFileObject...), whose methods each thread
//            puts on its prototype of the shared type.
//
// Kinds with the same fields and the same TypeScript class share one struct type (a
// shape): 359 kinds make 125 shapes, each declared by a thread only when it first needs it
// (declaring a type generates its class: ~1 ms each today).
//
// Child properties come from calling ts.forEachChild on a recording Proxy of each kind: its
// per-kind function reads every child property (all are undefined, so none short-circuits).
// Scalar properties are read off real nodes of the probe sources (lib/probe.js): own
// properties holding a string, number or boolean, except the caches of later phases
// (CACHES). Every thread derives the same schema from the same TypeScript, so the struct
// types (keyed by TypeScript version, class and field list) are the same in every thread.

const { PROBES } = require('./probe');

/** The fields every node has, in this order. */
const BASE_FIELDS = ['kind', 'pos', 'end', 'flags', 'parent'];
/** TypeScript's NodeArray: an array with these properties (elements are the nodes). */
const NODE_ARRAY_FIELDS = ['pos', 'end', 'hasTrailingComma'];
/**
 * Scalar properties every TypeScript node has that are bookkeeping of later phases (node
 * ids, cached modifier flags, the emitter's transform flags), not syntax.
 */
const CACHES = new Set(['id', 'modifierFlagsCache', 'transformFlags']);

/** Canonical kind names (SyntaxKind maps some values to First.../Last... aliases too). */
function kindNames(ts) {
  const names = [];
  for (const [name, v] of Object.entries(ts.SyntaxKind)) {
    if (typeof v === 'number' && (names[v] === undefined || /^(First|Last)/.test(names[v]))) names[v] = name;
  }
  return names;
}

/** The property names ts.forEachChild reads on a node of `kind`, in order (no `kind`). */
function childProperties(ts, kind) {
  const reads = [];
  const target = { kind };
  const recorder = new Proxy(target, {
    get(t, p) {
      if (p === 'kind') return kind;
      if (typeof p === 'string' && !reads.includes(p)) reads.push(p);
      return undefined;
    },
  });
  try {
    ts.forEachChild(recorder, () => undefined, () => undefined);
  } catch {
    // A per-kind function that needs a real value past some point: keep what it read.
  }
  return reads;
}

function isScalar(v) {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean';
}

/** Per kind: { keys: scalar property names in first-seen order, proto, count } over the probes. */
function observeProbes(ts) {
  const seen = new Map();
  for (const [fileName, text] of PROBES) {
    const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
    const stack = [sf];
    const visited = new Set();
    while (stack.length > 0) {
      const n = stack.pop();
      if (visited.has(n)) continue;
      visited.add(n);
      let e = seen.get(n.kind);
      if (e === undefined) seen.set(n.kind, (e = { keys: [], proto: Object.getPrototypeOf(n), count: 0 }));
      e.count++;
      for (const k of Object.keys(n)) {
        if (!CACHES.has(k) && isScalar(n[k]) && !e.keys.includes(k)) e.keys.push(k);
      }
      ts.forEachChild(
        n,
        (c) => {
          stack.push(c);
        },
        (a) => {
          for (const c of a) stack.push(c);
        },
      );
      if (n.jsDoc) for (const j of n.jsDoc) stack.push(j);
    }
  }
  return seen;
}

/** FNV-1a of a string, as 8 hex digits (part of the struct type keys). */
function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const cache = new WeakMap();

/**
 * The schema for this `ts` module (derived once per thread):
 * `{ version, names, count, kinds: [{ kind, name, fields, childFields, scalarFields, jsDoc,
 *   refFields, observed, proto, shape }], shapes: [{ index, key, fields, proto, kinds,
 *   refFields }],
 *   nodeArrayFields, nodeArrayKey }`, `kinds` indexed by SyntaxKind, `shape` an index into
 * `shapes`.
 */
function deriveSchema(ts) {
  let s = cache.get(ts);
  if (s !== undefined) return s;
  const names = kindNames(ts);
  const seen = observeProbes(ts);
  const count = ts.SyntaxKind.Count;
  // Prototypes for kinds the probes do not produce: TypeScript's allocator gives tokens one
  // class and nodes another (ts.isNodeKind); take each from a probe node.
  const tokenProto = seen.get(ts.SyntaxKind.EndOfFileToken).proto;
  const nodeProto = seen.get(ts.SyntaxKind.Block).proto;
  const kinds = new Array(count);
  for (let kind = 0; kind < count; kind++) {
    const e = seen.get(kind);
    const childFields = kind > ts.SyntaxKind.LastToken ? childProperties(ts, kind) : [];
    const fields = BASE_FIELDS.slice();
    for (const f of childFields) if (!fields.includes(f)) fields.push(f);
    const scalarFields = [];
    if (e !== undefined) {
      for (const k of e.keys) {
        if (!fields.includes(k)) {
          fields.push(k);
          scalarFields.push(k);
        }
      }
    }
    const jsDoc = ts.canHaveJSDoc({ kind }) && !fields.includes('jsDoc');
    if (jsDoc) fields.push('jsDoc');
    // Fields that only ever hold nodes, NodeArrays or jsDoc lists (a JSDoc `comment` can be
    // a string, `isNameFirst` is a boolean that forEachChild reads): the bulk builder writes
    // them as references.
    const refFields = ['parent', ...childFields.filter((f) => e === undefined || !e.keys.includes(f)), ...(jsDoc ? ['jsDoc'] : [])];
    const name = names[kind] || `Kind${kind}`;
    const proto = e !== undefined ? e.proto : ts.isNodeKind(kind) ? nodeProto : tokenProto;
    kinds[kind] = {
      kind,
      name,
      fields,
      childFields,
      scalarFields,
      jsDoc,
      refFields,
      observed: e !== undefined,
      proto,
      shape: -1,
    };
  }
  // Shapes, in order of first kind: one per (TypeScript class, field list).
  const shapes = [];
  const byShape = new Map();
  for (const k of kinds) {
    const cls = k.proto.constructor.name;
    const id = `${cls}|${k.fields.join(',')}`;
    let sh = byShape.get(id);
    if (sh === undefined) {
      sh = { index: shapes.length, key: `shared-structs-parse/ts-${ts.version}/${cls}#${hashString(id)}`, fields: k.fields, proto: k.proto, kinds: [], refFields: k.refFields.slice() };
      byShape.set(id, sh);
      shapes.push(sh);
    }
    sh.kinds.push(k.kind);
    // A shape's reference fields are those that are references in every kind of it.
    sh.refFields = sh.refFields.filter((f) => k.refFields.includes(f));
    k.shape = sh.index;
  }
  s = {
    version: ts.version,
    names,
    kinds,
    shapes,
    count,
    nodeArrayFields: NODE_ARRAY_FIELDS,
    nodeArrayKey: `shared-structs-parse/ts-${ts.version}/NodeArray#${hashString(NODE_ARRAY_FIELDS.join(','))}`,
    jsDocListKey: `shared-structs-parse/ts-${ts.version}/JSDocList`,
  };
  cache.set(ts, s);
  return s;
}

/**
 * Properties of TypeScript node `n` that the schema of its kind lacks and that hold a
 * scalar (CACHES aside): what converting `n` would lose. Empty for every node the probes
 * cover; checked on every node of a kind they do not produce (lib/convert.js).
 */
function missingProperties(schema, n) {
  const k = schema.kinds[n.kind];
  const out = [];
  for (const p of Object.keys(n)) {
    if (!k.fields.includes(p) && !CACHES.has(p) && isScalar(n[p])) out.push(p);
  }
  return out;
}

module.exports = { deriveSchema, missingProperties, kindNames, BASE_FIELDS, NODE_ARRAY_FIELDS, CACHES };
