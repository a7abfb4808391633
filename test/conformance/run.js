'use strict';
// Runs the conformance cases (cases.js) without a test framework:
//
//   node --harmony-struct test/conformance/run.js          V8's own shared structs (no polyfill)
//   node test/conformance/run.js --polyfill                 stock Node + shared-structs/polyfill
//
// Options: --json (results as JSON on stdout), --isolate (each case in its own process, so a
// V8 crash or a hang fails one case only), --only <substring>, --timeout <ms> (per case,
// default 20000). Prints PASS/FAIL per case and the totals; exits 0 (failures are results).

const path = require('node:path');
const { spawnSync } = require('node:child_process');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};

const usePolyfill = flag('--polyfill');
const json = flag('--json');
const isolate = flag('--isolate');
const only = option('--only', null);
const single = option('--case', null);
const timeout = Number(option('--timeout', 20000));

if (usePolyfill) require(path.join(__dirname, '..', '..', 'polyfill.js'));

function environment() {
  const v8 = process.versions.v8;
  return usePolyfill ? `shared-structs polyfill on Node ${process.version} (V8 ${v8})` : `node ${process.execArgv.join(' ')} ${process.version} (V8 ${v8})`;
}

async function runCase(c) {
  const { cleanup } = require('./harness');
  let timer;
  try {
    await Promise.race([
      Promise.resolve().then(() => c.run()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms`)), timeout);
      }),
    ]);
    return { id: c.id, pass: true };
  } catch (e) {
    return { id: c.id, pass: false, error: `${e && e.name ? `${e.name}: ` : ''}${e && e.message !== undefined ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
}

function runIsolated(c) {
  const argv = [...process.execArgv, __filename, '--case', c.id, '--json', '--timeout', String(timeout)];
  if (usePolyfill) argv.push('--polyfill');
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: timeout + 10000 });
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()).results[0];
  } catch {
    return { id: c.id, pass: false, error: `the case's process ended with ${r.signal || `code ${r.status}`}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
}

async function main() {
  if (typeof SharedStructType !== 'function' || typeof Atomics.Mutex !== 'function') {
    console.error('No shared structs here: run with node --harmony-struct, or pass --polyfill.');
    process.exit(2);
  }
  let cases = require('./cases');
  if (single !== null) cases = cases.filter((c) => c.id === single);
  else if (only !== null) cases = cases.filter((c) => c.id.includes(only));
  const results = [];
  for (const c of cases) {
    const r = isolate && single === null ? runIsolated(c) : await runCase(c);
    results.push(r);
    if (!json) console.log(r.pass ? `PASS ${r.id}` : `FAIL ${r.id}: ${r.error}`);
  }
  const passed = results.filter((r) => r.pass).length;
  if (json) process.stdout.write(`${JSON.stringify({ environment: environment(), passed, total: results.length, results })}\n`);
  else console.log(`\n${passed} of ${results.length} cases pass: ${environment()}`);
  process.exit(0);
}

main();
