'use strict';
// How shared objects present themselves to util.inspect and JSON.stringify, with cycle
// guards: a struct, array or map may contain itself, and both inspect and JSON get a fresh
// plain object from each shared object, so their own cycle checks never see one.

const rt = require('./runtime');

/** Shared objects being inspected right now (to print cycles as [Circular]). */
const inspecting = new Set();

/** `name` and the inspection of `build()` (a plain stand-in for `w`); cycles print [Circular]. */
function inspectWith(w, name, depth, options, inspect, build) {
  if (depth < 0) return options.stylize(`[${name}]`, 'special');
  if (inspecting.has(w)) return options.stylize('[Circular]', 'special');
  inspecting.add(w);
  try {
    return `${name} ${inspect(build(), { ...options, depth })}`;
  } finally {
    inspecting.delete(w);
  }
}

/** Shared objects whose toJSON is running (their whole shared subgraph is converted in it). */
const jsonActive = new Set();

/**
 * toJSON of shared object `w`: `build()` gives its plain form (an object or array), whose
 * shared values are converted here too, while `w` is marked, so that a cycle throws JSON's
 * own TypeError instead of recursing until the stack overflows.
 */
function toJSONWith(w, build) {
  // First line as V8's own, which util.format('%j') recognises (it prints [Circular]).
  if (jsonActive.has(w)) throw new TypeError(`Converting circular structure to JSON\n    --> ${rt.describe(w)} contains itself`);
  jsonActive.add(w);
  try {
    const out = build();
    for (const k of Object.keys(out)) {
      const v = out[k];
      if (rt.isWrapper(v) && typeof v.toJSON === 'function') out[k] = v.toJSON(k);
    }
    return out;
  } finally {
    jsonActive.delete(w);
  }
}

/** Element arrays being joined right now: a cycle joins as '' (as Array.prototype.join does). */
const joining = new Set();

function joinWith(w, build) {
  if (joining.has(w)) return '';
  joining.add(w);
  try {
    return build();
  } finally {
    joining.delete(w);
  }
}

module.exports = { inspectWith, toJSONWith, joinWith };
