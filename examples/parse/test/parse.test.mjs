// The parse demo (examples/parse: bin/shared-structs-parse.js, lib/).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const BIN = path.join(ROOT, 'bin', 'shared-structs-parse.js');
const CORPUS = path.join(here, 'fixtures', 'corpus');
const BAD = path.join(here, 'fixtures', 'bad');

const ts = require('typescript');
const ast = require('../lib/ast.js');
const { run } = require('../lib/run.js');
const { resolveInputs, InputError, globRegex } = require('../lib/corpus.js');
const { parseArgs, compareRuns } = require('../lib/cli.js');

/** Runs the CLI; resolves to { code, stdout, stderr }. Kills it (and fails) after `ms`. */
function cli(args, ms = 15000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`shared-structs-parse ${args.join(' ')} did not finish within ${ms} ms\n${stderr}`));
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function corpusFiles() {
  return resolveInputs([CORPUS]).files;
}

let tmp;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ss-parse-test-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writeModule(name, source) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, source);
  return p;
}

describe('parse demo: the package', () => {
  it('uses only the public API of the library (no lib/runtime, lib/layout, lib/native)', () => {
    const files = [];
    for (const dir of ['lib', 'bin']) {
      for (const f of fs.readdirSync(path.join(ROOT, dir))) if (f.endsWith('.js')) files.push(path.join(ROOT, dir, f));
    }
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      expect(src, f).not.toMatch(/require\([^)]*(runtime|layout|native|pool)['"]\)/);
      for (const m of src.matchAll(/require\(['"]([^'"]+)['"]\)/g)) {
        if (m[1].startsWith('.')) expect(path.resolve(path.dirname(f), m[1]), `${f} requires ${m[1]}`).not.toMatch(/\/lib\/(runtime|layout|native|structs|pool)/);
      }
    }
    // The library has no runtime dependency; the demo package holds typescript.
    const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, '..', '..', 'package.json'), 'utf8'));
    expect(rootPkg.dependencies).toBeUndefined();
    expect(rootPkg.bin).toBeUndefined();
    expect(rootPkg.workspaces).toContain('examples/parse');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.dependencies.typescript).toBe('5.9');
    expect(pkg.bin['shared-structs-parse']).toBe('bin/shared-structs-parse.js');
  });
});

