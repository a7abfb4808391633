'use strict';
// jest setup file: `"setupFilesAfterEnv": ["shared-structs/jest"]` in the jest config.
// Shared objects compare by value in toEqual and friends and print by value in snapshots,
// and keyed types get a key scope per test file (see shared-structs/testing).
const testing = require('./index.js');

// eslint-disable-next-line no-undef
const expect = typeof globalThis.expect === 'function' ? globalThis.expect : require('@jest/globals').expect;
testing.install(expect);
testing.scopeKeysToTestFile(expect);
