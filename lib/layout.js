'use strict';
// The layout constants of src/core/layout.rs (control block cells, type ids, value tags,
// thread-block cells, the wrapper page size), read from the binding at load: one source of
// truth, nothing mirrored by hand. See docs/layout.md.

const binding = require('../binding.js');

module.exports = Object.freeze(binding.layoutConstants());
