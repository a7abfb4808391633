'use strict';
// This thread's type registry: type id -> the entry of the class that wraps objects of that
// type here (`{ id, C, make(off), displayName(), fields, elements, key, ... }`).
//
// A module that defines a shared class registers it when it loads (`types[id] = entry`);
// user struct types are built by lib/structs.js the first time this thread meets their id.
// The table below says which module defines each built-in type, so an object of a type this
// thread has not loaded yet (read from a slot another thread wrote) loads its module on first
// sight: the wiring is written here, not injected at run time.

const L = require('./layout');

/** type id -> entry; filled by the modules that define the classes (and by load()). */
const types = [];

/** The module that defines each built-in type's class (relative to lib/). */
const DEFINED_IN = new Map([
  [L.TYPE_ARRAY, './structs'],
  [L.TYPE_MUTEX, './sync'],
  [L.TYPE_CONDITION, './sync'],
  [L.TYPE_SHARED_MUTEX, './sync'],
  [L.TYPE_MAP, './map'],
  [L.TYPE_SET, './set'],
  [L.TYPE_VECTOR, './vector'],
  [L.TYPE_CHANNEL, './channel'],
  [L.TYPE_SEMAPHORE, './semaphore'],
  [L.TYPE_BARRIER, './semaphore'],
]);

/**
 * The entry for type `id`, which this thread has none of yet: a user struct type is built
 * from the registry in Rust (lib/structs.js), a built-in one's module is loaded. A freed
 * object's id (a stale reference) or an unknown one is a TypeError.
 */
function load(id) {
  if (id >= L.FIRST_USER_TYPE) {
    const entry = require('./structs').loadUserType(id);
    if (entry !== undefined) return entry;
  } else {
    const mod = DEFINED_IN.get(id);
    if (mod !== undefined) {
      require(mod);
      if (types[id] !== undefined) return types[id];
    }
  }
  if (id === L.TYPE_FREE) throw new TypeError('shared-structs: stale reference to a collected object');
  throw new TypeError(`shared-structs: unknown shared object type ${id}`);
}

/** The entry for type `id` in this thread, loaded on first sight. */
function entry(id) {
  const t = types[id];
  return t !== undefined ? t : load(id);
}

module.exports = { types, entry, load };
