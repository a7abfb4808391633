'use strict';
// Input files of the parse demo: the default corpus (TypeScript sources installed with the
// package's dev dependencies), paths, directories and globs. Everything is resolved and
// stat'ed up front so a missing or unreadable input is a clear error before any run starts.

const fs = require('fs');
const path = require('path');

/** File names parsed when a directory is given. */
const SOURCE_RE = /\.(?:d\.)?[cm]?tsx?$/;

class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * The default corpus, per dev dependency: the package, a directory in it, which file names,
 * whether to descend, and files to leave out. The small set (`--small`) is typescript's
 * lib/*.d.ts, all of @types/node and rxjs's src (419 files, 6.8 MB); the default adds the
 * sources of effect and zod (real .ts code with function bodies), about 28 MB in all, so that
 * fixed start-up costs (loading TypeScript, starting workers) do not dominate.
 * effect's httpApiScalar.ts and httpApiSwagger.ts are left out: each is one generated string
 * literal holding a bundled web page (5.1 and 2.0 MB of bytes, a few dozen nodes).
 */
const SMALL_SOURCES = [
  { pkg: 'typescript', dir: 'lib', re: /\.d\.ts$/, recursive: false },
  { pkg: '@types/node', dir: '.', re: /\.d\.ts$/, recursive: true },
  { pkg: 'rxjs', dir: 'src', re: /\.ts$/, recursive: true },
];
const DEFAULT_SOURCES = [
  ...SMALL_SOURCES,
  { pkg: 'effect', dir: 'src', re: /\.ts$/, recursive: true, exclude: /[\\/]internal[\\/]httpApi(?:Scalar|Swagger)\.ts$/ },
  { pkg: 'zod', dir: 'src', re: /\.ts$/, recursive: true },
];

/** The package's own directory, to resolve the corpus packages from. */
const PKG_ROOT = path.resolve(__dirname, '..');

function packageDir(name) {
  try {
    return path.dirname(require.resolve(`${name}/package.json`, { paths: [PKG_ROOT] }));
  } catch {
    return null;
  }
}

/** The entries of `dir` sorted by name (InputError if it cannot be read). */
function readDirSorted(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new InputError(`cannot read directory ${dir}: ${e.code || e.message}`);
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function listDir(dir, re, recursive, out) {
  for (const e of readDirSorted(dir)) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive && e.name !== 'node_modules' && !e.name.startsWith('.')) listDir(p, re, recursive, out);
    } else if ((e.isFile() || e.isSymbolicLink()) && re.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

/**
 * Paths of the default corpus (the small set with `small`); `missing` lists dev dependencies
 * that are not installed.
 */
function defaultCorpus({ small = false } = {}) {
  const paths = [];
  const missing = [];
  for (const s of small ? SMALL_SOURCES : DEFAULT_SOURCES) {
    const dir = packageDir(s.pkg);
    if (dir === null) {
      missing.push(s.pkg);
      continue;
    }
    const found = listDir(path.join(dir, s.dir), s.re, s.recursive, []);
    for (const p of found) if (!s.exclude || !s.exclude.test(p)) paths.push(p);
  }
  return { paths, missing };
}

// ---- globs ------------------------------------------------------------------------------

function hasMagic(p) {
  return /[*?[\]{}]/.test(p);
}

/** Regex source for one glob path segment (no slashes). */
function segmentRegex(seg) {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 1);
      if (j < 0) out += '\\[';
      else {
        let cls = seg.slice(i + 1, j);
        if (cls[0] === '!') cls = `^${cls.slice(1)}`;
        out += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else if (c === '{') {
      const j = seg.indexOf('}', i + 1);
      if (j < 0) out += '\\{';
      else {
        out += `(?:${seg
          .slice(i + 1, j)
          .split(',')
          .map(segmentRegex)
          .join('|')})`;
        i = j;
      }
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}

/** A RegExp matching paths relative to the glob's base directory. */
function globRegex(rest) {
  const segs = rest.split('/').filter((s) => s !== '');
  let src = '';
  for (let i = 0; i < segs.length; i++) {
    const last = i === segs.length - 1;
    if (segs[i] === '**') src += last ? '.*' : '(?:[^/]+/)*';
    else src += segmentRegex(segs[i]) + (last ? '' : '/');
  }
  return new RegExp(`^${src}$`);
}

function expandGlob(pattern) {
  const abs = path.resolve(pattern).split(path.sep).join('/');
  const segs = abs.split('/');
  let k = 0;
  while (k < segs.length && !hasMagic(segs[k])) k++;
  const base = segs.slice(0, k).join('/') || '/';
  const re = globRegex(segs.slice(k).join('/'));
  const recursive = segs.slice(k).some((s) => s.includes('**')) || segs.length - k > 1;
  if (!fs.existsSync(base)) return [];
  const all = [];
  (function walk(dir, rel) {
    for (const e of readDirSorted(dir)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive && e.name !== 'node_modules') walk(p, r);
      } else if (re.test(r)) all.push(p);
    }
  })(base, '');
  return all;
}

