#!/usr/bin/env node
'use strict';
// Builds the Rust addon on `npm install`. With the dev tools installed (a clone of this
// repository) it runs @napi-rs/cli: `napi build --platform --release`, which calls cargo, puts
// ./shared-structs.<platform>-<arch>[-<abi>].node next to the loader and regenerates the
// loader (binding.js) and its types (binding.d.ts) from the #[napi] exports. Installed as a
// dependency (no dev tools) it calls cargo itself and copies the library to the same place.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const release = !process.argv.includes('--debug');

function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const report = process.report && process.report.getReport();
    const glibc = report && report.header && report.header.glibcVersionRuntime;
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

try {
  execFileSync('cargo', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('shared-structs: building needs a Rust toolchain (cargo); install it from https://rustup.rs');
  process.exit(1);
}

let napiCli = null;
try {
  const pkg = require.resolve('@napi-rs/cli/package.json', { paths: [root] });
  napiCli = path.join(path.dirname(pkg), require(pkg).bin.napi);
} catch {
  // Not installed: build with cargo below.
}
if (napiCli) {
  const args = ['build', '--platform', '--js', 'binding.js', '--dts', 'binding.d.ts', ...(release ? ['--release'] : [])];
  execFileSync(process.execPath, [napiCli, ...args], { cwd: root, stdio: 'inherit' });
  process.exit(0);
}

execFileSync('cargo', ['build', '--lib', ...(release ? ['--release'] : [])], { cwd: root, stdio: 'inherit' });
const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const libName = { linux: 'libshared_structs.so', darwin: 'libshared_structs.dylib', win32: 'shared_structs.dll' }[process.platform] || 'libshared_structs.so';
const src = path.join(targetDir, release ? 'release' : 'debug', libName);
const dest = path.join(root, `shared-structs.${platformTriple()}.node`);
// Copy then rename: overwriting a loaded .node in place crashes (SIGBUS) processes using it.
const tmp = `${dest}.${process.pid}.tmp`;
fs.copyFileSync(src, tmp);
fs.renameSync(tmp, dest);
console.log(`shared-structs: built ${path.basename(dest)}`);
