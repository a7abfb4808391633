'use strict';
// Builds a binary tree of shared structs in the main thread, hands it to two workers
// without copying, lets each worker read all of it and write into it, and shows the
// writes from the main thread. Run: npm run example
const { Worker } = require('node:worker_threads');
const path = require('node:path');
const { SharedStructType, SharedArray, share } = require('..');

const TreeNode = new SharedStructType(['id', 'label', 'left', 'right', 'parent', 'visits'], 'TreeNode');

function build(depth, parent, next) {
  const n = new TreeNode();
  n.id = next.id++;
  n.label = `node-${n.id}`;
  n.parent = parent;
  n.visits = 0;
  if (depth > 0) {
    n.left = build(depth - 1, n, next);
    n.right = build(depth - 1, n, next);
  }
  return n;
}

const depth = Number(process.argv[2] || 16);
let t0 = performance.now();
const root = build(depth, null, { id: 0 });
const results = new SharedArray(2);
console.log(`built ${2 ** (depth + 1) - 1} shared nodes in ${(performance.now() - t0).toFixed(1)} ms`);

const workerCode = `
const { parentPort, workerData } = require('node:worker_threads');
const { SharedStructType, open } = require(workerData.lib);
// Declaring the same key gives this thread a constructor for the same shared type.
const TreeNode = new SharedStructType(['id', 'label', 'left', 'right', 'parent', 'visits'], 'TreeNode');
TreeNode.prototype.isLeaf = function () { return this.left === undefined; };
const root = open(workerData.root);
const results = open(workerData.results);
let count = 0, leaves = 0;
const stack = [root];
while (stack.length) {
  const n = stack.pop();
  count++;
  n.visits += 1; // not atomic: the two workers visit disjoint halves
  if (n.isLeaf()) leaves++;
  else {
    if (n.left.parent !== n || !(n.left instanceof TreeNode)) throw new Error('bad parent pointer');
    stack.push(n.left, n.right);
  }
}
results.set(workerData.index, count);
parentPort.postMessage({ count, leaves });
`;

t0 = performance.now();
const halves = [root.left, root.right];
const done = halves.map(
  (half, index) =>
    new Promise((resolve, reject) => {
      const w = new Worker(workerCode, {
        eval: true,
        workerData: { lib: path.resolve(__dirname, '..'), root: share(half), results: share(results), index },
      });
      w.once('message', (m) => resolve(m));
      w.once('error', reject);
    }).then((m) => m),
);

Promise.all(done).then((msgs) => {
  const ms = (performance.now() - t0).toFixed(1);
  console.log(`2 workers read every node of their half in ${ms} ms (including worker start-up):`, msgs);
  console.log('the main thread sees the counts the workers wrote:', [...results]);
  console.log('and the visits they made, e.g. root.left.visits =', root.left.visits, ', a leaf:', findLeaf(root).visits);
  console.log('a node prints like an object:', root.left.left);
  process.exit(0);
});

function findLeaf(n) {
  while (n.left !== undefined) n = n.left;
  return n;
}
