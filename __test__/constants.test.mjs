// One source of truth for what Rust and JS share (issue 19): every constant and wire code is
// defined in Rust (src/core/constants.rs) and lib/layout.js reads it from the binding at load.
// The lib files that still spell a value out by hand are checked against the binding here, so
// a change on either side that the other does not follow fails this test.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const L = require('../lib/layout.js');
const native = require('../lib/native.js');

const source = (file) => readFileSync(new URL(`../lib/${file}`, import.meta.url), 'utf8');

/**
 * The top-level `const NAME = <numeric expression>;` declarations of a lib file, evaluated in
 * order (an expression may use the ones before it and `L`, the binding's constants).
 */
function numericConsts(file) {
  const out = {};
  for (const [, name, expr] of source(file).matchAll(/^const ([A-Z][A-Z0-9_]*) = ([^;\n]+);/gm)) {
    if (!/^[\w\s()<>+\-*/|&~.]+$/.test(expr)) continue;
    try {
      // eslint-disable-next-line no-new-func
      const v = Function(...Object.keys(out), 'L', `return (${expr});`)(...Object.values(out), L);
      if (typeof v === 'number') out[name] = v;
    } catch {
      // Not a constant expression of the names known so far.
    }
  }
  return out;
}

/** Constants a lib file names locally: its name -> the binding's name. */
const MIRRORED = {
  'sync.js': {
    M_PARKED: 'MUTEX_PARKED',
    M_OWNER: 'MUTEX_OWNER',
    RW_READERS: 'RW_READERS',
    RW_WRITER: 'RW_WRITER',
    RW_WRITERS_PARKED: 'RW_WRITERS_PARKED',
    RW_READERS_PARKED: 'RW_READERS_PARKED',
    ACQUIRED: 'ACQUIRED',
    ABANDONED: 'ABANDONED',
    TIMED_OUT: 'TIMED_OUT',
    ABORTED: 'ABORTED',
    QUEUED: 'QUEUED',
  },
  'map.js': { MAP_WORDS: 'MAP_WORDS' },
  'vector.js': { VECTOR_WORDS: 'VECTOR_WORDS' },
  'channel.js': { CHANNEL_WORDS: 'CHANNEL_WORDS' },
  'structs.js': { MAX_FIELDS: 'MAX_FIELDS' },
};
/** Files whose local names must be read from lib/layout.js (`const NAME = L.BINDING_NAME;`). */
const READ_FROM_LAYOUT = ['sync.js', 'structs.js'];

/** Words of each fixed-size built-in object, by type id (src/core/layout.rs builtin_words). */
const BUILTIN_WORDS = {
  [L.TYPE_MUTEX]: L.LOCK_WORDS,
  [L.TYPE_CONDITION]: L.LOCK_WORDS,
  [L.TYPE_SHARED_MUTEX]: L.LOCK_WORDS,
  [L.TYPE_MAP]: L.MAP_WORDS,
  [L.TYPE_SET]: L.MAP_WORDS,
  [L.TYPE_VECTOR]: L.VECTOR_WORDS,
  [L.TYPE_CHANNEL]: L.CHANNEL_WORDS,
  [L.TYPE_SEMAPHORE]: L.SEMAPHORE_WORDS,
  [L.TYPE_BARRIER]: L.BARRIER_WORDS,
};

