#!/usr/bin/env node
'use strict';
// Packs the packages a release publishes, the napi-rs layout:
// - shared-structs: JS, types, docs and the Rust sources (with Cargo.lock), no binary. Its
//   published package.json has no scripts (an install script makes npm 11 warn on every
//   install; the loader builds from source when it must, lib/loader.js) and lists one
//   optional dependency per platform package packed with it, at exactly its own version.
// - shared-structs-<platform> (npm/<platform>/): one prebuilt binary each, with `os`, `cpu`
//   and `libc` so npm installs only the one that fits.
// A platform package is packed when its binary is found: built here
// (./shared-structs.<platform>.node, `npm run build`) or in --artifacts DIR (CI: the binaries
// of the build matrix). These tarballs are what gets published (`npm publish <tarball>`).
//
//   node scripts/pack.js [--out DIR] [--artifacts DIR] [--json]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function option(name) {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** npm, run through the node running this script (works where npm is a .cmd shim too). */
function npm(args, cwd) {
  const cli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
  const out = cli
    ? execFileSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    : execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  return out;
}

/** `npm pack` of a directory into `dest`; returns the tarball's path. */
function pack(dir, dest) {
  const [info] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], dir));
  return path.join(dest, info.filename);
}

/** The published form of the root package.json. */
function publishedManifest(manifest, platformPackages) {
  const out = { ...manifest };
  delete out.scripts;
  delete out.devDependencies;
  delete out.overrides;
  delete out.workspaces;
  delete out.optionalDependencies;
  if (platformPackages.length) {
    out.optionalDependencies = {};
    for (const name of platformPackages) out.optionalDependencies[name] = manifest.version;
  }
  return out;
}

/** Platform directories under npm/, each with its package.json. */
function platformDirs() {
  const npmDir = path.join(root, 'npm');
  return fs
    .readdirSync(npmDir)
    .filter((d) => fs.existsSync(path.join(npmDir, d, 'package.json')))
    .map((d) => ({ platform: d, dir: path.join(npmDir, d), manifest: JSON.parse(fs.readFileSync(path.join(npmDir, d, 'package.json'), 'utf8')) }));
}

function stripBinary(file) {
  const args = process.platform === 'darwin' ? ['-x', file] : process.platform === 'linux' ? ['--strip-unneeded', file] : null;
  if (!args) return;
  try {
    execFileSync('strip', args, { stdio: 'ignore' });
  } catch {
    // No strip tool: ship the binary as built.
  }
}

function main() {
  const out = path.resolve(option('--out') || path.join(root, 'packages'));
  const artifacts = option('--artifacts') && path.resolve(option('--artifacts'));
  fs.mkdirSync(out, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-structs-pack-'));
  const tarballs = [];
  try {
    const platforms = platformDirs();
    for (const p of platforms) {
      if (p.manifest.version !== manifest.version) {
        throw new Error(`npm/${p.platform}/package.json is version ${p.manifest.version}, not ${manifest.version} (run \`npx napi version\`)`);
      }
    }

    const packed = [];
    for (const p of platforms) {
      const binary = `${manifest.napi.binaryName}.${p.platform}.node`;
      const found = [artifacts && path.join(artifacts, binary), path.join(root, binary)].find((f) => f && fs.existsSync(f));
      if (!found) continue;
      const dir = path.join(stage, p.platform);
      fs.mkdirSync(dir);
      for (const f of fs.readdirSync(p.dir)) fs.copyFileSync(path.join(p.dir, f), path.join(dir, f));
      fs.copyFileSync(path.join(root, 'LICENSE'), path.join(dir, 'LICENSE'));
      fs.copyFileSync(found, path.join(dir, binary));
      stripBinary(path.join(dir, binary));
      tarballs.push({ name: p.manifest.name, file: pack(dir, out) });
      packed.push(p.manifest.name);
    }

    // The main package: npm's own file selection, then the published package.json.
    const raw = pack(root, stage);
    const unpacked = path.join(stage, 'main');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', raw, '-C', unpacked]);
    const mainDir = path.join(unpacked, 'package');
    const published = publishedManifest(manifest, packed);
    fs.writeFileSync(path.join(mainDir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
    tarballs.push({ name: manifest.name, file: pack(mainDir, out) });
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(tarballs)}\n`);
  } else {
    for (const t of tarballs) console.log(`${t.name}: ${path.relative(process.cwd(), t.file)}`);
  }
}

main();
