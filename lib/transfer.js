'use strict';
// Shared objects in postMessage, workerData and structuredClone (docs/transfer.md).
//
// Structured cloning copies a wrapper as an ordinary object: its fields are prototype
// accessors and it has no own enumerable properties, so it arrives as `{}`, and nothing
// tells the sender. Node 20 gives ordinary objects no serializer hook, so the library wraps
// the send paths: MessagePort.prototype.postMessage (which also carries Worker#postMessage,
// parentPort, BroadcastChannel and the internal message that starts a worker with its
// workerData) and globalThis.structuredClone. Each walks the message as the serializer will
// (arrays, Maps, Sets, own enumerable properties of other objects) looking for a shared
// object:
//
// - by default, finding one throws a DataCloneError naming share();
// - with passByReference() on (require('shared-structs/transfer') or the polyfill), a
//   message containing one is sent as an envelope whose copy has each shared object
//   replaced by a reference (a share() token); the receiving thread's MessagePort dispatch
//   hook opens them, so the handler gets the same shared objects. workerData is rewritten
//   in place instead (no envelope: a worker often reads workerData before loading this
//   library) and a worker decodes it when the library loads, told by an environmentData
//   mark. structuredClone returns the same shared objects (no token: same thread).
//
// The walk recurses without a visited set (a set costs ~4x the walk on a 262,143-node
// tree) and falls back to a walk with one when it goes deeper than MAX_DEPTH (a cycle, or a
// very deep message) or past MAX_VISITS (a graph that shares subobjects heavily).

const wt = require('worker_threads');
const { syncBuiltinESMExports } = require('module');
const { types: utypes } = require('util');
const rt = require('./runtime');
const { share, open } = require('./share');

const { MessagePort } = wt;
const ReflectApply = Reflect.apply;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const getPrototypeOf = Object.getPrototypeOf;
const hasOwn = Object.prototype.hasOwnProperty;
const ObjectPrototype = Object.prototype;
const { isMap, isSet, isAnyArrayBuffer, isNativeError, isProxy } = utypes;
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const canBeShared = rt.canBeShared;

/** Envelope of a message sent by reference: { [ENVELOPE]: 1, v: the copy }. */
const ENVELOPE = 'shared-structs/message';
/** A reference in a copy: { [REF]: share() token } (or an index, within one thread). */
const REF = 'shared-structs/ref';
/** environmentData key telling a worker that its workerData holds references. */
const WORKER_DATA_MARK = 'shared-structs/workerData';
/** environmentData key: passByReference() is on in the thread that started this one. */
const BY_REFERENCE_MARK = 'shared-structs/passByReference';
/** The `type` of the internal message that starts a worker (lib/internal/worker.js). */
const LOAD_SCRIPT = 'loadScript';
const kHybridDispatch = Symbol.for('nodejs.internal.kHybridDispatch');

const MAX_DEPTH = 1000;
const MAX_VISITS = 1 << 20;

/** Whether this thread sends shared objects by reference (else: DataCloneError). */
let byReference = false;
let visits = 0;

/** A non-null object that holds no shared object of its own (not traversed). */
function isLeafObject(v) {
  return isView(v) || isAnyArrayBuffer(v) || isNativeError(v);
}

/**
 * First shared object reachable from `v` (an object) as structured cloning reaches it, or
 * null; undefined if the walk gave up (too deep or too many visits).
 */
