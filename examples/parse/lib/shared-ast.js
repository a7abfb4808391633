'use strict';
// The TypeScript-shaped shared AST: the one module of the demo that builds with the
// library's object model, so that a faster build or read API (issue 14) replaces the code
// here and nothing else.
//
// For every SyntaxKind, a registered struct type whose fields are the schema's
// (lib/schema.js): TypeScript's own property names for that kind. NodeArrays are
// `elements: true` structs with pos, end, hasTrailingComma; a node's jsDoc list is a
// JSDocList (an `elements: true` struct with no fields). Each thread puts on its prototype of every type the methods of TypeScript's
// own class for that kind (getSourceFile, getStart, getEnd, getWidth, getText,
// getChildCount, getChildAt, getChildren, forEachChild, Identifier's `text` getter, ...),
// taken from the installed TypeScript at run time, so TypeScript code (ts.forEachChild, a
// visitor written for TypeScript's nodes, node.getText()) runs on shared nodes unchanged.
//
// The workers freeze each SourceFile (deep) before handing it over. What TypeScript caches
// *into* nodes (a SourceFile's lineMap and namedDeclarations, a node's modifierFlagsCache and
// id, a jsDoc list's jsDocCache) lives per thread instead: accessors on each thread's
// prototypes keep it in a WeakMap keyed by the node, so ts.getLineAndCharacterOfPosition,
// getNamedDeclarations, getCombinedModifierFlags and getJSDocTags work on frozen shared nodes.

const { SharedStructType, SharedArray, bulk, freeze } = require('./library');
const { deriveSchema } = require('./schema');
const { makeConverter } = require('./convert');

/**
 * Copies the methods and accessors of TypeScript's prototype chain `proto` (up to
 * Object.prototype) onto `target`, except names the struct type already has (its fields).
 */
function adoptMethods(target, proto) {
  const taken = new Set(Reflect.ownKeys(target));
  for (let p = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Reflect.ownKeys(p)) {
      if (name === 'constructor' || taken.has(name)) continue;
      taken.add(name);
      Object.defineProperty(target, name, Object.getOwnPropertyDescriptor(p, name));
    }
  }
}

/** Properties TypeScript's queries cache into a node (every kind), kept per thread. */
const NODE_CACHES = ['modifierFlagsCache', 'id'];
/** ... into a SourceFile (getLineStarts, getNamedDeclarations). */
const SOURCE_FILE_CACHES = ['lineMap', 'namedDeclarations'];
/** ... into a node's jsDoc list (getJSDocTags). */
const JSDOC_LIST_CACHES = ['jsDocCache'];

/**
 * Defines on `proto` an accessor per name in `names` (unless `proto` has the name: a field)
 * that reads and writes a per-thread side object of the node in `store` (a WeakMap keyed by
 * the node's wrapper). The shared node is never written: these are TypeScript's caches, each
 * thread computes its own.
 */
function sideCaches(proto, names, store) {
  for (const name of names) {
    if (Object.prototype.hasOwnProperty.call(proto, name)) continue;
    Object.defineProperty(proto, name, {
      get() {
        const o = store.get(this);
        return o === undefined ? undefined : o[name];
      },
      set(v) {
        let o = store.get(this);
        if (o === undefined) store.set(this, (o = {}));
        o[name] = v;
      },
      configurable: true,
    });
  }
}

const perThread = new WeakMap();

/**
 * This thread's shared AST for `ts`: `{ schema, type(shape), declared(shape), declareAll(),
 * declareUsed(used), NodeArray, isNodeArray(x), build(sf, used), freezeSourceFile(root) }`.
 * A shape's struct type is declared (and given TypeScript's methods) when this thread first
 * builds a node of it, or through declareAll / declareUsed before reading nodes other threads
 * built: a type met only through a reference would lack TypeScript's methods here.
 */
