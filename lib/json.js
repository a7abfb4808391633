'use strict';
// parseJSON: JSON text parsed in Rust straight into the shared heap (src/core/json.rs,
// docs/json.md). Objects become structs (one type per key sequence, registered once),
// arrays SharedArrays, strings and numbers exact. The reverse, stringifyJSON, writes the
// text from the heap in Rust too (src/core/json_write.rs): JSON.stringify's text without a
// plain copy of the graph, or JSON.stringify itself where the slots alone cannot say it.

const native = require('./native');
const rt = require('./runtime');
const { StructProto, SharedArray } = require('./structs');

const { TID, SF, SU } = rt;
const L = require('./layout');

/** The last parse's counts (objects, arrays, strings, ...), for benchmarks and tests. */
let lastStats = null;

/**
 * Parses JSON `text` (a string, or UTF-8 bytes in a Buffer / Uint8Array) into the shared
 * heap and returns the result: a struct for each object, a SharedArray for each array,
 * strings, numbers, booleans and null as they are. Throws SyntaxError as JSON.parse does.
 * A `reviver` is not supported (transform the shared result instead).
 */
function parseJSON(text, reviver) {
  if (reviver !== undefined) throw new TypeError('parseJSON: a reviver is not supported (the result is built in Rust); transform the shared result instead');
  let r;
  // Starts the operation: everything the parse allocates is young (rooted) until the next.
  rt.opStart();
  if (typeof text === 'string') r = native.parseJsonString(TID, text);
  else if (text instanceof Uint8Array) r = native.parseJsonBytes(TID, text);
  else throw new TypeError(`parseJSON: expected a string or a Buffer/Uint8Array of UTF-8, got ${rt.describe(text)}`);
  lastStats = r;
  if (r.error != null) throw new SyntaxError(`${r.error} in JSON at position ${r.position}`);
  SU[0] = r.lo;
  SU[1] = r.hi;
  const v = SF[0];
  // The root is young until the next operation starts: its wrapper (a root) is made now.
  return v === v ? v : rt.decodeTagged(v, -1);
}

/** Counts of the last parseJSON in this thread: { objects, arrays, strings, stringsDeduplicated, types, bytes }. */
function parseStats() {
  if (lastStats === null) return null;
  const { objects, arrays, strings, stringsDeduplicated, types, bytes } = lastStats;
  return { objects, arrays, strings, stringsDeduplicated, types, bytes };
}

/** The prototypes whose toJSON the Rust writer reproduces, and those methods as loaded. */
const ElementsProto = Object.getPrototypeOf(SharedArray.prototype);
const structToJSON = StructProto.toJSON;
const elementsToJSON = ElementsProto.toJSON;
const hasOwn = Object.prototype.hasOwnProperty;

/** Whether `proto`'s chain gives a toJSON other than `base`'s own (or no longer reaches it). */
function otherToJSON(proto, base) {
  for (let p = proto; p !== null; p = Object.getPrototypeOf(p)) {
    if (p === base) return false;
    if (hasOwn.call(p, 'toJSON')) return true;
  }
  return true;
}

/**
 * Whether objects of type `id` stringify otherwise in this thread than from their slots: a
 * class with a toJSON of its own (SharedStructType.register, @struct), or a patched base. A
 * type no class was made for here has the default class. A field named toJSON is data, and
 * is written as such (JSON.stringify of a wrapper then sees no callable toJSON and gives {}).
 */
function ownToJSON(id) {
  const e = rt.types[id];
  if (e === undefined) return false;
  if (e.fields.includes('toJSON')) return false;
  const base = e.elements ? ElementsProto : StructProto;
  return otherToJSON(e.C.prototype, base) || (e.reg != null && e.reg.proto !== null && otherToJSON(e.reg.proto, base));
}