function findFast(v, depth) {
  if (++visits > MAX_VISITS || depth > MAX_DEPTH) return undefined;
  if (canBeShared(v)) return v;
  let r = null;
  if (isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (typeof e === 'object' && e !== null && (r = findFast(e, depth + 1)) !== null) return r;
    }
    return null;
  }
  if (getPrototypeOf(v) !== ObjectPrototype) {
    if (isMap(v)) {
      mapForEach.call(v, (val, key) => {
        if (r === null && typeof key === 'object' && key !== null) r = findFast(key, depth + 1);
        if (r === null && typeof val === 'object' && val !== null) r = findFast(val, depth + 1);
      });
      return r;
    }
    if (isSet(v)) {
      setForEach.call(v, (e) => {
        if (r === null && typeof e === 'object' && e !== null) r = findFast(e, depth + 1);
      });
      return r;
    }
    if (isLeafObject(v)) return null;
  }
  for (const k in v) {
    if (!hasOwn.call(v, k)) continue;
    const e = v[k];
    if (typeof e === 'object' && e !== null && (r = findFast(e, depth + 1)) !== null) return r;
  }
  return null;
}

/** findFast with a visited set and an explicit stack: any graph, any depth. */
function findFull(root) {
  const seen = new Set();
  const stack = [root];
  const push = (e) => {
    if (typeof e === 'object' && e !== null && !seen.has(e)) stack.push(e);
  };
  while (stack.length > 0) {
    const v = stack.pop();
    if (seen.has(v)) continue;
    seen.add(v);
    if (canBeShared(v)) return v;
    if (isArray(v)) {
      for (let i = 0; i < v.length; i++) push(v[i]);
    } else if (isMap(v)) {
      mapForEach.call(v, (val, key) => {
        push(key);
        push(val);
      });
    } else if (isSet(v)) {
      setForEach.call(v, push);
    } else if (!isLeafObject(v)) {
      for (const k in v) if (hasOwn.call(v, k)) push(v[k]);
    }
  }
  return null;
}

/**
 * The first shared object in message `v`, or null. A walk that throws (a Proxy trap, a
 * getter) finds nothing: structured cloning then fails or succeeds on its own terms.
 */
function findShared(v) {
  if (typeof v !== 'object' || v === null) return null;
  try {
    visits = 0;
    const r = findFast(v, 0);
    return r !== undefined ? r : findFull(v);
  } catch {
    return null;
  }
}

function refusal(what, found) {
  return new DOMException(
    `shared-structs: ${what} would copy a shared object (${rt.describe(found)}) to {}: structured cloning sees no fields. ` +
      "Send share(obj) and open() it on the other side, or pass shared objects by reference with require('shared-structs/transfer') (docs/transfer.md).",
    'DataCloneError',
  );
}

// ---------------------------------------------------------------------------------------
// Encoding by reference.

/**
 * A copy of message `root` in which every shared object is a reference `{ [REF]: ref(obj) }`.
 * Only the containers on a path to a shared object are copied (arrays, Maps, Sets, and other
 * objects as plain objects of their own enumerable properties, which is what cloning makes of
 * them); the rest is referenced as is, so cloning still preserves its identities.
 */
function encode(root, ref) {
  // Pass 1: the containers, each with its children, and which ones hold shared objects.
  const children = new Map();
  const dirty = new Set();
  const parents = new Map();
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (children.has(v)) continue;
    const kids = [];
    children.set(v, kids);
    const add = (e) => {
      if (typeof e !== 'object' || e === null) return;
      if (canBeShared(e)) {
        dirty.add(v);
        return;
      }
      kids.push(e);
      let p = parents.get(e);
      if (p === undefined) parents.set(e, (p = []));
      p.push(v);
      if (!children.has(e)) stack.push(e);
    };
    if (isArray(v)) for (let i = 0; i < v.length; i++) add(v[i]);
    else if (isMap(v)) mapForEach.call(v, (val, key) => (add(key), add(val)));
    else if (isSet(v)) setForEach.call(v, add);
    else if (!isLeafObject(v) && !isProxy(v)) for (const k in v) if (hasOwn.call(v, k)) add(v[k]);
  }
  // Every container that reaches a dirty one is dirty too.
  const work = [...dirty];
  while (work.length > 0) {
    const p = parents.get(work.pop());
    if (p === undefined) continue;
    for (const q of p) {
      if (!dirty.has(q)) {
        dirty.add(q);
        work.push(q);
      }
    }
  }
  // Pass 2: copy the dirty containers (memo: identities and cycles survive).
  const refs = new Map();
  const copies = new Map();
  const conv = (e) => {
    if (typeof e !== 'object' || e === null) return e;
    if (canBeShared(e)) {
      let r = refs.get(e);
      if (r === undefined) refs.set(e, (r = { [REF]: ref(e) }));
      return r;
    }
    if (!dirty.has(e)) return e;
    let c = copies.get(e);
    if (c !== undefined) return c;
    if (isArray(e)) {
      c = new Array(e.length);
      copies.set(e, c);
      for (let i = 0; i < e.length; i++) c[i] = conv(e[i]);
    } else if (isMap(e)) {
      c = new Map();
      copies.set(e, c);
      mapForEach.call(e, (val, key) => c.set(conv(key), conv(val)));
    } else if (isSet(e)) {
      c = new Set();
      copies.set(e, c);
      setForEach.call(e, (x) => c.add(conv(x)));
    } else {
      c = {};
      copies.set(e, c);
      for (const k in e) if (hasOwn.call(e, k)) c[k] = conv(e[k]);
    }
    return c;
  };
  return conv(root);
}