function sharedAst(ts) {
  let s = perThread.get(ts);
  if (s !== undefined) return s;
  const schema = deriveSchema(ts);
  const types = new Array(schema.shapes.length).fill(null);
  /** Shapes declared since the last build() call with a `used` list to record them in. */
  const fresh = [];
  /** This thread's side objects of TypeScript's caches (sideCaches), by node wrapper. */
  const side = new WeakMap();
  const sourceFileShape = schema.kinds[ts.SyntaxKind.SourceFile].shape;
  const type = (i) => {
    let T = types[i];
    if (T === null) {
      const sh = schema.shapes[i];
      T = new SharedStructType(sh.fields, { key: sh.key });
      adoptMethods(T.prototype, sh.proto);
      sideCaches(T.prototype, i === sourceFileShape ? [...NODE_CACHES, ...SOURCE_FILE_CACHES] : NODE_CACHES, side);
      types[i] = T;
      fresh.push(i);
    }
    return T;
  };
  const NodeArray = new SharedStructType(schema.nodeArrayFields, { key: schema.nodeArrayKey, elements: true });
  const newNodeArray = (length, pos, end, hasTrailingComma) => {
    const a = new NodeArray(length);
    a.pos = pos;
    a.end = end;
    a.hasTrailingComma = hasTrailingComma;
    return a;
  };
  const JSDocList = new SharedStructType([], { key: schema.jsDocListKey, elements: true });
  sideCaches(JSDocList.prototype, JSDOC_LIST_CACHES, side);
  const newDocs = (length) => new JSDocList(length);
  // The bulk path (the library's handles: no wrapper per node while building).
  const views = new Array(types.length).fill(null);
  const view = (i) => views[i] || (views[i] = bulk.view(type(i), { refs: schema.shapes[i].refFields }));
  const NA = bulk.view(NodeArray, { elements: 'refs' });
  const DOCS = bulk.view(JSDocList, { elements: 'refs' });
  const naSet = NA.set;
  const bulkTarget = {
    view,
    object: bulk.object,
    newNodeArray(length, pos, end, hasTrailingComma) {
      const a = NA.create(length);
      naSet.pos(a, pos);
      naSet.end(a, end);
      naSet.hasTrailingComma(a, hasTrailingComma);
      return a;
    },
    newDocs: (length) => DOCS.create(length),
    setAt: NA.setAt,
    setDoc: DOCS.setAt,
  };
  const cursorTarget = { view, object: bulk.object, NA, DOCS };
  let cursorConverter = null;
  let converter = null;
  let wrapperConverter = null;
  const markFresh = (used) => {
    if (used !== null) {
      for (const i of fresh) used.set(i, true);
      fresh.length = 0;
    }
  };
  s = {
    schema,
    /** The struct type of shape `i` (declared here on first use). */
    type,
    /** The struct type of `kind`. */
    typeOfKind: (kind) => type(schema.kinds[kind].shape),
    /** Declares every shape's type (125 of them: ~0.1-0.3 s today). */
    declareAll() {
      for (let i = 0; i < types.length; i++) type(i);
    },
    /** Declares the shapes marked true in `used` (a SharedArray a builder fills). */
    declareUsed(used) {
      for (let i = 0; i < types.length; i++) if (types[i] === null && used.get(i) === true) type(i);
    },
    NodeArray,
    /** The type of a node's jsDoc list (elements: the JSDoc nodes). */
    JSDocList,
    /** Whether `x` is a shared NodeArray (ts.isNodeArray looks for own pos/end properties). */
    isNodeArray: (x) => x instanceof NodeArray,
    /**
     * TypeScript SourceFile -> shared SourceFile (every node a struct of its shape's type).
     * `used` (optional): a SharedArray, one slot per shape, where the shapes this thread
     * declares are marked, so that the reading thread can declare them (declareUsed).
     */
    build(sf, used = null) {
      if (cursorConverter === null) cursorConverter = makeConverter(ts, 'cursor', cursorTarget);
      const root = bulk.session(() => bulk.object(cursorConverter.convert(sf)));
      markFresh(used);
      return root;
    },
    /** The same as build(), through bulk views (`view.set.<field>(handle, value)` per field). */
    buildWithViews(sf, used = null) {
      if (converter === null) converter = makeConverter(ts, 'bulk', bulkTarget);
      const root = bulk.session(() => bulk.object(converter.convert(sf)));
      markFresh(used);
      return root;
    },
    /** The same as build(), through wrappers (`new T()` per node): the reference for the bulk build. */
    buildWithWrappers(sf, used = null) {
      if (wrapperConverter === null) wrapperConverter = makeConverter(ts, 'shared', { type, newNodeArray, newDocs });
      const root = wrapperConverter.convert(sf);
      markFresh(used);
      return root;
    },
    /** A SharedArray for build()'s `used`, one slot per shape. */
    newUsedList: () => new SharedArray(types.length),
    freezeSourceFile,
  };
  perThread.set(ts, s);
  return s;
}

/**
 * Makes a SourceFile and everything under it (nodes, NodeArrays, jsDoc lists) immutable in
 * every thread before it is handed over: any later write to it throws a TypeError, in the
 * worker that built it and in every reader. Returns `root`.
 */
function freezeSourceFile(root) {
  return freeze(root, { deep: true });
}

module.exports = { sharedAst, freezeSourceFile, adoptMethods };
