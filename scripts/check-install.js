#!/usr/bin/env node
'use strict';
// Installs the packed packages as a user would and checks they work, on a PATH without cargo:
// 1. packs them (scripts/pack.js; or takes the tarballs in --tarballs DIR);
// 2. installs the main package and this platform's prebuilt package into a fresh project,
//    offline, and checks the install (no npm warning about install scripts, no target/, no
//    binary in the main package, Cargo.lock, LICENSE and the docs shipped);
// 3. runs a worker example (CommonJS) and an ES module import in that project;
// 4. checks that a prebuilt package of another version is refused, then installs the main
//    package alone with --omit=optional and checks that loading it fails with the error that
//    names the missing package, cargo and the fixes;
// 5. in that project, with a stand-in cargo and build script (they copy the binary built
//    here), starts three processes of two worker threads each that load the package at once,
//    and checks that exactly one build runs and every thread loads its result;
// 6. with --from-source, installs the main package alone on the normal PATH (cargo there) and
//    checks that the first load builds the addon from source, leaving no target/ behind.
// Prints the figures (install times, sizes, first require) as JSON with --json.
// __test__/package.test.mjs runs steps 1-4.
//
//   node scripts/check-install.js [--tarballs DIR] [--from-source] [--keep] [--json]
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const manifest = require('../package.json');
const { platformTriple } = require('../lib/loader.js');

const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const STEP_TIMEOUT = 120000;
const figures = {};

function fail(message, detail) {
  const err = new Error(`check-install: ${message}${detail ? `\n${detail}` : ''}`);
  err.name = 'CheckInstallError';
  throw err;
}

/** npm's CLI script, to run it with this node on any PATH. */
function npmCli() {
  if (process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)) return process.env.npm_execpath;
  const beside = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (fs.existsSync(beside)) return beside;
  const which = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['npm'], { encoding: 'utf8' });
  const found = which.stdout && which.stdout.split(/\r?\n/)[0];
  if (found) {
    const real = fs.realpathSync(found);
    if (real.endsWith('.js')) return real;
    const cli = path.join(path.dirname(real), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
    if (fs.existsSync(cli)) return cli;
  }
  return fail('cannot find npm-cli.js');
}

const isCargo = (dir) => ['cargo', 'cargo.exe'].some((f) => fs.existsSync(path.join(dir, f)));

/**
 * An environment whose PATH has no cargo: a directory holding only `node`, then the
 * entries of PATH that do not hold cargo. npm settings of a parent npm run are dropped.
 */
function environment(work, withCargo) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  if (withCargo) return env;
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const link = path.join(bin, process.platform === 'win32' ? 'node.exe' : 'node');
  if (!fs.existsSync(link)) fs.symlinkSync(process.execPath, link);
  const entries = (process.env.PATH || '').split(path.delimiter).filter((d) => d && !isCargo(d));
  env.PATH = [bin, ...entries].join(path.delimiter);
  const probe = spawnSync('cargo', ['--version'], { env, stdio: 'ignore' });
  if (!probe.error) fail('cargo is still reachable on the cargo-free PATH');
  return env;
}

