// index.d.ts for the issue-17 additions (V8 compatibility): __test__/fixtures/types-compat.ts
// must compile under `tsc --strict`, and its @ts-expect-error lines must still be errors.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

describe('index.d.ts (V8 compatibility additions)', () => {
  it('types number field names, the abandoned flag, the required lockWithTimeout timeout, and the polyfill', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const r = spawnSync(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,esnext.disposable', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', path.join(here, 'fixtures/types-compat.ts')],
      { encoding: 'utf8', timeout: 60000 },
    );
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60000);
});
