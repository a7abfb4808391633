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
const { deriveSchema, missingProperties } = require('../lib/schema.js');
const { makeConverter } = require('../lib/convert.js');
const { sharedAst } = require('../lib/shared-ast.js');
const { run } = require('../lib/run.js');
const { WalkStats, makeVisitor } = require('../lib/visitor.js');
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

/** Parses a file the way every mode does (lib/typescript.js). */
function parse(file) {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** (kind, pos, end, identifier text, parent kind) of every node, in forEachChild pre-order. */
function collect(root) {
  const out = [];
  (function visit(n) {
    const isId = n.kind === ts.SyntaxKind.Identifier || n.kind === ts.SyntaxKind.PrivateIdentifier;
    out.push(`${n.kind}:${n.pos}:${n.end}:${isId ? ts.idText(n) : ''}:${n.parent === undefined ? '-' : n.parent.kind}`);
    ts.forEachChild(n, visit);
  })(root);
  return out;
}

/** Every node of a tree (forEachChild order), with its jsDoc nodes. */
function allNodes(root) {
  const out = [];
  (function visit(n) {
    out.push(n);
    if (n.jsDoc) for (const j of n.jsDoc) visit(j);
    ts.forEachChild(n, visit);
  })(root);
  return out;
}

describe('parse demo: the TypeScript-shaped schema', () => {
  const schema = deriveSchema(ts);

  it('derives each kind\'s fields from the installed TypeScript (forEachChild reads, scalars of real nodes)', () => {
    const K = ts.SyntaxKind;
    const fields = (k) => schema.kinds[k].fields;
    expect(fields(K.Identifier)).toEqual(['kind', 'pos', 'end', 'flags', 'parent', 'escapedText', 'jsDoc']);
    expect(fields(K.BinaryExpression).slice(5, 8)).toEqual(['left', 'operatorToken', 'right']);
    expect(fields(K.SourceFile)).toEqual(expect.arrayContaining(['statements', 'endOfFileToken', 'text', 'fileName', 'languageVariant', 'isDeclarationFile']));
    expect(fields(K.StringLiteral)).toEqual(expect.arrayContaining(['text', 'hasExtendedUnicodeEscape', 'isUnterminated']));
    expect(fields(K.PrefixUnaryExpression)).toEqual(expect.arrayContaining(['operand', 'operator']));
    expect(fields(K.ImportClause)).toEqual(expect.arrayContaining(['isTypeOnly', 'name', 'namedBindings']));
    for (const k of schema.kinds) {
      // No cache of later phases, every field once.
      for (const f of ['id', 'symbol', 'locals', 'flowNode', 'transformFlags', 'modifierFlagsCache']) expect(k.fields).not.toContain(f);
      expect(new Set(k.fields).size).toBe(k.fields.length);
      expect(k.fields.slice(0, 5)).toEqual(['kind', 'pos', 'end', 'flags', 'parent']);
    }
    // Kinds with the same fields and TypeScript class share a struct type.
    expect(schema.shapes.length).toBeLessThan(schema.kinds.length / 2);
    // Each kind's prototype is the one TypeScript's parser gives its nodes.
    const real = allNodes(parse(path.join(CORPUS, 'Observable.ts')));
    for (const k of [K.Identifier, K.SourceFile, K.Block, K.EndOfFileToken]) {
      expect(schema.kinds[k].proto).toBe(Object.getPrototypeOf(real.find((n) => n.kind === k)));
    }
  });

  it('covers every scalar and child property of every node of the test corpus', () => {
    let nodes = 0;
    for (const f of corpusFiles()) {
      for (const n of allNodes(parse(f.path))) {
        nodes++;
        expect(missingProperties(schema, n), `${schema.names[n.kind]} in ${f.path}`).toEqual([]);
        for (const c of schema.kinds[n.kind].childFields) expect(schema.kinds[n.kind].fields).toContain(c);
      }
    }
    expect(nodes).toBeGreaterThan(3000);
  });

  it('refuses, with a clear error, a node of a kind the probes do not produce that has a property the schema lacks', () => {
    const K = ts.SyntaxKind;
    const unobserved = schema.kinds.find((k) => !k.observed && k.kind > K.LastToken && k.childFields.length === 0);
    expect(unobserved).toBeDefined();
    const conv = makeConverter(ts, 'plain');
    const odd = { kind: unobserved.kind, pos: 0, end: 1, flags: 0, strange: 'value' };
    expect(() => conv.convert(odd)).toThrow(new RegExp(`a ${unobserved.name} node at 0 has strange, which the shared schema .* lacks`));
    expect(conv.convert({ kind: unobserved.kind, pos: 0, end: 1, flags: 0, id: 3 }).kind).toBe(unobserved.kind);
  });
});

describe('parse demo: the TypeScript-shaped shared AST', { timeout: 60000 }, () => {
  /** Builds the shared ASTs of `files` in a worker; resolves to { roots, shapes } (shared). */
  async function buildInWorker(files) {
    const mod = writeModule(
      'build-worker.js',
      `
      const ts = require(${JSON.stringify(require.resolve('typescript'))});
      const fs = require('fs');
      const { sharedAst } = require(${JSON.stringify(path.join(ROOT, 'lib', 'shared-ast.js'))});
      const { bulk } = require(${JSON.stringify(path.join(ROOT, 'lib', 'library.js'))});
      const attempt = (fn) => { try { fn(); return 'no error'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
      module.exports = {
        handle(task) {
          const sa = sharedAst(ts);
          const sf = ts.createSourceFile(task.path, fs.readFileSync(task.path, 'utf8'), ts.ScriptTarget.Latest, true);
          const root = sa.freezeSourceFile(sa.build(sf, task.shapes));
          task.root = root;
          // Writes in the worker that built the tree, after the freeze: a field, a NodeArray
          // element, a field through a bulk cursor.
          const eof = root.endOfFileToken;
          const NA = bulk.view(sa.NodeArray, { elements: 'refs' });
          task.writeErrors = [
            attempt(() => { eof.pos = 1; }),
            attempt(() => { root.statements.pos = 1; }),
            attempt(() => bulk.session(() => { NA.cursor(bulk.handle(root.statements)).end = 0; })),
          ].join('\\n');
          return task;
        },
      };
      `,
    );
    const { WorkerPool, SharedStructType } = require('../lib/library.js');
    const Task = new SharedStructType(['path', 'root', 'shapes', 'writeErrors'], 'parse-test/BuildTask@2');
    const sa = sharedAst(ts);
    const shapes = sa.newUsedList();
    const pool = new WorkerPool(mod, { threads: 1 });
    try {
      const tasks = files.map((f) => {
        const t = new Task();
        t.path = f;
        t.shapes = shapes;
        return t;
      });
      const done = await pool.run(tasks);
      return { roots: done.map((t) => t.root), writeErrors: done.map((t) => t.writeErrors), shapes };
    } finally {
      await pool.close();
    }
  }

  it('gives the same (kind, pos, end, identifier text, parent kind) list as TypeScript\'s AST, for every file, built in another thread', async () => {
    const files = corpusFiles().map((f) => f.path);
    const { roots, shapes } = await buildInWorker(files);
    const sa = sharedAst(ts);
    sa.declareUsed(shapes);
    let total = 0;
    for (let i = 0; i < files.length; i++) {
      const mine = collect(roots[i]);
      const theirs = collect(parse(files[i]));
      expect(mine, files[i]).toEqual(theirs);
      total += mine.length;
    }
    expect(total).toBeGreaterThan(2800);
    // The plain (message mode) conversion gives the same list, and so do the other shared
    // builds the benchmarks compare with shared mode's (bulk views, wrappers), here.
    const plain = makeConverter(ts, 'plain');
    for (const f of files) {
      const want = collect(parse(f));
      expect(collect(plain.convert(parse(f))), `plain ${f}`).toEqual(want);
      expect(collect(sa.buildWithViews(parse(f))), `views ${f}`).toEqual(want);
      expect(collect(sa.buildWithWrappers(parse(f))), `wrappers ${f}`).toEqual(want);
    }
  });

  it('has TypeScript\'s fields and Node methods on shared nodes (getStart, getText, getChildren, ...) with TypeScript\'s results', async () => {
    const files = corpusFiles().map((f) => f.path);
    const { roots, shapes } = await buildInWorker(files);
    const sa = sharedAst(ts);
    sa.declareUsed(shapes);
    const schema = deriveSchema(ts);
    let checked = 0;
    for (let i = 0; i < files.length; i++) {
      const sf = parse(files[i]);
      const mine = allNodes(roots[i]);
      const theirs = allNodes(sf);
      expect(mine.length).toBe(theirs.length);
      for (let j = 0; j < mine.length; j++) {
        const a = mine[j];
        const b = theirs[j];
        const where = `${schema.names[b.kind]} at ${b.pos} in ${files[i]}`;
        for (const f of schema.kinds[b.kind].scalarFields) expect(a[f], `${where}: ${f}`).toBe(b[f]);
        expect(a.flags, where).toBe(b.flags);
        expect(a.getSourceFile(), where).toBe(roots[i]);
        expect(a.getStart(), where).toBe(b.getStart(sf));
        expect(a.getEnd(), where).toBe(b.getEnd());
        expect(a.getWidth(), where).toBe(b.getWidth(sf));
        expect(a.getText(), where).toBe(b.getText(sf));
        if (b.kind === ts.SyntaxKind.Identifier) expect(a.text, where).toBe(b.text);
        const ca = a.getChildren();
        const cb = b.getChildren(sf);
        expect(a.getChildCount(), where).toBe(cb.length);
        expect(ca.map((c) => `${c.kind}:${c.pos}:${c.end}`), where).toEqual(cb.map((c) => `${c.kind}:${c.pos}:${c.end}`));
        if (cb.length > 0) expect(a.getChildAt(cb.length - 1).kind, where).toBe(cb[cb.length - 1].kind);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
    // NodeArrays: elements structs with pos, end, hasTrailingComma.
    const stmts = roots[0].statements;
    expect(sa.isNodeArray(stmts)).toBe(true);
    expect(stmts.length).toBe(parse(files[0]).statements.length);
    expect(typeof stmts.hasTrailingComma).toBe('boolean');
    // A visitor written for TypeScript's nodes, unchanged: ts.forEachChild and a method.
    const names = [];
    ts.forEachChild(roots[0], function visit(n) {
      if (ts.isFunctionDeclaration(n) && n.name) names.push(n.name.getText());
      ts.forEachChild(n, visit);
    });
    const expected = [];
    const sf0 = parse(files[0]);
    ts.forEachChild(sf0, function visit(n) {
      if (ts.isFunctionDeclaration(n) && n.name) expected.push(n.name.getText(sf0));
      ts.forEachChild(n, visit);
    });
    expect(names).toEqual(expected);
  });

  it('is frozen before the hand-off: writes throw in the worker that built it and on the main thread', async () => {
    const files = corpusFiles().map((f) => f.path);
    const { roots, writeErrors, shapes } = await buildInWorker(files);
    const sa = sharedAst(ts);
    sa.declareUsed(shapes);
    const frozen = /^TypeError: .*cannot write to a frozen shared object/;
    for (const errs of writeErrors) {
      const lines = errs.split('\n');
      expect(lines).toHaveLength(3);
      for (const line of lines) expect(line).toMatch(frozen);
    }
    const { isFrozen, bulk } = require('../lib/library.js');
    for (let i = 0; i < files.length; i++) {
      const root = roots[i];
      const before = collect(root);
      // Every node, NodeArray and jsDoc list reachable from the SourceFile is frozen.
      for (const n of allNodes(root)) {
        expect(isFrozen(n)).toBe(true);
        if (n.jsDoc) expect(isFrozen(n.jsDoc)).toBe(true);
        ts.forEachChild(n, () => undefined, (a) => expect(isFrozen(a)).toBe(true));
      }
      const eof = root.endOfFileToken;
      expect(() => {
        eof.pos = 1;
      }).toThrow(/cannot write to a frozen shared object/);
      expect(() => {
        eof.parent = undefined;
      }).toThrow(/frozen/);
      expect(() => {
        root.text = '';
      }).toThrow(/frozen/);
      expect(() => {
        root.statements.hasTrailingComma = true;
      }).toThrow(/frozen/);
      if (root.statements.length > 0) expect(() => root.statements.set(0, root.statements[0])).toThrow(/frozen/);
      const NA = bulk.view(sa.NodeArray, { elements: 'refs' });
      expect(() => bulk.session(() => NA.cursor(bulk.handle(root.statements)).pos = 0)).toThrow(/frozen/);
      // Nothing changed.
      expect(collect(root)).toEqual(before);
    }
  });

  it('keeps what TypeScript caches into nodes per thread (line map, named declarations, modifier flags, JSDoc tag lists)', async () => {
    const files = corpusFiles().map((f) => f.path);
    const { roots, shapes } = await buildInWorker(files);
    const sa = sharedAst(ts);
    sa.declareUsed(shapes);
    let tagged = 0;
    for (let i = 0; i < files.length; i++) {
      const root = roots[i];
      const sf = parse(files[i]);
      for (const pos of [0, root.end >> 1, root.end]) {
        expect(ts.getLineAndCharacterOfPosition(root, pos)).toEqual(ts.getLineAndCharacterOfPosition(sf, pos));
      }
      expect(root.getLineStarts()).toEqual(sf.getLineStarts());
      expect([...root.getNamedDeclarations().keys()]).toEqual([...sf.getNamedDeclarations().keys()]);
      const mine = allNodes(root);
      const theirs = allNodes(sf);
      for (let j = 0; j < mine.length; j++) {
        expect(ts.getCombinedModifierFlags(mine[j])).toBe(ts.getCombinedModifierFlags(theirs[j]));
        if (theirs[j].jsDoc) {
          const docs = ts.getJSDocCommentsAndTags(mine[j]);
          expect(docs.map((t) => `${t.kind}:${t.pos}`)).toEqual(ts.getJSDocCommentsAndTags(theirs[j]).map((t) => `${t.kind}:${t.pos}`));
          // getJSDocTags caches its list into the jsDoc list (jsDocCache): per thread here.
          // (Its flatMap takes a shared NodeArray of tags for one element: Array.isArray is
          // false for it, docs/parse.md.)
          const a = ts.getJSDocTags(mine[j]);
          expect(ts.getJSDocTags(mine[j])).toBe(a);
          tagged += docs.length;
        }
      }
    }
    expect(tagged).toBeGreaterThan(10);
  });

  it('is sealed: TypeScript code cannot add properties to a shared node (but for its per-thread caches)', async () => {
    const sa = sharedAst(ts);
    const root = sa.build(parse(path.join(CORPUS, 'Subscription.ts')));
    expect(() => {
      'use strict';
      root.symbol = {};
    }).toThrow(TypeError);
    expect(root.symbol).toBe(undefined);
    // A per-thread cache: this thread sees its value, the shared node holds nothing.
    root.lineMap = [1];
    expect(root.lineMap).toEqual([1]);
    expect(sa.build(parse(path.join(CORPUS, 'Subscription.ts'))).lineMap).toBe(undefined);
  });
});

describe('parse demo: the four modes in-process', { timeout: 90000 }, () => {
  it('agree on a small corpus of real files (counts per kind, identifiers, checksum, parent pointers)', async () => {
    const files = corpusFiles();
    const common = { files, measureMemory: true, timeoutMs: 30000 };
    const single = await run({ ...common, mode: 'single' });
    const others = [
      await run({ ...common, mode: 'message', threads: 2 }),
      await run({ ...common, mode: 'shared', threads: 2 }),
      await run({ ...common, mode: 'processes', threads: 2 }),
      await run({ ...common, mode: 'shared', threads: 1, passes: 2 }),
    ];
    expect(single.nodes).toBeGreaterThan(2800);
    expect(single.identifiers).toBeGreaterThan(1000);
    expect(single.badParents).toBe(0);
    for (const r of others) {
      expect(r.nodes).toBe(single.nodes);
      expect(r.identifiers).toBe(single.identifiers);
      expect(r.checksum).toBe(single.checksum);
      expect(r.kinds).toEqual(single.kinds);
      expect(r.badParents).toBe(0);
      expect(typeof r.memory.bytes).toBe('number');
      expect(r.cpuMs).toBeGreaterThan(0);
    }
    expect(single.kinds[ts.SyntaxKind.JsxText]).toBeGreaterThan(0);
    expect(single.kinds[ts.SyntaxKind.SourceFile]).toBe(files.length);
    expect(compareRuns([single, ...others])).toEqual([]);
  }, 90000);

  it('the visitor notices a wrong parent pointer in every representation', async () => {
    const sf = parse(path.join(CORPUS, 'Subscription.ts'));
    const plain = makeConverter(ts, 'plain').convert(sf);
    const shared = sharedAst(ts).build(sf);
    const visit = makeVisitor(ts);
    for (const [root, wrongParent] of [
      [sf, (n) => (n.name.parent = sf)],
      [plain, (n) => (n.name.parent = plain)],
      [shared, (n) => (n.name.parent = shared)],
    ]) {
      const ok = new WalkStats();
      visit(root, ok);
      expect(ok.badParents).toBe(0);
      const cls = root.statements.find ? root.statements.find((n) => n.kind === ts.SyntaxKind.ClassDeclaration) : null;
      wrongParent(cls);
      const st = new WalkStats();
      visit(root, st);
      expect(st.badParents).toBe(1);
    }
  });

  it('fail with a clear error, not a hang, when a file cannot be read during the run, or for no input', async () => {
    const files = [...corpusFiles(), { path: path.join(tmp, 'vanished.ts'), size: 10 }];
    const common = { files, measureMemory: false, timeoutMs: 15000 };
    await expect(run({ ...common, mode: 'single' })).rejects.toThrow(/ENOENT.*vanished\.ts/);
    await expect(run({ ...common, mode: 'message', threads: 2 })).rejects.toThrow(/task \d+ failed in a worker: Error: ENOENT.*vanished\.ts/);
    await expect(run({ ...common, mode: 'shared', threads: 2 })).rejects.toThrow(/task \d+ failed in a worker: Error: ENOENT.*vanished\.ts/);
    await expect(run({ ...common, mode: 'processes', threads: 2 })).rejects.toThrow(/process \d: Error: ENOENT.*vanished\.ts/);
    await expect(run({ ...common, files: [], mode: 'shared', threads: 1 })).rejects.toThrow(/no input files/);
  }, 60000);
});

describe('parse demo: the command line', { timeout: 90000 }, () => {
  it('runs all four modes on a small corpus, agrees, and prints one JSON object', async () => {
    const { code, stdout, stderr } = await cli([CORPUS, '--json', '--threads', '2'], 60000);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.files).toBe(7);
    expect(out.bytes).toBe(corpusFiles().reduce((s, f) => s + f.size, 0));
    expect(out.agree).toBe(true);
    expect(out.runs.map((r) => `${r.mode}/${r.threads}`)).toEqual(['single/1', 'message/2', 'shared/2', 'processes/2']);
    for (const r of out.runs) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['mode', 'threads', 'ms', 'cpuMs', 'nodes', 'checksum', 'bytesPerNode', 'speedup', 'vsProcesses', 'cpuVsSingle']));
      expect(r.nodes).toBe(out.nodes);
      expect(r.checksum).toBe(out.checksum);
      expect(r.ms).toBeGreaterThan(0);
      expect(r.cpuMs).toBeGreaterThan(0);
      expect(r.bytesPerNode).toBeGreaterThan(0);
    }
    expect(out.runs[0].speedup).toBe(1);
    expect(out.runs[0].cpuVsSingle).toBe(1);
    expect(out.runs[0].vsProcesses).toBe(null); // no processes x1 run
    expect(out.runs[3].vsProcesses).toBe(1);
    expect(out.runs[2].vsProcesses).toBeCloseTo(out.runs[2].ms / out.runs[3].ms, 1);
    expect(out.kinds.Identifier + (out.kinds.PrivateIdentifier || 0)).toBe(out.identifiers);
    expect(out.kinds.SourceFile).toBe(7);
  });

  it('prints a table with files, MB, nodes, wall time and speedup (cold and, with --passes, warm)', async () => {
    const { code, stdout } = await cli([path.join(CORPUS, '*.ts'), '--mode', 'single,shared,processes', '--threads', '1', '--no-memory', '--passes', '2'], 60000);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^6 files, 0\.04 MB, [\d,]+ nodes .*, 2 passes per process/);
    expect(stdout).toMatch(/mode\s+threads\s+files\s+MB\s+nodes\s+wall ms\s+speedup\s+vs procs\s+cpu ms\s+cpu\/single\s+warm ms\s+warm speedup\s+warm vs procs\s+warm cpu ms\s+warm cpu\/single\s+bytes\/node\s+checksum/);
    const x = '\\d+\\.\\d\\dx';
    expect(stdout).toMatch(new RegExp(`\\nsingle\\s+-\\s+6\\s+0\\.04\\s+[\\d,]+\\s+\\d+\\s+1\\.00x\\s+${x}\\s+\\d+\\s+1\\.00x\\s+\\d+\\s+1\\.00x\\s+${x}\\s+\\d+\\s+1\\.00x\\s+-\\s+[0-9a-f]{8}\\n`));
    expect(stdout).toMatch(new RegExp(`\\nshared\\s+1\\s+6\\s+0\\.04\\s+[\\d,]+\\s+\\d+\\s+${x}\\s+${x}\\s+\\d+\\s+${x}\\s+\\d+\\s+${x}\\s+${x}\\s+\\d+\\s+${x}\\s+-\\s+[0-9a-f]{8}\\n`));
    expect(stdout).toMatch(/\nprocesses\s+1\s+.*\s1\.00x\s.*\s1\.00x\s+\d+\s+\d+\.\d\dx\s+-\s+[0-9a-f]{8}\n/);
    expect(stdout).toMatch(/all 3 runs agree/);
    expect(stdout).not.toMatch(/\r/); // no progress bar when stdout is not a terminal
  });

  it('reports the syntax errors of a malformed file and exits 1 (the modes still agree)', async () => {
    const { code, stdout, stderr } = await cli([BAD, '--json', '--threads', '1', '--no-memory'], 60000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/syntax errors/);
    expect(stderr).toMatch(/malformed\.ts:3:10: error TS1005: ':' expected\./);
    const out = JSON.parse(stdout);
    expect(out.agree).toBe(true);
    expect(out.runs).toHaveLength(4);
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
