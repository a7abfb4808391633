// Type definitions for shared-structs.
// Hand-written over the JS layer (index.js); the generated binding types are in binding.d.ts.
// Needs @types/node (worker_threads, and the ES2020 library it brings for tsc's default target).
/// <reference types="node" />

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
  | SharedMap<any, any>
  | SharedSet<any>
  | SharedVector<any>
  | Channel<any>
  | Semaphore
  | Barrier;

/** Brand of shared struct instances (type-level only: plain objects are not shared structs). */
declare const sharedStructBrand: unique symbol;

/** A shared struct whose fields are the names in `F`. Field values are any {@link Shareable}. */
export type SharedStruct<F extends string = string> = { [K in F]: any } & { readonly [sharedStructBrand]: true };

/** The array-like part of element types (SharedArray and `elements: true` struct types). */
export interface SharedElements<T = any> extends Iterable<T> {
  /** Number of elements (fixed at creation). */
  readonly length: number;
  /** Element `i`, or undefined when out of range (or not an integer); TypeError when `index` is not a number. The fast path (no Proxy). */
  get(index: number): T | undefined;
  /** Writes element `i`; throws RangeError when out of range, TypeError when `index` is not a number or for a value that cannot be shared. */
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
  /** A plain JS array of elements `[start, end)` (RangeError past 2^25 elements: take ranges). */
  slice(start?: number, end?: number): T[];
  /** A plain JS array of all elements (RangeError past 2^25 elements). */
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
  /**
   * This thread's prototype: methods and getters added here apply to every instance of the
   * type in this thread (`Point.prototype.len = function () { ... }`). Their types are not
   * tracked; for typed methods use `class P extends Point { len() {} }` and `register(P)`.
   */
  readonly prototype: SharedStruct<F> & Record<PropertyKey, any>;
}

/** Constructor returned by `new SharedStructType(fields, { elements: true })`. */
export interface SharedStructWithElementsConstructor<F extends string = string> {
  /** Allocates a struct with `length` elements; fields and elements start undefined. */
  new (length?: number): SharedStructWithElements<F>;
  /** This thread's prototype (see {@link SharedStructConstructor.prototype}). */
  readonly prototype: SharedStructWithElements<F> & Record<PropertyKey, any>;
}

/** Options for {@link SharedStructType}. */
export interface SharedStructTypeOptions {
  /** Registry key: every thread declaring the same key and layout gets the same shared type. */
  key?: string;
  /** Whether instances also have indexed elements and a fixed `length`. */
  elements?: boolean;
  /**
   * Key scope: the key names a type only within its scope (null: no scope). Default: the
   * SHARED_STRUCTS_KEY_SCOPE environment variable, which shared-structs/vitest sets per test
   * file (docs/testing.md).
   */
  scope?: string | null;
}

