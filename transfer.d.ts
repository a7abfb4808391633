// Types of `shared-structs/transfer`: turns passByReference() on and exports the library.
export * from './index.js';
