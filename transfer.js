'use strict';
// require('shared-structs/transfer') / import 'shared-structs/transfer': shared objects
// (structs, SharedArrays, locks, SharedMaps) sent through postMessage, workerData or
// structuredClone from this thread arrive as the same shared objects, as with V8's shared
// structs (docs/transfer.md). Exports the library.

const lib = require('./index.js');

lib.passByReference(true);
module.exports = lib;
