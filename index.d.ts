// Type definitions for shared-structs.
// Hand-written over the JS layer (index.js); the generated binding types are in binding.d.ts.

/** Any value that can be stored in a shared field or element. */
export type Shareable =
  | undefined
  | null
  | boolean
  | number
  | string
  | bigint
  | SharedStruct
  | SharedArray<any>
  | Mutex
  | Condition
  | SharedMutex
  | SharedMap<any, any>;

/** A shared struct whose fields are the names in `F`. Field values are any {@link Shareable}. */
export type SharedStruct<F extends string = string> = { [K in F]: any };

/** The array-like part of element types (SharedArray and `elements: true` struct types). */
export interface SharedElements<T = any> extends Iterable<T> {
  /** Number of elements (fixed at creation). */
  readonly length: number;
  /** Element `i`, or undefined when out of range. The fast path (no Proxy). */
  get(index: number): T | undefined;
  /** Writes element `i`; throws RangeError when out of range, TypeError for a value that cannot be shared. */
  set(index: number, value: T): void;
  /** Indexed access through the compatibility Proxy (about 100x slower than get/set). */
  [index: number]: T;
  /** Element at `index`, counting from the end when negative. */
  at(index: number): T | undefined;
  indexOf(value: T, fromIndex?: number): number;
  lastIndexOf(value: T, fromIndex?: number): number;
  includes(value: T, fromIndex?: number): boolean;
  find(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): T | undefined;
  findIndex(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): number;
  findLast(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): T | undefined;
  findLastIndex(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): number;
  forEach(callback: (value: T, index: number, array: this) => void, thisArg?: unknown): void;
  some(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): boolean;
  every(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): boolean;
  /** Maps into a plain JS array. */
  map<U>(callback: (value: T, index: number, array: this) => U, thisArg?: unknown): U[];
  /** Filters into a plain JS array. */
  filter(predicate: (value: T, index: number, array: this) => unknown, thisArg?: unknown): T[];
  reduce<U>(callback: (acc: U, value: T, index: number, array: this) => U, initial: U): U;
  reduce(callback: (acc: T, value: T, index: number, array: this) => T): T;
  join(separator?: string): string;
  /** A plain JS array of elements `[start, end)`. */
  slice(start?: number, end?: number): T[];
  /** A plain JS array of all elements. */
  toArray(): T[];
  /** Writes `value` into elements `[start, end)`. */
  fill(value: T, start?: number, end?: number): this;
  keys(): IterableIterator<number>;
  values(): IterableIterator<T>;
  entries(): IterableIterator<[number, T]>;
  [Symbol.iterator](): IterableIterator<T>;
}

/** A struct with named fields `F` and indexed elements (TypeScript's NodeArray shape). */
export type SharedStructWithElements<F extends string = string, T = any> = SharedStruct<F> & SharedElements<T>;

/** Constructor returned by `new SharedStructType(fields)`. */
export interface SharedStructConstructor<F extends string = string> {
  /** Allocates a struct in the shared heap with every field undefined. */
  new (): SharedStruct<F>;
  readonly prototype: SharedStruct<F>;
}

/** Constructor returned by `new SharedStructType(fields, { elements: true })`. */
export interface SharedStructWithElementsConstructor<F extends string = string> {
  /** Allocates a struct with `length` elements; fields and elements start undefined. */
  new (length?: number): SharedStructWithElements<F>;
  readonly prototype: SharedStructWithElements<F>;
}

/** Options for {@link SharedStructType}. */
export interface SharedStructTypeOptions {
  /** Registry key: every thread declaring the same key and layout gets the same shared type. */
  key?: string;
  /** Whether instances also have indexed elements and a fixed `length`. */
  elements?: boolean;
}

export interface SharedStructTypeConstructor {
  /**
   * Declares a shared struct type with the given field names (strings; integer-like names work).
   * With a registry key the type correlates across threads; the same key with a different layout
   * throws TypeError.
   */
  new <const F extends readonly string[]>(fields: F, key?: string | (SharedStructTypeOptions & { elements?: false })): SharedStructConstructor<F[number]>;
  new <const F extends readonly string[]>(fields: F, options: SharedStructTypeOptions & { elements: true }): SharedStructWithElementsConstructor<F[number]>;
  /** Whether `value` is a shared struct of any type, made in any thread. */
  isSharedStruct(value: unknown): value is SharedStruct;
  /**
   * Makes `cls` (a class extending a shared struct constructor) this thread's class for that type:
   * instances seen afterwards in this thread, whichever thread made them, use `cls.prototype`.
   */
  register<C extends abstract new (...args: any[]) => any>(cls: C): C;
  /** Field names of a struct in declaration order (fields are prototype accessors, so `Object.keys` is empty). */
  keys(value: SharedStruct): string[];
  /** Field values in declaration order. */
  values(value: SharedStruct): unknown[];
  /** `[name, value]` pairs in declaration order. */
  entries(value: SharedStruct): [string, unknown][];
}

/** Declares shared struct types. */
export declare const SharedStructType: SharedStructTypeConstructor;

/** A fixed-length array in the shared heap. */
export interface SharedArray<T = any> extends SharedElements<T> {}

export interface SharedArrayConstructor {
  /** A SharedArray of `length` undefined elements (up to 2^32 - 2, heap permitting). */
  new <T = any>(length?: number): SharedArray<T>;
  readonly prototype: SharedArray<any>;
  /** A SharedArray of the items of an iterable or array-like, optionally mapped. */
  from<T>(items: Iterable<T> | ArrayLike<T>): SharedArray<T>;
  from<T, U>(items: Iterable<T> | ArrayLike<T>, mapFn: (value: T, index: number) => U, thisArg?: unknown): SharedArray<U>;
  /** A SharedArray of the arguments. */
  of<T>(...items: T[]): SharedArray<T>;
  /** Whether `value` is a SharedArray. */
  isSharedArray(value: unknown): value is SharedArray<any>;
}

/** Fixed-length shared arrays. */
export declare const SharedArray: SharedArrayConstructor;

/** A token from {@link share}: a plain object that survives structured cloning. */
export interface ShareToken {
  readonly 'shared-structs/token': 1;
}

/**
 * Returns a token for `value` to send through `workerData` or `postMessage`.
 * A shared object is pinned (kept alive) until the token is first opened.
 */
export declare function share(value: Shareable): ShareToken;

/** Returns the value a token stands for, in this thread (the same object as every other read). */
export declare function open<T extends Shareable = any>(token: ShareToken): T;

/** Drops a token that will never be opened, unpinning its object. Returns whether it was known. */
export declare function release(token: ShareToken): boolean;

/** Whether `value` looks like a token from {@link share}. */
export declare function isToken(value: unknown): value is ShareToken;

/** Whether `value` can be stored in a shared field (primitives other than symbols, and shared objects). */
export declare function canBeShared(value: unknown): value is Shareable;

/** Statistics about the shared heap and this thread's caches. */
export interface HeapStats {
  /** Bytes handed out by the allocator (including unused tails of thread buffers). */
  bytesInUse: number;
  /** Bytes of address space reserved for the heap. */
  bytesReserved: number;
  /** Struct types registered. */
  types: number;
  /** Tokens in the token table. */
  tokens: number;
  /** This thread's caches. */
  thread: { wrappers: number; arenas: number; strings: number };
}

/** Statistics about the shared heap. */
export declare function heapStats(): HeapStats;

// Declared here so Shareable can name them; defined by the coordination API.
export interface Mutex {}
export interface Condition {}
export interface SharedMutex {}
export interface SharedMap<K, V> {}
