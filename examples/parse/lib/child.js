'use strict';
// Child process entry of the parse demo: receives one run description over IPC, runs it
// (lib/run.js) and sends back { result } or { error }. Started with --expose-gc so the
// plain-AST modes can measure their heap.

const { run } = require('./run');

function send(msg) {
  return new Promise((resolve) => process.send(msg, () => resolve()));
}

process.once('message', async (job) => {
  let msg;
  try {
    if (job.prepare) {
      // Writes the TypeScript code cache unless the existing one is accepted (same flags).
      const tsl = require('./typescript');
      tsl.load({ cacheFile: job.cacheFile });
      const status = tsl.codeCacheStatus();
      if (status !== 'used') tsl.writeCodeCache(job.cacheFile, job.warmup);
      msg = { result: { codeCache: status === 'used' ? 'used' : 'written' } };
    } else {
      msg = { result: await run(job) };
    }
  } catch (e) {
    msg = { error: { name: e && e.name, message: String(e && e.message !== undefined ? e.message : e), stack: e && e.stack } };
  }
  await send(msg);
  process.disconnect();
  // Workers are closed by run(); nothing else should keep the process alive.
  setTimeout(() => process.exit(msg.error ? 1 : 0), 100).unref();
});
