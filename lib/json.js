'use strict';
// parseJSON: JSON text parsed in Rust straight into the shared heap (src/core/json.rs,
// docs/json.md). Objects become structs (one type per key sequence, registered once),
// arrays SharedArrays, strings and numbers exact. The reverse is JSON.stringify, which
// shared objects support through toJSON.

const native = require('./native');
const rt = require('./runtime');

const { TID, SF, SU } = rt;

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

module.exports = { parseJSON, parseStats };
