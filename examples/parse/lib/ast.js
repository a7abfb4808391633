'use strict';
// The generic AST shape shared by every mode of the parse demo (docs/parse.md), its two
// representations and the walk.
//
//   Node      kind, pos, end, flags, parent, text + children (elements, in forEachChild order)
//   NodeArray pos, end                          + elements (the nodes of a TypeScript NodeArray)
//
// A child of a Node is a Node or a NodeArray; a NodeArray holds Nodes. `parent` of a node
// is the Node that holds it, directly or through a NodeArray (as in TypeScript); the
// SourceFile's parent is null. `text` is the text of identifiers and literals, the file
// name for a SourceFile, else undefined.
//
// Plain representation (single and message modes): objects of the classes below; a
// NodeArray has kind -1 so the plain walk tells them apart without instanceof (structured
// cloning drops prototypes). Shared representation (shared mode): the struct types below.
//
// Every mode does the same conversion work: TypeScript AST -> this shape, by one recursive
// forEachChild walk per file.

const NODE_FIELDS = ['kind', 'pos', 'end', 'flags', 'parent', 'text'];
const NODE_ARRAY_FIELDS = ['pos', 'end'];
const NODE_KEY = 'shared-structs/parse.Node@1';
const NODE_ARRAY_KEY = 'shared-structs/parse.NodeArray@1';
/** Marker kind of a plain NodeArray (never a SyntaxKind). */
const ARRAY_KIND = -1;

let sharedTypes = null;
/** This thread's constructors for the shared Node and NodeArray types (declared once). */
function shared() {
  if (sharedTypes === null) {
    const { SharedStructType } = require('./library');
    sharedTypes = {
      Node: new SharedStructType(NODE_FIELDS, { key: NODE_KEY, elements: true }),
      NodeArray: new SharedStructType(NODE_ARRAY_FIELDS, { key: NODE_ARRAY_KEY, elements: true }),
    };
  }
  return sharedTypes;
}

/** A plain AST node (single and message modes). */
class PlainNode {
  constructor(kind, pos, end, flags, parent, text) {
    this.kind = kind;
    this.pos = pos;
    this.end = end;
    this.flags = flags;
    this.parent = parent;
    this.text = text;
    this.children = EMPTY;
  }
}

/** A plain NodeArray. */
class PlainNodeArray {
  constructor(pos, end, elements) {
    this.kind = ARRAY_KIND;
    this.pos = pos;
    this.end = end;
    this.elements = elements;
  }
}

/** Children of leaves (shared by all of them, never written). */
const EMPTY = Object.freeze([]);

/**
 * Per-thread converter state for one TypeScript module: which kinds carry text, and a
 * scratch stack of children (so collecting the children of a node allocates nothing).
 */
function makeConverter(ts) {
  const SK = ts.SyntaxKind;
  const textKinds = new Uint8Array(1024);
  for (const k of [
    SK.Identifier,
    SK.PrivateIdentifier,
    SK.StringLiteral,
    SK.NumericLiteral,
    SK.BigIntLiteral,
    SK.NoSubstitutionTemplateLiteral,
    SK.RegularExpressionLiteral,
    SK.TemplateHead,
    SK.TemplateMiddle,
    SK.TemplateTail,
    SK.JsxText,
  ]) {
    textKinds[k] = 1;
  }
  const SOURCE_FILE = SK.SourceFile;
  const forEachChild = ts.forEachChild;

  // Children of the nodes being converted, one frame above the other: a node's children
  // are collected at [base, top) and converted before any sibling's.
  let stack = new Array(4096);
  let top = 0;
  // Nodes and NodeArrays are pushed as they are (a TypeScript NodeArray has no `kind`).
  const push = (x) => {
    if (top === stack.length) stack.length *= 2;
    stack[top++] = x;
  };

  function textOf(n) {
    const k = n.kind;
    if (textKinds[k] === 1) return n.text;
    if (k === SOURCE_FILE) return n.fileName;
    return undefined;
  }

  // ---- plain ------------------------------------------------------------------------

  function plainNode(n, parent) {
    const p = new PlainNode(n.kind, n.pos, n.end, n.flags, parent, textOf(n));
    const base = top;
    forEachChild(n, push, push);
    const count = top - base;
    if (count > 0) {
      const children = new Array(count);
      for (let i = 0; i < count; i++) {
        const c = stack[base + i];
        children[i] = c.kind === undefined ? plainArray(c, p) : plainNode(c, p);
      }
      p.children = children;
    }
    top = base;
    return p;
  }

  function plainArray(a, owner) {
    const n = a.length;
    const elements = new Array(n);
    for (let i = 0; i < n; i++) elements[i] = plainNode(a[i], owner);
    return new PlainNodeArray(a.pos, a.end, elements);
  }

  // ---- shared -----------------------------------------------------------------------

  let SNode = null;
  let SNodeArray = null;

  function sharedNode(n, parent) {
    const base = top;
    forEachChild(n, push, push);
    const count = top - base;
    const s = new SNode(count);
    s.kind = n.kind;
    s.pos = n.pos;
    s.end = n.end;
    s.flags = n.flags;
    s.parent = parent;
    const k = n.kind;
    if (textKinds[k] === 1) s.text = n.text;
    else if (k === SOURCE_FILE) s.text = n.fileName;
    for (let i = 0; i < count; i++) {
      const c = stack[base + i];
      s.set(i, c.kind === undefined ? sharedArray(c, s) : sharedNode(c, s));
    }
    top = base;
    return s;
  }

  function sharedArray(a, owner) {
    const n = a.length;
    const s = new SNodeArray(n);
    s.pos = a.pos;
    s.end = a.end;
    for (let i = 0; i < n; i++) s.set(i, sharedNode(a[i], owner));
    return s;
  }

  return {
    /** TypeScript SourceFile -> plain AST (PlainNode tree). */
    toPlain(sf) {
      top = 0;
      return plainNode(sf, null);
    },
    /** TypeScript SourceFile -> shared AST (Node struct tree in the shared heap). */
    toShared(sf) {
      if (SNode === null) ({ Node: SNode, NodeArray: SNodeArray } = shared());
      top = 0;
      return sharedNode(sf, null);
    },
    /** Drops references the scratch stack still holds to a TypeScript AST. */
    clear() {
      stack = new Array(4096);
      top = 0;
    },
  };
}

