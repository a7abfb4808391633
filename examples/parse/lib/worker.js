'use strict';
// Pool worker of the parse demo (the library's WorkerPool loads it in every worker). A task
// is a Batch struct: `paths` (a SharedArray of file paths), `files` (the run's SharedMap,
// shared mode) and `shapes` (the run's list of declared shapes, shared mode). Each file is
// read and parsed with TypeScript, then
//   shared:  converted into the TypeScript-shaped shared AST (lib/shared-ast.js), frozen,
//            and stored in the SharedMap `files` (path -> SourceFile);
//   message: converted into plain objects of the same shape (lib/convert.js) and posted to
//            the main thread with the batch (structured clone).
// The task's result is the batch's syntax errors (one string) or undefined.

const { parentPort } = require('worker_threads');

module.exports = {
  setup(data) {
    const t0 = performance.now();
    const tsl = require('./typescript');
    const ts = tsl.load({ cacheFile: data.cacheFile });
    const ctx = { ts, tsl, mode: data.mode, shared: null, plain: null };
    if (data.mode === 'shared') ctx.shared = require('./shared-ast').sharedAst(ts);
    else ctx.plain = require('./convert').makeConverter(ts, 'plain');
    parentPort.postMessage({ setupMs: performance.now() - t0, codeCache: tsl.codeCacheStatus() });
    return ctx;
  },

  async handle(task, ctx, index) {
    const { ts, tsl } = ctx;
    const paths = task.paths;
    const n = paths.length;
    const errors = [];
    if (ctx.mode === 'shared') {
      const { files, shapes } = task;
      const sa = ctx.shared;
      for (let i = 0; i < n; i++) {
        const p = paths.get(i);
        const sf = tsl.parseFile(ts, p);
        errors.push(...tsl.syntaxErrors(ts, sf));
        files.set(p, sa.freezeSourceFile(sa.build(sf, shapes)));
        // End the job between files: the library then stops holding this file's
        // wrappers strongly (they are only needed while converting).
        await null;
      }
    } else {
      const asts = new Array(n);
      for (let i = 0; i < n; i++) {
        const sf = tsl.parseFile(ts, paths.get(i));
        errors.push(...tsl.syntaxErrors(ts, sf));
        asts[i] = ctx.plain.convert(sf);
      }
      parentPort.postMessage({ batch: index, asts });
    }
    return errors.length ? errors.join('\n') : undefined;
  },
};
