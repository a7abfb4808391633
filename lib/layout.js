'use strict';
// Every constant and wire code shared with Rust (src/core/constants.rs: the memory layout of
// src/core/layout.rs, the lock words' bits and result codes of src/core/sync/, the doorbell
// payloads of src/core/park.rs), read from the binding at load: one source of truth, nothing
// mirrored by hand. See docs/layout.md and docs/locks.md.

const native = require('./native');

module.exports = Object.freeze(native.layoutConstants());
