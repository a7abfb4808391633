'use strict';
// Probe sources for the schema (lib/schema.js): TypeScript and TSX that make the installed
// parser produce the node kinds that carry scalar properties (literal text and flags,
// operators, modifiers of imports and exports, JSDoc tags...), so that their property names
// can be read off real nodes. Only the names matter: the schema takes no value from here.
// Kinds the probe does not produce still get their child properties (from forEachChild) and
// are checked property by property when converted (lib/convert.js).

const TS = String.raw`
/**
 * A documented declaration.
 * @param a first {@link Foo} and {@linkcode Bar} and {@linkplain Baz}
 * @param {string} [b] optional, bracketed
 * @returns {number} a number
 * @template T, U
 * @see Other
 * @deprecated since 1
 * @throws {Error} on failure
 * @type {string}
 * @typedef {object} Shape
 * @property {number} x a property
 * @callback Cb
 * @augments Base
 * @extends Base
 * @implements Iface
 * @author Someone <someone@example.com>
 * @enum {number}
 * @this {Window}
 * @satisfies {Iface}
 * @overload
 * @public
 * @private
 * @protected
 * @readonly
 * @override
 * @class
 * @import { A } from "a"
 * @unknownTag text
 * @param {*} all
 * @param {?} unknown
 * @param {?string} nullable
 * @param {!Object} nonNullable
 * @param {string=} optional
 * @param {function(string): void} fn
 * @param {...number} variadic
 * @param {module:foo/bar} namepath
 * See {@link A#member}.
 */
export declare function documented<T, U>(a: T, b?: U): number;
import def, { named as renamed, type OnlyType } from "module-a";
import * as ns from 'module-b';
import type { T1 } from "module-c";
import json from "./data.json" with { type: "json" };
import defer * as deferred from "module-d";
import eq = require("module-e");
import alias = ns.inner;
export { renamed as again, type OnlyType };
export * from "module-f";
export * as nsExport from "module-g";
export type { T1 as T2 } from "module-c";
export = eq;
export default 1;
export as namespace GlobalName;
declare module "ambient" { export const x: number; }
declare global { interface Window { y: string } }
namespace N.M { export const z = 1; }
enum E { A = 1, B = A << 2, C = "c" }
const enum CE { X }
let n1 = 0x1F, n2 = 1_000, n3 = 1e10, n4 = .5, n5 = 0o7, n6 = 0b1, big = 123n;
let s1 = 'single', s2 = "double \u0041 \u{1F600}", re = /ab+c/gi, t0 = ` + "`plain`" + String.raw`;
let t1 = ` + "`head ${n1} middle ${n2} tail`" + String.raw`;
let arr = [
  1, , ...[2],
], obj = {
  a, b: 2, ...rest, [k]: 3, get g() { return 1; }, set g(v) {}, m() {}, async *gen() { yield* other; },
};
let tagged = tag<string>` + "`x${1}`" + String.raw`;
label: for (const x of xs) { if (x) continue label; else break label; }
for await (const y of ys) {}
for (let i = 0; i < 1; i++) {}
for (const k in obj) {}
while (false) {} do {} while (false);
switch (n1) { case 1: break; default: }
try { throw new Error(); } catch { } finally { }
try {} catch (e) {}
with (obj) {}
debugger;
;
void 0, typeof x, delete obj.a, await p, !a, -a, +a, ~a, ++a, a++, --a, a--;
a ?? b; a?.b?.[c]?.(); a!; a as any; a satisfies B; <T>a; new.target; import.meta; import("m");
a = b; a += 1; a -= 1; a *= 1; a /= 1; a %= 1; a **= 1; a <<= 1; a >>= 1; a >>>= 1; a &= 1; a |= 1; a ^= 1; a &&= 1; a ||= 1; a ??= 1;
a == b; a != b; a === b; a !== b; a < b; a > b; a <= b; a >= b; a instanceof B; "x" in a; a << 1; a >> 1; a >>> 1;
a + b - c * d / e % f ** g & h | i ^ j && k || l; a ? b : c;
async function* gen<T extends object = {}>(this: Window, ...rest: T[]): AsyncGenerator<T> { yield; }
function overload(a: string): void;
function assertsFn(x: unknown): asserts x is string {}
function pred(x: unknown): x is string { return true; }
const arrow = async <T,>(a?: T, { b, c: [d, ...e] = [] }: any = {}) => a!;
const fe = function named() {};
abstract class C<in out T> extends Base<T> implements I, J {
  @decorator() declare readonly prop?: string;
  static #priv = 1;
  accessor acc = 1;
  private x!: number;
  protected static override y = 2;
  public constructor(public p: number) { super(); this.#priv; #priv in this; }
  static { init(); }
  abstract m(): void;
  [key: string]: any;
  get v() { return 1 }
  set v(value) {}
  ;
}
const ce = class {};
interface I<T> extends J { (a: T): void; new (a: T): I<T>; method?(): void; readonly [k: string]: unknown; prop: T }
type Types<T> = keyof T | unique symbol | readonly T[] | [a: string, b?: number, ...rest: boolean[]] | (T extends infer U extends string ? U : never)
  | { [K in keyof T as ` + "`get${K & string}`" + String.raw`]-?: T[K] } | { +readonly [K in keyof T]+?: T[K] } | typeof import("m", { with: { "resolution-mode": "import" } }).X<T>
  | ` + "`a${string}b`" + String.raw` | this | never | unknown | any | object | symbol | bigint | undefined | null | void | intrinsic
  | new () => T | abstract new () => T | ((a: T) => void) | T[number] | typeof x | import("m") | "lit" | 1 | -1 | true | 1n | T & {} | (string)
  | Array<string>["length"] | asserts;
declare let x: typeof obj.a<string>;
let nn: string | undefined = undefined!;
let optional = obj?.a, paren = (a), tup: [string?, ...number[]];
`;

const TSX = String.raw`
/** @jsx h */
const el = <div className="a" {...props} b={1} c d:e="f" key='k'>
  text &amp; more
  {value}
  {/* comment */}
  <Self.Closing />
  <ns:tag />
  <>fragment</>
  <Generic<string> prop />
</div>;
const spaces = <a>
   </a>;
`;

/** Broken on purpose: unterminated literals set flags only seen in malformed files. */
const BROKEN = [String.raw`let u = "unterminated`, 'let v = `unterminated', String.raw`let w = /unterminated`];

/** [fileName, text] pairs, parsed by the schema with the installed TypeScript. */
const PROBES = [['probe.ts', TS], ['probe.tsx', TSX], ...BROKEN.map((t, i) => [`broken${i}.ts`, t])];

module.exports = { PROBES };