export interface SharedStructTypeConstructor {
  /**
   * Declares a shared struct type with the given field names (strings; integer-like names work;
   * numbers are property keys, `[0, 4]` declaring fields `"0"` and `"4"`).
   * With a registry key the type correlates across threads; the same key with a different layout
   * throws TypeError. At most 4096 fields (RangeError).
   */
  new <const F extends readonly (string | number)[]>(fields: F, key?: string | (SharedStructTypeOptions & { elements?: false })): SharedStructConstructor<`${F[number]}`>;
  new <const F extends readonly (string | number)[]>(fields: F, options: SharedStructTypeOptions & { elements: true }): SharedStructWithElementsConstructor<`${F[number]}`>;
  /** `elements` known only at run time: either kind of constructor. */
  new <const F extends readonly (string | number)[]>(fields: F, options: SharedStructTypeOptions): SharedStructConstructor<`${F[number]}`> | SharedStructWithElementsConstructor<`${F[number]}`>;
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

/**
 * `unknown` when every `T` can be stored in a shared slot, else a type no value has: the
 * element check of `SharedArray.from/of`, which keeps `T` as inferred (`number` for
 * `[1, 2]`, `Color` for a `Color[]`, a branded string type).
 */
export type OnlyShareable<T> = [T] extends [Shareable] ? unknown : { readonly 'elements must be shareable': never };

/**
 * `T` with literal types widened (`1` to `number`, `'a'` to `string`, `true` to `boolean`):
 * the element type of `SharedArray.of(1, 'a', null)`, whose elements can be set to others.
 */
export type WidenLiteral<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends bigint ? bigint : T;

/** A fixed-length array in the shared heap. */
export interface SharedArray<T = any> extends SharedElements<T> {}

export interface SharedArrayConstructor {
  /** A SharedArray of `length` undefined elements (up to 2^32 - 2, heap permitting). */
  new <T = any>(length?: number): SharedArray<T>;
  readonly prototype: SharedArray<any>;
  /** A SharedArray of the items of an iterable or array-like, optionally mapped. */
  from<T = Shareable>(items: (Iterable<T> | ArrayLike<T>) & OnlyShareable<T>): SharedArray<T>;
  /** (For a generic `T` the check above cannot be resolved.) */
  from<T extends Shareable>(items: Iterable<T> | ArrayLike<T>): SharedArray<T>;
  from<T, U = Shareable>(items: Iterable<T> | ArrayLike<T>, mapFn: ((value: T, index: number) => U) & OnlyShareable<U>, thisArg?: unknown): SharedArray<U>;
  from<T, U extends Shareable>(items: Iterable<T> | ArrayLike<T>, mapFn: (value: T, index: number) => U, thisArg?: unknown): SharedArray<U>;
  /** A SharedArray of the arguments. */
  of<T extends Shareable = Shareable>(): SharedArray<T>;
  of<T = Shareable>(...items: T[] & OnlyShareable<T>): SharedArray<T>;
  of<T extends Shareable>(...items: T[]): SharedArray<T>;
  /** A SharedArray of the arguments, of mixed types (literal types widened). */
  of<T extends Shareable[]>(...items: T): SharedArray<WidenLiteral<T[number]>>;
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

/**
 * Shared objects sent through postMessage, workerData or structuredClone: with `on` (default
 * true), they arrive as the same shared objects (as V8's shared structs), from this thread and
 * the workers it starts afterwards; off (the default until called), sending one throws a
 * DataCloneError naming share(). Returns the previous setting. `shared-structs/transfer` and
 * `shared-structs/polyfill` turn it on. See docs/transfer.md.
 */
export declare function passByReference(on?: boolean): boolean;

/** Statistics about the shared heap, the collector and this thread's caches. */
export interface HeapStats {
  /** Bytes of the heap in use: handed out and not in free lists (includes thread bookkeeping). */
  bytesInUse: number;
  /** Bytes of address space reserved for the heap. */
  bytesReserved: number;
  /** Bytes in the allocator's free lists. */
  bytesFree: number;
  /** End of the used part of the heap (the bump pointer), as bytes from the heap start; it goes down when a free run at the end is given back. */
  highWaterBytes: number;
  /** Bytes handed out since the process started. */
  bytesAllocatedTotal: number;
  /** Objects found live by the last collection. */
  liveObjects: number;
  /** Bytes of the objects found live by the last collection. */
  liveBytes: number;
  /** Collections run. */
  collections: number;
  /** Collections abandoned because a thread could not be stopped in time. */
  abortedCollections: number;
  /** Stop-the-world pause of the last collection, in milliseconds. */
  lastPauseMs: number;
  /** Longest pause so far, in milliseconds. */
  maxPauseMs: number;
  /** Duration of the last (concurrent) sweep, in milliseconds. */
  lastSweepMs: number;
  /** Objects freed by all collections. */
  freedObjectsTotal: number;
  /** JS threads using the heap. */
  threads: number;
  /** Struct types registered. */
  types: number;
  /** Tokens in the token table. */
  tokens: number;
  /**
   * Locks held by threads that have exited, as counted by this thread's last `heapStats({ locks: true })`
   * (null before): Mutexes, SharedMutexes held exclusively, internal locks of maps, sets,
   * vectors, channels and barriers (a thread died inside an operation), distinct dead owners.
   */
  deadLocks: { mutexes: number; sharedMutexes: number; internal: number; owners: number } | null;
  /** This thread's caches and counters. */
  thread: {
    /** Live wrappers (and wrappers V8 has collected that the thread has not noticed yet). */
    wrappers: number;
    /** Heap pages this thread has wrapper groups (arenas) for. */
    arenas: number;
    /** Pages whose wrapper groups the thread holds strongly now. */
    held: number;
    /** Strings in the thread's write cache. */
    strings: number;
    /** The thread's id (the owner id in lock words). */
    tid: number;
    /** Native (N-API) calls this thread has made through the library, before this call. */
    nativeCalls: number;
    /** Bulk handles of the thread's current session. */
    handles: number;
  };
}

/** Statistics about the shared heap and the collector. */
/**
 * Statistics about the shared heap, the collector and this thread's caches. `{ locks: true }`
 * first runs a collection that counts the locks held by threads that have exited (`deadLocks`).
 */
export declare function heapStats(options?: { locks?: boolean }): HeapStats;

/**
 * Runs a full collection now: frees every shared object no thread can reach, cycles
 * included. Returns false if it had to be abandoned (a thread blocked in foreign native code).
 */
export declare function gc(): boolean;

/**
 * Result of the callback-style try, timeout and async lock forms: checking `success` narrows
 * `value` to the callback's result.
 */
export type LockResult<T> = LockAcquired<T> | LockNotAcquired;

/** The lock was acquired and the callback ran. */
export interface LockAcquired<T> {
  success: true;
  /** The callback's result. */
  value: T;
  /**
   * Present, and true, only when the lock was taken over from a thread that died holding it
   * (the callback was called with `true`): the data it protects may be half-updated.
   */
  abandoned?: true;
}

/** The lock was not acquired: the callback did not run. */
export interface LockNotAcquired {
  success: false;
  value: undefined;
  abandoned?: undefined;
}

/**
 * The callback of a callback lock form. Called with no argument, or with `true` when the lock
 * was taken over from a thread that died holding it (check and repair the protected data).
 */
export type LockCallback<T> = (abandoned?: true) => T;

/**
 * A held lock. `using lock = Mutex.lock(m)` releases it at the end of the block. A Condition
 * waits only with a Mutex's token (a SharedMutex's throws a TypeError).
 */
export declare class UnlockToken {
  private constructor();
  /** Whether this token still holds its lock. */
  readonly locked: boolean;
  /** The Mutex or SharedMutex this token locks. */
  readonly mutex: Mutex | SharedMutex;
  /** Releases the lock; returns false if it was already released. */
  unlock(): boolean;
  [Symbol.dispose](): void;
}

/**
 * Thrown by a lock operation that acquired a mutex whose owner thread exited while holding it.
 * The caller holds the lock: check the protected data, then `error.token.unlock()`.
 * From the re-lock after a `Condition` wait, the lock stays with the hold the caller waited
 * with: `token` is the token passed to the wait, or, when the Mutex was passed (as inside
 * `Mutex.lock(m, cb)`, which releases it), a token whose `unlock()` returns false.
 */
export declare class AbandonedMutexError extends Error {
  readonly name: 'AbandonedMutexError';
  readonly mutex: Mutex | SharedMutex;
  readonly token: UnlockToken;
}

/** A mutual-exclusion lock in the shared heap. Uncontended lock/unlock make no native call. */
export declare class Mutex {
  private readonly __brand: 'Mutex';
  constructor();
  /** Whether `value` is a Mutex. */
  static isMutex(value: unknown): value is Mutex;
  /**
   * Runs `callback` holding the lock; returns its result; unlocks on return or throw. Locking
   * again from the holding thread throws TypeError. The callback is told (`true`) when the
   * previous owner died holding the lock.
   */
  static lock<T>(mutex: Mutex, callback: LockCallback<T>): T;
  /** Acquires and returns an unlock token (AbandonedMutexError, holding it, if its owner died). */
  static lock(mutex: Mutex): UnlockToken;
  /** Runs `callback` only if the lock is free now (`success` false if held, by this thread too). */
  static tryLock<T>(mutex: Mutex, callback: LockCallback<T>): LockResult<T>;
  /** Waits up to `timeoutMs` (required; Infinity: no limit) for the lock. */
  static lockWithTimeout<T>(mutex: Mutex, callback: LockCallback<T>, timeoutMs: number): LockResult<T>;
  /** With `{ timeout }`: throws a {@link LockTimeoutError} naming the holder instead of returning `success: false`. */
  static lockWithTimeout<T>(mutex: Mutex, callback: LockCallback<T>, options: { timeout: number }): LockResult<T>;
  /** A token if the lock is acquired within `timeoutMs` (default 0: null also if this thread holds it), else null. */
  static lockIfAvailable(mutex: Mutex, timeoutMs?: number): UnlockToken | null;
  /**
   * Acquires without blocking the event loop (at once if free); awaits the callback before
   * unlocking. With `{ timeout, signal }`: rejects with the signal's reason when aborted (no
   * waiter left behind), and with a {@link LockTimeoutError} naming the holder on timeout.
   */
  static lockAsync<T>(mutex: Mutex, callback: LockCallback<T | Promise<T>>, timeoutOrOptions?: number | AsyncWaitOptions): Promise<LockResult<Awaited<T>>>;
}

/** A condition variable in the shared heap. */
export declare class Condition {
  private readonly __brand: 'Condition';
  constructor();
  /** Whether `value` is a Condition. */
  static isCondition(value: unknown): value is Condition;
  /** Releases the mutex (held by this thread), waits for a notify, re-locks. False on timeout. */
  static wait(condition: Condition, mutexOrToken: Mutex | UnlockToken, timeoutMs?: number): boolean;
  /** Waits until `predicate()` is truthy (true) or the timeout passes first (false). */
  static waitFor(condition: Condition, mutexOrToken: Mutex | UnlockToken, timeoutMs: number | undefined, predicate: () => unknown): boolean;
  /**
   * Like wait without blocking the event loop. A wait that is not awaited and outlives the hold
   * it was called in (the callback ends, the token is unlocked) is dropped: it resolves true
   * without re-locking.
   */
  static waitAsync(condition: Condition, mutexOrToken: Mutex | UnlockToken, timeoutOrOptions?: number | AsyncWaitOptions): Promise<boolean>;
  /** Wakes up to `count` waiters (default all); returns how many were woken. */
  static notify(condition: Condition, count?: number): number;
}

/** A readers-writer lock in the shared heap; waiting writers block new readers (no writer starvation). */
export declare class SharedMutex {
  private readonly __brand: 'SharedMutex';
  constructor();
  /** Whether `value` is a SharedMutex. */
  static isSharedMutex(value: unknown): value is SharedMutex;
  /** Exclusive lock: runs `callback` holding it, or returns a token. */
  static lock<T>(mutex: SharedMutex, callback: LockCallback<T>): T;
  static lock(mutex: SharedMutex): UnlockToken;
  static tryLock<T>(mutex: SharedMutex, callback: LockCallback<T>): LockResult<T>;
  static lockWithTimeout<T>(mutex: SharedMutex, callback: LockCallback<T>, timeoutMs: number): LockResult<T>;
  static lockIfAvailable(mutex: SharedMutex, timeoutMs?: number): UnlockToken | null;
  /** As Mutex.lockAsync (`{ timeout, signal }`: abort and LockTimeoutError). */
  static lockAsync<T>(mutex: SharedMutex, callback: LockCallback<T | Promise<T>>, timeoutOrOptions?: number | AsyncWaitOptions): Promise<LockResult<Awaited<T>>>;
  /** Shared lock: runs `callback` holding it, or returns a token. */
  static lockShared<T>(mutex: SharedMutex, callback: LockCallback<T>): T;
  static lockShared(mutex: SharedMutex): UnlockToken;
  static tryLockShared<T>(mutex: SharedMutex, callback: LockCallback<T>): LockResult<T>;
  static lockSharedWithTimeout<T>(mutex: SharedMutex, callback: LockCallback<T>, timeoutMs: number): LockResult<T>;
  static lockSharedIfAvailable(mutex: SharedMutex, timeoutMs?: number): UnlockToken | null;
  static lockSharedAsync<T>(mutex: SharedMutex, callback: LockCallback<T | Promise<T>>, timeoutOrOptions?: number | AsyncWaitOptions): Promise<LockResult<Awaited<T>>>;
}

/**
 * Options of every async wait: `timeout` in milliseconds (Infinity: none), and an
 * AbortSignal that rejects the wait with `signal.reason` and takes its waiter off the queue.
 */
export interface AsyncWaitOptions {
  timeout?: number;
  signal?: AbortSignal;
}

/** A thread as lock introspection reports it. */
export interface LockThread {
  /** The library's thread id (the owner id in lock words). */
  tid: number;
  /** worker_threads' threadId (0: the main thread), or null if unknown. */
  threadId: number | null;
  /** false: the thread exited (a Mutex it holds is abandoned). */
  alive: boolean;
  /** Whether it is the calling thread. */
  current: boolean;
}

/** What {@link lockInfo} reports. */
export type LockInfo =
  | { kind: 'Mutex'; locked: boolean; holder: LockThread | null; waiters: number }
  | { kind: 'SharedMutex'; exclusive: boolean; holder: LockThread | null; readers: number; readerThreads: LockThread[]; waiters: number }
  | { kind: 'Condition'; waiters: number };

/** Who holds a Mutex or SharedMutex and how many wait (a Condition: how many wait). A snapshot. */
export declare function lockInfo(lock: Mutex | SharedMutex | Condition): LockInfo;

/** Thrown by a lock wait whose `{ timeout }` (options form) passed; the message names the holder. */
export declare class LockTimeoutError extends Error {
  readonly name: 'LockTimeoutError';
  readonly lock: Mutex | SharedMutex;
  /** lockInfo(lock) when the wait gave up. */
  readonly info: LockInfo;
}

/** Keys a SharedMap accepts (compared with SameValueZero; shared objects by identity). */
export type SharedMapKey = string | number | bigint | boolean | null | undefined | SharedStruct | SharedArray<any> | Mutex | Condition | SharedMutex | SharedMap<any, any> | SharedSet<any> | SharedVector<any>;

/** A concurrent hash map in the shared heap. Every operation is atomic; iteration walks a snapshot. */
export declare class SharedMap<K extends SharedMapKey = SharedMapKey, V extends Shareable = Shareable> implements Iterable<[K, V]> {
  constructor(entries?: Iterable<readonly [K, V]> | null);
  /** Whether `value` is a SharedMap. */
  static isSharedMap(value: unknown): value is SharedMap<SharedMapKey, Shareable>;
  readonly size: number;
  get(key: K): V | undefined;
  /** A plain object of the entries (keys converted with String), for JSON.stringify. */
  toJSON(): Record<string, V>;
  has(key: K): boolean;
  set(key: K, value: V): this;
  delete(key: K): boolean;
  clear(): void;
  /** The value for `key`, inserting `value` first if absent (atomic). */
  getOrInsert(key: K, value: V): V;
  /** The value for `key`; if absent computes `fn(key)` outside the lock and inserts it unless another thread won. */
  getOrInsertComputed(key: K, fn: (key: K) => V): V;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[K, V]>;
  forEach(callback: (value: V, key: K, map: this) => void, thisArg?: unknown): void;
  [Symbol.iterator](): IterableIterator<[K, V]>;
}

/**
 * Field names of the shared struct type `S`: its properties other than methods (for a type
 * from `new SharedStructType(names)`, the names; for a {@link struct} class, its fields).
 */
export type FieldsOf<S> = { [K in keyof S]-?: K extends typeof sharedStructBrand ? never : S[K] extends (...args: any[]) => any ? never : K }[keyof S] & string;

/** What `atomics` accepts as the slot of `S`: a field name, or an element index of element types. */
export type AtomicKey<S> = S extends SharedElements<any> ? number | FieldsOf<Omit<S, keyof SharedElements<any>>> : FieldsOf<S>;

/**
 * A set in the shared heap (a SharedMap's table without values): values compared with
 * SameValueZero, shared objects by identity. Every operation is atomic; `has` is lock-free;
 * iteration, `forEach` and `toArray` work on a snapshot taken under the set's lock.
 */
export declare class SharedSet<T extends SharedMapKey = SharedMapKey> implements Iterable<T> {
  /** A new set holding the values of `values` (TypeError for one that cannot be a key). */
  constructor(values?: Iterable<T> | null);
  /** Whether `value` is a SharedSet. */
  static isSharedSet(value: unknown): value is SharedSet<any>;
  /** Number of values. */
  readonly size: number;
  /** Adds `value`; returns the set. */
  add(value: T): this;
  /** Adds `value` if absent: true if this call added it (exactly one of several racing threads gets true). */
  addIfAbsent(value: T): boolean;
  has(value: T): boolean;
  delete(value: T): boolean;
  clear(): void;
  /** The values of a snapshot. */
  values(): IterableIterator<T>;
  /** Same as values(). */
  keys(): IterableIterator<T>;
  entries(): IterableIterator<[T, T]>;
  forEach(callback: (value: T, key: T, set: this) => void, thisArg?: unknown): void;
  /** A plain array of the values (a snapshot). */
  toArray(): T[];
  /** An array of the values, for JSON.stringify. */
  toJSON(): T[];
  [Symbol.iterator](): IterableIterator<T>;
}

/**
 * Thrown by a SharedVector iterator when the vector's length changed (push, pop, splice,
 * shift, unshift, clear, length = n; by any thread) since the iteration started.
 */
export declare class ConcurrentModificationError extends Error {
  readonly name: 'ConcurrentModificationError';
}

/**
 * A growable array in the shared heap. Every operation is atomic (the vector's lock; `get`
 * of a number element is lock-free). Callback methods (forEach, map, filter, find, ...) run
 * on a snapshot taken under the lock; iterators read each element when they reach it and
 * throw {@link ConcurrentModificationError} if the length changed since they started.
 */
export declare class SharedVector<T = any> implements Iterable<T> {
  /** A new vector holding the values of `items` (TypeError for one that cannot be shared). */
  constructor(items?: Iterable<T> | null);
  /** Whether `value` is a SharedVector. */
  static isSharedVector(value: unknown): value is SharedVector<any>;
  /** A new vector of the items of an iterable or array-like, optionally mapped. */
  static from<U>(items: Iterable<U> | ArrayLike<U>): SharedVector<U>;
  static from<U, R>(items: Iterable<U> | ArrayLike<U>, mapFn: (value: U, index: number) => R, thisArg?: unknown): SharedVector<R>;
  /** A new vector of the arguments. */
  static of<U>(...items: U[]): SharedVector<U>;
  /** Number of elements; setting it grows the vector with undefined or drops the tail (RangeError for a non-integer or negative value). */
  length: number;
  /** Elements the current storage holds before it grows. */
  readonly capacity: number;
  /** Element `i`, or undefined when out of range; TypeError when `i` is not a number. */
  get(index: number): T | undefined;
  /** Writes element `i` (`i === length` appends); RangeError when out of range. */
  set(index: number, value: T): this;
  /** Appends the values (all or none); returns the new length. */
  push(...items: T[]): number;
  /** Removes and returns the last element. */
  pop(): T | undefined;
  /** Removes and returns the first element (O(length)). */
  shift(): T | undefined;
  /** Inserts the values at the front (O(length)); returns the new length. */
  unshift(...items: T[]): number;
  /** Removes `deleteCount` elements at `start` and inserts `items` there, atomically; returns the removed elements. */
  splice(start?: number, deleteCount?: number, ...items: T[]): T[];
  /** Removes every element. */
  clear(): void;
  at(index: number): T | undefined;
  indexOf(value: T, fromIndex?: number): number;
  lastIndexOf(value: T, fromIndex?: number): number;
  includes(value: T, fromIndex?: number): boolean;
  find(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): T | undefined;
  findIndex(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): number;
  findLast(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): T | undefined;
  findLastIndex(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): number;
  forEach(callback: (value: T, index: number, vector: this) => void, thisArg?: unknown): void;
  some(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): boolean;
  every(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): boolean;
  /** Maps a snapshot into a plain array. */
  map<U>(callback: (value: T, index: number, vector: this) => U, thisArg?: unknown): U[];
  /** Filters a snapshot into a plain array. */
  filter(predicate: (value: T, index: number, vector: this) => unknown, thisArg?: unknown): T[];
  reduce<U>(callback: (acc: U, value: T, index: number, vector: this) => U, initial: U): U;
  reduce(callback: (acc: T, value: T, index: number, vector: this) => T): T;
  reduceRight<U>(callback: (acc: U, value: T, index: number, vector: this) => U, initial: U): U;
  reduceRight(callback: (acc: T, value: T, index: number, vector: this) => T): T;
  join(separator?: string): string;
  /** A plain array of elements `[start, end)` (one snapshot). */
  slice(start?: number, end?: number): T[];
  /** A plain array of all elements (one snapshot). */
  toArray(): T[];
  toJSON(): T[];
  keys(): IterableIterator<number>;
  values(): IterableIterator<T>;
  entries(): IterableIterator<[number, T]>;
  [Symbol.iterator](): IterableIterator<T>;
}

/** Thrown by a send on a closed {@link Channel}. */
export declare class ChannelClosedError extends Error {
  readonly name: 'ChannelClosedError';
}

/** What a receive gives: a value, or `done` once the channel is closed and drained. */
export type ChannelResult<T> = { value: T; done: false } | { value: undefined; done: true };

/**
 * A bounded multi-producer multi-consumer channel in the shared heap (docs/coordination.md).
 * `send` blocks while full, `receive` while empty; try, timeout and async forms (with an
 * AbortSignal). After close(), sends throw {@link ChannelClosedError}; receivers drain the
 * values left, then get `{ done: true }`.
 */
export declare class Channel<T extends Shareable = Shareable> implements Iterable<T>, AsyncIterable<T> {
  /** A channel holding up to `capacity` values (1 .. 2^26, default 64). */
  constructor(capacity?: number);
  /** Whether `value` is a Channel. */
  static isChannel(value: unknown): value is Channel<any>;
  readonly capacity: number;
  /** Values in it now. */
  readonly size: number;
  readonly closed: boolean;
  /** Sends, waiting while full up to `timeoutMs` (default forever): false on timeout. */
  send(value: T, timeoutMs?: number): boolean;
  /** Sends if there is room now: false if full. */
  trySend(value: T): boolean;
  /** Sends without blocking the event loop: false on timeout; rejects with the signal's reason when aborted. */
  sendAsync(value: T, timeoutOrOptions?: number | AsyncWaitOptions): Promise<boolean>;
  /** Receives, waiting while empty up to `timeoutMs` (default forever): null on timeout. */
  receive(timeoutMs?: number): ChannelResult<T> | null;
  /** A value if one is there now, else null (`done` once closed and drained). */
  tryReceive(): ChannelResult<T> | null;
  /** Receives without blocking the event loop: null on timeout; rejects with the signal's reason when aborted. */
  receiveAsync(timeoutOrOptions?: number | AsyncWaitOptions): Promise<ChannelResult<T> | null>;
  /** Closes it; true if this call closed it. */
  close(): boolean;
  /** Blocking iteration until closed and drained. */
  [Symbol.iterator](): Iterator<T>;
  /** `for await` until closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T>;
  /** `for await (const v of ch.iterate({ signal }))`: until closed and drained; an abort makes the loop throw the signal's reason. */
  iterate(options?: { signal?: AbortSignal | null }): AsyncIterableIterator<T>;
  toJSON(): { capacity: number; size: number; closed: boolean };
}

/**
 * A counting semaphore in the shared heap. Not fair; permits have no owner (any thread may
 * release, and permits taken by a thread that dies are not given back).
 */
export declare class Semaphore {
  /** A semaphore with `permits` permits (0 .. 2^31 - 1). */
  constructor(permits: number);
  /** Whether `value` is a Semaphore. */
  static isSemaphore(value: unknown): value is Semaphore;
  /** Permits available now. */
  readonly available: number;
  /** Threads or tasks waiting in acquire now. */
  readonly waiting: number;
  /** Takes `permits` (default 1) if available now. */
  tryAcquire(permits?: number): boolean;
  /** Takes `permits` (default 1), waiting up to `timeoutMs` (default forever): false on timeout. */
  acquire(permits?: number, timeoutMs?: number): boolean;
  /** Takes `permits` without blocking the event loop: false on timeout; rejects with the signal's reason when aborted. */
  acquireAsync(permits?: number, timeoutOrOptions?: number | AsyncWaitOptions): Promise<boolean>;
  /** Gives back `permits` (default 1) and wakes the waiters. */
  release(permits?: number): void;
  /** Runs `callback` holding one permit. */
  withPermit<R>(callback: () => R): R;
  /** Runs `callback` holding one permit, waiting without blocking the event loop. */
  withPermitAsync<R>(callback: () => R | Promise<R>, timeoutOrOptions?: number | AsyncWaitOptions): Promise<{ success: boolean; value: Awaited<R> | undefined }>;
  toJSON(): { available: number; waiting: number };
}

/**
 * A reusable barrier for `parties` threads or tasks: `wait()` returns once `parties` calls
 * arrived in the current generation (true for the last arrival, false for the others).
 */
export declare class Barrier {
  constructor(parties: number);
  /** Whether `value` is a Barrier. */
  static isBarrier(value: unknown): value is Barrier;
  readonly parties: number;
  /** Arrivals in the current generation. */
  readonly arrived: number;
  /** Generations completed (modulo 2^32). */
  readonly generation: number;
  /** Arrives and blocks: true for the arrival that completed the generation, false for others, null on timeout (the arrival withdrawn). */
  wait(timeoutMs?: number): boolean | null;
  /** Arrives and waits without blocking the event loop; rejects with the signal's reason when aborted (the arrival withdrawn). */
  waitAsync(timeoutOrOptions?: number | AsyncWaitOptions): Promise<boolean | null>;
  toJSON(): { parties: number; arrived: number; generation: number };
}

/**
 * Parses JSON text (a string, or UTF-8 bytes) in Rust straight into the shared heap
 * (docs/json.md): objects become structs (one type per key sequence), arrays SharedArrays,
 * strings and numbers exact. Throws SyntaxError as JSON.parse does. No reviver.
 */
export declare function parseJSON(text: string | Uint8Array): any;

/** Counts of this thread's last parseJSON, or null. */
export declare function parseStats(): { objects: number; arrays: number; strings: number; stringsDeduplicated: number; types: number; bytes: number } | null;

/**
 * The reverse of parseJSON: the JSON text `JSON.stringify(value, null, space)` gives, written
 * in Rust straight from the shared heap when `value` is a struct or SharedArray (no plain copy
 * of the graph; docs/json.md). A SharedMap, SharedSet, SharedVector or lock inside gets
 * JSON.stringify's text of that object, in place. What the slots alone cannot say (a bigint,
 * a cycle, a class with its own toJSON) and values that are not structs or SharedArrays go
 * through JSON.stringify itself: same text, same errors.
 * A replacer is not supported (TypeError): use JSON.stringify.
 */
export declare function stringifyJSON(value: any, replacer?: null, space?: string | number): string;

/** Why this thread's last stringifyJSON took JSON.stringify's path, or null if Rust wrote the text. */
export declare function stringifyFallback(): string | null;

/** Atomic operations on struct fields (by name) and element slots (by index). */
export declare const atomics: {
  /** (An element type's `length` loads too, as with V8's Atomics.load.) */
  load<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S> | (S extends SharedElements<any> ? 'length' : never)): any;
  store<S extends SharedStruct | SharedElements<any>, T extends Shareable>(target: S, key: AtomicKey<S>, value: T): T;
  exchange<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, value: Shareable): any;
  /** Stores `replacement` if the current value === `expected`; returns the value seen. */
  compareExchange<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, expected: unknown, replacement: Shareable): any;
  add<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, value: number): number;
  sub<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, value: number): number;
  and<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, value: number): number;
  or<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, value: number): number;
  xor<S extends SharedStruct | SharedElements<any>>(target: S, key: AtomicKey<S>, value: number): number;
  /** Spin-wait hint for hand-written spin loops; `n` is undefined or an integer (else TypeError), as for TC39's Atomics.pause. */
  pause(n?: number): void;
};

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Number of workers (default: the available parallelism). */
  threads?: number;
  /** Structured-cloneable value handed to the worker module's `setup(data)`; put shared objects in it as share() tokens. */
  data?: unknown;
  /** Thread name prefix. */
  name?: string;
  execArgv?: string[];
  resourceLimits?: import('node:worker_threads').ResourceLimits;
  env?: NodeJS.ProcessEnv | typeof import('node:worker_threads').SHARE_ENV;
}

