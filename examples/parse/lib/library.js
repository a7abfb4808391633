'use strict';
// The shared-structs library, through its public entry point only. Installed on its own,
// this package finds it as a dependency; inside the library's repository (an npm workspace,
// which does not link the root package into node_modules) it is the checkout's index.js.

function load() {
  try {
    return require('shared-structs');
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
    return require('../../../index.js');
  }
}

module.exports = load();
