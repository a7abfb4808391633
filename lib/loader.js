'use strict';
// Finds the native addon before the rest of the library loads it through binding.js (the
// loader @napi-rs/cli generates). In order: the binary built in the package directory (a clone
// of the repository, or an earlier build from source), then the prebuilt binary of this
// platform's package (`shared-structs-<platform>`, an optional dependency, the napi-rs layout),
// then a build from source with cargo, once, announced on stderr. When none of these works it
// throws one error that names each cause and its fix (docs/install.md).

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = require('../package.json');

/** The napi-rs name of this platform: linux-x64-gnu, darwin-arm64, win32-x64-msvc, ... */
function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') return `linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** Whether this Linux runs musl: ldd names it (cheap), else the process report says no glibc. */
function isMusl() {
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    try {
      return !process.report.getReport().header.glibcVersionRuntime;
    } catch {
      return false;
    }
  }
}

const triple = platformTriple();
const localBinary = path.join(root, `shared-structs.${triple}.node`);
const prebuiltName = `shared-structs-${triple}`;

/** The installed prebuilt package's version, or null when it is not installed. */
function prebuiltVersion() {
  try {
    return require(`${prebuiltName}/package.json`).version;
  } catch {
    return null;
  }
}

function tryLoad() {
  try {
    return { binding: require('../binding.js'), error: null };
  } catch (error) {
    return { binding: null, error };
  }
}

/** A build lock this old is abandoned (a cold build with an empty cargo cache takes ~2 min). */
const STALE_LOCK_MS = 30 * 60 * 1000;

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// child_process loads only on the way to a build (it is not in Node's startup snapshot: ~3 ms).
function spawnSync(...args) {
  return require('node:child_process').spawnSync(...args);
}

function hasCargo() {
  const r = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/**
 * Builds the addon from source into the package directory. One build at a time across the
 * threads and processes that load the package: the first takes `.build.lock` (holding its
 * pid), the others wait for it to go away and then load what it built.
 * Returns null on success, else a description of what failed.
 */
function buildFromSource(reason) {
  const lock = path.join(root, '.build.lock');
  for (;;) {
    let fd;
    try {
      fd = fs.openSync(lock, 'wx');
    } catch (e) {
      if (e.code !== 'EEXIST') {
        return `cannot write to ${root} (${e.code}): build it there as a user who can, with \`node ${path.join(root, 'scripts', 'build.js')} --installed\``;
      }
      if (!waitForBuilder(lock)) fs.rmSync(lock, { force: true });
      if (fs.existsSync(localBinary)) return null;
      continue;
    }
    try {
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      // Built by another thread or process between our failed load and taking the lock.
      if (fs.existsSync(localBinary)) return null;
      process.stderr.write(
        `shared-structs: ${reason}; building the addon from source with cargo, once ` +
          `(about a minute; the binary goes to ${localBinary})\n`,
      );
      const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--installed'], {
        cwd: root,
        stdio: ['ignore', 2, 2],
      });
      if (r.error) return `the build could not start: ${r.error.message}`;
      if (r.status !== 0) return `cargo build failed (exit ${r.status}; its output is above)`;
      return null;
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }
}

/**
 * Waits while the process named in the lock file is alive. Returns false if the lock is
 * stale (its process is gone), true once it has been released.
 */
function waitForBuilder(lock) {
  let announced = false;
  for (;;) {
    let pid;
    try {
      pid = Number(fs.readFileSync(lock, 'utf8'));
    } catch {
      return true; // released
    }
    if (pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
      } catch (e) {
        if (e.code === 'ESRCH') return false;
      }
    }
    // A lock older than any build is stale too (its writer died before writing its pid).
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) return false;
    } catch {
      return true;
    }
    if (!announced) {
      process.stderr.write(`shared-structs: waiting for the build from source that process ${pid || '?'} is running\n`);
      announced = true;
    }
    sleep(250);
  }
}

function noBinaryError(lines, cause) {
  const error = new Error(
    `shared-structs: no native addon for ${triple} (Node ${process.version}).\n` +
      lines.map((l) => `  - ${l}`).join('\n') +
      '\n  See docs/install.md in the package.',
  );
  error.code = 'SHARED_STRUCTS_NO_ADDON';
  if (cause) error.cause = cause;
  return error;
}

/** Loads binding.js, building the addon first if no binary for this platform is installed. */
function load() {
  const installed = prebuiltVersion();
  const local = fs.existsSync(localBinary);
  // The JS layer and the binary share layout constants: never load another version's binary
  // (unless NAPI_RS_NATIVE_LIBRARY_PATH names a binary, which the generated loader takes first).
  if (!local && installed !== null && installed !== pkg.version && !process.env.NAPI_RS_NATIVE_LIBRARY_PATH) {
    throw noBinaryError([
      `the installed prebuilt package ${prebuiltName} is version ${installed}, and shared-structs ${pkg.version} needs exactly ${pkg.version}.`,
      `Fix: \`npm install ${prebuiltName}@${pkg.version}\`, or reinstall (remove node_modules and the lock file).`,
    ]);
  }
  const first = tryLoad();
  if (first.binding) return first.binding;

  const published = Boolean(pkg.optionalDependencies && pkg.optionalDependencies[prebuiltName]);
  let reason;
  const lines = [];
  if (local) {
    lines.push(
      `${localBinary} exists but does not load (see the cause below). Fix: delete it (the prebuilt package or a ` +
        'build from source then takes over), or rebuild it with `npm run build` in a clone.',
    );
    throw noBinaryError(lines, first.error);
  }
  if (installed !== null) {
    reason = `the prebuilt package ${prebuiltName} does not load`;
    lines.push(`the prebuilt package ${prebuiltName} is installed but does not load (see the cause below).`);
  } else if (published) {
    reason = `the prebuilt package ${prebuiltName} is not installed`;
    lines.push(
      `the prebuilt binary comes in the optional dependency ${prebuiltName}, which is not installed: npm skips optional ` +
        'dependencies with --omit=optional or --no-optional, and a package-lock.json written on another platform can ' +
        'lack it (https://github.com/npm/cli/issues/4828).',
      `Fix: reinstall without --omit=optional (if the lock file came from another platform, remove node_modules and ` +
        `package-lock.json first), or \`npm install ${prebuiltName}@${pkg.version}\`.`,
    );
  } else {
    reason = `no prebuilt binary is published for ${triple}`;
    lines.push(`no prebuilt binary is published for ${triple}; the addon has to be built from source.`);
  }

  // The generated loader's own error only adds noise when nothing was there to load.
  const cause = installed !== null ? first.error : undefined;
  if (!fs.existsSync(path.join(root, 'Cargo.toml'))) {
    lines.push('the Rust sources are not in this copy of the package, so it cannot be built from source.');
    throw noBinaryError(lines, cause);
  }
  if (!hasCargo()) {
    lines.push(
      'building from source needs cargo (Rust) and a C linker, and `cargo` is not on the PATH. ' +
        'Fix: install Rust from https://rustup.rs, then load shared-structs again (it builds once, about a minute).',
    );
    throw noBinaryError(lines, cause);
  }
  const failure = buildFromSource(reason);
  if (failure) {
    lines.push(`the build from source failed: ${failure}.`);
    throw noBinaryError(lines, cause);
  }
  const second = tryLoad();
  if (second.binding) return second.binding;
  lines.push(`the binary built from source at ${localBinary} does not load (see the cause below).`);
  throw noBinaryError(lines, second.error);
}

module.exports = { load, platformTriple, prebuiltName };
