// V8 conformance (issue 17): the cases of test/conformance/cases.js (written from V8's
// test/mjsunit/shared-memory/*.js and the TC39 structs proposal; see that file's header)
// under shared-structs' polyfill on stock Node, and compared with `node --harmony-struct`
// (V8's own shared structs, no polyfill): every case V8 passes must pass here, except the
// differences docs/compat.md documents and justifies.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../polyfill.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const RUNNER = path.join(here, '..', 'test', 'conformance', 'run.js');
const cases = require('../test/conformance/cases.js');
const { cleanup } = require('../test/conformance/harness.js');

/** Cases the polyfill fails on purpose, each a row of docs/compat.md (the id appears there). */
const DIFFERENCES = [
  'struct/prototype-is-null',
  'array/prototype-is-null',
  'struct/fields-are-own-properties',
  'struct/own-property-descriptor',
  'struct/object-values-entries',
  'array/own-element-descriptors',
  'array/object-values-entries',
  'array/for-in-lists-indices',
  'struct/sealed-not-frozen',
  'struct/delete-field-throws',
  'struct/as-a-prototype',
  'struct/read-through-a-proxy',
  'array/length-through-a-proxy',
];

afterEach(() => cleanup());

describe('V8 conformance cases under the polyfill (stock Node)', () => {
  for (const c of cases) {
    const title = `${c.id} (${c.source})`;
    if (DIFFERENCES.includes(c.id)) it.fails(`documented difference: ${title}`, () => c.run(), 20000);
    else it(title, () => c.run(), 20000);
  }
});

function runner(argv) {
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: 240000 });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

describe('compared with node --harmony-struct', () => {
  it('every case that passes on V8 passes on the polyfill, except the differences docs/compat.md documents', () => {
    // V8's run in one process; if V8 crashes, again with a process per case.
    const v8 = runner(['--harmony-struct', RUNNER, '--json']) || runner(['--harmony-struct', RUNNER, '--json', '--isolate']);
    const poly = runner([RUNNER, '--polyfill', '--json']);
    expect(v8, 'node --harmony-struct test/conformance/run.js').not.toBe(null);
    expect(poly, 'node test/conformance/run.js --polyfill').not.toBe(null);
    const passesOn = (run) => new Set(run.results.filter((r) => r.pass).map((r) => r.id));
    const v8Pass = passesOn(v8);
    const polyPass = passesOn(poly);
    const regressions = [...v8Pass].filter((id) => !polyPass.has(id) && !DIFFERENCES.includes(id));
    expect(regressions).toEqual([]);
    // The polyfill fails exactly the documented differences.
    expect(poly.results.filter((r) => !r.pass).map((r) => r.id).sort()).toEqual([...DIFFERENCES].sort());
    console.log(`conformance: ${v8.passed}/${v8.total} on ${v8.environment}; ${poly.passed}/${poly.total} on ${poly.environment}`);
  }, 300000);

  it('docs/compat.md has a row for each documented difference', () => {
    const doc = readFileSync(path.join(here, '..', 'docs', 'compat.md'), 'utf8');
    for (const id of DIFFERENCES) expect(doc, id).toContain(`\`${id}\``);
  });
});