describe('parse demo: the generic AST', () => {
  it('builds the same tree as plain objects and as shared structs (counts, checksum, parents)', () => {
    const conv = ast.makeConverter(ts);
    const plain = new ast.WalkStats(ts.SyntaxKind.Identifier);
    const shared = new ast.WalkStats(ts.SyntaxKind.Identifier);
    const paths = [];
    for (const f of corpusFiles()) {
      const sf = ts.createSourceFile(f.path, fs.readFileSync(f.path, 'utf8'), ts.ScriptTarget.Latest, false);
      paths.push(f.path);
      plain.fileSums.set(f.path, ast.walkPlain(conv.toPlain(sf), plain));
      shared.fileSums.set(f.path, ast.walkShared(conv.toShared(sf), shared));
    }
    expect(plain.nodes).toBeGreaterThan(2000);
    expect(shared.nodes).toBe(plain.nodes);
    expect(shared.arrays).toBe(plain.arrays);
    expect(shared.identifiers).toBe(plain.identifiers);
    expect(Array.from(shared.kinds)).toEqual(Array.from(plain.kinds));
    expect(shared.checksum(paths)).toBe(plain.checksum(paths));
    expect(plain.badParents).toBe(0);
    expect(shared.badParents).toBe(0);
    // Every kind the walk counted is a real SyntaxKind.
    expect(plain.kinds[ts.SyntaxKind.SourceFile]).toBe(paths.length);
    expect(plain.kinds[ts.SyntaxKind.JsxText]).toBeGreaterThan(0);
  });

  it('keeps identifier and literal text, file names and NodeArrays in shared structs', () => {
    const conv = ast.makeConverter(ts);
    const sf = ts.createSourceFile('/x/a.ts', 'let answer = f(42, "s", `t`);', ts.ScriptTarget.Latest, false);
    const root = conv.toShared(sf);
    const { Node, NodeArray } = ast.shared();
    expect(root).toBeInstanceOf(Node);
    expect(root.kind).toBe(ts.SyntaxKind.SourceFile);
    expect(root.text).toBe('/x/a.ts');
    expect(root.parent).toBe(null);
    const statements = root.get(0);
    expect(statements).toBeInstanceOf(NodeArray);
    expect(statements.length).toBe(1);
    const stmt = statements.get(0);
    expect(stmt.parent).toBe(root);
    const texts = [];
    (function visit(n) {
      if (n instanceof NodeArray) {
        for (const c of n) visit(c);
        return;
      }
      if (n.text !== undefined && n.kind !== ts.SyntaxKind.SourceFile) texts.push(n.text);
      for (const c of n) visit(c);
    })(root);
    expect(texts).toEqual(['answer', 'f', '42', 's', 't']);
  });

  it('detects a wrong parent pointer in either representation', () => {
    const conv = ast.makeConverter(ts);
    const sf = ts.createSourceFile('/x/b.ts', 'function g(a: number) { return a + 1; }', ts.ScriptTarget.Latest, false);
    const plain = conv.toPlain(sf);
    const shared = conv.toShared(sf);
    const fn = plain.children[0].elements[0];
    fn.children[0].parent = plain; // the name's parent is now the SourceFile
    const sfn = shared.get(0).get(0);
    sfn.get(0).parent = shared;
    const a = new ast.WalkStats(ts.SyntaxKind.Identifier);
    const b = new ast.WalkStats(ts.SyntaxKind.Identifier);
    ast.walkPlain(plain, a);
    ast.walkShared(shared, b);
    expect(a.badParents).toBe(1);
    expect(b.badParents).toBe(1);
  });
});

describe('parse demo: the three modes in-process', () => {
  it('agree on a small corpus of real files', async () => {
    const files = corpusFiles();
    const common = { files, identifierKind: ts.SyntaxKind.Identifier, measureMemory: false, timeoutMs: 15000 };
    const single = await run({ ...common, mode: 'single' });
    const message = await run({ ...common, mode: 'message', threads: 2 });
    const shared = await run({ ...common, mode: 'shared', threads: 2 });
    expect(single.nodes).toBeGreaterThan(2000);
    for (const r of [message, shared]) {
      expect(r.nodes).toBe(single.nodes);
      expect(r.checksum).toBe(single.checksum);
      expect(r.kinds).toEqual(single.kinds);
    }
    expect(compareRuns([single, message, shared])).toEqual([]);
  });

  it('fail with a clear error, not a hang, when a file cannot be read during the run', async () => {
    const files = [...corpusFiles(), { path: path.join(tmp, 'vanished.ts'), size: 10 }];
    const common = { files, identifierKind: ts.SyntaxKind.Identifier, measureMemory: false, timeoutMs: 15000 };
    await expect(run({ ...common, mode: 'single' })).rejects.toThrow(/ENOENT.*vanished\.ts/);
    await expect(run({ ...common, mode: 'message', threads: 2 })).rejects.toThrow(/task \d+ failed in a worker: Error: ENOENT.*vanished\.ts/);
    await expect(run({ ...common, mode: 'shared', threads: 2 })).rejects.toThrow(/task \d+ failed in a worker: Error: ENOENT.*vanished\.ts/);
  });
});

