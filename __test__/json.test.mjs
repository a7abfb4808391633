// parseJSON: JSON text parsed in Rust into the shared heap (docs/json.md).
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseJSON, stringifyJSON, stringifyFallback, SharedStructType, SharedArray, SharedMap, share, gc } = require('../index.js');
const fc = require('fast-check');
const { run, spawn, killAll } = require('./sync-helpers.js');

afterEach(() => killAll());

/** Round trip: JSON.stringify of the shared result equals that of JSON.parse. */
function same(text) {
  expect(JSON.stringify(parseJSON(text))).toBe(JSON.stringify(JSON.parse(text)));
}

describe('parseJSON', () => {
  it('parses scalars, arrays and objects; JSON.stringify of the result is exact', () => {
    for (const t of ['0', '-0', '1.5', '"s"', 'true', 'false', 'null', '[]', '{}', '[1,[2,[3,{}]]]', ' {"a" : [ 1 , "x" , null , true ] } ']) same(t);
    expect(Object.is(parseJSON('-0'), -0)).toBe(true);
    expect(Object.is(parseJSON('[-0]').get(0), -0)).toBe(true);
    const o = parseJSON('{"name":"n","list":[1,2,3],"nested":{"ok":true,"none":null}}');
    expect(SharedStructType.isSharedStruct(o)).toBe(true);
    expect(o.name).toBe('n');
    expect(SharedArray.isSharedArray(o.list)).toBe(true);
    expect(o.list.toArray()).toEqual([1, 2, 3]);
    expect(o.nested.ok).toBe(true);
    expect(o.nested.none).toBe(null);
  });

  it('numbers are exact: every double round-trips, big and small, integers and exponents', () => {
    const nums = [0.1, 1 / 3, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2, -(2 ** 63), 123456789012345, 1234567890123456789, 1e21, 1e-7, 0.000001, 9007199254740993];
    for (let i = 0; i < 2000; i++) {
      const b = new BigUint64Array(1);
      b[0] = BigInt.asUintN(64, BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n | BigInt(Math.floor(Math.random() * 2 ** 32)));
      const f = new Float64Array(b.buffer)[0];
      if (Number.isFinite(f)) nums.push(f);
    }
    const text = JSON.stringify(nums);
    const a = parseJSON(text);
    const want = JSON.parse(text);
    for (let i = 0; i < want.length; i++) expect(Object.is(a.get(i), want[i])).toBe(true);
    for (const t of ['1E2', '1e+2', '-1.25e-3', '1e400', '-1e400', '123456789012345678901234567890']) expect(parseJSON(t)).toBe(JSON.parse(t));
  });

  it('strings are exact: escapes, non-ASCII, astral characters and lone surrogates', () => {
    const strs = ['', 'plain', 'quote " backslash \\ slash / \b\f\n\r\t', 'é ü 中文 😀', '\u0000\u001f', '\ud800', 'x\udc00y', '\ud83d\ude00'];
    same(JSON.stringify(strs));
    const a = parseJSON(JSON.stringify(strs));
    for (let i = 0; i < strs.length; i++) expect(a.get(i)).toBe(strs[i]);
    // Lone surrogates written raw in the text (not escaped) survive too.
    expect(parseJSON('"a\ud800b"')).toBe('a\ud800b');
    expect(parseJSON('"\\u00e9\\uD83D\\uDE00"')).toBe('é😀');
  });

  it('objects with the same key sequence share one struct type; keys as JSON.parse keeps them', () => {
    const a = parseJSON('[{"x":1,"y":2},{"x":3,"y":4},{"y":5,"x":6},{"x":7}]');
    const [p, q, r, s] = a;
    const proto = (x) => Object.getPrototypeOf(x);
    expect(proto(p) === proto(q)).toBe(true);
    expect(proto(p) === proto(r)).toBe(false);
    expect(proto(p) === proto(s)).toBe(false);
    expect(SharedStructType.keys(p)).toEqual(['x', 'y']);
    same('{"b":1,"a":2,"0":3,"":4,"__proto__":5,"constructor":6,"a b":7}');
    // Duplicate keys: the last value, at the first position (as JSON.parse).
    same('{"a":1,"b":2,"a":3}');
    expect(parseJSON('{"a":1,"b":2,"a":3}').a).toBe(3);
  });

  it('a Buffer of UTF-8 parses like its string; malformed UTF-8 reads as U+FFFD', () => {
    const text = JSON.stringify({ s: 'é😀', n: [1, 2] });
    expect(JSON.stringify(parseJSON(Buffer.from(text)))).toBe(text);
    expect(parseJSON(Buffer.from([0x22, 0xff, 0x22]))).toBe('\ufffd');
  });

  it('syntax errors are SyntaxErrors with the position, as JSON.parse', () => {
    for (const t of ['', '[', '{"a"}', '{"a":1,}', '[1,]', '01', '1.', '-', 'tru', '"abc', '"\\x"', '"\\u12G4"', '[1 2]', '{"a":1} x', '"\u0001"', 'NaN', '{a:1}', '1e']) {
      let want;
      try {
        JSON.parse(t);
      } catch (e) {
        want = e;
      }
      expect(want, t).toBeInstanceOf(SyntaxError);
      expect(() => parseJSON(t), t).toThrow(SyntaxError);
      const pos = /position (\d+)/.exec(want.message);
      if (pos) expect(() => parseJSON(t), t).toThrow(new RegExp(`position ${pos[1]}$`));
    }
    expect(() => parseJSON(5)).toThrow(TypeError);
    expect(() => parseJSON('1', () => 1)).toThrow(/reviver is not supported/);
  });

  it('many large arrays (each bigger than a page) fit in one parse', () => {
    // Each array of 9,000 numbers is a large object; 300 of them used to need a young range
    // each (an operation has 256) and the parse failed with a RangeError.
    const row = JSON.stringify(Array.from({ length: 9000 }, (_, i) => i));
    const v = parseJSON(`[${Array(300).fill(row).join(',')}]`);
    gc();
    expect(v.length).toBe(300);
    expect(v.get(299).get(8999)).toBe(8999);
  });

  it('deep nesting does not overflow the stack', () => {
    const n = 100000;
    const v = parseJSON('['.repeat(n) + ']'.repeat(n));
    let d = 0;
    for (let x = v; x.length === 1; x = x.get(0)) d++;
    expect(d).toBe(n - 1);
  });

  it('the result survives collections, and is read by workers without copying', async () => {
    const doc = { users: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user${i}`, tags: ['a', 'b', `t${i % 7}`], score: i / 3 })) };
    const text = JSON.stringify(doc);
    const v = parseJSON(text);
    gc();
    gc();
    expect(JSON.stringify(v)).toBe(text);
    const sums = await Promise.all(
      [0, 1].map(() =>
        run(
          `
          const v = open(data.v);
          let s = 0;
          for (const u of v.users) s += u.id + u.name.length + u.tags.get(2).length;
          return [s, JSON.stringify(v).length];
          `,
          { v: share(v) },
        ),
      ),
    );
    const want = doc.users.reduce((s, u) => s + u.id + u.name.length + u.tags[2].length, 0);
    expect(sums).toEqual([[want, text.length], [want, text.length]]);
  });

  it('a collection requested by another thread during a long parse waits for a safepoint and keeps every object', async () => {
    const text = JSON.stringify(Array.from({ length: 200000 }, (_, i) => ({ i, s: `v${i}`, a: [i, `w${i}`] })));
    const churn = run(
      `
      const T = new SharedStructType(['x']);
      const t0 = Date.now();
      let n = 0;
      while (Date.now() - t0 < 1500) { const t = new T(); t.x = 'garbage' + n++; if (n % 20000 === 0) ss.gc(); }
      return n;
      `,
    );
    for (let k = 0; k < 3; k++) {
      const v = parseJSON(text);
      gc();
      expect(v.length).toBe(200000);
      expect(v.get(199999).s).toBe('v199999');
      expect(v.get(12345).a.get(1)).toBe('w12345');
    }
    expect(await churn).toBeGreaterThan(0);
  });
});

/** stringifyJSON gives JSON.stringify's text, and wrote it in Rust (no fallback). */
function native(value, space) {
  const text = stringifyJSON(value, null, space);
  expect(stringifyFallback()).toBe(null);
  return text;
}

describe('stringifyJSON', () => {
  it('writes what JSON.stringify writes, from the heap in Rust, with every kind of indentation', () => {
    const texts = ['[]', '{}', '[1,[2,[3,{}]]]', '{"a":[1,"x",null,true,false,-0,1e21,1.5e-7,0.1,-123.456e300],"b":{"c":{"d":[]}},"e":""}', '[[],[[]],{"k":{}}]'];
    for (const t of texts) {
      const v = parseJSON(t);
      for (const space of [undefined, 0, 2, 20, -1, 2.9, '\t', 'abcdefghijklmn', '', new Number(3), new String('--'), null, true]) {
        expect(native(v, space)).toBe(JSON.stringify(JSON.parse(t), null, space));
      }
    }
  });

  it('numbers as Number.prototype.toString writes them, strings with JSON.stringify escapes', () => {
    const nums = [0, -0, 1, -1, 0.1, 1 / 3, 5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 1e15, 1e15 + 1, 999999999999999, 1e21, 1e-6, 1e-7, 123e-20, 4.35, 1.0000000000000002];
    for (let i = 0; i < 5000; i++) {
      const b = new BigUint64Array(1);
      b[0] = (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32));
      const f = new Float64Array(b.buffer)[0];
      nums.push(f, Math.round(f), Math.trunc(Math.random() * 2 ** Math.floor(Math.random() * 60)));
    }
    const a = new SharedArray(nums.length);
    nums.forEach((x, i) => a.set(i, x));
    // NaN and the infinities (written from JS, not JSON) are null, as JSON.stringify writes them.
    expect(native(a)).toBe(JSON.stringify(nums));
    const strs = ['', 'plain', 'quote " backslash \\ slash / \b\f\n\r\t\v', 'é ü 中文 😀', '\u0000\u001f\u007f\u0080\u2028\u2029', '\ud800', 'x\udc00y', '\ud83d\ude00', '\udc00\ud800', 'a\ud83d', 'x'.repeat(100000)];
    const s = new SharedArray(strs.length);
    strs.forEach((x, i) => s.set(i, x));
    expect(native(s)).toBe(JSON.stringify(strs));
    expect(native(s, 1)).toBe(JSON.stringify(strs, null, 1));
  });

  it('struct fields: undefined left out, array-index names first, element structs as arrays; undefined elements are null', () => {
    const T = new SharedStructType(['b', '10', 'a', '2', '4294967295', '01', 'u', '__proto__', 'é"k\n'], 'StringifyKeys');
    const t = new T();
    Object.assign(t, { b: 1, 10: 'ten', a: NaN, 2: Infinity, 4294967295: 'max', '01': -0, 'é"k\n': 'q' });
    t['__proto__'] = 'p'; // the field's setter (a literal's __proto__ would set the prototype)
    expect(native(t)).toBe(JSON.stringify(t)); // JSON.stringify goes through toJSON
    expect(native(t)).toBe('{"2":null,"10":"ten","b":1,"a":null,"4294967295":"max","01":0,"__proto__":"p","é\\"k\\n":"q"}');
    const E = new SharedStructType(['x'], { elements: true, key: 'StringifyElems' });
    const e = new E(3);
    e.x = 'not written';
    e.set(0, 'a');
    e.set(2, t);
    expect(native(e, 2)).toBe(JSON.stringify(e, null, 2));
    const holes = new SharedArray(3);
    holes.set(1, 5);
    expect(native(holes)).toBe('[null,5,null]');
    expect(native(parseJSON('{"b":1,"2":2,"a":{"1":[],"0":{}}}'))).toBe('{"2":2,"b":1,"a":{"0":{},"1":[]}}');
    // A field named toJSON is data (the plain copy JSON.parse gives writes it too).
    expect(native(parseJSON('{"toJSON":1,"x":[2]}'))).toBe('{"toJSON":1,"x":[2]}');
  });

  it('takes JSON.stringify\'s path where the slots alone cannot say it: same text, same errors', () => {
    const T = new SharedStructType(['v', 'w'], 'StringifyFallback');
    const t = new T();
    const m = new SharedMap();
    m.set('k', 1);
    t.v = m;
    t.w = 'x';
    expect(stringifyJSON(t)).toBe(JSON.stringify(t));
    expect(stringifyFallback()).toBe(null); // the map's text from JSON.stringify, the rest from Rust
    expect(stringifyJSON(m)).toBe('{"k":1}');
    expect(stringifyFallback()).toMatch(/built-in object/); // a map at the root: JSON.stringify
    t.v = 10n;
    expect(() => stringifyJSON(t)).toThrow(TypeError);
    expect(() => JSON.stringify(t)).toThrow(TypeError);
    t.v = t;
    expect(() => stringifyJSON(t)).toThrow(/circular/);
    // A class with a toJSON of its own (in this thread) is called, as JSON.stringify calls it.
    const C = new SharedStructType(['n'], 'StringifyOwnToJSON');
    class Own extends C {
      toJSON() {
        return { doubled: this.n * 2 };
      }
    }
    SharedStructType.register(Own);
    const o = new C();
    o.n = 21;
    const holder = new SharedArray(2);
    holder.set(0, o);
    holder.set(1, 'after');
    expect(stringifyJSON(holder)).toBe('[{"doubled":42},"after"]');
    expect(stringifyFallback()).toMatch(/StringifyOwnToJSON|toJSON of its own/);
    // Not a shared object: JSON.stringify itself.
    expect(stringifyJSON({ a: [1, parseJSON('{"x":1}')] })).toBe('{"a":[1,{"x":1}]}');
    expect(stringifyJSON(undefined)).toBe(undefined);
    expect(stringifyJSON('s')).toBe('"s"');
    expect(() => stringifyJSON(t, () => 1)).toThrow(/replacer is not supported/);
    expect(() => stringifyJSON(t, ['v'])).toThrow(TypeError);
  });

  it('maps, sets, vectors and locks inside get JSON.stringify\'s text of each, in place, at any depth and indentation', () => {
    const { SharedSet, SharedVector, Mutex, Channel } = require('../index.js');
    const doc = parseJSON('{"é":[1,{"x":null,"y":[2,3]},"ü😀"],"b":{"c":null},"d":[null,null]}');
    const v = new SharedVector([1, 'two', parseJSON('{"in":["vector"]}')]);
    const m = new SharedMap([['k', v], [2, 'n']]);
    doc['é'].get(1).x = m;
    doc.b.c = new SharedSet(['s', 3]);
    doc.d.set(0, new Mutex());
    doc.d.set(1, new Channel(2));
    for (const space of [undefined, 2, '\t', '~é~']) {
      expect(native(doc, space)).toBe(JSON.stringify(doc, null, space));
    }
    const arr = new SharedArray(3);
    arr.set(0, new SharedVector());
    arr.set(2, new SharedSet());
    expect(native(arr, 1)).toBe(JSON.stringify(arr, null, 1));
    // A cycle through a map is still JSON.stringify's TypeError.
    const T = new SharedStructType(['m'], 'StringifyMapCycle');
    const t = new T();
    t.m = new SharedMap([['self', t]]);
    expect(() => stringifyJSON(t)).toThrow(/circular/);
  });

  it('in a worker: a vector inside, pushed to by this thread meanwhile, is written as one snapshot of it', async () => {
    const { SharedVector } = require('../index.js');
    const T = new SharedStructType(['name', 'log', 'tail'], 'StringifyVectorWorker');
    const t = new T();
    t.name = 'doc';
    t.log = new SharedVector();
    t.tail = parseJSON('[1,2,3]');
    const h = spawn(
      `
      const t = open(data.t);
      send('started');
      const out = [];
      const lengths = new Set();
      // At least 100 texts, and on until two of them saw different lengths.
      while (out.length < 100 || lengths.size < 2) {
        out.push(ss.stringifyJSON(t));
        lengths.add(JSON.parse(out[out.length - 1]).log.length);
        if (ss.stringifyFallback() !== null) throw new Error(ss.stringifyFallback());
        if (out.length % 10 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      return out;
      `,
      { t: share(t) },
    );
    expect(await h.next()).toBe('started');
    let n = 0;
    let done = false;
    const w = h.result;
    w.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done && n < 200000) {
      for (let k = 0; k < 10; k++) t.log.push(n++);
      await new Promise((r) => setTimeout(r, 1));
    }
    const texts = await w;
    expect(new Set(texts.map((x) => JSON.parse(x).log.length)).size).toBeGreaterThan(1); // it grew meanwhile
    for (const text of texts) {
      const back = JSON.parse(text);
      expect(back.name).toBe('doc');
      expect(back.tail).toEqual([1, 2, 3]);
      // A snapshot taken under the vector's lock: 0..k-1 for some k.
      expect(back.log).toEqual(Array.from({ length: back.log.length }, (_, i) => i));
    }
  });

  it('any JSON document: stringifyJSON(parseJSON(t)) === JSON.stringify(JSON.parse(t)) (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 2, '\t'), (doc, space) => {
        const t = JSON.stringify(doc);
        const v = parseJSON(t);
        const want = JSON.stringify(JSON.parse(t), null, space);
        if (v === null || typeof v !== 'object') return stringifyJSON(v, null, space) === want;
        return native(v, space) === want;
      }),
      { numRuns: 500 },
    );
  });

  it('deep nesting: no stack overflow', () => {
    const n = 100000;
    const v = parseJSON('['.repeat(n) + '"x"' + ']'.repeat(n));
    expect(native(v)).toBe('['.repeat(n) + '"x"' + ']'.repeat(n));
  });

  it('in workers: the text of a document another thread made, while it rewrites fields and others collect', async () => {
    const doc = Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `user${i}`, tags: ['a', `t${i % 7}`], score: i / 3 }));
    const text = JSON.stringify(doc);
    const v = parseJSON(text);
    const texts = run(
      `
      const v = open(data.v);
      const out = [];
      for (let k = 0; k < 20; k++) { out.push(ss.stringifyJSON(v)); if (ss.stringifyFallback() !== null) throw new Error(ss.stringifyFallback()); }
      return out;
      `,
      { v: share(v) },
    );
    const churn = run(
      `
      const T = new SharedStructType(['x']);
      const t0 = Date.now();
      let n = 0;
      while (Date.now() - t0 < 1000) { const t = new T(); t.x = 'garbage' + n++; if (n % 20000 === 0) ss.gc(); }
      return n;
      `,
    );
    // Meanwhile this thread rewrites names (each new string makes the old one garbage).
    const t0 = Date.now();
    let round = 0;
    while (Date.now() - t0 < 300) {
      round++;
      for (let i = 0; i < 3000; i += 7) v.get(i).name = `user${i}`.padEnd(5 + (round % 5), '.');
      await new Promise((r) => setImmediate(r));
      gc();
    }
    for (let i = 0; i < 3000; i += 7) v.get(i).name = `user${i}`;
    const got = await texts;
    expect(await churn).toBeGreaterThan(0);
    for (const t of got) {
      const back = JSON.parse(t);
      expect(back.length).toBe(3000);
      for (let i = 0; i < 3000; i++) {
        expect(back[i].id).toBe(i);
        // Each name is one of the values written to it (never a freed or mixed string).
        expect(back[i].name.replace(/\.+$/, '')).toBe(`user${i}`);
      }
    }
    expect(native(v)).toBe(text);
  });
});
