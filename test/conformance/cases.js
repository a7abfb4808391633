'use strict';
// Conformance cases for V8's observable shared-struct semantics.
//
// Written for this project from reading V8's tests (test/mjsunit/shared-memory/*.js in
// v8/v8 and in Node's deps/v8, Copyright the V8 project authors, BSD-style license) and the
// TC39 proposal (github.com/tc39/proposal-structs: README, CHROMIUM-DEV-TRIAL.md). No code is
// copied from them: each case states one behaviour those sources specify, as V8 implements
// it today (where Node 20's V8 11.3 differs, as it often does, the case follows current V8:
// the report shows where V8 11.3 fails). `source` names the file or section each comes from.
//
// The cases use V8's global names only (SharedStructType, SharedArray, Atomics.Mutex,
// Atomics.Condition, Atomics.load/...). They run under `node --harmony-struct` as they are,
// and on stock Node once shared-structs' polyfill is loaded (run.js, and
// __test__/conformance.test.mjs in npm test).

const { assert, sleep, within, until, worker } = require('./harness');

/** Every primitive V8 stores in a shared field (bigints are not shareable in V8). */
const primitives = () => [42, -0, 0.5, NaN, undefined, null, true, false, 'foo', ''];

function struct(fields = ['field']) {
  const S = new SharedStructType(fields);
  return [S, new S()];
}

