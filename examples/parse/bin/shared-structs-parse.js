#!/usr/bin/env node
'use strict';
// shared-structs-parse: parse TypeScript in worker threads, hand the ASTs to the main thread
// as shared structs, and compare with single-threaded and postMessage runs. See docs/parse.md.

// A closed pipe (`... | head`) is not an error worth a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode || 0);
  throw e;
});

require('../lib/cli')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`shared-structs-parse: ${(e && e.stack) || e}\n`);
      process.exitCode = 1;
    },
  );
