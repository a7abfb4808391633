// index.d.ts stays accurate: a usage file must compile under `tsc --strict`, and the lines
// marked @ts-expect-error must still be errors.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

describe('index.d.ts', () => {
  it('types real usage of every export and rejects wrong usage', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,esnext.disposable', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', path.join(here, 'fixtures/types-usage.ts')],
      { encoding: 'utf8', timeout: 60000 },
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60000);
});
