'use strict';
// Pool worker of the parse demo (the library's WorkerPool loads it in every worker). A task is a Batch
// struct: `paths` (a SharedArray of file paths) and `files` (the run's SharedMap, shared
// mode). Each file is read, parsed with TypeScript and converted to the generic AST
// (lib/ast.js):
//   shared:  into shared structs, stored in the SharedMap `files` (path -> SourceFile);
//   message: into plain objects, posted to the main thread (structured clone).
// The task's result is the batch's syntax errors (one string) or undefined.

const { parentPort } = require('worker_threads');

module.exports = {
  setup(data) {
    const t0 = performance.now();
    const tsl = require('./typescript');
    const ts = tsl.load({ cacheFile: data.cacheFile });
    const conv = require('./ast').makeConverter(ts);
    parentPort.postMessage({ setupMs: performance.now() - t0, codeCache: tsl.codeCacheStatus() });
    return { ts, tsl, conv, mode: data.mode };
  },

  async handle(task, ctx, index) {
    const { ts, tsl, conv } = ctx;
    const paths = task.paths;
    const n = paths.length;
    const errors = [];
    if (ctx.mode === 'shared') {
      const files = task.files;
      for (let i = 0; i < n; i++) {
        const p = paths.get(i);
        const sf = tsl.parseFile(ts, p);
        errors.push(...tsl.syntaxErrors(ts, sf));
        files.set(p, conv.toShared(sf));
        // End the job between files: the library then stops holding this file's
        // wrappers strongly (they are only needed while converting).
        await null;
      }
    } else {
      const asts = new Array(n);
      for (let i = 0; i < n; i++) {
        const sf = tsl.parseFile(ts, paths.get(i));
        errors.push(...tsl.syntaxErrors(ts, sf));
        asts[i] = conv.toPlain(sf);
      }
      parentPort.postMessage({ batch: index, asts });
    }
    conv.clear();
    return errors.length ? errors.join('\n') : undefined;
  },
};
