'use strict';
// Worker side of the tree handoff benchmark (bench/tree.js). workerData.mode is
// 'plain' (the tree arrives by structured clone), 'shared' (a share() token arrives and is
// opened here) or 'harmony' (harmony shared structs arrive by reference).
// Message { seq, token | root, visit } -> reply { seq, res } once this thread holds the
// root (and, if `visit`, after a DFS over every node). { seq, ping: true } just replies
// (wakes this thread up before a timed run).

const { parentPort, workerData } = require('worker_threads');

const mode = workerData.mode;
const lib = mode === 'shared' ? require('../index.js') : null;
const open = lib !== null ? lib.open : null;

/** Iterative DFS: reads id, name, left, right of every node and checks parent pointers. */
function visit(root) {
  const stack = [root];
  let count = 0;
  let idSum = 0;
  let nameLen = 0;
  while (stack.length > 0) {
    const n = stack.pop();
    count++;
    idSum += n.id;
    nameLen += n.name.length;
    const l = n.left;
    const r = n.right;
    if (l !== null) {
      if (l.parent !== n) throw new Error(`bad parent pointer under node ${n.id}`);
      stack.push(l);
    }
    if (r !== null) {
      if (r.parent !== n) throw new Error(`bad parent pointer under node ${n.id}`);
      stack.push(r);
    }
  }
  return { count, idSum, nameLen };
}

/** The same DFS through a bulk cursor (lib/bulk.js): handles instead of a wrapper per node. */
let cursor = null;
function visitBulk(root) {
  const { bulk } = lib;
  if (cursor === null) cursor = bulk.view(Object.getPrototypeOf(root).constructor, { refs: ['left', 'right', 'parent'] }).cursor();
  const c = cursor;
  const stack = [bulk.handle(root)];
  let count = 0;
  let idSum = 0;
  let nameLen = 0;
  while (stack.length > 0) {
    const n = stack.pop();
    c.at(n);
    count++;
    idSum += c.id;
    nameLen += c.name.length;
    const l = c.left;
    const r = c.right;
    if (l !== null) {
      if (c.at(l).parent !== n) throw new Error(`bad parent pointer under node ${c.at(n).id}`);
      stack.push(l);
    }
    if (r !== null) {
      if (c.at(r).parent !== n) throw new Error(`bad parent pointer under node ${c.at(n).id}`);
      stack.push(r);
    }
  }
  bulk.release();
  return { count, idSum, nameLen };
}

parentPort.on('message', (m) => {
  if (m.ping) {
    parentPort.postMessage({ seq: m.seq, res: null });
    return;
  }
  try {
    const root = open !== null ? open(m.token) : m.root;
    const res = m.visit ? (m.bulk ? visitBulk(root) : visit(root)) : { rootId: root.id };
    parentPort.postMessage({ seq: m.seq, res });
  } catch (e) {
    parentPort.postMessage({ seq: m.seq, error: String((e && e.stack) || e) });
  }
});
parentPort.postMessage({ ready: true });
