'use strict';
// Pool worker of the parse demo (lib/pool.js loads it in every worker). A task is a batch of
// file paths (a SharedArray of strings). Each file is read, parsed with TypeScript and
// converted to the generic AST (lib/parse/ast.js):
//   shared:  into shared structs, stored in the SharedMap `files` (path -> SourceFile);
//   message: into plain objects, posted to the main thread (structured clone).
// The task's result is the batch's syntax errors (one string) or undefined.

const { parentPort } = require('worker_threads');

module.exports = {
  setup(data) {
    const t0 = performance.now();
    const tsl = require('./typescript');
    const ts = tsl.load();
    const conv = require('./ast').makeConverter(ts);
    let files = null;
    if (data.mode === 'shared') {
      const { open } = require('../../index.js');
      files = open(data.files);
    }
    parentPort.postMessage({ setupMs: performance.now() - t0 });
    return { ts, tsl, conv, files, mode: data.mode };
  },

  handle(batch, ctx, index) {
    const { ts, tsl, conv, files } = ctx;
    const errors = [];
    const n = batch.length;
    if (ctx.mode === 'shared') {
      for (let i = 0; i < n; i++) {
        const p = batch.get(i);
        const sf = tsl.parseFile(ts, p);
        errors.push(...tsl.syntaxErrors(ts, sf));
        files.set(p, conv.toShared(sf));
      }
    } else {
      const asts = new Array(n);
      for (let i = 0; i < n; i++) {
        const p = batch.get(i);
        const sf = tsl.parseFile(ts, p);
        errors.push(...tsl.syntaxErrors(ts, sf));
        asts[i] = conv.toPlain(sf);
      }
      conv.clear();
      parentPort.postMessage({ batch: index, asts });
    }
    return errors.length ? errors.join('\n') : undefined;
  },
};
