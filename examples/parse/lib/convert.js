'use strict';
// Converting TypeScript's AST into the schema's shape (lib/schema.js), as plain objects
// (message mode: posted to the main thread) or as shared structs (shared mode: through
// lib/shared-ast.js, the one module that builds with the library). Both run the same
// generated code per kind, one function per SyntaxKind:
//
//   node = new <kind's type>; kind, pos, end, flags, parent; the scalars that are defined;
//   each defined child property converted with the node as parent (a node, a NodeArray,
//   or a string where a JSDoc comment is plain text); jsDoc converted the same way.
//
// `parent` of a node is the node holding it, directly or through a NodeArray or jsDoc
// (as in TypeScript); the SourceFile's is undefined. Kinds the probes do not produce check
// each node for scalar properties the schema lacks (a clear error instead of a silent loss).

const { deriveSchema, missingProperties } = require('./schema');

/** JS source of the converter of one kind, for target 'bulk' (lib/shared-ast.js). */
function bulkKindSource(k, shape) {
  const lines = [];
  const refs = new Set(shape.refFields);
  const q = (f) => JSON.stringify(f);
  lines.push(`let V${k.kind} = null;`);
  lines.push(`function convert_${k.name}(n, p) {`);
  if (!k.observed) lines.push('  check(n);');
  lines.push(`  const V = V${k.kind} !== null ? V${k.kind} : (V${k.kind} = view(${k.shape}));`);
  lines.push('  const s = V.set;');
  lines.push('  const h = V.create();');
  lines.push(`  s.kind(h, ${k.kind});`);
  lines.push('  s.pos(h, n.pos);');
  lines.push('  s.end(h, n.end);');
  lines.push('  s.flags(h, n.flags);');
  lines.push(`  if (p !== undefined) s.parent(h, ${refs.has('parent') ? 'p' : 'object(p)'});`);
  for (const f of k.scalarFields) lines.push(`  if (n[${q(f)}] !== undefined) s[${q(f)}](h, n[${q(f)}]);`);
  lines.push('  let v;');
  for (const f of k.childFields) {
    lines.push(`  v = n[${q(f)}];`);
    const conv = '(isArray(v) ? list(v, h) : node(v, h))';
    lines.push(`  if (v !== undefined) s[${q(f)}](h, typeof v === 'object' ? ${refs.has(f) ? conv : `object(${conv})`} : v);`);
  }
  if (k.jsDoc) {
    lines.push('  v = n.jsDoc;');
    lines.push(`  if (v !== undefined) s.jsDoc(h, ${refs.has('jsDoc') ? 'docs(v, h)' : 'object(docs(v, h))'});`);
  }
  lines.push('  return h;');
  lines.push('}');
  return lines.join('\n');
}

/**
 * JS source of the converter of one kind, for target 'cursor' (lib/shared-ast.js): the node
 * is created and positioned once (`c.at(h)`: one handle check), its numbers, scalars and
 * parent written through the shape's cursor, its children converted (the recursion can move
 * the cursor: children of the same shape use it too), then, if it has any, the cursor is
 * positioned on the node again and the child fields written.
 */
function cursorKindSource(k, shape) {
  const lines = [];
  const refs = new Set(shape.refFields);
  const q = (f) => JSON.stringify(f);
  const prop = (f) => (/^[A-Za-z_$][\w$]*$/.test(f) ? `.${f}` : `[${q(f)}]`);
  lines.push(`let V${k.kind} = null;`);
  lines.push(`let C${k.kind} = null;`);
  lines.push(`function convert_${k.name}(n, p) {`);
  if (!k.observed) lines.push('  check(n);');
  lines.push(`  let c = C${k.kind};`);
  lines.push(`  if (c === null) c = C${k.kind} = (V${k.kind} = view(${k.shape})).cursor();`);
  lines.push(`  const h = V${k.kind}.create();`);
  lines.push('  c.at(h);');
  lines.push(`  c.kind = ${k.kind};`);
  lines.push('  c.pos = n.pos;');
  lines.push('  c.end = n.end;');
  lines.push('  c.flags = n.flags;');
  lines.push(`  if (p !== undefined) c.parent = ${refs.has('parent') ? 'p' : 'object(p)'};`);
  if (k.scalarFields.length > 0) lines.push('  let v;');
  for (const f of k.scalarFields) lines.push(`  v = n${prop(f)}; if (v !== undefined) c${prop(f)} = v;`);
  const kids = k.childFields.map((f, j) => ({ f, x: `x${j}` }));
  if (k.jsDoc) kids.push({ f: 'jsDoc', x: 'xd' });
  for (const { f, x } of kids) {
    if (f === 'jsDoc') {
      lines.push(`  let ${x} = n.jsDoc;`);
      lines.push(`  if (${x} !== undefined) ${x} = ${refs.has('jsDoc') ? `docs(${x}, h)` : `object(docs(${x}, h))`};`);
    } else {
      // A non-reference field (a JSDoc comment: a string or a NodeArray) takes a wrapper.
      const conv = `(isArray(${x}) ? list(${x}, h) : node(${x}, h))`;
      lines.push(`  let ${x} = n${prop(f)};`);
      lines.push(`  if (typeof ${x} === 'object') ${x} = ${refs.has(f) ? conv : `object(${conv})`};`);
    }
  }
  if (kids.length > 0) {
    lines.push(`  if (${kids.map(({ x }) => `${x} !== undefined`).join(' || ')}) {`);
    lines.push('    c.at(h);');
    for (const { f, x } of kids) lines.push(`    if (${x} !== undefined) c${prop(f)} = ${x};`);
    lines.push('  }');
  }
  lines.push('  return h;');
  lines.push('}');
  return lines.join('\n');
}