describe('parse demo: the command line', () => {
  it('runs all three modes on a small corpus, agrees, and prints one JSON object', async () => {
    const { code, stdout, stderr } = await cli([CORPUS, '--json', '--threads', '2']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.files).toBe(7);
    expect(out.bytes).toBe(corpusFiles().reduce((s, f) => s + f.size, 0));
    expect(out.agree).toBe(true);
    expect(out.runs.map((r) => `${r.mode}/${r.threads}`)).toEqual(['single/1', 'message/2', 'shared/2']);
    for (const r of out.runs) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['mode', 'threads', 'ms', 'nodes', 'checksum', 'bytesPerNode', 'speedup']));
      expect(r.nodes).toBe(out.nodes);
      expect(r.checksum).toBe(out.checksum);
      expect(r.ms).toBeGreaterThan(0);
      expect(typeof r.bytesPerNode).toBe('number');
    }
    expect(out.runs[0].speedup).toBe(1);
    expect(out.kinds.Identifier).toBe(out.identifiers);
    expect(out.kinds.SourceFile).toBe(7);
  });

  it('prints a table with files, MB, nodes, wall time and speedup (cold and, with --passes, warm)', async () => {
    const { code, stdout } = await cli([path.join(CORPUS, '*.ts'), '--mode', 'single,shared', '--threads', '1', '--no-memory', '--passes', '2']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^6 files, 0\.04 MB, [\d,]+ nodes .*, 2 passes per process/);
    expect(stdout).toMatch(/mode\s+threads\s+files\s+MB\s+nodes\s+wall ms\s+speedup\s+cpu ms\s+warm ms\s+warm speedup\s+bytes\/node\s+checksum/);
    expect(stdout).toMatch(/\nsingle\s+-\s+6\s+0\.04\s+[\d,]+\s+\d+\s+1\.00x\s+\d+\s+\d+\s+1\.00x\s+-\s+[0-9a-f]{8}\n/);
    expect(stdout).toMatch(/\nshared\s+1\s+6\s+0\.04\s+[\d,]+\s+\d+\s+\d+\.\d\dx\s+\d+\s+\d+\s+\d+\.\d\dx\s+-\s+[0-9a-f]{8}\n/);
    expect(stdout).toMatch(/all 2 runs agree/);
    expect(stdout).not.toMatch(/\r/); // no progress bar when stdout is not a terminal
  });

  it('reports the syntax errors of a malformed file and exits 1 (the modes still agree)', async () => {
    const { code, stdout, stderr } = await cli([BAD, '--json', '--threads', '1', '--no-memory']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/syntax errors/);
    expect(stderr).toMatch(/malformed\.ts:3:10: error TS1005: ':' expected\./);
    const out = JSON.parse(stdout);
    expect(out.agree).toBe(true);
    expect(out.runs).toHaveLength(3);
    expect(out.syntaxErrors.length).toBeGreaterThan(0);
  });

  it('rejects an unreadable path, a glob that matches nothing and an empty input with exit code 2', async () => {
    const missing = await cli([path.join(tmp, 'no-such-file.ts')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*no-such-file\.ts: no such file or directory/);
    const glob = await cli([path.join(tmp, 'nothing', '**', '*.ts')]);
    expect(glob.code).toBe(2);
    expect(glob.stderr).toMatch(/no files match/);
    const emptyDir = path.join(tmp, 'empty-dir');
    fs.mkdirSync(emptyDir, { recursive: true });
    const empty = await cli([emptyDir]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no TypeScript files/);
    const dir = await cli([path.join(tmp, 'nothing')]);
    expect(dir.code).toBe(2);
    const usage = await cli([CORPUS, '--threads', '0']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--threads: expected integers/);
  });

  it('lists failed runs in the JSON (printed even when every run failed) and runs the other configurations', async () => {
    const args = ['--threads', '1', '--timeout', '0.001', '--no-memory', '--json'];
    const only = await cli([CORPUS, '--mode', 'shared', ...args], 60000);
    expect(only.code).toBe(1);
    const o = JSON.parse(only.stdout);
    expect(o.agree).toBe(false);
    expect(o.runs).toEqual([]);
    expect(o.failedRuns).toEqual([{ mode: 'shared', threads: 1, error: expect.stringMatching(/timed out/) }]);
    // The shared run fails first; single still runs, and times out too (it checks the
    // deadline between files, since its parse is synchronous).
    const both = await cli([CORPUS, '--mode', 'shared,single', ...args], 60000);
    expect(both.code).toBe(1);
    const b = JSON.parse(both.stdout);
    expect(b.agree).toBe(false);
    expect(b.failedRuns).toEqual([
      { mode: 'shared', threads: 1, error: expect.stringMatching(/timed out/) },
      { mode: 'single', threads: 1, error: 'single run timed out after 1 ms' },
    ]);
    expect(b.runs).toEqual([]);
    if (process.platform === 'linux' && fs.existsSync('/proc/self/mem')) {
      // Passes stat and access(R_OK), fails on read (EIO): an input error (exit 2), not a run failure.
      const mem = await cli(['/proc/self/mem']);
      expect(mem.code).toBe(2);
      expect(mem.stderr).toMatch(/cannot read \/proc\/self\/mem: EIO/);
    }
  });

  it('parses its arguments', () => {
    expect(parseArgs(['a.ts', '--threads=1,2', '--mode', 'shared', '--json']).threads).toEqual([1, 2]);
    expect(parseArgs(['--mode', 'single,message']).modes).toEqual(['single', 'message']);
    expect(() => parseArgs(['--mode', 'fast'])).toThrow(/--mode/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
    expect(() => parseArgs(['--threads'])).toThrow(/needs a value/);
    expect(parseArgs(['--small']).small).toBe(true);
    expect(() => parseArgs(['--small', 'a.ts'])).toThrow(/--small .* takes no paths/);
  });

  it('reports runs that disagree', () => {
    const base = { mode: 'single', threads: 1, nodes: 3, arrays: 1, identifiers: 1, checksum: 'aa', kinds: [0, 2, 1], badParents: 0 };
    expect(compareRuns([base, { ...base, mode: 'shared', threads: 2 }])).toEqual([]);
    const bad = compareRuns([base, { ...base, mode: 'shared', threads: 2, checksum: 'bb', kinds: [0, 1, 2], badParents: 4 }], (k) => `K${k}`);
    expect(bad.join('\n')).toMatch(/shared x2 disagrees with single x1: checksum aa vs bb, K1 2 vs 1, K2 1 vs 2/);
    expect(bad.join('\n')).toMatch(/4 wrong parent pointers/);
  });

  it('has a default corpus of at least 25 MB and the small one of today', () => {
    const { defaultCorpus } = require('../lib/corpus.js');
    const size = (paths) => paths.reduce((s, p) => s + fs.statSync(p).size, 0);
    const big = defaultCorpus();
    const small = defaultCorpus({ small: true });
    expect(big.missing).toEqual([]);
    expect(size(big.paths)).toBeGreaterThan(25e6);
    expect(small.paths.length).toBe(419);
    expect(size(small.paths)).toBeGreaterThan(6.5e6);
    expect(size(small.paths)).toBeLessThan(7.5e6);
    expect(big.paths.some((p) => /httpApiScalar/.test(p))).toBe(false);
  });

  it('expands globs and directories', () => {
    expect(globRegex('**/*.ts').test('a/b/c.ts')).toBe(true);
    expect(globRegex('**/*.ts').test('c.ts')).toBe(true);
    expect(globRegex('*.{ts,tsx}').test('w.tsx')).toBe(true);
    expect(globRegex('*.ts').test('a/c.ts')).toBe(false);
    const viaGlob = resolveInputs([path.join(CORPUS, '**', '*.{ts,tsx}')]).files.map((f) => f.path);
    const viaDir = resolveInputs([CORPUS]).files.map((f) => f.path);
    expect(viaGlob.sort()).toEqual(viaDir.sort());
    expect(() => resolveInputs([])).toThrow(InputError);
  });
});
