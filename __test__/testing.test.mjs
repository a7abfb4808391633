// shared-structs/testing, /vitest and /jest: shared objects compare by value and show a
// field-by-field diff in vitest and in jest's expect, with the one setup line each documents;
// no library error escapes from the runners' equality or diff code; keyed types declared by
// several test files in one process (vitest's threads pool) are kept apart by the key scope,
// and without it the clash names the key and the way out. The runners run in child
// processes on the specs in __test__/fixtures/testing/ (bounded by their timeouts).
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
const fixtures = path.join(here, 'fixtures', 'testing');
const { SharedStructType, SharedArray } = require('../index.js');
const testing = require('../testing/index.js');

// eslint-disable-next-line no-control-regex
const plain = (s) => String(s).replace(/\u001b\[[0-9;]*m/g, '');

/** Runs vitest on the fixture specs; returns each test's state and errors (with diffs). */
function runVitest(config, pool, filter) {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ss-vitest-')), 'report.json');
  const r = spawnSync(
    process.execPath,
    [path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs'), 'run', '--config', path.join(fixtures, config), '--pool', pool, '--reporter', path.join(fixtures, 'reporter.mjs'), ...(filter ? [filter] : [])],
    { cwd: root, encoding: 'utf8', timeout: 120000, env: { ...process.env, NO_COLOR: '1', SS_REPORT: report, SHARED_STRUCTS_KEY_SCOPE: '' } },
  );
  expect(r.error).toBeUndefined();
  expect(fs.existsSync(report), r.stdout + r.stderr).toBe(true);
  const results = JSON.parse(fs.readFileSync(report, 'utf8'));
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
  return results;
}

describe('shared-structs/vitest (setupFiles)', () => {
  it('compares equal shared objects as equal, and unequal ones fail with a field diff and no library error', () => {
    const results = runVitest('vitest.config.mjs', 'threads');
    const byName = Object.fromEntries(results.map((t) => [t.name, t]));
    const names = Object.keys(byName);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const t of results) {
      for (const e of t.errors) expect(plain(e.message)).not.toMatch(/not an instance of this struct type|not a shared object/);
      if (t.name.startsWith('fails: ')) {
        expect(t.state, t.name).toBe('failed');
        expect(t.errors[0].name, t.name).toBe('AssertionError');
      } else {
        expect(t.state, `${t.name}: ${JSON.stringify(t.errors)}`).toBe('passed');
      }
    }
    for (const name of ['fails: two structs', 'fails: a struct and an object', 'fails: a struct inside an object']) {
      const diff = plain(byName[name].errors[0].diff);
      expect(diff, name).toMatch(/^- +"y": 3,$/m);
      expect(diff, name).toMatch(/^\+ +"y": 2,$/m);
      expect(diff, name).toMatch(/^ +"label": "a",$/m);
    }
    expect(plain(byName['fails: toMatchObject'].errors[0].diff)).toMatch(/^\+ +"y": 2,$/m);
  }, 150000);

  it('without it, two test files declaring "Point" differently in one process fail with an error naming the key and the way out', () => {
    const results = runVitest('vitest.noscope.config.mjs', 'threads');
    expect(results).toHaveLength(2);
    const failed = results.filter((t) => t.state === 'failed');
    expect(failed).toHaveLength(1);
    const message = plain(failed[0].errors[0].message);
    expect(message).toMatch(/registry key "Point" is already registered with fields \[(x, y|name)\]; got \[(name|x, y)\]/);
    expect(message).toMatch(/vitest's threads pool/);
    expect(message).toMatch(/key scope/);
  }, 150000);
});

describe('shared-structs/jest (setupFilesAfterEnv), with jest\'s expect and pretty-format', () => {
  const r = spawnSync(process.execPath, [path.join(fixtures, 'jest-expect.cjs')], { cwd: root, encoding: 'utf8', timeout: 60000 });
  const out = r.status === 0 ? JSON.parse(r.stdout) : null;

  it('runs', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes equal shared objects in toEqual, toStrictEqual, toMatchObject and with asymmetric matchers', () => {
    for (const k of ['equalStructs', 'strictEqualStructs', 'structAndObject', 'matchObject', 'asymmetric', 'trees', 'arrays', 'maps']) {
      expect(out[k], k).toEqual({ threw: false });
    }
    // toStrictEqual checks the type: a struct is not a plain object.
    expect(out.strictStructAndObject.threw).toBe(true);
  });

  it('fails unequal ones with a field-by-field diff and no library error', () => {
    for (const k of ['unequalStructs', 'unequalStructAndObject', 'unequalNested']) {
      expect(out[k].threw, k).toBe(true);
      expect(out[k].message, k).not.toMatch(/not an instance of this struct type|not a shared object|TypeError/);
      expect(out[k].message, k).toMatch(/^- +"y": 3,$/m);
      expect(out[k].message, k).toMatch(/^\+ +"y": 2,$/m);
    }
    expect(out.treesDiffer.threw).toBe(true);
    expect(out.unequalMatchObject.message).toMatch(/^\+ +"y": 2,$/m);
  });

  it('prints shared objects by value in declaration order (the snapshot serializer)', () => {
    expect(out.printed).toBe(
      [
        'SharedArray [',
        '  jest/Point {',
        '    "x": 1,',
        '    "y": 2,',
        '    "label": "a",',
        '  },',
        '  jest/Node {',
        '    "name": "root",',
        '    "parent": undefined,',
        '    "children": SharedArray [',
        '      jest/Node {',
        '        "name": "a",',
        '        "parent": [Circular],',
        '        "children": undefined,',
        '      },',
        '    ],',
        '  },',
        '  Mutex {},',
        ']',
      ].join('\n'),
    );
  });
});

describe('shared-structs/testing', () => {
  const Point = new SharedStructType(['x', 'y'], { key: 'testing.test/Point', scope: null });

  it('does not take copies of wrappers (Object.create(prototype) plus own properties) for shared objects', () => {
    const p = new Point();
    p.x = 1;
    const copy = Object.create(Object.getPrototypeOf(p));
    for (const k of Reflect.ownKeys(p)) Object.defineProperty(copy, k, Object.getOwnPropertyDescriptor(p, k));
    expect(testing.kindOf(p)).toBe('struct');
    expect(testing.kindOf(copy)).toBe(null);
    const ctx = { equals: () => true };
    expect(testing.sharedStructsEquality.call(ctx, copy, { x: 1 }, [])).toBeUndefined();
    expect(testing.sharedStructsSerializer.test(copy)).toBe(false);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(testing.kindOf(revoked.proxy)).toBe(null);
  });

  it('tells the kinds of shared objects apart', () => {
    const E = new SharedStructType(['length2'], { elements: true });
    expect(testing.kindOf(new E(1))).toBe('elements');
    expect(testing.kindOf(SharedArray.of(1))).toBe('array');
    expect(testing.kindOf({ x: 1 })).toBe(null);
  });

  it('install() refuses something that is not a runner\'s expect', () => {
    expect(() => testing.install({})).toThrow(/addEqualityTesters/);
  });

  it('scopes keys by the options.scope or SHARED_STRUCTS_KEY_SCOPE, and refuses a bad scope', () => {
    const A = new SharedStructType(['a'], { key: 'testing.test/Scoped', scope: 'one' });
    const B = new SharedStructType(['b'], { key: 'testing.test/Scoped', scope: 'two' });
    expect(A).not.toBe(B);
    expect(new SharedStructType(['a'], { key: 'testing.test/Scoped', scope: 'one' })).toBe(A);
    const saved = process.env.SHARED_STRUCTS_KEY_SCOPE;
    process.env.SHARED_STRUCTS_KEY_SCOPE = 'one';
    try {
      expect(new SharedStructType(['a'], 'testing.test/Scoped')).toBe(A);
      expect(new SharedStructType(['a'], { key: 'testing.test/Scoped' })).toBe(A);
      // scope: null opts out of the environment's scope.
      expect(new SharedStructType(['c'], { key: 'testing.test/Scoped', scope: null })).not.toBe(A);
    } finally {
      if (saved === undefined) delete process.env.SHARED_STRUCTS_KEY_SCOPE;
      else process.env.SHARED_STRUCTS_KEY_SCOPE = saved;
    }
    expect(() => new SharedStructType(['a'], { key: 'k', scope: 5 })).toThrow(/options.scope must be a string or null, got a number/);
    expect(() => new SharedStructType(['a'], { key: 'k', scope: '\uD800' })).toThrow(/key scope .* lone surrogate/);
  });
});