module.exports = [
  // ----- shared structs: surface (shared-struct-surface.js, proposal "Shared Structs") -----
  {
    id: 'struct/prototype-is-null',
    source: 'shared-struct-surface.js TestNoPrototype',
    run() {
      const [S, s] = struct();
      assert.same(null, S.prototype, 'S.prototype');
      assert.same(null, Object.getPrototypeOf(s), 'Object.getPrototypeOf(instance)');
    },
  },
  {
    id: 'struct/prototype-not-writable',
    source: 'shared-struct-surface.js TestNoPrototype',
    run() {
      'use strict';
      const [S] = struct();
      assert.throws(() => {
        S.prototype = {};
      }, TypeError);
    },
  },
  {
    id: 'struct/primitives-round-trip',
    source: 'shared-struct-surface.js TestPrimitives',
    run() {
      const [, s] = struct();
      for (const p of primitives()) {
        s.field = p;
        assert.same(p, s.field, `field = ${String(p)}`);
      }
      const long = 'x'.repeat(100000) + Math.random();
      s.field = long;
      assert.same(long, s.field, 'a long string');
    },
  },
  {
    id: 'struct/fields-start-undefined',
    source: 'proposal: one-shot initialization',
    run() {
      const [, s] = struct(['a', 'b', 'c']);
      assert.equals([undefined, undefined, undefined], [s.a, s.b, s.c]);
    },
  },
  {
    id: 'struct/rejects-non-shared-values',
    source: 'shared-struct-surface.js TestObjects',
    run() {
      const [, s] = struct();
      for (const v of [[], {}, () => 1, Symbol('s'), new Int32Array(1)]) {
        assert.throws(() => {
          s.field = v;
        }, TypeError, `field = ${typeof v}`);
      }
    },
  },
  {
    id: 'struct/holds-shared-objects-by-identity',
    source: 'shared-struct-surface.js TestObjects',
    run() {
      const [S, s] = struct();
      for (const v of [new S(), new SharedArray(10), new Atomics.Mutex(), new Atomics.Condition()]) {
        s.field = v;
        assert.same(v, s.field);
      }
    },
  },
  {
    id: 'struct/not-extensible',
    source: 'shared-struct-surface.js TestNotExtensible',
    run() {
      'use strict';
      const [, s] = struct();
      assert.throws(() => {
        s.nonExistent = 42;
      }, TypeError, 'adding a property');
      assert.throws(() => Object.setPrototypeOf(s, {}), TypeError, 'setPrototypeOf');
      assert.throws(() => Object.defineProperty(s, 'nonExistent', { value: 42 }), TypeError, 'defineProperty');
      assert.false(Object.isExtensible(s), 'isExtensible');
    },
  },
  {
    id: 'struct/sealed-not-frozen',
    source: 'proposal: "created with integrity level sealed", fields writable',
    run() {
      const [, s] = struct();
      assert.true(Object.isSealed(s), 'isSealed');
      assert.false(Object.isFrozen(s), 'isFrozen');
    },
  },
  {
    id: 'struct/delete-field-throws',
    source: 'proposal: fields are non-configurable',
    run() {
      'use strict';
      const [, s] = struct();
      assert.throws(() => delete s.field, TypeError);
    },
  },
  {
    id: 'struct/at-most-999-fields',
    source: 'shared-struct-surface.js TestTooManyFields',
    run() {
      const names = (n) => Array.from({ length: n }, (_, i) => `field${i}`);
      assert.throws(() => new SharedStructType(names(1000)), RangeError, '1000 fields');
      const S = new SharedStructType(names(999));
      const s = new S();
      s.field998 = 1;
      assert.same(1, s.field998);
    },
  },
  {
    id: 'struct/fields-are-own-properties',
    source: 'shared-struct-surface.js TestOwnPropertyEnumeration',
    run() {
      const [, s] = struct();
      s.field = 42;
      assert.equals(['field'], Reflect.ownKeys(s), 'Reflect.ownKeys');
      assert.equals(['field'], Object.keys(s), 'Object.keys');
    },
  },
  {
    id: 'struct/own-property-descriptor',
    source: 'shared-struct-surface.js TestOwnPropertyEnumeration',
    run() {
      const [, s] = struct();
      s.field = 42;
      const d = Object.getOwnPropertyDescriptors(s).field;
      assert.equals({ value: 42, writable: true, enumerable: true, configurable: false }, d);
    },
  },
  {
    id: 'struct/object-values-entries',
    source: 'shared-struct-surface.js TestOwnPropertyEnumeration',
    run() {
      const [, s] = struct();
      s.field = 42;
      assert.equals([42], Object.values(s), 'Object.values');
      assert.equals([['field', 42]], Object.entries(s), 'Object.entries');
    },
  },
  {
    id: 'struct/for-in-lists-fields-in-order',
    source: 'shared-struct-surface.js TestForIn',
    run() {
      const names = Array.from({ length: 512 }, (_, i) => `field${i}`);
      const S = new SharedStructType(names);
      const seen = [];
      for (const k in new S()) seen.push(k);
      assert.equals(names, seen);
    },
  },
  {
    id: 'struct/in-operator',
    source: 'proposal: declared fields exist on every instance',
    run() {
      const [, s] = struct();
      assert.true('field' in s, '"field" in s');
      assert.false('other' in s, '"other" in s');
    },
  },
  {
    id: 'struct/duplicate-field-names-throw',
    source: 'shared-struct-surface.js TestDuplicateFieldNames',
    run() {
      assert.throws(() => new SharedStructType(['same', 'same']));
    },
  },
  {
    id: 'struct/no-fields',
    source: 'shared-struct-surface.js TestNoFields',
    run() {
      const E = new SharedStructType([]);
      assert.true(SharedStructType.isSharedStruct(new E()));
    },
  },
  {
    id: 'struct/symbol-field-names-throw',
    source: 'shared-struct-surface.js TestSymbolsDisallowed',
    run() {
      assert.throws(() => new SharedStructType([Symbol('s')]));
    },
  },
  {
    id: 'struct/number-field-names-are-keys',
    source: 'shared-struct-type-registry.js (numbers as field names)',
    run() {
      const S = new SharedStructType([0, 4, 'x']);
      const s = new S();
      s[0] = 'zero';
      s[4] = 'four';
      s.x = 'x';
      assert.equals(['zero', 'four', 'x'], [s[0], s['4'], s.x]);
    },
  },
  {
    id: 'struct/as-a-prototype',
    source: 'shared-struct-surface.js TestUsedAsPrototype',
    run() {
      const [, s] = struct(['prop']);
      s.prop = 'on proto';
      const o = { __proto__: s };
      assert.same('on proto', o.prop, 'a field read through the prototype chain');
      assert.same(undefined, o.__proto__, '__proto__ (Object.prototype is not on the chain)');
    },
  },
  {
    id: 'struct/json-stringify',
    source: 'proposal: fields are enumerable data',
    run() {
      const [, s] = struct(['a', 'b']);
      s.a = 1;
      s.b = 'two';
      assert.same('{"a":1,"b":"two"}', JSON.stringify(s));
    },
  },
  {
    id: 'struct/read-through-a-proxy',
    source: 'shared-object-has-instance.js BuildPrototypeChain (Proxies around shared objects)',
    run() {
      const [, s] = struct();
      s.field = 7;
      assert.same(7, new Proxy(s, {}).field);
    },
  },

  // ----- brand checks and instanceof (brand-checks.js, shared-object-has-instance.js) -----
  {
    id: 'brand/isSharedStruct',
    source: 'brand-checks.js',
    run() {
      assert.isFunction(SharedStructType.isSharedStruct, 'SharedStructType.isSharedStruct');
      const [, s] = struct();
      assert.true(SharedStructType.isSharedStruct(s));
      for (const x of [new SharedArray(1), new Atomics.Mutex(), new Atomics.Condition(), 42, 'foo', null, undefined, {}, []]) {
        assert.false(SharedStructType.isSharedStruct(x), `isSharedStruct(${typeof x})`);
      }
    },
  },
  {
    id: 'brand/isSharedArray-isMutex-isCondition',
    source: 'brand-checks.js',
    run() {
      assert.isFunction(SharedArray.isSharedArray, 'SharedArray.isSharedArray');
      assert.isFunction(Atomics.Mutex.isMutex, 'Atomics.Mutex.isMutex');
      assert.isFunction(Atomics.Condition.isCondition, 'Atomics.Condition.isCondition');
      const [, s] = struct();
      const a = new SharedArray(1);
      const m = new Atomics.Mutex();
      const c = new Atomics.Condition();
      assert.equals([false, true, false, false], [s, a, m, c].map(SharedArray.isSharedArray), 'isSharedArray');
      assert.equals([false, false, true, false], [s, a, m, c].map(Atomics.Mutex.isMutex), 'isMutex');
      assert.equals([false, false, false, true], [s, a, m, c].map(Atomics.Condition.isCondition), 'isCondition');
      for (const x of [42, 'foo', null, {}, []]) {
        assert.false(SharedArray.isSharedArray(x) || Atomics.Mutex.isMutex(x) || Atomics.Condition.isCondition(x), `${typeof x}`);
      }
    },
  },
  {
    id: 'instanceof/structs',
    source: 'shared-object-has-instance.js TestSharedStructHasInstance',
    run() {
      const S1 = new SharedStructType(['field']);
      const S2 = new SharedStructType(['other']);
      const S3 = new SharedStructType(['field']);
      const s = new S1();
      assert.true(s instanceof S1, 'own constructor');
      assert.false(s instanceof S2, 'other fields');
      assert.false(s instanceof S3, 'same fields, other type');
      assert.false({ field: 1 } instanceof S1, 'plain object');
      assert.false(s instanceof function Other() {}, 'unrelated function');
    },
  },
  {
    id: 'instanceof/through-prototype-chains-and-proxies',
    source: 'shared-object-has-instance.js BuildPrototypeChain',
    run() {
      const chain = (base) => {
        let p = Object.create(base);
        for (let i = 0; i < 5; i++) p = Object.create(p);
        for (let i = 0; i < 5; i++) p = new Proxy(p, {});
        return p;
      };
      const [S, s] = struct();
      assert.true(chain(s) instanceof S, 'struct');
      assert.true(chain(new SharedArray(1)) instanceof SharedArray, 'SharedArray');
      assert.true(chain(new Atomics.Mutex()) instanceof Atomics.Mutex, 'Mutex');
      assert.true(chain(new Atomics.Condition()) instanceof Atomics.Condition, 'Condition');
    },
  },
  {
    id: 'instanceof/builtins',
    source: 'shared-object-has-instance.js TestSharedArrayHasInstance, TestAtomicsMutexHasInstance, TestAtomicsConditionHasInstance',
    run() {
      assert.true(new SharedArray(1) instanceof SharedArray, 'SharedArray(1)');
      assert.true(new SharedArray(2) instanceof SharedArray, 'SharedArray(2)');
      assert.true(new Atomics.Mutex() instanceof Atomics.Mutex, 'Mutex');
      assert.true(new Atomics.Condition() instanceof Atomics.Condition, 'Condition');
      assert.false({} instanceof SharedArray, 'plain object');
      assert.false(new Atomics.Mutex() instanceof function Other() {}, 'unrelated function');
    },
  },
  {
    id: 'instanceof/hasInstance-called-on-other-receivers',
    source: 'shared-object-has-instance.js TestCallStaticHasInstance, TestInheritHasInstance',
    run() {
      const [S, s] = struct();
      const hasInstance = S[Symbol.hasInstance];
      assert.true(hasInstance.call(S, s), 'on S');
      assert.true(SharedArray[Symbol.hasInstance].call(S, s), "SharedArray's, on S");
      assert.false(hasInstance.call(function Other() {}, s), 'on another function');
      assert.false(hasInstance.call({}, s), 'on a non-function');
      const arrow = () => {};
      Object.setPrototypeOf(arrow, SharedArray);
      assert.false(new SharedArray(1) instanceof arrow, 'an arrow function inheriting from SharedArray');
    },
  },
  {
    id: 'instanceof/function-on-the-left-throws',
    source: 'non-instance-prototype.js',
    run() {
      function Foo() {}
      const [S] = struct(['foo']);
      for (const C of [Atomics.Mutex, Atomics.Condition, SharedArray, S]) {
        assert.throws(() => Foo instanceof C, TypeError);
      }
    },
  },

  // ----- registry (shared-struct-type-registry.js) -----
  {
    id: 'registry/same-key-new-constructor-same-type',
    source: 'shared-struct-type-registry.js TestRegistryHitWithFieldsOnly',
    run() {
      const key = `conf-fields-${process.pid}-${Math.random()}`;
      const T1 = new SharedStructType(['x', 'y'], key);
      const T2 = new SharedStructType(['x', 'y'], key);
      assert.notSame(T1, T2);
      const a = new T1();
      a.x = 1;
      assert.same(1, a.x);
    },
  },
  {
    id: 'registry/mismatch-throws',
    source: 'shared-struct-type-registry.js TestRegistryMismatch*',
    run() {
      const k = (n) => `conf-mismatch-${n}-${process.pid}-${Math.random()}`;
      const cases = [
        [['x'], ['x', 'y']],
        [['x', 'y'], ['z', 'w']],
        [['y', 'x'], ['x', 'y']],
        [['x'], [0, 1]],
      ];
      cases.forEach(([a, b], i) => {
        const key = k(i);
        new SharedStructType(a, key);
        assert.throws(() => new SharedStructType(b, key), TypeError, `${JSON.stringify(a)} then ${JSON.stringify(b)}`);
      });
    },
  },
  {
    id: 'registry/element-order-does-not-matter',
    source: 'shared-struct-type-registry.js TestRegistryHitWithElementsOnlyOrderDoesntMatter',
    run() {
      const key = `conf-elements-${process.pid}-${Math.random()}`;
      new SharedStructType([0, 4], key);
      new SharedStructType([4, 0], key);
    },
  },

  // ----- SharedArray (shared-array-surface.js, proposal "Shared Arrays") -----
  {
    id: 'array/prototype-is-null',
    source: 'shared-array-surface.js TestNoPrototype',
    run() {
      assert.same(null, SharedArray.prototype, 'SharedArray.prototype');
      assert.same(null, Object.getPrototypeOf(new SharedArray(10)), 'Object.getPrototypeOf(array)');
    },
  },
  {
    id: 'array/prototype-not-writable',
    source: 'shared-array-surface.js TestNoPrototype',
    run() {
      'use strict';
      assert.throws(() => {
        SharedArray.prototype = {};
      }, TypeError);
    },
  },
  {
    id: 'array/primitives-round-trip',
    source: 'shared-array-surface.js TestPrimitives',
    run() {
      const ps = primitives();
      const a = new SharedArray(ps.length);
      ps.forEach((p, i) => {
        a[i] = p;
        assert.same(p, a[i], `a[${i}] = ${String(p)}`);
      });
    },
  },
  {
    id: 'array/elements-start-undefined-and-length',
    source: 'proposal: Shared Arrays are fixed-length, elements initialized to undefined',
    run() {
      const a = new SharedArray(100);
      assert.same(100, a.length);
      for (let i = 0; i < a.length; i++) if (a[i] !== undefined) assert.same(undefined, a[i], `a[${i}]`);
    },
  },
  {
    id: 'array/rejects-non-shared-values',
    source: 'shared-array-surface.js TestObjects',
    run() {
      const a = new SharedArray(5);
      assert.throws(() => {
        a[0] = [];
      }, TypeError, 'an array');
      assert.throws(() => {
        a[1] = {};
      }, TypeError, 'an object');
      const [, s] = struct();
      a[3] = s;
      assert.same(s, a[3]);
      const inner = new SharedArray(10);
      a[4] = inner;
      assert.same(inner, a[4]);
    },
  },
  {
    id: 'array/not-extensible',
    source: 'shared-array-surface.js TestNotExtensible',
    run() {
      'use strict';
      const a = new SharedArray(1);
      assert.throws(() => {
        a[1] = 42;
      }, undefined, 'an element past the end');
      assert.throws(() => Object.setPrototypeOf(a, {}), TypeError, 'setPrototypeOf');
      assert.throws(() => Object.defineProperty(a, 'nonExistent', { value: 42 }), TypeError, 'defineProperty');
    },
  },
  {
    id: 'array/length-out-of-range',
    source: 'shared-array-surface.js TestBounds',
    run() {
      assert.throws(() => new SharedArray(2 ** 32), RangeError, '2 ** 32');
      assert.throws(() => new SharedArray(-1), RangeError, '-1');
    },
  },
  {
    id: 'array/own-element-descriptors',
    source: 'shared-array-surface.js TestOwnPropertyEnumeration',
    run() {
      const a = new SharedArray(2);
      a[0] = 42;
      assert.equals({ value: 42, writable: true, enumerable: true, configurable: false }, Object.getOwnPropertyDescriptors(a)[0]);
    },
  },
  {
    id: 'array/object-values-entries',
    source: 'shared-array-surface.js TestOwnPropertyEnumeration',
    run() {
      const a = new SharedArray(2);
      a[0] = 42;
      assert.equals([42, undefined], Object.values(a), 'Object.values');
      assert.equals(['0', 42], Object.entries(a)[0], 'Object.entries');
    },
  },
  {
    id: 'array/for-in-lists-indices',
    source: 'shared-array-surface.js TestForIn',
    run() {
      const seen = [];
      for (const k in new SharedArray(2)) seen.push(k);
      assert.equals(['0', '1'], seen);
    },
  },
  {
    id: 'array/length-through-a-proxy',
    source: 'shared-array-surface.js TestProxyLengthGetter',
    run() {
      assert.same(2, new Proxy(new SharedArray(2), {}).length);
    },
  },
  {
    id: 'array/structuredClone-is-identity',
    source: 'proposal: instances "can be communicated to other agents without copying"',
    run() {
      const a = new SharedArray(1);
      const m = new Atomics.Mutex();
      assert.same(a, structuredClone(a), 'SharedArray');
      const c = structuredClone({ m, list: [a] });
      assert.same(m, c.m, 'a Mutex inside an object');
      assert.same(a, c.list[0], 'a SharedArray inside an array');
    },
  },

  // ----- Atomics on structs (shared-struct-atomics.js, proposal "Memory Model") -----
  {
    id: 'atomics/struct-load-store-primitives',
    source: 'shared-struct-atomics.js TestPrimitivesUsingAtomics',
    run() {
      const [, s] = struct();
      for (const p of primitives()) {
        Atomics.store(s, 'field', p);
        assert.same(p, Atomics.load(s, 'field'), String(p));
      }
    },
  },
  {
    id: 'atomics/struct-store-returns-value',
    source: 'proposal: Atomics.store overload',
    run() {
      const [, s] = struct();
      assert.same('v', Atomics.store(s, 'field', 'v'));
    },
  },
  {
    id: 'atomics/struct-rejects-non-shared-values',
    source: 'shared-struct-atomics.js TestObjectsUsingAtomics',
    run() {
      const [S, s] = struct();
      assert.throws(() => Atomics.store(s, 'field', []), TypeError, 'an array');
      assert.throws(() => Atomics.store(s, 'field', {}), TypeError, 'an object');
      const other = new S();
      Atomics.store(s, 'field', other);
      assert.same(other, Atomics.load(s, 'field'));
    },
  },
  {
    id: 'atomics/struct-store-missing-field-throws',
    source: 'shared-struct-atomics.js TestNotExtensibleUsingAtomics',
    run() {
      const [, s] = struct();
      assert.throws(() => Atomics.store(s, 'nonExistent', 42), TypeError);
    },
  },
  {
    id: 'atomics/struct-exchange',
    source: 'shared-array-atomics.js TestPrimitivesUsingAtomics (exchange), proposal',
    run() {
      const [, s] = struct();
      for (const a of primitives()) {
        for (const b of primitives()) {
          s.field = a;
          assert.same(a, Atomics.exchange(s, 'field', b), `exchange ${String(a)} -> ${String(b)}`);
          assert.same(b, s.field);
        }
      }
    },
  },
  {
    id: 'atomics/struct-compareExchange',
    source: 'proposal: Atomics.compareExchange overload',
    run() {
      const [S, s] = struct();
      s.field = 1;
      assert.same(1, Atomics.compareExchange(s, 'field', 2, 3), 'no match: returns the value');
      assert.same(1, s.field);
      assert.same(1, Atomics.compareExchange(s, 'field', 1, 'one'), 'match');
      assert.same('one', s.field);
      const o = new S();
      s.field = o;
      assert.same(o, Atomics.compareExchange(s, 'field', o, null), 'a shared object compares by identity');
      assert.same(null, s.field);
    },
  },
  {
    id: 'atomics/arithmetic-on-structs-throws',
    source: 'proposal: only load, store, exchange, compareExchange are overloaded',
    run() {
      const [, s] = struct();
      s.field = 1;
      assert.throws(() => Atomics.add(s, 'field', 1), TypeError);
    },
  },
  {
    id: 'atomics/typed-arrays-unchanged',
    source: 'Atomics on integer typed arrays (not shared-memory specific)',
    run() {
      const i32 = new Int32Array(new SharedArrayBuffer(8));
      assert.same(5, Atomics.store(i32, 0, 5));
      assert.same(5, Atomics.load(i32, 0));
      assert.same(5, Atomics.exchange(i32, 0, 6));
      assert.same(6, Atomics.compareExchange(i32, 0, 6, 7));
      assert.same(7, Atomics.add(i32, 0, 1));
      assert.throws(() => Atomics.load(new Float64Array(1), 0), TypeError, 'a float typed array');
      assert.throws(() => Atomics.load({}, 0), TypeError, 'a plain object');
    },
  },

  // ----- Atomics on SharedArray (shared-array-atomics.js) -----
  {
    id: 'atomics/array-load-store-exchange',
    source: 'shared-array-atomics.js TestPrimitivesUsingAtomics',
    run() {
      const a = new SharedArray(1);
      for (const p of primitives()) {
        Atomics.store(a, 0, p);
        assert.same(p, Atomics.load(a, 0), String(p));
      }
      a[0] = 'x';
      assert.same('x', Atomics.exchange(a, 0, 'y'));
      assert.same('y', a[0]);
    },
  },
  {
    id: 'atomics/array-shared-objects',
    source: 'shared-array-atomics.js TestObjectsUsingAtomics',
    run() {
      const a = new SharedArray(1);
      assert.throws(() => Atomics.store(a, 0, []), TypeError, 'an array');
      assert.throws(() => Atomics.store(a, 0, {}), TypeError, 'an object');
      const inner = new SharedArray(10);
      Atomics.store(a, 0, inner);
      assert.same(inner, Atomics.load(a, 0));
      const [, s] = struct();
      assert.same(inner, Atomics.exchange(a, 0, s));
      assert.same(s, a[0]);
    },
  },
  {
    id: 'atomics/array-out-of-bounds-store-throws',
    source: 'shared-array-atomics.js TestOutOfBounds',
    run() {
      const a = new SharedArray(1);
      assert.throws(() => Atomics.store(a, 2, 42), undefined, 'index 2');
      assert.throws(() => Atomics.store(a, -1, 42), undefined, 'index -1');
      assert.throws(() => Atomics.store(a, 'field', 42), undefined, 'a name');
    },
  },
  {
    id: 'atomics/array-index-as-string',
    source: 'proposal: the key is a property key',
    run() {
      const a = new SharedArray(2);
      Atomics.store(a, '1', 'one');
      assert.same('one', Atomics.load(a, '1'));
      assert.same('one', a[1]);
    },
  },
  {
    id: 'atomics/array-length',
    source: 'shared-array-atomics.js TestLengthReadOnly',
    run() {
      const a = new SharedArray(2);
      a[0] = 'not the length';
      assert.same(2, Atomics.load(a, 'length'), 'load');
      assert.throws(() => Atomics.store(a, 'length', 42), TypeError, 'store');
      assert.throws(() => Atomics.exchange(a, 'length', 42), TypeError, 'exchange');
      assert.same(2, a.length);
    },
  },

  // ----- Atomics.Mutex (mutex.js, proposal "Atomics.Mutex") -----
  {
    id: 'mutex/lock-returns-callback-value',
    source: 'mutex.js',
    run() {
      const m = new Atomics.Mutex();
      let n = 0;
      assert.same(
        42,
        Atomics.Mutex.lock(m, () => {
          n++;
          return 42;
        }),
      );
      assert.same(1, n);
    },
  },
  {
    id: 'mutex/tryLock-result-object',
    source: 'mutex.js',
    run() {
      const m = new Atomics.Mutex();
      assert.equals({ success: true, value: 7 }, Atomics.Mutex.tryLock(m, () => 7));
    },
  },
  {
    id: 'mutex/recursive-lock-throws',
    source: 'mutex.js (recursively locking throws)',
    run() {
      const m = new Atomics.Mutex();
      let inner = false;
      Atomics.Mutex.lock(m, () => {
        assert.throws(() =>
          Atomics.Mutex.lock(m, () => {
            inner = true;
          }),
        );
      });
      assert.false(inner);
      assert.same('free again', Atomics.Mutex.lock(m, () => 'free again'));
    },
  },
  {
    id: 'mutex/recursive-tryLock-fails',
    source: 'mutex.js (recursive tryLocking returns a false success value)',
    run() {
      const m = new Atomics.Mutex();
      const r = Atomics.Mutex.lock(m, () =>
        Atomics.Mutex.tryLock(m, () => {
          throw new Error('unreachable');
        }),
      );
      assert.equals({ success: false, value: undefined }, r);
    },
  },
  {
    id: 'mutex/unlocks-when-the-callback-throws',
    source: 'mutex.js (throwing in the callback unlocks)',
    run() {
      const m = new Atomics.Mutex();
      const boom = new Error('boom');
      assert.same(
        boom,
        assert.throws(() =>
          Atomics.Mutex.lock(m, () => {
            throw boom;
          }),
        ),
      );
      assert.same(1, Atomics.Mutex.lock(m, () => 1), 'lock after a throwing lock');
      assert.throws(() =>
        Atomics.Mutex.tryLock(m, () => {
          throw boom;
        }),
      );
      assert.true(Atomics.Mutex.tryLock(m, () => 1).success, 'tryLock after a throwing tryLock');
    },
  },
  {
    id: 'mutex/callback-gets-no-arguments',
    source: 'builtins: the callback is called with no arguments',
    run() {
      const m = new Atomics.Mutex();
      assert.same(0, Atomics.Mutex.lock(m, (...args) => args.length));
    },
  },
  {
    id: 'mutex/can-be-stored-in-a-struct',
    source: 'mutex.js TestMutexCanBeAssignedToSharedObjects',
    run() {
      const [, box] = struct(['payload']);
      const m = new Atomics.Mutex();
      box.payload = m;
      assert.same(m, box.payload);
    },
  },
  {
    id: 'mutex/lockWithTimeout-result-object',
    source: 'mutex.js (lockWithTimeout)',
    run() {
      assert.isFunction(Atomics.Mutex.lockWithTimeout, 'Atomics.Mutex.lockWithTimeout');
      const m = new Atomics.Mutex();
      assert.equals({ success: true, value: 42 }, Atomics.Mutex.lockWithTimeout(m, () => 42, 1));
    },
  },
  {
    id: 'mutex/lockWithTimeout-needs-a-number',
    source: 'mutex.js (timeout must be a number)',
    run() {
      assert.isFunction(Atomics.Mutex.lockWithTimeout, 'Atomics.Mutex.lockWithTimeout');
      const m = new Atomics.Mutex();
      for (const t of ['42', {}, undefined]) {
        assert.throws(() => Atomics.Mutex.lockWithTimeout(m, () => {}, t), TypeError, `timeout ${String(t)}`);
      }
    },
  },
  {
    id: 'mutex/non-mutex-argument-throws',
    source: 'builtins: brand checks',
    run() {
      assert.throws(() => Atomics.Mutex.lock({}, () => {}), TypeError, 'lock({})');
      assert.throws(() => Atomics.Mutex.lock(new Atomics.Mutex(), 5), TypeError, 'a callback that is not callable');
    },
  },

  // ----- Atomics.Condition (condition.js, mutex-lock-twice.js) -----
  {
    id: 'condition/wait-needs-the-mutex-held',
    source: 'condition.js TestConditionMutexNotHeld',
    run() {
      assert.throws(() => Atomics.Condition.wait(new Atomics.Condition(), new Atomics.Mutex()), TypeError);
    },
  },
  {
    id: 'condition/notify-without-waiters-is-0',
    source: 'condition.js TestConditionNoWaiters',
    run() {
      const cv = new Atomics.Condition();
      assert.same(0, Atomics.Condition.notify(cv));
      assert.same(0, Atomics.Condition.notify(cv, 1));
    },
  },
  {
    id: 'condition/notify-count-is-converted',
    source: 'builtins: notify(cv, count) ToInteger, clamped at 0',
    run() {
      const cv = new Atomics.Condition();
      assert.same(0, Atomics.Condition.notify(cv, '2'));
      assert.same(0, Atomics.Condition.notify(cv, -1));
      assert.same(0, Atomics.Condition.notify(cv, NaN));
    },
  },
  {
    id: 'condition/wait-times-out-false',
    source: 'condition.js TestConditionWaitTimeout',
    run() {
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      assert.same(
        false,
        Atomics.Mutex.lock(m, () => Atomics.Condition.wait(cv, m, 20)),
      );
    },
  },
  {
    id: 'condition/wait-timeout-must-be-a-number',
    source: 'builtins: Atomics.Condition.wait timeout IsNumber check',
    run() {
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      Atomics.Mutex.lock(m, () => assert.throws(() => Atomics.Condition.wait(cv, m, '1'), TypeError));
    },
  },
  {
    id: 'condition/wait-twice-with-gc',
    source: 'mutex-lock-twice.js',
    run() {
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      Atomics.Mutex.lock(m, () => Atomics.Condition.wait(cv, m, 10));
      if (typeof gc === 'function') gc();
      Atomics.Mutex.lock(m, () => Atomics.Condition.wait(cv, m, 10));
    },
  },

  // ----- async locking (mutex-async-lock*.js, condition-async-wait*.js) -----
  {
    id: 'async/lockAsync-takes-a-free-lock-at-once',
    source: 'mutex-async-lock.js TestAsyncLock',
    async run() {
      assert.isFunction(Atomics.Mutex.lockAsync, 'Atomics.Mutex.lockAsync');
      const m = new Atomics.Mutex();
      let ran = false;
      const p = Atomics.Mutex.lockAsync(m, () => {
        ran = true;
        return 42;
      });
      assert.false(ran, 'the callback runs later');
      assert.false(Atomics.Mutex.tryLock(m, () => {}).success, 'the lock is taken synchronously');
      const r = await within(p, 5000, 'lockAsync');
      assert.true(Atomics.Mutex.tryLock(m, () => {}).success, 'released before the promise resolves');
      assert.equals({ success: true, value: 42 }, r);
    },
  },
  {
    id: 'async/lockAsync-resolves-a-returned-promise',
    source: 'mutex-async-lock-promise-resolve.js',
    async run() {
      assert.isFunction(Atomics.Mutex.lockAsync, 'Atomics.Mutex.lockAsync');
      const m = new Atomics.Mutex();
      let resolveIt;
      const inner = new Promise((r) => (resolveIt = r));
      const p = Atomics.Mutex.lockAsync(m, async () => inner);
      await sleep(5);
      assert.false(Atomics.Mutex.tryLock(m, () => {}).success, 'held while the callback promise is pending');
      resolveIt(42);
      assert.equals({ success: true, value: 42 }, await within(p, 5000, 'lockAsync'));
    },
  },
  {
    id: 'async/waitAsync-times-out',
    source: 'condition-async-wait-timeout.js',
    async run() {
      assert.isFunction(Atomics.Condition.waitAsync, 'Atomics.Condition.waitAsync');
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      let woken = null;
      await within(
        Atomics.Mutex.lockAsync(m, async () => {
          woken = await Atomics.Condition.waitAsync(cv, m, 1);
        }),
        5000,
        'lockAsync around waitAsync',
      );
      assert.same(false, woken);
    },
  },
  {
    id: 'async/waitAsync-not-awaited-in-lockAsync',
    source: 'condition-async-wait-no-await.js',
    async run() {
      assert.isFunction(Atomics.Condition.waitAsync, 'Atomics.Condition.waitAsync');
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      let finished = false;
      const r = await within(
        Atomics.Mutex.lockAsync(m, async () => {
          Atomics.Condition.waitAsync(cv, m);
          finished = true;
        }),
        5000,
        'lockAsync',
      );
      assert.true(finished);
      assert.true(r.success);
    },
  },

  // ----- across workers (*-workers.js, proposal "Shared Structs", "Shared Arrays") -----
  {
    id: 'workers/struct-by-reference-through-postMessage',
    source: 'shared-struct-workers.js TestSharedStructPostMessage',
    async run() {
      const w = worker(`port.on('message', (s) => { s.inner.payload = 42; s.text = 'worker'; port.postMessage('done'); });`);
      const Outer = new SharedStructType(['text', 'inner']);
      const Inner = new SharedStructType(['payload']);
      const s = new Outer();
      s.inner = new Inner();
      s.text = 'main';
      w.post(s);
      assert.same('done', await w.next());
      assert.same('worker', s.text);
      assert.same(42, s.inner.payload);
      await w.terminate();
    },
  },
  {
    id: 'workers/struct-through-workerData',
    source: 'proposal: shared objects communicated without copying',
    async run() {
      const S = new SharedStructType(['n']);
      const s = new S();
      s.n = 1;
      const w = worker(`const { workerData } = require('node:worker_threads'); workerData.box.n += 1; port.postMessage(workerData.box);`, { workerData: { box: s } });
      assert.same(s, await w.next(), 'the struct posted back is the same object');
      assert.same(2, s.n);
      await w.terminate();
    },
  },
  {
    id: 'workers/shared-array-and-strings',
    source: 'shared-array-workers.js, shared-string.js',
    async run() {
      const a = new SharedArray(3);
      const w = worker(`port.on('message', (a) => { a[0] = 'from the worker ' + 'x'.repeat(64); a[1] = a.length; port.postMessage('done'); });`);
      w.post(a);
      assert.same('done', await w.next());
      assert.same(`from the worker ${'x'.repeat(64)}`, a[0]);
      assert.same(3, a[1]);
      await w.terminate();
    },
  },
  {
    id: 'workers/mutex-counts-exactly',
    source: 'mutex-workers.js TestMutexWorkers',
    async run() {
      const code = `port.on('message', ({ m, box }) => { for (let i = 0; i < 1000; i++) Atomics.Mutex.lock(m, () => { box.counter++; }); port.postMessage('done'); });`;
      const [w1, w2] = [worker(code), worker(code)];
      const Box = new SharedStructType(['counter']);
      const box = new Box();
      box.counter = 0;
      const m = new Atomics.Mutex();
      w1.post({ m, box });
      w2.post({ m, box });
      assert.same('done', await w1.next());
      assert.same('done', await w2.next());
      assert.same(2000, box.counter);
      await Promise.all([w1.terminate(), w2.terminate()]);
    },
  },
  {
    id: 'workers/mutex-waiters-wake-in-turn',
    source: 'mutex-workers.js TestMutexWaiters',
    async run() {
      const code = `port.on('message', ({ m, box }) => { port.postMessage('locking'); Atomics.Mutex.lock(m, () => { const end = Date.now() + 5000; while (!Atomics.load(box, 'isDone') && Date.now() < end) {} }); port.postMessage('done'); });`;
      const ws = [worker(code), worker(code), worker(code)];
      const Box = new SharedStructType(['isDone']);
      const box = new Box();
      box.isDone = false;
      const m = new Atomics.Mutex();
      for (const w of ws) w.post({ m, box });
      for (const w of ws) assert.same('locking', await w.next());
      await sleep(50);
      Atomics.store(box, 'isDone', true);
      for (const w of ws) assert.same('done', await w.next());
      assert.true(Atomics.Mutex.tryLock(m, () => {}).success);
      await Promise.all(ws.map((w) => w.terminate()));
    },
  },
  {
    id: 'workers/condition-wait-notify',
    source: 'condition-workers.js TestWait',
    async run() {
      const code = `port.on('message', ({ m, cv }) => { port.postMessage(Atomics.Mutex.lock(m, () => Atomics.Condition.wait(cv, m, 10000))); });`;
      const [w1, w2] = [worker(code), worker(code)];
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      w1.post({ m, cv });
      w2.post({ m, cv });
      const results = [w1.next(15000), w2.next(15000)];
      let answered = 0;
      for (const r of results) r.then(() => answered++, () => answered++);
      // Notify until both have answered (a notify before a waiter waits wakes nobody).
      await until(() => (Atomics.Condition.notify(cv), answered === 2), 10000, 'both waiters woken');
      assert.same(true, await results[0]);
      assert.same(true, await results[1]);
      await Promise.all([w1.terminate(), w2.terminate()]);
    },
  },
  {
    id: 'workers/lockWithTimeout-times-out',
    source: 'mutex-workers.js TestTimeout',
    async run() {
      assert.isFunction(Atomics.Mutex.lockWithTimeout, 'Atomics.Mutex.lockWithTimeout');
      const holder = worker(`port.on('message', ({ m, box }) => { Atomics.Mutex.lock(m, () => { port.postMessage('locked'); const end = Date.now() + 5000; while (!Atomics.load(box, 'done') && Date.now() < end) {} }); port.postMessage('released'); });`);
      const Box = new SharedStructType(['done']);
      const box = new Box();
      const m = new Atomics.Mutex();
      holder.post({ m, box });
      assert.same('locked', await holder.next());
      const r = Atomics.Mutex.lockWithTimeout(m, () => 'ran', 10);
      Atomics.store(box, 'done', true);
      assert.equals({ success: false, value: undefined }, r);
      assert.same('released', await holder.next());
      await holder.terminate();
    },
  },
  {
    id: 'workers/terminated-holder-frees-the-mutex',
    source: 'mutex-workers-terminated.js TestMutexWorkersLockedTerminated',
    async run() {
      const w = worker(`port.on('message', ({ m }) => { Atomics.Mutex.lock(m, () => { port.postMessage('looping'); for (;;) {} }); });`);
      const m = new Atomics.Mutex();
      w.post({ m });
      assert.same('looping', await w.next());
      await w.terminate();
      const end = Date.now() + 5000;
      let r;
      do {
        r = Atomics.Mutex.tryLock(m, () => 'mine');
        if (r.success) break;
        await sleep(1);
      } while (Date.now() < end);
      assert.equals({ success: true, value: 'mine' }, r);
      assert.true(Atomics.Mutex.tryLock(m, () => {}).success, 'and free afterwards');
    },
  },
  {
    id: 'workers/lockAsync-waits-for-a-worker',
    source: 'mutex-async-lock-workers.js',
    async run() {
      assert.isFunction(Atomics.Mutex.lockAsync, 'Atomics.Mutex.lockAsync');
      const w = worker(`port.on('message', ({ m, cv, cvm }) => { Atomics.Mutex.lock(m, () => { Atomics.Mutex.lock(cvm, () => { port.postMessage('locked'); Atomics.Condition.wait(cv, cvm, 10000); }); }); port.postMessage('done'); });`);
      const m = new Atomics.Mutex();
      const cv = new Atomics.Condition();
      const cvm = new Atomics.Mutex();
      w.post({ m, cv, cvm });
      assert.same('locked', await w.next());
      assert.false(Atomics.Mutex.tryLock(m, () => {}).success, 'the worker holds it');
      const p = Atomics.Mutex.lockAsync(m, () => 42);
      let settled = false;
      p.then(() => (settled = true), () => (settled = true));
      // Wake the worker once it waits (it holds cvm until then), until it has let go of m.
      await until(() => (Atomics.Mutex.tryLock(cvm, () => Atomics.Condition.notify(cv, 1)), settled), 10000, 'the worker woken');
      assert.equals({ success: true, value: 42 }, await within(p, 8000, 'lockAsync'));
      assert.same('done', await w.next());
      await w.terminate();
    },
  },
  {
    id: 'workers/lockAsync-times-out',
    source: 'mutex-async-lock-workers-timeout.js',
    async run() {
      assert.isFunction(Atomics.Mutex.lockAsync, 'Atomics.Mutex.lockAsync');
      const w = worker(`port.on('message', ({ m, box }) => { Atomics.Mutex.lock(m, () => { port.postMessage('locked'); const end = Date.now() + 5000; while (!Atomics.load(box, 'done') && Date.now() < end) {} }); port.postMessage('released'); });`);
      const Box = new SharedStructType(['done']);
      const box = new Box();
      const m = new Atomics.Mutex();
      w.post({ m, box });
      assert.same('locked', await w.next());
      let ran = false;
      const r = await within(
        Atomics.Mutex.lockAsync(
          m,
          () => {
            ran = true;
          },
          1,
        ),
        5000,
        'lockAsync with a timeout',
      );
      Atomics.store(box, 'done', true);
      assert.equals({ success: false, value: undefined }, r);
      assert.false(ran);
      assert.same('released', await w.next());
      await w.terminate();
    },
  },
];