/** JSON.stringify's indentation for `space` (at most 10 spaces or the first 10 units). */
function gapOf(space) {
  if (space instanceof Number) space = Number(space);
  else if (space instanceof String) space = String(space);
  if (typeof space === 'number') {
    const n = Math.min(10, Math.trunc(space));
    return n >= 1 ? ' '.repeat(n) : '';
  }
  return typeof space === 'string' ? space.slice(0, 10) : '';
}

/** Why the last stringifyJSON in this thread used JSON.stringify (null: it did not). */
let lastFallback = null;

/**
 * The JSON text of `value`, as `JSON.stringify(value, null, space)` gives it, written from
 * the shared heap in Rust when `value` is a struct or SharedArray: no plain copy of the graph
 * is made. A SharedMap, SharedSet, SharedVector or lock inside gets JSON.stringify's text of
 * that object, in place. A value the slots alone cannot say (a bigint, a cycle, a class with
 * its own toJSON) and anything that is not a struct or SharedArray go through JSON.stringify
 * itself (same text, same errors). A `replacer` is not
 * supported (use JSON.stringify). The reverse of parseJSON:
 * `stringifyJSON(parseJSON(t)) === JSON.stringify(JSON.parse(t))`.
 */
function stringifyJSON(value, replacer, space) {
  if (replacer !== undefined && replacer !== null) throw new TypeError(`stringifyJSON: a replacer is not supported (the text is written in Rust), got ${rt.describe(replacer)}; use JSON.stringify(value, replacer, space)`);
  const off = rt.offsetOf(value);
  const gap = gapOf(space);
  // A lone surrogate in the gap cannot cross as UTF-8: JSON.stringify writes it as it is.
  if (off < 0 || /[\ud800-\udfff]/.test(gap)) return fallback(value, space, off < 0 ? 'not a shared object' : 'the indentation');
  const r = native.stringifyJson(TID, off, gap);
  if (r.stop === 'too long') throw new RangeError('stringifyJSON: Invalid string length (the text is longer than the longest string V8 can make, 2^29 - 24 units)');
  if (r.text == null) return fallback(value, space, r.stop.replace(/^fallback: /, ''));
  if (ownToJSON(L.TYPE_ARRAY)) return fallback(value, space, 'SharedArray has a toJSON of its own');
  for (const id of r.types) if (ownToJSON(id)) return fallback(value, space, `type ${rt.types[id].displayName()} has a toJSON of its own`);
  const text = r.holes.length === 0 ? r.text : fillHoles(value, r.text, r.holes, gap);
  if (text === undefined) return fallback(value, space, 'a built-in object inside has no JSON text');
  lastFallback = null;
  return text;
}

/**
 * The text with JSON.stringify's text of each built-in object inside (a SharedMap, SharedSet,
 * SharedVector, lock, channel: their toJSON runs JS) put where the Rust walk left it out.
 * Each is found again from `root` by its path, so another thread's writes since the walk are
 * seen as any read sees them. Undefined if one no longer has a text there.
 */
function fillHoles(root, text, holes, gap) {
  const parts = [];
  let last = 0;
  for (const h of holes) {
    let v = root;
    for (const k of JSON.parse(h.path)) {
      if (!rt.isWrapper(v)) return undefined;
      v = typeof k === 'number' ? v.get(k) : v[k];
    }
    let t = JSON.stringify(v, null, gap);
    if (t === undefined) return undefined;
    // Its later lines at the depth it sits (JSON text has no raw line break inside strings).
    if (gap !== '' && h.depth > 0) t = t.replaceAll('\n', `\n${gap.repeat(h.depth)}`);
    parts.push(text.slice(last, h.at), t);
    last = h.at;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

function fallback(value, space, why) {
  lastFallback = why;
  return JSON.stringify(value, null, space);
}

/** Why the last stringifyJSON in this thread took JSON.stringify's path, or null. */
function stringifyFallback() {
  return lastFallback;
}

module.exports = { parseJSON, parseStats, stringifyJSON, stringifyFallback };
