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
});
