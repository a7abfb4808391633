// TypeScript: shared struct types declared as classes (@struct, @field) and the type fixes of
// issue 16 compile at tsc's default target and at es2022 with --strict (the lines marked
// @ts-expect-error stay errors), the package's types compile with tsc's defaults (no
// #private: TS18028), and a decorated class compiled by tsc works across threads.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const tsc = require.resolve('typescript/bin/tsc');
const { SharedStruct, SharedStructType, struct, field } = require('../index.js');

function compile(args) {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8', timeout: 90000 });
  return { out: r.stdout + r.stderr, status: r.status };
}

const ES2022 = ['--strict', '--target', 'es2022', '--lib', 'es2022,esnext.disposable', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node'];

describe('index.d.ts: classes and type fixes', () => {
  it('compiles with tsc\'s defaults (target ES5, not strict)', () => {
    expect(compile(['--noEmit', path.join(here, 'fixtures/types-default.ts')])).toEqual({ out: '', status: 0 });
  }, 90000);

  it('compiles the class and type-fix checks at the default target with --strict', () => {
    expect(compile(['--noEmit', '--strict', '--types', 'node', path.join(here, 'fixtures/types-classes.ts')])).toEqual({ out: '', status: 0 });
  }, 90000);

  it('compiles the class and type-fix checks at es2022 with --strict', () => {
    expect(compile(['--noEmit', ...ES2022, path.join(here, 'fixtures/types-classes.ts')])).toEqual({ out: '', status: 0 });
  }, 90000);
});

describe('@struct and @field', () => {
  it('make a class compiled by tsc a shared struct type whose methods work in every thread', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-classes-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(root, path.join(dir, 'node_modules', 'shared-structs'), 'dir');
      const c = compile([...ES2022, '--outDir', dir, '--rootDir', path.join(here, 'fixtures'), path.join(here, 'fixtures/classes-runtime.ts')]);
      expect(c).toEqual({ out: '', status: 0 });
      const r = spawnSync(process.execPath, [path.join(dir, 'classes-runtime.js')], { encoding: 'utf8', timeout: 60000 });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({
        here: { instance: true, len: 5, sum: 7, keys: ['x', 'y', 'tags'], shared: true, name: 'Point' },
        there: { instance: true, len: 5, sum: 7, tags: ['a'], madeLen: Math.SQRT2 },
        afterWorker: { x: 6, len: 10 },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);

  // The decorators as a runtime calls them (standard decorators: value, context).
  const fieldCtx = (name, extra = {}) => ({ kind: 'field', name, static: false, private: false, metadata: undefined, ...extra });
  const classCtx = (name, metadata) => ({ kind: 'class', name, metadata });

  it('collect fields in order through decorator metadata when the runtime has it', () => {
    const metadata = {};
    field(undefined, fieldCtx('a', { metadata }));
    field(undefined, fieldCtx('b', { metadata }));
    class Pair extends SharedStruct {
      sum() {
        return this.a + this.b;
      }
    }
    const C = struct('types-classes.test/Pair')(Pair, classCtx('Pair', metadata));
    const p = new C();
    p.a = 1;
    p.b = 2;
    expect(SharedStructType.keys(p)).toEqual(['a', 'b']);
    expect(p.sum()).toBe(3);
    expect(C.name).toBe('Pair');
    expect(p).toBeInstanceOf(C);
  });

  it('default the registry key to the class name, and take options', () => {
    field(undefined, fieldCtx('v'));
    class KeyedByName extends SharedStruct {}
    const C = struct()(KeyedByName, classCtx('KeyedByName'));
    expect(new SharedStructType(['v'], 'KeyedByName')).toBe(Object.getPrototypeOf(C));
    field(undefined, fieldCtx('pos'));
    class List extends SharedStruct {}
    const L = struct({ key: 'types-classes.test/List', elements: true })(List, classCtx('List'));
    const l = new L(2);
    expect(l.length).toBe(2);
    expect(SharedStructType.keys(l)).toEqual(['pos']);
  });

  it('refuse what they cannot make shared', () => {
    expect(() => field(undefined, fieldCtx('s', { static: true }))).toThrow(/static field cannot be a shared field/);
    expect(() => field(undefined, fieldCtx('#p', { private: true }))).toThrow(/string names/);
    expect(() => field(undefined, { kind: 'method', name: 'm' })).toThrow(/decorates class fields, not a method/);
    expect(() => field(undefined, undefined)).toThrow(/standard decorator/);
    class Base {}
    class Derived extends Base {}
    expect(() => struct('types-classes.test/Derived')(Derived, classCtx('Derived'))).toThrow(/extends Base; it must extend SharedStruct/);
    field(undefined, fieldCtx('len'));
    class Clash extends SharedStruct {
      len() {
        return 0;
      }
    }
    expect(() => struct('types-classes.test/Clash')(Clash, classCtx('Clash'))).toThrow(/len is both a @field and a method/);
    expect(() => new SharedStruct()).toThrow(/needs the @struct decorator/);
    expect(() => struct(5)).toThrow(/registry key string or an options object/);
  });
});
