'use strict';
// require('shared-structs/polyfill') / import 'shared-structs/polyfill': V8's
// `--harmony-struct` globals on stock Node (SharedStructType, SharedArray, Atomics.Mutex,
// Atomics.Condition, Atomics.load/store/exchange/compareExchange on shared objects), shared
// objects passed by reference through postMessage and workerData, and the polyfill preloaded
// in the workers this thread starts. README "V8 polyfill"; differences: docs/compat.md.
// Exports the library.

const lib = require('./index.js');

require('./lib/polyfill').install(lib);
module.exports = lib;
