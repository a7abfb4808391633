import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import util from 'node:util';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, share } = require('../index.js');
const { runWorker, uniqueKey } = require('./helpers.js');

const plain = (v, opts) => util.inspect(v, { colors: false, breakLength: Infinity, ...opts });

describe('util.inspect', () => {
  it('shows the registry key and every field of a struct', () => {
    const key = uniqueKey('Point');
    const P = new SharedStructType(['x', 'y', 'label'], key);
    const p = new P();
    p.x = 1;
    p.label = 'here';
    const out = plain(p);
    expect(out).toBe(`${key} { x: 1, y: undefined, label: 'here' }`);
  });

  it('never shows a struct as an empty object', () => {
    const P = new SharedStructType(['a']);
    const out = plain(new P());
    expect(out).not.toBe('{}');
    expect(out).toContain('a: undefined');
  });

  it('names unkeyed types generically', () => {
    const P = new SharedStructType(['a']);
    expect(plain(new P())).toMatch(/^SharedStruct \{ a: undefined \}$/);
  });

  it('shows every kind of field value', () => {
    const P = new SharedStructType(['u', 'n', 'b', 'num', 'negz', 's', 'big'], uniqueKey('Kinds'));
    const p = new P();
    Object.assign(p, { u: undefined, n: null, b: true, num: 2.5, negz: -0, s: "it's", big: 5n });
    const out = plain(p);
    for (const part of ['u: undefined', 'n: null', 'b: true', 'num: 2.5', 'negz: -0', `s: "it's"`, 'big: 5n']) {
      expect(out).toContain(part);
    }
  });

  it('shows nested structs with their type names', () => {
    const outerKey = uniqueKey('Outer');
    const innerKey = uniqueKey('Inner');
    const Outer = new SharedStructType(['inner'], outerKey);
    const Inner = new SharedStructType(['v'], innerKey);
    const o = new Outer();
    o.inner = new Inner();
    o.inner.v = 42;
    expect(plain(o)).toBe(`${outerKey} { inner: ${innerKey} { v: 42 } }`);
  });

  it('abbreviates structs nested deeper than the default depth', () => {
    const key = uniqueKey('Deep');
    const N = new SharedStructType(['next', 'v'], key);
    let head = null;
    for (let i = 0; i < 10; i++) {
      const n = new N();
      n.v = i;
      n.next = head;
      head = n;
    }
    const out = plain(head);
    expect(out.startsWith(`${key} { next: ${key} {`)).toBe(true);
    expect(out).toContain(`[${key}]`);
    expect(out).not.toContain('v: 0');
  });

  // BUG (lib/structs.js inspect.custom): the inner util.inspect call is given
  // `options.depth - 1`, so the struct's own fields are one level deeper than they should
  // be: with { depth: 0 } the fields are hidden entirely ("Name [Object]") where a plain
  // object shows "{ next: [Object] }", and each nested struct costs two levels of depth.
  it('shows the fields of a struct with { depth: 0 }, abbreviating nested structs', () => {
    const key = uniqueKey('Depth0');
    const N = new SharedStructType(['next'], key);
    const a = new N();
    a.next = new N();
    expect(plain(a, { depth: 0 })).toBe(`${key} { next: [${key}] }`);
  });

  it('shows the elements of a SharedArray with { depth: 0 }', () => {
    expect(plain(SharedArray.of(1, 2), { depth: 0 })).toBe('SharedArray(2) [ 1, 2 ]');
  });

  it('terminates on a cycle with the default depth', () => {
    const key = uniqueKey('Cyc');
    const N = new SharedStructType(['self', 'v'], key);
    const n = new N();
    n.self = n;
    n.v = 1;
    const out = plain(n);
    expect(out.startsWith(`${key} {`)).toBe(true);
    expect(out.length).toBeLessThan(500);
  });

  // BUG (lib/structs.js StructProto[util.inspect.custom]): the custom inspector builds a
  // fresh plain object for every visit, so util.inspect's cycle detection never fires: a
  // self-referencing struct is expanded again and again down to the depth limit (with
  // depth: null, as in console.dir(x, { depth: null }), until the stack overflows, taking
  // seconds and producing ~1 MB of text) instead of being shown as "[Circular *1]".
  // The test uses a finite depth so it stays fast.
  it('shows a self-referencing struct as circular instead of expanding it', () => {
    const N = new SharedStructType(['self'], uniqueKey('CycDeep'));
    const n = new N();
    n.self = n;
    const out = plain(n, { depth: 40 });
    expect(out).toContain('Circular');
    expect(out.length).toBeLessThan(200);
  });

  it('shows a SharedArray with its length and elements', () => {
    const a = SharedArray.of(1, 'two', null);
    expect(plain(a)).toBe("SharedArray(3) [ 1, 'two', null ]");
    expect(plain(new SharedArray(0))).toBe('SharedArray(0) []');
  });

  it('shows an element struct type with elements and named fields', () => {
    const key = uniqueKey('Row');
    const R = new SharedStructType(['title'], { key, elements: true });
    const r = new R(2);
    r.title = 't';
    r.set(0, 5);
    expect(plain(r)).toBe(`${key}(2) [ 5, undefined, title: 't' ]`);
  });

  it('shows structs inside arrays and arrays inside structs', () => {
    const key = uniqueKey('Holder');
    const H = new SharedStructType(['list'], key);
    const h = new H();
    h.list = SharedArray.of(1, 2);
    expect(plain(h)).toBe(`${key} { list: SharedArray(2) [ 1, 2 ] }`);
    const a = SharedArray.of(h);
    expect(plain(a)).toContain(`SharedArray(1) [ ${key} {`);
  });

  it('shows the registered subclass name', () => {
    const P = new SharedStructType(['x'], uniqueKey('Base'));
    class Fancy extends P {}
    SharedStructType.register(Fancy);
    const f = new Fancy();
    f.x = 1;
    expect(plain(f)).toBe('Fancy { x: 1 }');
  });

  it('shows the type name and fields in a thread that never declared the type', async () => {
    const key = uniqueKey('Remote');
    const P = new SharedStructType(['a', 'b'], key);
    const p = new P();
    p.a = 'x';
    p.b = SharedArray.of(1);
    const out = await runWorker('return util.inspect(open(data.t), { colors: false });', { t: share(p) });
    expect(out).toBe(`${key} { a: 'x', b: SharedArray(1) [ 1 ] }`);
  });

  it('works through console.log formatting', () => {
    const P = new SharedStructType(['x'], uniqueKey('Fmt'));
    const p = new P();
    p.x = 3;
    expect(util.format('%o', p)).toContain('x: 3');
    expect(util.format('%s', SharedArray.of(1, 2))).toContain('1');
  });
});

