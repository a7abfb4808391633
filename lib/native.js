'use strict';
// Loads the generated napi-rs binding and rethrows its errors as the JS class they name.
// Native calls happen on slow paths only (buffer refills, type registration, tokens).

const binding = require('../binding.js');

const CLASSES = { TypeError, RangeError, Error };
// Taken at load: spreading the arguments (`fn(...args)`) ran the array iterator, which a
// program can replace, in every native call (TLAB refills inside constructors among them).
const ReflectApply = Reflect.apply;

/** Rethrows a binding error ("TypeError: msg") as a real TypeError/RangeError. */
function rethrow(e) {
  const m = /^(TypeError|RangeError|Error): ([\s\S]*)$/.exec(e && e.message);
  if (m) {
    const err = new CLASSES[m[1]](m[2]);
    throw err;
  }
  throw e;
}

// Every native call of this thread is counted (heapStats().thread.nativeCalls): the hot paths
// (field, element and reference reads, allocation of objects) must make none, and a test
// holds them to it.
let calls = 0;
const native = {};
for (const name of Object.keys(binding)) {
  const fn = binding[name];
  if (typeof fn !== 'function') continue;
  native[name] = function (...args) {
    calls++;
    try {
      return ReflectApply(fn, undefined, args);
    } catch (e) {
      return rethrow(e);
    }
  };
}
/** Native calls this thread has made through the library so far. */
native.calls = () => calls;

module.exports = native;