/**
 * A reusable pool of worker threads fed from a work queue in the shared heap (a Mutex, two
 * Conditions and SharedArrays). Tasks and results are shareable values, never copied. The
 * worker module exports `handle(task, context, index)` (and optionally `setup(data)`), or is
 * that function itself.
 */
export declare class WorkerPool {
  /** Starts the workers; each loads `modulePath` and calls its `setup(data)` once. */
  constructor(modulePath: string, options?: WorkerPoolOptions);
  /** Number of workers. */
  readonly threads: number;
  /** The Worker objects (to listen for messages that handlers post with parentPort). */
  readonly workers: import('node:worker_threads').Worker[];
  /** The error that broke the pool, or null. */
  readonly failure: Error | null;
  /** Resolves when every worker has finished setup (rejects if one failed, or with `options.signal`'s reason once aborted). */
  ready(options?: { signal?: AbortSignal | null }): Promise<void>;
  /**
   * Runs the handler for every task; resolves to the results in task order. `onResult` is
   * called in completion order as tasks finish. Rejects with a TaskError if a task throws,
   * or with the pool's failure if a worker dies.
   */
  run<R = any>(tasks: Iterable<Shareable>, options?: { onResult?: (result: R, index: number) => void | Promise<void>; signal?: AbortSignal }): Promise<R[]>;
  /** Lets the workers finish and exit (terminating them after `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
  /** Terminates every worker now. */
  terminate(): Promise<void>;
  /**
   * Groups items into batches, largest first (longest-processing-time scheduling): an item
   * of `batchSize` or more is its own batch; smaller ones are packed up to `batchSize`.
   */
  static batchBySize<T>(items: Iterable<T>, options: { batchSize: number; maxItems?: number; sizeOf?: (item: T) => number }): T[][];
}