// ---- resolution -------------------------------------------------------------------------

/**
 * Resolves arguments (files, directories, globs) to `{ files: [{ path, size }], bytes }`,
 * without duplicates, in argument order. Throws InputError for an input that does not exist,
 * cannot be read, or matches nothing, and when no file is left.
 */
function resolveInputs(args) {
  const seen = new Set();
  const files = [];
  const add = (p) => {
    const abs = path.resolve(p);
    if (seen.has(abs)) return;
    seen.add(abs);
    let st;
    try {
      st = fs.statSync(abs);
      // Open it and read a byte: access(R_OK) passes for root, and for files whose reads
      // fail anyway (EIO, EACCES on open of special files).
      if (st.isFile()) {
        const fd = fs.openSync(abs, 'r');
        try {
          fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
        } finally {
          fs.closeSync(fd);
        }
      }
    } catch (e) {
      throw new InputError(`cannot read ${p}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code || e.message}`);
    }
    if (!st.isFile()) throw new InputError(`cannot read ${p}: not a regular file`);
    files.push({ path: abs, size: st.size });
  };
  for (const arg of args) {
    if (typeof arg !== 'string' || arg === '') throw new InputError('empty path argument');
    let st = null;
    try {
      st = fs.statSync(arg);
    } catch (e) {
      if (e.code !== 'ENOENT' || !hasMagic(arg)) {
        throw new InputError(`cannot read ${arg}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code || e.message}`);
      }
    }
    if (st !== null && st.isDirectory()) {
      const found = listDir(path.resolve(arg), SOURCE_RE, true, []);
      if (found.length === 0) throw new InputError(`no TypeScript files (.ts, .tsx, .mts, .cts) in directory ${arg}`);
      for (const p of found) add(p);
    } else if (st !== null) {
      add(arg);
    } else {
      const found = expandGlob(arg);
      if (found.length === 0) throw new InputError(`no files match ${arg}`);
      for (const p of found) add(p);
    }
  }
  if (files.length === 0) throw new InputError('no input files');
  let bytes = 0;
  for (const f of files) bytes += f.size;
  return { files, bytes };
}

/** The default corpus (the small set with `small`), resolved and stat'ed. */
function resolveDefault({ small = false } = {}) {
  const { paths, missing } = defaultCorpus({ small });
  if (paths.length === 0) {
    throw new InputError(`the default corpus is not installed (missing dev dependencies: ${missing.join(', ')}); pass files, directories or globs`);
  }
  return { ...resolveInputs(paths), missing };
}

module.exports = { InputError, resolveInputs, resolveDefault, defaultCorpus, expandGlob, globRegex, DEFAULT_SOURCES, SMALL_SOURCES, SOURCE_RE };
