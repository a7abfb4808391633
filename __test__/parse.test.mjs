// The parse demo (bin/shared-structs-parse.js, lib/parse/) and the worker pool (lib/pool.js).
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
const CORPUS = path.join(here, 'fixtures', 'parse', 'corpus');
const BAD = path.join(here, 'fixtures', 'parse', 'bad');

const ts = require('typescript');
const { SharedStructType } = require('../index.js');
const { WorkerPool, TaskError } = require('../lib/pool.js');
const ast = require('../lib/parse/ast.js');
const { run } = require('../lib/parse/run.js');
const { resolveInputs, InputError, globRegex } = require('../lib/parse/corpus.js');
const { parseArgs, compareRuns } = require('../lib/parse/cli.js');

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

  it('builds the same shared tree by offset (no wrapper per node) as through wrappers, read either way', () => {
    const conv = ast.makeConverter(ts);
    const sums = { wrapWrap: [], rawRaw: [], rawWrap: [], wrapRaw: [] };
    const stats = Object.fromEntries(Object.keys(sums).map((k) => [k, new ast.WalkStats(ts.SyntaxKind.Identifier)]));
    for (const f of corpusFiles()) {
      const sf = ts.createSourceFile(f.path, fs.readFileSync(f.path, 'utf8'), ts.ScriptTarget.Latest, false);
      const viaWrappers = conv.toShared(sf);
      const raw = conv.toSharedRaw(sf);
      sums.wrapWrap.push(ast.walkShared(viaWrappers, stats.wrapWrap));
      sums.rawRaw.push(ast.walkSharedRaw(raw, stats.rawRaw));
      sums.rawWrap.push(ast.walkShared(raw, stats.rawWrap));
      sums.wrapRaw.push(ast.walkSharedRaw(viaWrappers, stats.wrapRaw));
    }
    for (const k of ['rawRaw', 'rawWrap', 'wrapRaw']) {
      expect(sums[k]).toEqual(sums.wrapWrap);
      expect(stats[k].nodes).toBe(stats.wrapWrap.nodes);
      expect(stats[k].arrays).toBe(stats.wrapWrap.arrays);
      expect(stats[k].badParents).toBe(0);
    }
    expect(stats.wrapWrap.nodes).toBeGreaterThan(2000);
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
  });

  it('reports runs that disagree', () => {
    const base = { mode: 'single', threads: 1, nodes: 3, arrays: 1, identifiers: 1, checksum: 'aa', kinds: [0, 2, 1], badParents: 0 };
    expect(compareRuns([base, { ...base, mode: 'shared', threads: 2 }])).toEqual([]);
    const bad = compareRuns([base, { ...base, mode: 'shared', threads: 2, checksum: 'bb', kinds: [0, 1, 2], badParents: 4 }], (k) => `K${k}`);
    expect(bad.join('\n')).toMatch(/shared x2 disagrees with single x1: checksum aa vs bb, K1 2 vs 1, K2 1 vs 2/);
    expect(bad.join('\n')).toMatch(/4 wrong parent pointers/);
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

describe('WorkerPool', () => {
  const SQUARE = () =>
    writeModule(
      'square-worker.js',
      `
      const { SharedStructType } = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
      module.exports = {
        setup(data) {
          return { Box: new SharedStructType(['value', 'by'], data.key), threadId: require('worker_threads').threadId };
        },
        handle(task, ctx) {
          if (task === 'throw') throw new RangeError('bad task');
          if (task === 'throw-odd') throw Object.create(null); // String() of it throws
          if (task === 'exit') process.exit(3);
          if (task === 'slow') { const end = Date.now() + 100; while (Date.now() < end); return 0; }
          if (task === 'box') { const b = new ctx.Box(); b.value = 7; b.by = ctx.threadId; return b; }
          return task * task;
        },
      };
      `,
    );

  it('runs tasks on its workers, reports results as they complete, and is reusable', async () => {
    const key = `pool-box-${process.pid}-${Date.now()}`;
    const Box = new SharedStructType(['value', 'by'], key);
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key } });
    try {
      await pool.ready();
      const seen = [];
      const out = await pool.run([1, 2, 3, 4, 5, 6], { onResult: (r, i) => seen.push([i, r]) });
      expect(out).toEqual([1, 4, 9, 16, 25, 36]);
      expect(seen.sort((a, b) => a[0] - b[0])).toEqual(out.map((r, i) => [i, r]));
      const many = await pool.run(Array.from({ length: 200 }, (_, i) => i));
      expect(many.reduce((a, b) => a + b, 0)).toBe(Array.from({ length: 200 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
      // Results can be shared objects made in the workers: no copy.
      const [box] = await pool.run(['box']);
      expect(box).toBeInstanceOf(Box);
      expect(box.value).toBe(7);
      expect(box.by).toBeGreaterThan(0);
      expect(await pool.run([])).toEqual([]);
    } finally {
      await pool.close();
    }
    await expect(pool.run([1])).rejects.toThrow(/closed/);
  });

  it('rejects a run whose task throws, and stays usable', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-box2-${process.pid}` } });
    try {
      const err = await pool.run([1, 'throw', 3]).catch((e) => e);
      expect(err).toBeInstanceOf(TaskError);
      expect(err.index).toBe(1);
      expect(err.message).toMatch(/task 1 failed in a worker: RangeError: bad task/);
      expect(await pool.run([9])).toEqual([81]);
      // A thrown value that cannot even be turned into a string is still a TaskError.
      const odd = await pool.run([1, 'throw-odd']).catch((e) => e);
      expect(odd).toBeInstanceOf(TaskError);
      expect(odd.message).toMatch(/task 1 failed in a worker: a thrown value that cannot be described/);
      expect(await pool.run([4])).toEqual([16]);
    } finally {
      await pool.close();
    }
  });

  it('rejects, instead of hanging, when a worker exits or its setup fails', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-box3-${process.pid}` } });
    await expect(pool.run([1, 'exit', 2, 3])).rejects.toThrow(/worker \d exited with code 3/);
    await pool.close();
    const broken = new WorkerPool(writeModule('broken-worker.js', 'module.exports = { setup() { throw new Error("no setup"); }, handle() {} };'), { threads: 2 });
    await expect(broken.run([1])).rejects.toThrow(/worker \d setup failed: Error: no setup/);
    // The pool's failure is that error at once, and stays it once the workers are gone
    // (a later run, and `failure`, name the setup failure, not their exit).
    expect(broken.failure && broken.failure.message).toMatch(/worker \d setup failed: Error: no setup/);
    await new Promise((r) => setTimeout(r, 200));
    await expect(broken.run([1])).rejects.toThrow(/worker \d setup failed: Error: no setup/);
    expect(broken.failure.message).toMatch(/worker \d setup failed: Error: no setup/);
    const broken2 = new WorkerPool(writeModule('broken-worker.js', 'module.exports = { setup() { throw new Error("no setup"); }, handle() {} };'), { threads: 1 });
    await expect(broken2.ready()).rejects.toThrow(/worker 0 setup failed: Error: no setup/);
    expect(broken2.failure && broken2.failure.message).toMatch(/worker 0 setup failed/);
    await new Promise((r) => setTimeout(r, 200));
    expect(broken2.failure.message).toMatch(/worker 0 setup failed/);
    await broken2.close();
    await broken.close();
    const missing = new WorkerPool(path.join(tmp, 'does-not-exist.js'), { threads: 1 });
    await expect(missing.ready()).rejects.toThrow(/Cannot find module/);
    await missing.close();
  });

  it('rejects a run when the pool is closed under it', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 2, data: { key: `pool-box4-${process.pid}` } });
    await pool.ready();
    const running = pool.run(Array.from({ length: 20 }, () => 'slow')).catch((e) => e);
    await new Promise((r) => setTimeout(r, 150));
    await pool.close();
    const err = await running;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/closed during the run/);
  });

  it('batches items by size, largest first', () => {
    const items = [5, 100, 3, 40, 60, 1].map((size) => ({ size }));
    const batches = WorkerPool.batchBySize(items, { batchSize: 50 });
    expect(batches.map((b) => b.map((x) => x.size))).toEqual([[100], [60], [40, 5, 3, 1]]);
    expect(WorkerPool.batchBySize(items, { batchSize: 1000, maxItems: 2 }).map((b) => b.length)).toEqual([2, 2, 2]);
    expect(() => new WorkerPool('x.js', { threads: 0 })).toThrow(RangeError);
    // A size that is not a number >= 0 would silently merge every later item into one batch.
    for (const bad of [NaN, undefined, -1, '5']) {
      expect(() => WorkerPool.batchBySize([{ size: 1 }, { size: bad }], { batchSize: 10 })).toThrow(/item 1 has size/);
    }
    expect(() => WorkerPool.batchBySize([null], { batchSize: 10 })).toThrow(/item 0 has size undefined/);
    expect(() => WorkerPool.batchBySize([], { batchSize: '6' })).toThrow(/batchSize must be a positive number, got "6"/);
    for (const maxItems of [0, -1, NaN, 1.5, '2']) {
      expect(() => WorkerPool.batchBySize([], { batchSize: 6, maxItems })).toThrow(/maxItems must be a positive integer/);
    }
    expect(() => WorkerPool.batchBySize([], { batchSize: 6, sizeOf: 3 })).toThrow(/sizeOf must be a function, got 3/);
  });

  it('checks run() and close() options before starting anything', async () => {
    const pool = new WorkerPool(SQUARE(), { threads: 1, data: { key: `pool-opts-${process.pid}` } });
    try {
      await expect(pool.run([1], { onResult: 5 })).rejects.toThrow(/onResult must be a function, got 5/);
      await expect(pool.run([1], null)).rejects.toThrow(/options must be an object, got null/);
      expect(await pool.run([3])).toEqual([9]);
      await expect(pool.close('abc')).rejects.toThrow(/timeoutMs must be a number >= 0, got "abc"/);
    } finally {
      await pool.close();
    }
  });
});