/**
 * Replaces, in place, every reference `{ [REF]: x }` in a received copy by `deref(x)`; returns
 * the (possibly replaced) root.
 */
function decode(root, deref) {
  const seen = new Set();
  const conv = (e) => {
    if (typeof e !== 'object' || e === null) return e;
    if (hasOwn.call(e, REF)) return deref(e[REF]);
    if (seen.has(e)) return e;
    seen.add(e);
    if (isArray(e)) {
      for (let i = 0; i < e.length; i++) {
        const x = e[i];
        if (typeof x === 'object' && x !== null) e[i] = conv(x);
      }
    } else if (isMap(e)) {
      const entries = [];
      let changed = false;
      mapForEach.call(e, (val, key) => {
        const k2 = conv(key);
        const v2 = conv(val);
        if (k2 !== key) changed = true;
        entries.push([k2, v2]);
      });
      if (changed) e.clear();
      for (const [k2, v2] of entries) e.set(k2, v2);
    } else if (isSet(e)) {
      const items = [];
      let changed = false;
      setForEach.call(e, (x) => {
        const x2 = conv(x);
        if (x2 !== x) changed = true;
        items.push(x2);
      });
      if (changed) {
        e.clear();
        for (const x of items) e.add(x);
      }
    } else if (!isLeafObject(e)) {
      for (const k in e) {
        if (!hasOwn.call(e, k)) continue;
        const x = e[k];
        if (typeof x === 'object' && x !== null) e[k] = conv(x);
      }
    }
    return e;
  };
  return conv(root);
}

const openRef = (token) => open(token);

function isEnvelope(data) {
  return typeof data === 'object' && data !== null && data[ENVELOPE] === 1 && hasOwn.call(data, 'v');
}

// ---------------------------------------------------------------------------------------
// The hooks.

const originalPostMessage = MessagePort.prototype.postMessage;
const originalDispatch = MessagePort.prototype[kHybridDispatch];
const originalStructuredClone = globalThis.structuredClone;
const originalReceive = wt.receiveMessageOnPort;

/** What a send path posts for message `value` that holds shared object `found`. */
function outgoing(value, found) {
  if (value.type === LOAD_SCRIPT && hasOwn.call(value, 'workerData') && hasOwn.call(value, 'environmentData')) {
    // The internal message that starts a worker: workerData is the user's part.
    // setEnvironmentData() values are copied into every worker's own map: never by reference.
    const inEnv = findShared(value.environmentData);
    if (inEnv !== null) throw refusal('setEnvironmentData() (its values are copied into every worker)', inEnv);
    if (!byReference) throw refusal('new Worker({ workerData })', found);
    const env = new Map(value.environmentData);
    env.set(WORKER_DATA_MARK, true);
    return { ...value, workerData: encode(value.workerData, share), environmentData: env };
  }
  if (!byReference) throw refusal('postMessage()', found);
  return { [ENVELOPE]: 1, v: encode(value, share) };
}