function run(file, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: STEP_TIMEOUT, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) fail(`${path.basename(file)} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

function npmInstall(project, env, specs, extra = []) {
  const cache = path.join(project, '..', 'npm-cache');
  const r = run(process.execPath, [npmCli(), 'install', '--offline', '--no-audit', '--no-fund', '--cache', cache, ...extra, ...specs], { cwd: project, env });
  if (r.status !== 0) fail(`npm install ${specs.join(' ')} failed`, r.stdout + r.stderr);
  return r;
}

function newProject(work, name) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }, null, 2));
  return dir;
}

function dirSize(dir) {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

const WORKER_EXAMPLE = `'use strict';
const { Worker, isMainThread, workerData } = require('node:worker_threads');
const { SharedStructType, SharedArray, Mutex, share, open } = require('shared-structs');

const Counter = new SharedStructType(['n', 'lock', 'done'], 'example/Counter');
if (isMainThread) {
  const c = new Counter();
  c.n = 0;
  c.lock = new Mutex();
  c.done = new SharedArray(2);
  const token = share(c);
  let exited = 0;
  for (let i = 0; i < 2; i++) {
    new Worker(__filename, { workerData: { token, i } }).on('exit', (code) => {
      if (code !== 0) throw new Error('worker exited with ' + code);
      if (++exited === 2) console.log(JSON.stringify({ n: c.n, done: [...c.done] }));
    });
  }
} else {
  const c = open(workerData.token);
  for (let k = 0; k < 1000; k++) Mutex.lock(c.lock, () => { c.n += 1; });
  c.done.set(workerData.i, 'worker ' + workerData.i);
}
`;

const ESM_EXAMPLE = `import { SharedStructType, SharedMap } from 'shared-structs';
import ss from 'shared-structs';
import { kindOf } from 'shared-structs/testing';
const P = new SharedStructType(['x']);
const p = new P();
p.x = 'esm';
const m = new SharedMap();
m.set('p', p);
console.log(m.get('p').x, ss.SharedStructType === SharedStructType, kindOf(p));
`;

// Two worker threads that load the package at the same time.
const LOAD_THREADS = `'use strict';
const { Worker, isMainThread } = require('node:worker_threads');
if (isMainThread) {
  let ok = 0;
  for (let i = 0; i < 2; i++) {
    new Worker(__filename).on('message', (m) => { if (m === 'ok' && ++ok === 2) console.log('loaded'); });
  }
} else {
  const { SharedStructType } = require('shared-structs');
  const P = new SharedStructType(['x']);
  const p = new P();
  p.x = 1;
  require('node:worker_threads').parentPort.postMessage(p.x === 1 ? 'ok' : 'bad');
}
`;

const CONCURRENT = `'use strict';
const { spawn } = require('node:child_process');
const runs = [0, 1, 2].map(() => new Promise((resolve) => {
  const c = spawn(process.execPath, ['load-threads.js'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  c.stdout.on('data', (d) => { out += d; });
  c.stderr.on('data', (d) => { err += d; });
  c.on('close', (status) => resolve({ status, out, err }));
}));
Promise.all(runs).then((r) => console.log(JSON.stringify(r)));
`;

// Stands in for scripts/build.js: counts its runs, takes a while, installs the binary atomically.
const FAKE_BUILD = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
fs.appendFileSync(process.env.FAKE_BUILD_LOG, process.pid + '\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
const dest = path.join(__dirname, '..', path.basename(process.env.FAKE_BINARY).replace(/^[^.]+/, 'shared-structs'));
fs.copyFileSync(process.env.FAKE_BINARY, dest + '.tmp');
fs.renameSync(dest + '.tmp', dest);
`;

const LOAD_ERROR = `try {
  require('shared-structs');
  console.log(JSON.stringify({ loaded: true }));
} catch (e) {
  console.log(JSON.stringify({ loaded: false, code: e.code, message: e.message }));
}
`;

function checkPackageContents(project) {
  const dir = path.join(project, 'node_modules', manifest.name);
  for (const f of ['LICENSE', 'Cargo.lock', 'Cargo.toml', 'README.md', 'docs', 'index.d.ts']) {
    if (!fs.existsSync(path.join(dir, f))) fail(`the installed package has no ${f}`);
  }
  if (fs.existsSync(path.join(dir, 'target'))) fail('the installed package holds a target/ directory');
  const binaries = fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
  if (binaries.length) fail(`the main package ships binaries: ${binaries.join(', ')}`);
  const published = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (published.scripts) fail(`the published package.json has scripts: ${Object.keys(published.scripts).join(', ')}`);
  if (published.dependencies && Object.keys(published.dependencies).length) fail('the package has runtime dependencies');
  // README links to docs that are in the package.
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  for (const [, target] of readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue;
    if (!fs.existsSync(path.join(dir, target))) fail(`README.md links ${target}, which is not in the package`);
  }
  return dir;
}

function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-structs-install-'));
  try {
    const env = environment(work, false);
    let tarballDir = option('--tarballs');
    if (!tarballDir) {
      tarballDir = path.join(work, 'tarballs');
      const r = run(process.execPath, [path.join(root, 'scripts', 'pack.js'), '--out', tarballDir, '--json'], { cwd: root });
      if (r.status !== 0) fail('scripts/pack.js failed', r.stderr);
    }
    const tgz = (name) => path.join(tarballDir, `${name}-${manifest.version}.tgz`);
    const prebuilt = `${manifest.name}-${platformTriple()}`;
    for (const name of [manifest.name, prebuilt]) if (!fs.existsSync(tgz(name))) fail(`no tarball ${tgz(name)}`);
    figures.tarballBytes = { main: fs.statSync(tgz(manifest.name)).size, prebuilt: fs.statSync(tgz(prebuilt)).size };

    // 2-3. Prebuilt install, no cargo.
    const app = newProject(work, 'app');
    const inst = npmInstall(app, env, [tgz(manifest.name), tgz(prebuilt)]);
    figures.installPrebuiltMs = Math.round(inst.ms);
    if (/install-scripts|install script/i.test(inst.stderr)) fail('npm warned about an install script', inst.stderr);
    const pkgDir = checkPackageContents(app);
    figures.installedBytes = { main: dirSize(pkgDir), prebuilt: dirSize(path.join(app, 'node_modules', prebuilt)) };

    fs.writeFileSync(path.join(app, 'worker-example.js'), WORKER_EXAMPLE);
    const w = run(process.execPath, ['worker-example.js'], { cwd: app, env });
    if (w.status !== 0) fail('the worker example failed', w.stdout + w.stderr);
    const got = JSON.parse(w.stdout.trim());
    if (got.n !== 2000 || got.done.join() !== 'worker 0,worker 1') fail(`the worker example printed ${w.stdout}`);

    fs.writeFileSync(path.join(app, 'esm-example.mjs'), ESM_EXAMPLE);
    const e = run(process.execPath, ['esm-example.mjs'], { cwd: app, env });
    if (e.status !== 0 || e.stdout.trim() !== 'esm true struct') fail('the ES module example failed', e.stdout + e.stderr);

    const cold = run(process.execPath, ['-e', "const t=process.hrtime.bigint();require('shared-structs');console.log(Number(process.hrtime.bigint()-t)/1e6)"], { cwd: app, env });
    if (cold.status !== 0) fail('require failed', cold.stderr);
    figures.requireMs = Number(Number(cold.stdout.trim()).toFixed(1));

    // A prebuilt package of another version is refused, not loaded (layouts differ).
    const prebuiltManifest = path.join(app, 'node_modules', prebuilt, 'package.json');
    const original = fs.readFileSync(prebuiltManifest, 'utf8');
    fs.writeFileSync(prebuiltManifest, original.replace(`"version": "${manifest.version}"`, '"version": "0.0.1-other"'));
    fs.writeFileSync(path.join(app, 'load.js'), LOAD_ERROR);
    const mismatch = run(process.execPath, ['load.js'], { cwd: app, env });
    fs.writeFileSync(prebuiltManifest, original);
    const mm = JSON.parse(mismatch.stdout.trim() || '{}');
    if (mm.code !== 'SHARED_STRUCTS_NO_ADDON' || !/version 0\.0\.1-other/.test(mm.message)) fail('a prebuilt package of another version was not refused', mismatch.stdout + mismatch.stderr);

    // 4. No prebuilt, no cargo: a clear error.
    const bare = newProject(work, 'bare');
    npmInstall(bare, env, [tgz(manifest.name)], ['--omit=optional']);
    fs.writeFileSync(path.join(bare, 'load.js'), LOAD_ERROR);
    const l = run(process.execPath, ['load.js'], { cwd: bare, env });
    const res = JSON.parse(l.stdout.trim() || '{}');
    if (res.loaded !== false || res.code !== 'SHARED_STRUCTS_NO_ADDON') fail('loading without a binary did not fail with SHARED_STRUCTS_NO_ADDON', l.stdout + l.stderr);
    for (const needle of [prebuilt, '--omit=optional', 'cargo', 'https://rustup.rs']) {
      if (!res.message.includes(needle)) fail(`the no-addon error does not mention ${needle}`, res.message);
    }
    figures.noAddonError = res.message;

    // 5. Concurrent first loads build once (stand-in cargo and build script).
    if (process.platform !== 'win32') {
      const fakeBin = path.join(work, 'fake-cargo');
      fs.mkdirSync(fakeBin);
      fs.writeFileSync(path.join(fakeBin, 'cargo'), '#!/bin/sh\necho "cargo 0.0.0 (stand-in)"\n', { mode: 0o755 });
      const binary = path.join(work, `${manifest.name}.${platformTriple()}.node`);
      fs.copyFileSync(path.join(app, 'node_modules', prebuilt, `${manifest.napi.binaryName}.${platformTriple()}.node`), binary);
      const log = path.join(work, 'builds.log');
      fs.writeFileSync(path.join(bare, 'node_modules', manifest.name, 'scripts', 'build.js'), FAKE_BUILD);
      fs.writeFileSync(path.join(bare, 'load-threads.js'), LOAD_THREADS);
      fs.writeFileSync(path.join(bare, 'concurrent.js'), CONCURRENT);
      const cenv = { ...env, PATH: `${fakeBin}${path.delimiter}${env.PATH}`, FAKE_BUILD_LOG: log, FAKE_BINARY: binary };
      const c = run(process.execPath, ['concurrent.js'], { cwd: bare, env: cenv });
      const children = JSON.parse(c.stdout.trim() || '[]');
      const detail = c.stdout + c.stderr;
      if (children.length !== 3) fail('the concurrent loads did not report', detail);
      for (const ch of children) if (ch.status !== 0 || ch.out.trim() !== 'loaded') fail('a concurrent load failed', detail);
      const builds = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').length : 0;
      if (builds !== 1) fail(`${builds} builds ran for 3 processes x 2 threads loading at once`, detail);
      const announced = children.map((ch) => ch.err).join('').match(/building the addon from source/g) || [];
      if (announced.length !== 1) fail(`the build was announced ${announced.length} times`, detail);
      if (fs.existsSync(path.join(bare, 'node_modules', manifest.name, '.build.lock'))) fail('the build lock was left behind');
    }

    // 6. No prebuilt, cargo on PATH: the first load builds from source.
    if (argv.includes('--from-source')) {
      const src = newProject(work, 'from-source');
      const full = environment(work, true);
      const i2 = npmInstall(src, full, [tgz(manifest.name)], ['--omit=optional']);
      figures.installSourceMs = Math.round(i2.ms);
      fs.writeFileSync(path.join(src, 'worker-example.js'), WORKER_EXAMPLE);
      const b = run(process.execPath, ['worker-example.js'], { cwd: src, env: full, timeout: 900000 });
      if (b.status !== 0) fail('building from source on first load failed', b.stdout + b.stderr);
      if (!/building the addon from source/.test(b.stderr)) fail('the build from source was not announced', b.stderr);
      figures.firstLoadWithBuildMs = Math.round(b.ms);
      const dir = path.join(src, 'node_modules', manifest.name);
      if (fs.existsSync(path.join(dir, 'target'))) fail('the build from source left target/ in the package');
      figures.installedFromSourceBytes = dirSize(dir);
    }
  } finally {
    if (argv.includes('--keep')) console.error(`check-install: kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  if (argv.includes('--json')) console.log(JSON.stringify(figures));
  else console.log(`check-install: ok ${JSON.stringify({ ...figures, noAddonError: undefined })}`);
}

main();