/** The error of a task that threw in a worker. */
export declare class TaskError extends Error {
  /** Index of the task that failed. */
  readonly index: number;
  /** The worker-side error text (stack when available). */
  readonly workerMessage: string;
}

// ---------------------------------------------------------------------------------------
// Shared struct types as classes (standard decorators; docs/typescript.md).

/** The constructor type of {@link SharedStruct}: a base class whose instances are shared structs. */
export interface SharedStructBaseConstructor {
  new (): SharedStruct<never>;
  readonly prototype: SharedStruct<never>;
}

/**
 * Base class of shared struct types declared as classes: `@struct('Point') class Point
 * extends SharedStruct { @field x!: number; len() { ... } }`. Instances are shared structs
 * (shareable); the class itself is replaced by {@link struct}.
 */
export declare const SharedStruct: SharedStructBaseConstructor;

/**
 * Class decorator: makes the class a shared struct type whose fields are its {@link field}
 * fields, with its methods, accessors and statics, registered in this thread (so instances
 * read from other threads have them too). The registry key defaults to the class's name.
 * Field initializers and the class's constructor do not run: fields start undefined.
 */
export declare function struct(key?: string | SharedStructTypeOptions): <C extends abstract new () => SharedStruct<never>>(value: C, context: ClassDecoratorContext<C>) => C;