function postMessage(value, transfer) {
  if (typeof value === 'object' && value !== null) {
    const found = findShared(value);
    if (found !== null) value = outgoing(value, found);
  }
  return arguments.length < 2 ? ReflectApply(originalPostMessage, this, [value]) : ReflectApply(originalPostMessage, this, [value, transfer]);
}

function dispatch(data, type, event) {
  if (isEnvelope(data)) {
    try {
      data = decode(data.v, openRef);
    } catch (e) {
      // A reference that cannot be opened (its object collected after a first receiver
      // dropped it): the message could not be deserialized.
      return ReflectApply(originalDispatch, this, [e, 'messageerror', event]);
    }
  }
  return ReflectApply(originalDispatch, this, [data, type, event]);
}

function structuredClone(value, options) {
  if (typeof value === 'object' && value !== null) {
    const found = findShared(value);
    if (found !== null) {
      if (!byReference) throw refusal('structuredClone()', found);
      // Within one thread the references are indices into `objs`: no token, nothing pinned.
      const objs = [];
      const copy = encode(value, (o) => objs.push(o) - 1);
      return decode(ReflectApply(originalStructuredClone, globalThis, [copy, options]), (i) => objs[i]);
    }
  }
  return arguments.length < 2 ? ReflectApply(originalStructuredClone, globalThis, [value]) : ReflectApply(originalStructuredClone, globalThis, [value, options]);
}

function receiveMessageOnPort(port) {
  const r = originalReceive(port);
  if (r !== undefined && isEnvelope(r.message)) r.message = decode(r.message.v, openRef);
  return r;
}

let installed = false;

/** Installs the send checks and the receive side (at library load, once per thread). */
function install() {
  if (installed) return;
  installed = true;
  const hook = (obj, key, value) => {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    Object.defineProperty(obj, key, { value, writable: d ? d.writable : true, enumerable: d ? d.enumerable : false, configurable: true });
  };
  hook(MessagePort.prototype, 'postMessage', postMessage);
  if (typeof originalDispatch === 'function') hook(MessagePort.prototype, kHybridDispatch, dispatch);
  if (typeof originalStructuredClone === 'function') hook(globalThis, 'structuredClone', structuredClone);
  if (typeof originalReceive === 'function') {
    wt.receiveMessageOnPort = receiveMessageOnPort;
    syncBuiltinESMExports();
  }
  // Workers inherit the setting (environmentData is copied to every worker a thread starts).
  if (wt.getEnvironmentData(BY_REFERENCE_MARK) === true) byReference = true;
  if (!wt.isMainThread && wt.getEnvironmentData(WORKER_DATA_MARK) === true) {
    // workerData holds references: open them in place (code that read workerData before
    // loading the library holds the same objects), and drop the mark so that workers this
    // thread starts do not inherit it.
    wt.setEnvironmentData(WORKER_DATA_MARK, undefined);
    const wd = decode(wt.workerData, openRef);
    if (wd !== wt.workerData) {
      wt.workerData = wd;
      syncBuiltinESMExports();
    }
  }
}

/**
 * Turns passing shared objects by reference through postMessage, workerData and
 * structuredClone on (or off) for this thread and the workers it starts from now on;
 * returns the previous setting. Off, sending one throws a DataCloneError naming share().
 * Receiving works either way.
 */
function passByReference(on = true) {
  if (typeof on !== 'boolean') throw new TypeError(`passByReference: expected a boolean, got ${rt.describe(on)}`);
  const was = byReference;
  byReference = on;
  wt.setEnvironmentData(BY_REFERENCE_MARK, on ? true : undefined);
  return was;
}

module.exports = { install, passByReference, findShared };