describe('constants shared by Rust and JS', () => {
  it('lib/layout.js is exactly the binding\'s list, frozen', () => {
    expect({ ...L }).toEqual(native.layoutConstants());
    expect(Object.isFrozen(L)).toBe(true);
    for (const name of ['TYPE_MUTEX', 'TB_TOP', 'MUTEX_PARKED', 'RW_WRITER', 'ACQUIRED', 'DOORBELL_GC', 'DOORBELL_GRANTED', 'MAP_WORDS', 'MAX_ARENAS', 'LARGE_WORDS']) {
      expect(Number.isInteger(L[name]), name).toBe(true);
    }
  });

  for (const [file, names] of Object.entries(MIRRORED)) {
    it(`the values lib/${file} writes out match the binding's`, () => {
      const consts = numericConsts(file);
      for (const [jsName, rustName] of Object.entries(names)) {
        if (!(jsName in consts)) continue; // read from lib/layout.js now (or gone)
        expect(consts[jsName], `lib/${file} ${jsName} vs ${rustName}`).toBe(L[rustName]);
      }
    });
  }

  it('every fixed-size built-in object is allocated with the size the collector reads', () => {
    const seen = new Set();
    for (const file of ['sync.js', 'map.js', 'set.js', 'vector.js', 'channel.js', 'semaphore.js']) {
      const src = source(file);
      const consts = numericConsts(file);
      const size = (expr) => {
        const e = expr.trim();
        if (/^\d+$/.test(e)) return Number(e);
        if (e in consts) return consts[e];
        const m = /^(?:table|L)\.([A-Z_]+)$/.exec(e);
        return m ? L[m[1]] : undefined;
      };
      // rt.allocObject(<size>, L.TYPE_X) and defineBuiltin(L.TYPE_X, 'Name', <size>, ...)
      const sites = [
        ...[...src.matchAll(/allocObject\(([^,()]+), L\.(TYPE_[A-Z_]+)\)/g)].map((m) => [m[2], m[1]]),
        ...[...src.matchAll(/defineBuiltin\(L\.(TYPE_[A-Z_]+), '[^']*', ([^,]+),/g)].map((m) => [m[1], m[2]]),
      ];
      for (const [type, expr] of sites) {
        const want = BUILTIN_WORDS[L[type]];
        if (want === undefined) continue; // a variable-size object (array, string, table...)
        expect(size(expr), `lib/${file}: ${type} allocated with ${expr}`).toBe(want);
        seen.add(type);
      }
    }
    // The scan found every built-in's constructor (a renamed call would silently skip one).
    expect([...seen].sort()).toEqual(['TYPE_BARRIER', 'TYPE_CHANNEL', 'TYPE_CONDITION', 'TYPE_MAP', 'TYPE_MUTEX', 'TYPE_SEMAPHORE', 'TYPE_SET', 'TYPE_SHARED_MUTEX', 'TYPE_VECTOR']);
  });

  it('a blocking condition wait reads the binding\'s result code', () => {
    // lib/sync.js: `code = native.condWait(...)` then `return code === <COND_WOKEN>`.
    const m = /native\.condWait\([^)]*\);[\s\S]{0,200}?return code === (\w+);/.exec(source('sync.js'));
    expect(m, 'condWait call site').not.toBe(null);
    const v = /^\d+$/.test(m[1]) ? Number(m[1]) : (numericConsts('sync.js')[m[1]] ?? L[m[1].replace(/^L\./, '')]);
    expect(v).toBe(L.COND_WOKEN);
  });

  it('lib/sync.js and lib/structs.js read their lock bits, result codes and limits from lib/layout.js', () => {
    for (const file of READ_FROM_LAYOUT) {
      const src = source(file);
      for (const [name, bindingName] of Object.entries(MIRRORED[file])) {
        expect(src, `lib/${file}: ${name}`).toMatch(new RegExp(`^const ${name} = L\\.${bindingName};$`, 'm'));
      }
    }
  });

  it('the library reads what it shares with Rust from lib/layout.js (no copy in its own files)', () => {
    const own = ['runtime.js', 'layout.js', 'native.js'];
    for (const file of own) {
      const src = source(file);
      // The doorbell payloads, the arena limit and the lock bits are the binding's.
      expect(src, file).not.toMatch(/0x7fffffff|0x7ffffffe|1 << 23|1 << 30|1 << 31/);
    }
  });
});

describe('the type registry (lib/types.js)', () => {
  it('every built-in type a wrapper can stand for is loaded on first sight, in a thread that loaded none of their modules', () => {
    // Types that never get a wrapper: free spans, strings, bigints, map tables, thread blocks,
    // boxed doubles. Every other built-in id the binding lists must name a class.
    const noWrapper = new Set(['TYPE_FREE', 'TYPE_STRING', 'TYPE_BIGINT', 'TYPE_MAP_TABLE', 'TYPE_THREAD_BLOCK', 'TYPE_DOUBLE', 'TYPE_MASK']);
    const ids = Object.keys(L)
      .filter((k) => k.startsWith('TYPE_') && !noWrapper.has(k))
      .map((k) => L[k]);
    expect(ids.length).toBeGreaterThanOrEqual(10);
    // A fresh process: only the runtime and the registry are loaded before each lookup.
    const lib = fileURLToPath(new URL('../lib/', import.meta.url));
    const script = `
      require(${JSON.stringify(lib + 'loader.js')}).load();
      const { types, entry } = require(${JSON.stringify(lib + 'types.js')});
      const out = {};
      for (const id of ${JSON.stringify(ids)}) {
        const before = types[id] !== undefined;
        const e = entry(id);
        out[id] = { before, id: e.id, make: typeof e.make, name: e.displayName() };
      }
      process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    for (const id of ids) {
      expect(out[id], `type ${id}`).toMatchObject({ id, make: 'function' });
      expect(typeof out[id].name).toBe('string');
    }
    // At least the collections were not loaded before their first lookup.
    expect(out[L.TYPE_SET].before).toBe(false);
    expect(out[L.TYPE_CHANNEL].before).toBe(false);
  });

  it('an unknown or freed type id is a TypeError', () => {
    const { entry } = require('../lib/types.js');
    expect(() => entry(L.TYPE_FREE)).toThrow(/stale reference to a collected object/);
    expect(() => entry(L.FIRST_USER_TYPE - 1)).toThrow(TypeError);
    expect(() => entry(L.TYPE_MASK)).toThrow(/unknown shared object type/);
  });
});