// ---- the walk ---------------------------------------------------------------------------
//
// Counts nodes per kind, identifiers and NodeArrays, checks every parent pointer, and
// hashes (kind, pos, end, text) of every node and (-1, pos, end) of every NodeArray in
// depth-first pre-order (children in order). Checksums are FNV-1a over 32-bit words.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Accumulated counts of a walk over one or more files. */
class WalkStats {
  constructor(identifierKind) {
    this.identifierKind = identifierKind;
    this.nodes = 0;
    this.arrays = 0;
    this.identifiers = 0;
    this.badParents = 0;
    this.kinds = new Float64Array(1024);
    /** path -> checksum of that file's AST. */
    this.fileSums = new Map();
  }
  /** Checksum over every file, in the order of `paths`. */
  checksum(paths) {
    let h = FNV_OFFSET;
    for (const p of paths) {
      const s = this.fileSums.get(p);
      if (s === undefined) throw new Error(`no AST for ${p}`);
      h = Math.imul(h ^ s, FNV_PRIME) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  }
  /** { kindName: count } for kinds that occur, most frequent first. */
  kindCounts(kindName) {
    const out = [];
    for (let k = 0; k < this.kinds.length; k++) if (this.kinds[k] > 0) out.push([kindName(k), this.kinds[k]]);
    out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return Object.fromEntries(out);
  }
}

/** Folds a node's (kind, pos, end) into the checksum. */
function mixNode(h, k, pos, end) {
  h = Math.imul(h ^ k, FNV_PRIME);
  h = Math.imul(h ^ pos, FNV_PRIME);
  return Math.imul(h ^ end, FNV_PRIME);
}

/** Adds one file's walk counts to the stats. */
function addCounts(st, nodes, arrays, ids, bad) {
  st.nodes += nodes;
  st.arrays += arrays;
  st.identifiers += ids;
  st.badParents += bad;
}

function hashText(h, s) {
  h = Math.imul(h ^ s.length, FNV_PRIME);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Walks a plain AST (PlainNode tree); adds to `st`; returns the file's checksum. */
function walkPlain(root, st) {
  const kinds = st.kinds;
  const idKind = st.identifierKind;
  let nodes = 0;
  let arrays = 0;
  let ids = 0;
  let bad = 0;
  let h = FNV_OFFSET;
  function node(n, parent) {
    if (n.parent !== parent) bad++;
    const k = n.kind;
    nodes++;
    kinds[k]++;
    if (k === idKind) ids++;
    h = mixNode(h, k, n.pos, n.end);
    const t = n.text;
    if (t !== undefined) h = hashText(h, t);
    const cs = n.children;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i];
      if (c.kind === ARRAY_KIND) {
        arrays++;
        h = mixNode(h, ARRAY_KIND, c.pos, c.end);
        const es = c.elements;
        for (let j = 0; j < es.length; j++) node(es[j], n);
      } else {
        node(c, n);
      }
    }
  }
  node(root, null);
  addCounts(st, nodes, arrays, ids, bad);
  return h >>> 0;
}

/** Walks a shared AST (Node struct tree); adds to `st`; returns the file's checksum. */
function walkShared(root, st) {
  const { NodeArray } = shared();
  const kinds = st.kinds;
  const idKind = st.identifierKind;
  let nodes = 0;
  let arrays = 0;
  let ids = 0;
  let bad = 0;
  let h = FNV_OFFSET;
  function node(n, parent) {
    if (n.parent !== parent) bad++;
    const k = n.kind;
    nodes++;
    kinds[k]++;
    if (k === idKind) ids++;
    h = mixNode(h, k, n.pos, n.end);
    const t = n.text;
    if (t !== undefined) h = hashText(h, t);
    const count = n.length;
    for (let i = 0; i < count; i++) {
      const c = n.get(i);
      if (c instanceof NodeArray) {
        arrays++;
        h = mixNode(h, ARRAY_KIND, c.pos, c.end);
        const m = c.length;
        for (let j = 0; j < m; j++) node(c.get(j), n);
      } else {
        node(c, n);
      }
    }
  }
  node(root, null);
  addCounts(st, nodes, arrays, ids, bad);
  return h >>> 0;
}

module.exports = {
  NODE_FIELDS,
  NODE_ARRAY_FIELDS,
  ARRAY_KIND,
  PlainNode,
  PlainNodeArray,
  shared,
  makeConverter,
  WalkStats,
  walkPlain,
  walkShared,
};
