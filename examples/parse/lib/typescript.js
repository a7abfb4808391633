'use strict';
// Loads the TypeScript compiler (this package's dependency) and the helpers every
// mode shares: parse one file, describe its syntax errors.
//
// Loading typescript.js (9 MB of JS) costs ~200 ms of compilation in every thread that
// loads it, and its parser functions are compiled lazily on first use. With a code cache
// (V8 bytecode produced once, after a warm-up parse, like Node 22's module compile cache)
// every thread skips both. Every mode uses the same loader and the same cache, so the
// comparison stays fair; `--no-code-cache` turns it off (docs/parse.md).

const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const Module = require('module');

let ts = null;
let loadedScript = null;
let cacheStatus = 'off';

function typescriptPath() {
  return require.resolve('typescript');
}

/** Default location of the code cache for this typescript, Node and architecture. */
function defaultCacheFile() {
  const file = typescriptPath();
  let version = 'unknown';
  try {
    version = require('typescript/package.json').version;
  } catch {
    // keep 'unknown'
  }
  const st = fs.statSync(file);
  const tag = `typescript-${version}-${st.size}-${Math.floor(st.mtimeMs)}-node${process.version}-${process.arch}`;
  return path.join(os.tmpdir(), 'shared-structs-parse', `${tag}.cache`);
}

/**
 * The typescript module, loaded once per thread. With `cacheFile`, compiles typescript.js
 * through vm.Script with that code cache (if the file exists and V8 accepts it).
 */
function load({ cacheFile = null } = {}) {
  if (ts !== null) return ts;
  if (!cacheFile) {
    ts = require('typescript');
    return ts;
  }
  const file = typescriptPath();
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  cacheStatus = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  const fn = script.runInThisContext();
  fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  // Later require('typescript') calls in this thread get the same module.
  require.cache[file] = mod;
  loadedScript = script;
  ts = mod.exports;
  return ts;
}

/** 'used', 'rejected', 'missing' (no cache file yet) or 'off'. */
function codeCacheStatus() {
  return cacheStatus;
}

/**
 * Writes a code cache for typescript.js: loads it through vm.Script, parses `warmupFiles`
 * so the parser's functions are compiled, and saves V8's cached data. Returns the file.
 */
function writeCodeCache(cacheFile, warmupFiles) {
  const t = load({ cacheFile });
  for (const f of warmupFiles) parseFile(t, f);
  const data = loadedScript.createCachedData();
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, cacheFile);
  return cacheFile;
}

/**
 * Reads and parses one file the way every mode does: latest target, parent pointers set
 * (the visitor checks them; without setParentNodes TypeScript's parser leaves them unset).
 */
function parseFile(ts, file) {
  const text = fs.readFileSync(file, 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, /* setParentNodes */ true);
}

/** Syntax errors of a parsed file as `path:line:col: error TSnnnn: message` lines (at most `max`). */
function syntaxErrors(ts, sf, max = 5) {
  const diags = sf.parseDiagnostics;
  if (!diags || diags.length === 0) return [];
  const out = [];
  for (let i = 0; i < diags.length && i < max; i++) {
    const d = diags[i];
    const { line, character } = ts.getLineAndCharacterOfPosition(sf, d.start);
    out.push(`${sf.fileName}:${line + 1}:${character + 1}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  if (diags.length > max) out.push(`${sf.fileName}: ... and ${diags.length - max} more syntax errors`);
  return out;
}

module.exports = { load, parseFile, syntaxErrors, defaultCacheFile, writeCodeCache, codeCacheStatus };
