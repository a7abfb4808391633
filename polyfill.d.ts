// Types of `shared-structs/polyfill`: V8's `--harmony-struct` globals on stock Node. The
// polyfill's module exports the library, as `shared-structs` does.
import type { SharedStruct, SharedStructConstructor, SharedArray as LibSharedArray, Mutex as LibMutex, Condition as LibCondition, Shareable } from './index.js';

export * from './index.js';

/** A shared-structs Mutex, as V8's `Atomics.Mutex` instances. */
type AtomicsMutex = LibMutex;
/** A shared-structs Condition, as V8's `Atomics.Condition` instances. */
type AtomicsCondition = LibCondition;
/** V8's result of `tryLock`, `lockWithTimeout` and `lockAsync`. */
interface V8LockResult<T> {
  success: boolean;
  value: T | undefined;
}

declare global {
  /** V8's shared struct types (installed by shared-structs/polyfill). */
  var SharedStructType: {
    /**
     * A new constructor for a shared struct type with these fields (numbers are property keys).
     * With a registry key, every thread declaring it gets the same type. At most 999 fields.
     */
    new <const F extends readonly (string | number)[]>(fields: F, key?: string): SharedStructConstructor<`${F[number]}`>;
    /** Whether `value` is a shared struct. */
    isSharedStruct(value: unknown): value is SharedStruct;
  };
  /** V8's fixed-length shared arrays (installed by shared-structs/polyfill). */
  var SharedArray: {
    /** A shared array of `length` undefined elements. */
    new <T = any>(length?: number): LibSharedArray<T>;
    /** Whether `value` is a SharedArray. */
    isSharedArray(value: unknown): value is LibSharedArray<any>;
  };
  interface Atomics {
    /** V8's mutex (installed by shared-structs/polyfill). */
    Mutex: {
      new (): AtomicsMutex;
      isMutex(value: unknown): value is AtomicsMutex;
      /** Runs `callback` holding the lock; throws TypeError if this thread holds it already. */
      lock<T>(mutex: AtomicsMutex, callback: () => T): T;
      /** Runs `callback` if the lock is free now (not held, by this thread either). */
      tryLock<T>(mutex: AtomicsMutex, callback: () => T): V8LockResult<T>;
      /** Waits up to `timeout` ms (a number; NaN waits forever, negative is 0). */
      lockWithTimeout<T>(mutex: AtomicsMutex, callback: () => T, timeout: number): V8LockResult<T>;
      /** Takes the lock without blocking (at once if free), then calls back and awaits the result. */
      lockAsync<T>(mutex: AtomicsMutex, callback: () => T | Promise<T>, timeout?: number): Promise<V8LockResult<Awaited<T>>>;
    };
    /** V8's condition variable (installed by shared-structs/polyfill). */
    Condition: {
      new (): AtomicsCondition;
      isCondition(value: unknown): value is AtomicsCondition;
      /** Releases the mutex (held by this thread), waits for a notify, re-locks; false on timeout. */
      wait(condition: AtomicsCondition, mutex: AtomicsMutex, timeout?: number): boolean;
      /** Like wait, without blocking the event loop. */
      waitAsync(condition: AtomicsCondition, mutex: AtomicsMutex, timeout?: number): Promise<boolean>;
      /** Wakes up to `count` waiters (default all); returns how many. */
      notify(condition: AtomicsCondition, count?: number): number;
    };
    /** Reads a struct field or array element (`'length'` of an array: its length). */
    load(target: SharedStruct | LibSharedArray<any>, key: string | number): any;
    /** Writes a struct field or array element; returns the value. */
    store<V extends Shareable>(target: SharedStruct | LibSharedArray<any>, key: string | number, value: V): V;
    /** Writes a struct field or array element; returns the previous value. */
    exchange(target: SharedStruct | LibSharedArray<any>, key: string | number, value: Shareable): any;
    /** Writes `replacement` if the current value === `expected`; returns the value seen. */
    compareExchange(target: SharedStruct | LibSharedArray<any>, key: string | number, expected: unknown, replacement: Shareable): any;
  }
}
