'use strict';
// Shared struct types declared as classes, with standard (TC39, TypeScript 5) decorators:
//
//   @struct('Point')
//   class Point extends SharedStruct {
//     @field x!: number;
//     @field y!: number;
//     len() { return Math.hypot(this.x, this.y); }
//   }
//
// `@field` records a field's name (in declaration order); `@struct` then declares the type
// (new SharedStructType(names, key)), makes a subclass of its constructor carrying the
// class's methods, accessors and statics, registers it as this thread's class for the type
// (SharedStructType.register) and returns it in place of the class. Every thread that
// evaluates the class gets the same type and its methods. Written on the public API.

const { SharedStructType } = require('./structs');

/** Field names recorded by @field, per class: in the decorator metadata when the runtime has
 * Symbol.metadata, else in order of decoration until the next @struct takes them. */
const FIELDS = Symbol('shared-structs.fields');
let pending = [];

/**
 * Base class of classes declared with @struct: types their instances as shared structs
 * (assignable to Shareable). Never constructed itself: @struct replaces the class.
 */
class SharedStruct {
  constructor() {
    throw new TypeError('SharedStruct: a class extending SharedStruct needs the @struct decorator (it makes the class a shared struct type)');
  }
}

function describeContext(context, what) {
  if (context === null || typeof context !== 'object' || typeof context.kind !== 'string') {
    throw new TypeError(`${what} is a standard decorator (TypeScript 5 without experimentalDecorators, or a runtime with decorators)`);
  }
}

/** `@field`: declares a class field as a field of the shared struct type. */
function field(value, context) {
  describeContext(context, '@field');
  if (context.kind !== 'field') throw new TypeError(`@field decorates class fields, not a ${context.kind}`);
  if (context.static) throw new TypeError(`@field ${String(context.name)}: a static field cannot be a shared field`);
  if (context.private || typeof context.name !== 'string') throw new TypeError(`@field ${String(context.name)}: shared fields have string names (not private or symbol-named fields)`);
  const meta = context.metadata;
  if (meta !== null && typeof meta === 'object') {
    if (!Object.prototype.hasOwnProperty.call(meta, FIELDS)) Object.defineProperty(meta, FIELDS, { value: [] });
    meta[FIELDS].push(context.name);
  } else {
    pending.push(context.name);
  }
}

function takeFields(context) {
  const meta = context.metadata;
  if (meta !== null && typeof meta === 'object' && Object.prototype.hasOwnProperty.call(meta, FIELDS)) return meta[FIELDS].slice();
  const names = pending;
  pending = [];
  return names;
}

const SKIP_STATIC = new Set(['length', 'name', 'prototype']);

/**
 * `@struct(key?)` or `@struct({ key, elements, scope })`: makes the decorated class a shared
 * struct type whose fields are its @field fields. The key defaults to the class's name.
 */
function struct(keyOrOptions) {
  if (keyOrOptions !== undefined && typeof keyOrOptions !== 'string' && (keyOrOptions === null || typeof keyOrOptions !== 'object')) {
    throw new TypeError('@struct(key): the argument is a registry key string or an options object ({ key, elements, scope })');
  }
  return function structDecorator(value, context) {
    describeContext(context, '@struct');
    if (context.kind !== 'class') throw new TypeError(`@struct decorates classes, not a ${context.kind}`);
    const fields = takeFields(context);
    const parent = Object.getPrototypeOf(value);
    if (parent !== SharedStruct && parent !== Function.prototype) {
      throw new TypeError(`@struct ${value.name}: the class extends ${parent.name || 'another class'}; it must extend SharedStruct (or nothing)`);
    }
    const name = value.name || 'SharedStruct';
    const options = typeof keyOrOptions === 'object' ? { ...keyOrOptions } : { key: keyOrOptions };
    if (options.key === undefined) options.key = name;
    const Type = new SharedStructType(fields, options);
    const Registered = { [name]: class extends Type {} }[name];
    const fieldSet = new Set(fields);
    for (const k of Reflect.ownKeys(value.prototype)) {
      if (k === 'constructor') continue;
      if (fieldSet.has(k)) throw new TypeError(`@struct ${name}: ${String(k)} is both a @field and a method or accessor`);
      Object.defineProperty(Registered.prototype, k, Object.getOwnPropertyDescriptor(value.prototype, k));
    }
    for (const k of Reflect.ownKeys(value)) {
      if (!SKIP_STATIC.has(k)) Object.defineProperty(Registered, k, Object.getOwnPropertyDescriptor(value, k));
    }
    return SharedStructType.register(Registered);
  };
}

module.exports = { SharedStruct, struct, field };
