'use strict';
// The visitor every mode runs on the main thread (or, in processes mode, in each process):
// plain TypeScript code, `ts.forEachChild` from the SourceFile down, written for
// TypeScript's own nodes and run unchanged on the schema-shaped plain objects of message
// mode and the shared structs of shared mode.
//
// Per file it counts nodes per kind and identifiers, checks that every node's `parent` is
// the node whose forEachChild reached it (the SourceFile's is undefined), and hashes
// (kind, pos, end) of every node and the text of identifiers (escapedText) and of literals
// (`text` of numeric, bigint, string, regular expression and template literals, template
// parts and JSX text), in depth-first pre-order. Checksums are FNV-1a over 32-bit words; the run's checksum folds the files'
// in input order (files complete in any order in the parallel modes).

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Accumulated counts of a walk over one or more files. */
class WalkStats {
  constructor() {
    this.nodes = 0;
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
  /** Adds counts sent from another process: `{ nodes, identifiers, badParents, kinds, fileSums }`. */
  merge(o) {
    this.nodes += o.nodes;
    this.identifiers += o.identifiers;
    this.badParents += o.badParents;
    for (let k = 0; k < o.kinds.length; k++) this.kinds[k] += o.kinds[k];
    for (const [p, s] of o.fileSums) this.fileSums.set(p, s);
  }
  /** The counts as plain data (for IPC). */
  toJSON() {
    return { nodes: this.nodes, identifiers: this.identifiers, badParents: this.badParents, kinds: Array.from(this.kinds), fileSums: [...this.fileSums] };
  }
}

function hashText(h, s) {
  h = Math.imul(h ^ s.length, FNV_PRIME);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** This thread's visitor for `ts`: `visitFile(sf, st)` adds to `st` and returns the file's checksum. */
function makeVisitor(ts) {
  const forEachChild = ts.forEachChild;
  const IDENTIFIER = ts.SyntaxKind.Identifier;
  const PRIVATE_IDENTIFIER = ts.SyntaxKind.PrivateIdentifier;
  // Literal kinds, and the template parts after them: the nodes whose `text` is syntax.
  const FIRST_TEXT = ts.SyntaxKind.FirstLiteralToken;
  const LAST_TEXT = ts.SyntaxKind.LastTemplateToken;
  let kinds = null;
  let parent;
  let nodes = 0;
  let ids = 0;
  let bad = 0;
  let h = FNV_OFFSET;

  function visit(node) {
    if (node.parent !== parent) bad++;
    const k = node.kind;
    nodes++;
    kinds[k]++;
    h = Math.imul(h ^ k, FNV_PRIME);
    h = Math.imul(h ^ node.pos, FNV_PRIME);
    h = Math.imul(h ^ node.end, FNV_PRIME);
    if (k === IDENTIFIER || k === PRIVATE_IDENTIFIER) {
      ids++;
      h = hashText(h, node.escapedText);
    } else if (k >= FIRST_TEXT && k <= LAST_TEXT) {
      h = hashText(h, node.text);
    }
    const saved = parent;
    parent = node;
    forEachChild(node, visit);
    parent = saved;
  }

  return function visitFile(sf, st) {
    kinds = st.kinds;
    parent = undefined;
    nodes = 0;
    ids = 0;
    bad = 0;
    h = FNV_OFFSET;
    visit(sf);
    st.nodes += nodes;
    st.identifiers += ids;
    st.badParents += bad;
    return h >>> 0;
  };
}

module.exports = { WalkStats, makeVisitor };
