#!/usr/bin/env node
'use strict';
// Builds the Rust addon.
// - In a clone of the repository (`npm install`/`npm ci` run it as the install script, and
//   `npm run build`): @napi-rs/cli's `napi build --platform --release`, which calls cargo,
//   puts ./shared-structs.<platform>-<arch>[-<abi>].node next to the loader and regenerates the
//   loader (binding.js) and its types (binding.d.ts) from the #[napi] exports.
// - `--installed` (lib/loader.js runs it when an installed package has no binary for its
//   platform): `cargo build --release --locked` with the shipped Cargo.lock, in a temporary
//   target directory that is removed afterwards, and copies the library next to the loader.
//   The generated loader is left as published.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const release = !process.argv.includes('--debug');
const installed = process.argv.includes('--installed');

function cargoMissing() {
  try {
    execFileSync('cargo', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

if (cargoMissing()) {
  console.error('shared-structs: building needs a Rust toolchain (cargo) and a C linker; install Rust from https://rustup.rs');
  process.exit(1);
}

// The repository's own dev tools, never a @napi-rs/cli that a project installing this
// package happens to have (it would regenerate the published loader with another version).
const napiCli = path.join(root, 'node_modules', '@napi-rs', 'cli');
if (!installed && fs.existsSync(path.join(napiCli, 'package.json'))) {
  const bin = path.join(napiCli, require(path.join(napiCli, 'package.json')).bin.napi);
  const args = ['build', '--platform', '--js', 'binding.js', '--dts', 'binding.d.ts', ...(release ? ['--release'] : [])];
  execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  process.exit(0);
}

const { platformTriple } = require('../lib/loader.js');
// An installed package keeps no target/ (100 MB): it builds in a temporary directory.
const ownTarget = installed && !process.env.CARGO_TARGET_DIR;
const targetDir = ownTarget
  ? fs.mkdtempSync(path.join(os.tmpdir(), 'shared-structs-target-'))
  : path.resolve(root, process.env.CARGO_TARGET_DIR || 'target');
try {
  const lockArgs = fs.existsSync(path.join(root, 'Cargo.lock')) ? ['--locked'] : [];
  execFileSync('cargo', ['build', '--lib', ...lockArgs, ...(release ? ['--release'] : [])], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
  });
  const libName = { darwin: 'libshared_structs.dylib', win32: 'shared_structs.dll' }[process.platform] || 'libshared_structs.so';
  const src = path.join(targetDir, release ? 'release' : 'debug', libName);
  const dest = path.join(root, `shared-structs.${platformTriple()}.node`);
  // Copy then rename: overwriting a loaded .node in place crashes (SIGBUS) processes using it.
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.copyFileSync(src, tmp);
  fs.renameSync(tmp, dest);
  console.error(`shared-structs: built ${dest}`);
} finally {
  if (ownTarget) fs.rmSync(targetDir, { recursive: true, force: true });
}