/** Field decorator: declares the field as a field of the shared struct type (its value type must be {@link Shareable}). */
export declare function field<This extends SharedStruct<never>, V extends Shareable>(value: undefined, context: ClassFieldDecoratorContext<This, V>): void;
/**
 * A bulk handle: a number naming a shared object in this thread's current bulk session
 * (docs/bulk.md). Valid until `bulk.release()` or the end of the outermost `bulk.session()`.
 */
export type Handle = number & { readonly __sharedStructsHandle?: true };

/** Options of {@link Bulk.view}. */
export interface BulkViewOptions<F extends string = string> {
  /** Fields that hold shared objects, read as handles and written from handles (`true`: every field, and the elements). */
  refs?: readonly F[] | true;
  /** How elements read: as handles (`'refs'`) or as values (`'values'`, the default unless `refs: true`). */
  elements?: 'refs' | 'values';
}

/** Field accessors by handle, one function per field. */
export type BulkGetters<F extends string, R extends string> = { readonly [K in F]: (h: Handle) => K extends R ? Handle | null | undefined : any };
/** Field setters by handle (reference fields take a handle, a shared object, null or undefined). */
export type BulkSetters<F extends string, R extends string> = { readonly [K in F]: (h: Handle, value: K extends R ? Handle | Shareable : Shareable) => void };