describe('JSON.stringify', () => {
  it('turns a struct into an object with its fields', () => {
    const P = new SharedStructType(['x', 'y', 's', 'n'], uniqueKey('J'));
    const p = new P();
    p.x = 1;
    p.s = 'str';
    p.n = null;
    expect(JSON.parse(JSON.stringify(p))).toEqual({ x: 1, s: 'str', n: null });
    expect(JSON.stringify(p)).toBe('{"x":1,"s":"str","n":null}');
  });

  it('turns element types into arrays', () => {
    expect(JSON.stringify(SharedArray.of(1, 'a', null, undefined))).toBe('[1,"a",null,null]');
    const E = new SharedStructType(['name'], { elements: true });
    const e = new E(2);
    e.name = 'ignored';
    e.set(0, true);
    expect(JSON.stringify(e)).toBe('[true,null]');
  });

  it('serialises nested structs and arrays', () => {
    const P = new SharedStructType(['child', 'list'], uniqueKey('JN'));
    const p = new P();
    p.child = new P();
    p.child.list = SharedArray.of(1, 2);
    p.list = SharedArray.of(p.child);
    expect(JSON.parse(JSON.stringify(p))).toEqual({ child: { list: [1, 2] }, list: [{ list: [1, 2] }] });
  });

  it('throws a TypeError for a bigint field, as for a plain bigint', () => {
    const P = new SharedStructType(['b']);
    const p = new P();
    p.b = 1n;
    expect(() => JSON.stringify(p)).toThrow(TypeError);
  });

  it('gives the same JSON in a worker', async () => {
    const P = new SharedStructType(['x', 'arr'], uniqueKey('JW'));
    const p = new P();
    p.x = 'y';
    p.arr = SharedArray.of(1, 2, 3);
    const out = await runWorker('return JSON.stringify(open(data.t));', { t: share(p) });
    expect(out).toBe(JSON.stringify(p));
    expect(out).toBe('{"x":"y","arr":[1,2,3]}');
  });

  it('lists integer-like field names first, as for any JS object', () => {
    const P = new SharedStructType(['b', '1', 'a', '0']);
    const p = new P();
    p.b = 'B';
    p[1] = 'one';
    p.a = 'A';
    p[0] = 'zero';
    expect(JSON.stringify(p)).toBe('{"0":"zero","1":"one","b":"B","a":"A"}');
  });
});

