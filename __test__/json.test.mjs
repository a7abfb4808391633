// parseJSON: JSON text parsed in Rust into the shared heap (docs/json.md).
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { parseJSON, SharedStructType, SharedArray, share, gc } = require('../index.js');
const { run, killAll } = require('./sync-helpers.js');

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