/**
 * A reusable position over objects of one type: `at(h)` validates a handle once; the field
 * accessors then read and write that object (reference fields as handles).
 */
export type BulkCursor<F extends string, R extends string> = {
  /** Moves to the object behind `h` (TypeError if `h` is stale, forged or of another type). */
  at(h: Handle): BulkCursor<F, R>;
  /** The handle of the object the cursor is at. */
  readonly handle: Handle;
  /** Element count (element types). */
  readonly length: number;
  /** Element `i` (element types; a handle if elements are references). */
  item(i: number): any;
  /** Writes element `i` (element types). */
  setItem(i: number, value: Handle | Shareable): void;
} & { [K in F]: K extends R ? Handle | null | undefined : any };

/** Reads and writes objects of one struct type by handle, without a wrapper per object. */
export interface BulkView<F extends string = string, R extends string = never> {
  /** The type's display name. */
  readonly type: string;
  /** One getter per field: `view.get.x(h)`. */
  readonly get: BulkGetters<F, R>;
  /** One setter per field: `view.set.x(h, value)`. */
  readonly set: BulkSetters<F, R>;
  /** Allocates a new object of the type (fields undefined; `length` elements for element types) and returns its handle. */
  create(length?: number): Handle;
  /** Whether `h` is a live handle of this session for an object of this type. */
  is(h: unknown): h is Handle;
  /** A cursor, positioned at `h` if given. */
  cursor(h?: Handle): BulkCursor<F, R>;
  /** Element count of the element object behind `h` (element types). */
  length(h: Handle): number;
  /** Element `i` of the object behind `h` (element types; a handle if elements are references). */
  at(h: Handle, i: number): any;
  /** Writes element `i` (element types). */
  setAt(h: Handle, i: number, value: Handle | Shareable): void;
}

