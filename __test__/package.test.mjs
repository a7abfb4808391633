// The packages a release publishes install and work as a user gets them: scripts/check-install.js
// packs them, installs them offline into a fresh project on a PATH without cargo, runs a worker
// example and an ES module import, and checks the error of an install without the prebuilt
// package. Bounded: every step of the script has a 2-minute timeout.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('packed packages', () => {
  it('install without cargo and run a worker example; without the prebuilt package, loading names the cause and the fix', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-install.js'), '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 300000,
    });
    expect(r.error).toBeUndefined();
    expect(r.stderr + r.stdout).not.toMatch(/CheckInstallError/);
    expect(r.status).toBe(0);
    const figures = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(figures.installedBytes.main).toBeGreaterThan(0);
    expect(figures.noAddonError).toMatch(/SHARED_STRUCTS_NO_ADDON|no native addon/);
  }, 300000);

  it('the ES module entry exports every name of the CommonJS entry, as the same objects', () => {
    // In a child: vitest would load index.js through its own module graph a second time.
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import * as esm from './index.mjs'; import { createRequire } from 'node:module'; const cjs = createRequire(import.meta.url)('./index.js'); console.log(JSON.stringify([Object.keys(cjs).length, Object.keys(cjs).filter((k) => esm[k] !== cjs[k]), esm.default === cjs]));`],
      { cwd: root, encoding: 'utf8', timeout: 60000 },
    );
    expect(r.stderr).toBe('');
    const [count, missing, sameDefault] = JSON.parse(r.stdout);
    expect(count).toBeGreaterThan(30);
    expect(missing).toEqual([]);
    expect(sameDefault).toBe(true);
  });
});
