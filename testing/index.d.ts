// Types of shared-structs/testing: test-runner support (vitest, jest).

/** What a runner passes to an equality tester as `this` (vitest and jest). */
export interface TesterContext {
  equals(a: unknown, b: unknown, customTesters?: Array<any>, strictCheck?: boolean): boolean;
}

/**
 * Equality tester for `expect.addEqualityTesters` (vitest; jest 29.4 or later): decides every
 * comparison that involves a shared object, comparing it as the plain value it stands for
 * (a struct as an object of its fields, a SharedArray as an array, a SharedMap as a Map), and
 * returns undefined for the others.
 */
export declare function sharedStructsEquality(this: TesterContext, a: any, b: any, customTesters: Array<any>): boolean | undefined;

/** A pretty-format plugin (the shape of vitest's and jest's snapshot serializers). */
export interface SnapshotSerializerPlugin {
  test(val: any): boolean;
  serialize(val: any, config: any, indentation: string, depth: number, refs: Array<unknown>, printer: (val: unknown, config: any, indentation: string, depth: number, refs: Array<unknown>) => string): string;
}

/**
 * Snapshot serializer for `expect.addSnapshotSerializer` or the `snapshotSerializers` option:
 * `Point { "x": 1, "y": 2 }` with fields in declaration order, `SharedArray [ ... ]`,
 * `SharedMap { key => value }` sorted by key, `Mutex {}`.
 */
export declare const sharedStructsSerializer: SnapshotSerializerPlugin;

/** The part of a runner's `expect` that install() uses. */
export interface ExpectWithTesters {
  addEqualityTesters(testers: Array<any>): void;
  addSnapshotSerializer?(serializer: any): void;
}

/** Adds the equality tester and the snapshot serializer to `expect` (vitest's or jest's). Returns it. */
export declare function install<E extends ExpectWithTesters>(expect: E): E;

/**
 * Scopes registry keys declared from now on in this thread (and in the workers and child
 * processes it starts, through SHARED_STRUCTS_KEY_SCOPE) to the running test file, so test
 * files that share a process do not collide. Returns the scope, or null outside a test file.
 */
export declare function scopeKeysToTestFile(expect: { getState(): { testPath?: string | null } }): string | null;

/** Which kind of shared object `v` is, or null if it is not one. */
export declare function kindOf(v: unknown): 'struct' | 'elements' | 'array' | 'map' | 'lock' | null;