/**
 * The bulk path (docs/bulk.md): read and build large graphs through numeric handles and
 * per-type views, with no JS wrapper per object. Handles keep their objects alive until the
 * session ends; a stale, forged, foreign or mistyped handle is a TypeError.
 */
export interface Bulk {
  /** The handle of a shared object (a wrapper). */
  handle(obj: SharedStruct | SharedArray<any>): Handle;
  /** The wrapper of the object behind a handle (the usual object, with identity). */
  object<T = SharedStruct>(h: Handle): T;
  /** Whether `h` is a live handle of this thread's current session. */
  isHandle(h: unknown): h is Handle;
  /** A view of a struct type (or SharedArray). */
  view<F extends string, const R extends F = never>(type: SharedStructConstructor<F> | SharedStructWithElementsConstructor<F>, options?: BulkViewOptions<R>): BulkView<F, R>;
  view(type: SharedArrayConstructor, options?: BulkViewOptions<never>): BulkView<never, never>;
  /** Runs `fn` and ends the session when it returns or its promise settles (the outermost session only). */
  session<T>(fn: () => T): T;
  /** Ends the session now: every handle handed out so far becomes stale, and its object may be collected. */
  release(): void;
  /** Handles and pages of the current session, and its number. */
  stats(): { handles: number; pages: number; session: number };
}

/** The bulk path: handles and views (docs/bulk.md). */
export declare const bulk: Bulk;

/** Options of {@link freeze}. */
export interface FreezeOptions {
  /** Also freeze every shared object reachable from the value (locks are left as they are). */
  deep?: boolean;
}

/**
 * Makes a shared object immutable in every thread: every later write or atomic on it (field,
 * element, bulk view, `atomics`, `SharedMap` set/delete/clear) throws a TypeError. With
 * `{ deep: true }`, every shared object reachable from it too. One-way. Primitives are returned
 * as they are; a lock (Mutex, Condition, SharedMutex) cannot be frozen (TypeError).
 */
export declare function freeze<T>(value: T, options?: FreezeOptions): T;

/** Whether `value` is a frozen shared object. */
export declare function isFrozen(value: unknown): boolean;