describe('cycles', () => {
  it('JSON.stringify throws TypeError (not a stack overflow) for a struct, array or map that contains itself', () => {
    const { SharedMap } = require('../index.js');
    const S = new SharedStructType(['self', 'x']);
    const s = new S();
    s.self = s;
    const a = new SharedArray(2);
    a.set(0, a);
    const m = new SharedMap();
    m.set('me', m);
    for (const v of [s, a, m, [s], { deep: { s } }]) {
      expect(() => JSON.stringify(v)).toThrow(TypeError);
      expect(() => JSON.stringify(v)).toThrow(/^Converting circular structure to JSON/);
    }
    expect(util.format('%j', s)).toBe('[Circular]');
    // Shared, not circular: the same object twice is fine.
    const leaf = SharedArray.of(1, 2);
    const pair = SharedArray.of(leaf, leaf);
    expect(JSON.stringify(pair)).toBe('[[1,2],[1,2]]');
  });

  it('join and String() of an array that contains itself give an empty element, as for plain arrays', () => {
    const a = new SharedArray(3);
    a.set(0, 1);
    a.set(1, a);
    a.set(2, 3);
    const plain = [1, null, 3];
    plain[1] = plain;
    expect(a.join('-')).toBe(plain.join('-'));
    expect(String(a)).toBe(String(plain));
  });

  it('util.inspect prints a SharedMap that contains itself as [Circular]', () => {
    const { SharedMap } = require('../index.js');
    const m = new SharedMap([['a', 1]]);
    m.set('self', m);
    const out = util.inspect(m, { depth: null });
    expect(out).toMatch(/^SharedMap\(2\) \{/);
    expect(out).toMatch(/'self' => \[Circular\]/);
    expect(out.length).toBeLessThan(200);
  });
});

describe('field names that collide with Object.prototype members', () => {
  it('stores fields named like Object.prototype members', () => {
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'isPrototypeOf'];
    const P = new SharedStructType(names);
    const p = new P();
    names.forEach((n, i) => {
      p[n] = `v${i}`;
    });
    expect(names.map((n) => p[n])).toEqual(names.map((_, i) => `v${i}`));
    const out = plain(p);
    names.forEach((n, i) => expect(out).toContain(`${n}: 'v${i}'`));
  });

  it('stores a field named __proto__ without changing the prototype', () => {
    const P = new SharedStructType(['__proto__', 'x']);
    const p = new P();
    p.__proto__ = 'data'; // eslint-disable-line no-proto
    expect(p.__proto__).toBe('data'); // eslint-disable-line no-proto
    expect(Object.getPrototypeOf(p)).toBe(P.prototype);
    expect(SharedStructType.entries(p)).toEqual([
      ['__proto__', 'data'],
      ['x', undefined],
    ]);
  });

  // BUG (lib/structs.js StructProto.toJSON and inspect.custom): both copy fields with
  // `out[f] = this[f]` into a plain object. For a field named "__proto__" that sets the
  // prototype of `out` instead of adding a property, so the field is missing from the
  // output; worse, when the field holds another struct, `out` inherits that struct's
  // accessors and offset and the following `out[g] = ...` copies WRITE INTO THE OTHER
  // STRUCT. Serialising one object silently modifies another.
  it('does not modify another struct when serialising a struct whose __proto__ field references it', () => {
    const P = new SharedStructType(['__proto__', 'x']);
    const a = new P();
    a.x = 'a';
    const b = new P();
    b.x = 'b';
    b.__proto__ = a; // eslint-disable-line no-proto
    JSON.stringify(b);
    plain(b);
    expect(a.x).toBe('a');
  });

  it('includes a field named __proto__ in JSON and inspect output', () => {
    const P = new SharedStructType(['__proto__', 'x']);
    const p = new P();
    p.__proto__ = 'data'; // eslint-disable-line no-proto
    p.x = 1;
    expect(JSON.parse(JSON.stringify(p))).toEqual(JSON.parse('{"__proto__":"data","x":1}'));
    expect(plain(p)).toContain("['__proto__']: 'data'");
  });

  // BUG (lib/structs.js): a struct field named "toJSON" shadows StructProto.toJSON, so
  // JSON.stringify sees a non-function toJSON and serialises the wrapper's own properties:
  // none, giving "{}" and losing every field (a plain object with the same data gives
  // {"toJSON":"x","a":1}). The name is neither reserved nor handled.
  it.fails('serialises every field of a struct that has a field named toJSON', () => {
    const P = new SharedStructType(['toJSON', 'a']);
    const p = new P();
    p.toJSON = 'x';
    p.a = 1;
    expect(JSON.parse(JSON.stringify(p))).toEqual({ toJSON: 'x', a: 1 });
  });
});