/**
 * The converter's shared part for target 'cursor': dispatch by kind, NodeArrays and jsDoc
 * lists. A list's elements are converted onto a stack (nested lists push above and pop back),
 * then the list is made and filled through one cursor.
 */
const CURSOR_PRELUDE = `
let fns = null;
const stack = [];
let top = 0;
const na = NA.cursor();
const dc = DOCS.cursor();
function node(n, p) { return fns[n.kind](n, p); }
function list(a, owner) {
  const m = a.length;
  const base = top;
  for (let i = 0; i < m; i++) stack[top++] = node(a[i], owner);
  const out = NA.create(m);
  na.at(out);
  na.pos = a.pos;
  na.end = a.end;
  na.hasTrailingComma = a.hasTrailingComma;
  for (let i = 0; i < m; i++) na.setItem(i, stack[base + i]);
  top = base;
  return out;
}
function docs(a, owner) {
  const m = a.length;
  const base = top;
  for (let i = 0; i < m; i++) stack[top++] = node(a[i], owner);
  const out = DOCS.create(m);
  dc.at(out);
  for (let i = 0; i < m; i++) dc.setItem(i, stack[base + i]);
  top = base;
  return out;
}
`;

/**
 * JS source of the walker of one kind for target 'noop': it reads what the converters read
 * (every field, each child) and recurses, building nothing: the floor of any conversion.
 */
function noopKindSource(k) {
  const q = (f) => JSON.stringify(f);
  const lines = [`function convert_${k.name}(n, p) {`];
  lines.push('  sink = n.pos + n.end + n.flags + (p === undefined ? 0 : 1);');
  lines.push('  let v;');
  for (const f of k.scalarFields) lines.push(`  v = n[${q(f)}]; if (v !== undefined) sink++;`);
  for (const f of k.childFields) lines.push(`  v = n[${q(f)}]; if (typeof v === 'object') isArray(v) ? list(v, n) : node(v, n);`);
  if (k.jsDoc) lines.push('  v = n.jsDoc; if (v !== undefined) docs(v, n);');
  lines.push('  return 0;');
  lines.push('}');
  return lines.join('\n');
}

/** JS source of the converter of one kind, for target 'plain' or 'shared'. */
function kindSource(k, target) {
  const lines = [];
  if (target === 'shared') lines.push(`let T${k.kind} = null;`);
  lines.push(`function convert_${k.name}(n, p) {`);
  if (!k.observed) lines.push('  check(n);');
  if (target === 'plain') {
    // One object literal per kind: every node of a kind gets the same hidden class.
    const props = k.fields.map((f) => {
      if (f === 'kind') return `kind: ${k.kind}`;
      if (f === 'parent') return 'parent: p';
      if (f === 'pos' || f === 'end' || f === 'flags' || k.scalarFields.includes(f)) return `${JSON.stringify(f)}: n[${JSON.stringify(f)}]`;
      return `${JSON.stringify(f)}: undefined`;
    });
    lines.push(`  const o = { ${props.join(', ')} };`);
  } else {
    lines.push(`  const o = new (T${k.kind} !== null ? T${k.kind} : (T${k.kind} = type(${k.shape})))();`);
    lines.push(`  o.kind = ${k.kind};`);
    lines.push('  o.pos = n.pos;');
    lines.push('  o.end = n.end;');
    lines.push('  o.flags = n.flags;');
    lines.push('  if (p !== undefined) o.parent = p;');
    for (const f of k.scalarFields) {
      lines.push(`  if (n[${JSON.stringify(f)}] !== undefined) o[${JSON.stringify(f)}] = n[${JSON.stringify(f)}];`);
    }
  }
  lines.push('  let v;');
  for (const f of k.childFields) {
    const q = JSON.stringify(f);
    lines.push(`  v = n[${q}];`);
    lines.push(`  if (v !== undefined) o[${q}] = typeof v === 'object' ? (isArray(v) ? list(v, o) : node(v, o)) : v;`);
  }
  if (k.jsDoc) {
    lines.push('  v = n.jsDoc;');
    lines.push('  if (v !== undefined) o.jsDoc = docs(v, o);');
  }
  lines.push('  return o;');
  lines.push('}');
  return lines.join('\n');
}

