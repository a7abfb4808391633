// vitest setup file: `test: { setupFiles: ['shared-structs/vitest'] }` in vitest.config.
// Shared objects compare by value in toEqual and friends and print by value in snapshots,
// and keyed types get a key scope per test file (see shared-structs/testing).
import { expect } from 'vitest';
import testing from './index.js';

testing.install(expect);
testing.scopeKeysToTestFile(expect);
