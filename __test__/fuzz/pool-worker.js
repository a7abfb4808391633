'use strict';
// WorkerPool module for the fuzz suites. A task is a number or a SharedArray
// [op, arg, counter-struct]: ops 'add' (atomics.add on the counter's `n`, returns arg),
// 'throw', 'hang' (blocks, without using a core, until the pool is terminated), 'die' (process.exit of the
// worker), 'async' (resolves later). Plain numbers are squared.

const ss = require('../../index.js');

module.exports = {
  setup(data) {
    return { started: Date.now(), data };
  },
  async handle(task) {
    if (typeof task === 'number') return task * task;
    const op = task.get(0);
    const arg = task.get(1);
    switch (op) {
      case 'add':
        ss.atomics.add(task.get(2), 'n', 1);
        return arg;
      case 'throw':
        throw new RangeError(`task asked to throw ${arg}`);
      case 'hang':
        // Blocks without spinning until the pool terminates this worker.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        return undefined;
      case 'die':
        process.exit(7);
        break;
      case 'async':
        await new Promise((r) => setTimeout(r, arg));
        return arg;
      default:
        throw new TypeError(`unknown op ${String(op)}`);
    }
    return undefined;
  },
};