/**
 * Builds the converter of this thread for `ts`: `{ convert(sf) -> root, schema }`.
 * `target` is 'plain'; 'shared' (through wrappers) with `shared` = { type(shape) (the
 * struct type of a shape, declared on first use), newNodeArray(length, pos, end,
 * hasTrailingComma), newDocs(length) }; or 'bulk' (through the library's bulk handles, no
 * wrapper per node; convert() returns a handle, inside the caller's bulk session) with
 * `shared` = { view(shape) (the bulk view of a shape's type), object(handle) (its wrapper),
 * newNodeArray and newDocs returning handles, setAt(array, i, handle), setDoc(list, i,
 * handle) }, both from lib/shared-ast.js.
 */
function makeConverter(ts, target, shared = null) {
  const schema = deriveSchema(ts);
  const names = schema.names;
  const check = (n) => {
    const missing = missingProperties(schema, n);
    if (missing.length > 0) {
      throw new Error(`a ${names[n.kind]} node at ${n.pos} has ${missing.join(', ')}, which the shared schema derived from the probes (lib/probe.js) lacks`);
    }
  };
  const parts = [];
  const table = [];
  for (const k of schema.kinds) {
    const sh = schema.shapes[k.shape];
    if (target === 'bulk') parts.push(bulkKindSource(k, sh));
    else if (target === 'cursor') parts.push(cursorKindSource(k, sh));
    else if (target === 'noop') parts.push(noopKindSource(k));
    else parts.push(kindSource(k, target));
    table.push(`convert_${k.name}`);
  }
  let list;
  let docs;
  if (target === 'noop') {
    list = (a, owner) => {
      for (let i = 0; i < a.length; i++) node(a[i], owner);
      return a.pos + a.end + (a.hasTrailingComma ? 1 : 0);
    };
    docs = (a, owner) => {
      for (let i = 0; i < a.length; i++) node(a[i], owner);
      return 0;
    };
  } else if (target === 'plain') {
    list = (a, owner) => {
      const m = a.length;
      const out = new Array(m);
      for (let i = 0; i < m; i++) out[i] = node(a[i], owner);
      out.pos = a.pos;
      out.end = a.end;
      out.hasTrailingComma = a.hasTrailingComma;
      return out;
    };
    docs = (a, owner) => {
      const m = a.length;
      const out = new Array(m);
      for (let i = 0; i < m; i++) out[i] = node(a[i], owner);
      return out;
    };
  } else if (target === 'bulk') {
    const { newNodeArray, newDocs, setAt, setDoc } = shared;
    list = (a, owner) => {
      const m = a.length;
      const out = newNodeArray(m, a.pos, a.end, a.hasTrailingComma);
      for (let i = 0; i < m; i++) setAt(out, i, node(a[i], owner));
      return out;
    };
    docs = (a, owner) => {
      const m = a.length;
      const out = newDocs(m);
      for (let i = 0; i < m; i++) setDoc(out, i, node(a[i], owner));
      return out;
    };
  } else {
    const { newNodeArray, newDocs } = shared;
    list = (a, owner) => {
      const m = a.length;
      const out = newNodeArray(m, a.pos, a.end, a.hasTrailingComma);
      for (let i = 0; i < m; i++) out.set(i, node(a[i], owner));
      return out;
    };
    docs = (a, owner) => {
      const m = a.length;
      const out = newDocs(m);
      for (let i = 0; i < m; i++) out.set(i, node(a[i], owner));
      return out;
    };
  }
  if (target === 'cursor') {
    const body = `${CURSOR_PRELUDE}\n${parts.join('\n')}\nfns = [${table.join(', ')}];\nreturn { fns, reset() { top = 0; } };`;
    // eslint-disable-next-line no-new-func
    const made = new Function('NA', 'DOCS', 'check', 'isArray', 'view', 'object', body)(shared.NA, shared.DOCS, check, Array.isArray, shared.view, shared.object);
    const cfns = made.fns;
    return {
      schema,
      convert(sf) {
        made.reset();
        return cfns[sf.kind](sf, undefined);
      },
    };
  }
  const body = `let sink = 0;\n${parts.join('\n')}\nreturn [${table.join(', ')}];`;
  // eslint-disable-next-line no-new-func
  const make = new Function('node', 'list', 'docs', 'check', 'type', 'isArray', 'view', 'object', body);
  let fns = null;
  const node = (n, p) => fns[n.kind](n, p);
  fns = make(node, (a, o) => list(a, o), (a, o) => docs(a, o), check, shared === null ? null : shared.type, Array.isArray, shared === null ? null : shared.view, shared === null ? null : shared.object);
  return {
    schema,
    /** TypeScript SourceFile -> the schema's SourceFile (plain object or shared struct). */
    convert(sf) {
      return node(sf, undefined);
    },
  };
}

module.exports = { makeConverter, kindSource, bulkKindSource, cursorKindSource };
