// Concurrent fuzz (issue 18): 4 worker_threads doing random locked (Mutex, SharedMutex read
// and write, a Condition queue; sync and async forms) and lock-free (compareExchange claims,
// SharedMap) work with undo logs and per-worker counts in the shared data, random
// worker.terminate() (often right while a worker holds a Mutex, a SharedMutex for reading or
// writing, or waits on a Condition), then WorkerPool tasks that count, throw, hang and die.
// Every count exact, every invariant holding, and the live count back to its baseline after
// each round. It runs as its own process (__test__/fuzz/concurrent-main.js): the live count
// is exact only there, and a crash fails this test instead of the runner.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import path from 'node:path';

const require = createRequire(import.meta.url);
const C = require('./fuzz/common.js');

const MAIN = path.join(path.dirname(new URL(import.meta.url).pathname), 'fuzz', 'concurrent-main.js');

/** Runs concurrent-main.js for `ms`; resolves to its JSON report (or a failure description). */
function runMain(ms, extra = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, '--ms', String(ms), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const limit = setTimeout(() => child.kill('SIGKILL'), ms + 90000);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      const line = out.trim().split('\n').pop();
      let report;
      try {
        report = JSON.parse(line);
      } catch {
        report = { ok: false, failures: [`no report (exit ${code}, signal ${signal})`], stdout: out.slice(-2000), stderr: err.slice(-4000) };
      }
      resolve({ code, signal, report, stderr: err });
    });
  });
}

describe('concurrent fuzzing across worker_threads', () => {
  const ms = C.SOAK_MIN > 0 ? C.soakMs('concurrent') : 7000;
  it(
    'random locked and lock-free work with kills (held locks and condition waits included) keeps every count exact and the live count at its baseline',
    async () => {
      const { code, signal, report, stderr } = await runMain(ms, C.SOAK_MIN > 0 ? ['--round-ms', '15000'] : ['--round-ms', '3000']);
      C.report('concurrent', report);
      expect(report.failures, `seeds ${JSON.stringify(report.seeds)}; stderr: ${stderr.slice(-2000)}`).toEqual([]);
      expect(signal).toBe(null);
      expect(code).toBe(0);
      expect(report.ok).toBe(true);
      expect(report.rounds).toBeGreaterThan(0);
      expect(report.ops).toBeGreaterThan(0);
      expect(report.kills).toBeGreaterThan(0);
      expect(report.poolTasks).toBeGreaterThan(0);
      expect(report.liveAfter.every((n) => n === report.baseline)).toBe(true);
    },
    ms + 120000,
  );
});
