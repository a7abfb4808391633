'use strict';
// Graph workloads (issue 14): many distinct objects built, walked and dropped, side by side
// for plain JS, shared-structs (wrappers, and the bulk path: lib/bulk.js) and V8's harmony
// shared structs. Every measurement runs in a process of its own:
//
//   node [--harmony-struct] bench/graph.js --part <part> --side <side>   -> one JSON line
//
// bench/run.js runs them (section "graph workloads"). Parts:
//   churn     one thread builds a 100,000-node linked structure (parent and next references,
//             a name from 5,000 strings, a number), walks it, drops it; ms per structure
//   touch     a worker builds a 100,000-node list; the main thread walks it twice: ns per
//             node on the first walk (a wrapper made per node) and on the second (cached)
//   ast       a worker builds a 300,000-node AST-shaped tree (kind, pos, end, parent, text,
//             children in a SharedArray); ms from the hand-off until the main thread has
//             walked it all (each walk is a fresh tree)
//   churn2    2 workers churn the structure of `churn` for CHURN2_MS: structures built and
//             peak resident memory growth
// Sides: plain | shared | bulk | harmony (ast also: shared-index, kids[i] instead of get(i),
// and bulk-fn, the bulk walk through view functions instead of cursors).
// Each side has its own function literals; all sides compute the same checksums.

const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const { median, log } = require('./lib');

const NODES = 100000;
const NAMES = 5000;
const AST_NODES = 300000;
const CHURN2_MS = Number(process.env.GRAPH_CHURN2_MS || 8000);

const lib = () => require('../index.js');
const immediate = () => new Promise((resolve) => setImmediate(resolve));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function names() {
  const out = [];
  for (let i = 0; i < NAMES; i++) out.push(`name-${i}`);
  return out;
}

/** Expected checksum of one churn walk. */
function churnChecksum(n) {
  let s = 0;
  const nm = names();
  for (let i = 0; i < n; i++) {
    s += i + nm[i % NAMES].length;
    if (i > 0) s += (i - 1) >> 1;
  }
  return s + n;
}

// ---------------------------------------------------------------------------------------
// churn: build, walk, drop. One factory per side (each with its own function literals).

function churnSide(side) {
  const nm = names();
  if (side === 'plain') {
    class Node {
      constructor() {
        this.parent = null;
        this.next = null;
        this.name = undefined;
        this.value = 0;
      }
    }
    return function churnPlain(n) {
      const nodes = new Array(n);
      let head = null;
      let prev = null;
      for (let i = 0; i < n; i++) {
        const x = new Node();
        x.parent = i === 0 ? null : nodes[(i - 1) >> 1];
        x.next = null;
        x.name = nm[i % NAMES];
        x.value = i;
        if (prev === null) head = x;
        else prev.next = x;
        prev = x;
        nodes[i] = x;
      }
      let s = 0;
      let c = 0;
      for (let x = head; x !== null; x = x.next) {
        s += x.value + x.name.length;
        const p = x.parent;
        if (p !== null) s += p.value;
        c++;
      }
      return s + c;
    };
  }
  if (side === 'shared') {
    const Node = new (lib().SharedStructType)(['parent', 'next', 'name', 'value'], 'bench.ChurnNode');
    return function churnShared(n) {
      const nodes = new Array(n);
      let head = null;
      let prev = null;
      for (let i = 0; i < n; i++) {
        const x = new Node();
        x.parent = i === 0 ? null : nodes[(i - 1) >> 1];
        x.next = null;
        x.name = nm[i % NAMES];
        x.value = i;
        if (prev === null) head = x;
        else prev.next = x;
        prev = x;
        nodes[i] = x;
      }
      let s = 0;
      let c = 0;
      for (let x = head; x !== null; x = x.next) {
        s += x.value + x.name.length;
        const p = x.parent;
        if (p !== null) s += p.value;
        c++;
      }
      return s + c;
    };
  }
  if (side === 'bulk') {
    const { SharedStructType, bulk } = lib();
    const Node = new SharedStructType(['parent', 'next', 'name', 'value'], 'bench.ChurnNode');
    const V = bulk.view(Node, { refs: ['parent', 'next'] });
    const { parent: getParent, next: getNext, name: getName, value: getValue } = V.get;
    const { parent: setParent, next: setNext, name: setName, value: setValue } = V.set;
    return function churnBulk(n) {
      const nodes = new Array(n);
      let head = null;
      let prev = null;
      for (let i = 0; i < n; i++) {
        const x = V.create();
        setParent(x, i === 0 ? null : nodes[(i - 1) >> 1]);
        setNext(x, null);
        setName(x, nm[i % NAMES]);
        setValue(x, i);
        if (prev === null) head = x;
        else setNext(prev, x);
        prev = x;
        nodes[i] = x;
      }
      let s = 0;
      let c = 0;
      for (let x = head; x !== null; x = getNext(x)) {
        s += getValue(x) + getName(x).length;
        const p = getParent(x);
        if (p !== null) s += getValue(p);
        c++;
      }
      bulk.release();
      return s + c;
    };
  }
  if (side === 'harmony') {
    // eslint-disable-next-line no-undef
    const Node = new SharedStructType(['parent', 'next', 'name', 'value']);
    return function churnHarmony(n) {
      const nodes = new Array(n);
      let head = null;
      let prev = null;
      for (let i = 0; i < n; i++) {
        const x = new Node();
        x.parent = i === 0 ? null : nodes[(i - 1) >> 1];
        x.next = null;
        x.name = nm[i % NAMES];
        x.value = i;
        if (prev === null) head = x;
        else prev.next = x;
        prev = x;
        nodes[i] = x;
      }
      let s = 0;
      let c = 0;
      for (let x = head; x !== null; x = x.next) {
        s += x.value + x.name.length;
        const p = x.parent;
        if (p !== null) s += p.value;
        c++;
      }
      return s + c;
    };
  }
  throw new Error(`churn: unknown side ${side}`);
}

async function partChurn(side) {
  const run = churnSide(side);
  const expect = churnChecksum(NODES);
  let peakRss = 0;
  const samples = [];
  for (let r = 0; r < 15; r++) {
    const t0 = nowMs();
    const s = run(NODES);
    const ms = nowMs() - t0;
    if (s !== expect) throw new Error(`churn ${side}: checksum ${s}, expected ${expect}`);
    if (r >= 3) samples.push(ms);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await immediate(); // each structure is a job of its own
  }
  return { ms: median(samples), samples, peakRssMb: peakRss / 1e6 };
}

// ---------------------------------------------------------------------------------------
// touch: a list built by another thread, walked twice (first touch, then cached).

const TOUCH_WORKER = `
const { parentPort, workerData } = require('worker_threads');
const side = workerData.side;
const n = workerData.n;
let head = null;
if (side === 'harmony') {
  const T = new SharedStructType(['value', 'next']);
  for (let i = n - 1; i >= 0; i--) { const x = new T(); x.value = i; x.next = head; head = x; }
  parentPort.postMessage({ head });
} else {
  const { SharedStructType, share } = require(workerData.index);
  const T = new SharedStructType(['value', 'next'], 'bench.TouchNode');
  for (let i = n - 1; i >= 0; i--) { const x = new T(); x.value = i; x.next = head; head = x; }
  parentPort.postMessage({ token: share(head) });
}
parentPort.once('message', () => process.exit(0));
`;

async function partTouch(side) {
  const n = NODES;
  const expect = (n * (n - 1)) / 2;
  const firsts = [];
  const seconds = [];
  for (let r = 0; r < 7; r++) {
    let walk1;
    let walk2;
    let head;
    let w = null;
    if (side === 'plain') {
      // Nothing to wrap: the same list in this thread's own heap.
      head = null;
      for (let i = n - 1; i >= 0; i--) head = { value: i, next: head };
      walk1 = function touchPlain1(h) {
        let s = 0;
        for (let x = h; x !== null; x = x.next) s += x.value;
        return s;
      };
      walk2 = function touchPlain2(h) {
        let s = 0;
        for (let x = h; x !== null; x = x.next) s += x.value;
        return s;
      };
    } else {
      w = new Worker(TOUCH_WORKER, { eval: true, workerData: { side, n, index: require.resolve('../index.js') } });
      const m = await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      if (side === 'harmony') {
        head = m.head;
        walk1 = function touchHarmony1(h) {
          let s = 0;
          for (let x = h; x !== null; x = x.next) s += x.value;
          return s;
        };
        walk2 = function touchHarmony2(h) {
          let s = 0;
          for (let x = h; x !== null; x = x.next) s += x.value;
          return s;
        };
      } else if (side === 'shared') {
        head = lib().open(m.token);
        walk1 = function touchShared1(h) {
          let s = 0;
          for (let x = h; x !== null; x = x.next) s += x.value;
          return s;
        };
        walk2 = function touchShared2(h) {
          let s = 0;
          for (let x = h; x !== null; x = x.next) s += x.value;
          return s;
        };
      } else {
        const { bulk, open } = lib();
        const root = open(m.token);
        const V = bulk.view(Object.getPrototypeOf(root).constructor, { refs: ['next'] });
        const { value: getValue, next: getNext } = V.get;
        head = bulk.handle(root);
        walk1 = function touchBulk1(h) {
          let s = 0;
          for (let x = h; x !== null; x = getNext(x)) s += getValue(x);
          return s;
        };
        walk2 = function touchBulk2(h) {
          let s = 0;
          for (let x = h; x !== null; x = getNext(x)) s += getValue(x);
          return s;
        };
      }
    }
    const t0 = nowMs();
    const s1 = walk1(head);
    const t1 = nowMs();
    const s2 = walk2(head);
    const t2 = nowMs();
    if (s1 !== expect || s2 !== expect) throw new Error(`touch ${side}: checksums ${s1}, ${s2}, expected ${expect}`);
    if (r >= 2) {
      firsts.push(((t1 - t0) * 1e6) / n);
      seconds.push(((t2 - t1) * 1e6) / n);
    }
    if (w) {
      w.postMessage('exit');
      await new Promise((resolve) => w.once('exit', resolve));
    }
    head = null;
    await immediate();
  }
  return { firstNs: median(firsts), cachedNs: median(seconds), firsts, seconds };
}

// ---------------------------------------------------------------------------------------
// ast: a worker builds a 300,000-node AST-shaped tree; the main thread walks it.

/** Deterministic shape: node i's child count and kind (same on every side). */
const AST_SHAPE = `
function shape(n) {
  // xorshift32, seeded: children per node (0..4, leaves more likely deep down), kinds 0..199.
  let s = 0x9e3779b9;
  const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 4294967296; };
  const kids = new Int32Array(n);
  const kind = new Int32Array(n);
  // Breadth-first assignment of child counts until n nodes exist.
  let made = 1;
  for (let i = 0; i < n && made < n; i++) {
    let k = Math.floor(rnd() * 5);
    if (k === 0 && i + 1 === made) k = 1; // the last node of the frontier: the tree goes on
    k = Math.min(n - made, k);
    kids[i] = k;
    made += k;
  }
  for (let i = 0; i < n; i++) kind[i] = Math.floor(rnd() * 200);
  return { kids, kind };
}
const IDENTS = [];
for (let i = 0; i < 2000; i++) IDENTS.push('ident' + i);
`;

const AST_WORKER = `
const { parentPort, workerData } = require('worker_threads');
${AST_SHAPE}
const side = workerData.side;
const { kids, kind } = shape(workerData.n);
function build(make, makeKids, setKid) {
  // Nodes are made in pre-order (as a parser makes them): node i's children are the next
  // kids[i] numbers in breadth-first numbering, visited depth-first.
  const firstChild = new Int32Array(kids.length);
  let next = 1;
  for (let i = 0; i < kids.length; i++) { firstChild[i] = next; next += kids[i]; }
  let pos = 0;
  function rec(i, parent) {
    const start = pos;
    const n = make(kind[i], start, parent, (kind[i] & 3) === 0 ? IDENTS[i % 2000] : undefined);
    pos += 1;
    const k = kids[i];
    const arr = makeKids(n, k);
    for (let c = 0; c < k; c++) setKid(arr, c, rec(firstChild[i] + c, n));
    return n;
  }
  return rec(0, null);
}
let root;
if (side === 'plain') {
  root = build(
    (k, p, parent, text) => ({ kind: k, pos: p, end: p + 1, parent, text, children: null }),
    (n, k) => (n.children = new Array(k)),
    (a, c, x) => { a[c] = x; },
  );
  // Structured clone keeps the parent cycles.
  parentPort.once('message', () => { const t = Date.now(); parentPort.postMessage({ root, t }); });
} else if (side === 'harmony') {
  const N = new SharedStructType(['kind', 'pos', 'end', 'parent', 'text', 'children']);
  root = build(
    (k, p, parent, text) => { const n = new N(); n.kind = k; n.pos = p; n.end = p + 1; n.parent = parent; n.text = text; return n; },
    (n, k) => (n.children = new SharedArray(k)),
    (a, c, x) => { a[c] = x; },
  );
  parentPort.once('message', () => parentPort.postMessage({ root }));
} else {
  const { SharedStructType, SharedArray, share } = require(workerData.index);
  const N = new SharedStructType(['kind', 'pos', 'end', 'parent', 'text', 'children'], 'bench.AstNode');
  root = build(
    (k, p, parent, text) => { const n = new N(); n.kind = k; n.pos = p; n.end = p + 1; n.parent = parent; n.text = text; return n; },
    (n, k) => (n.children = new SharedArray(k)),
    (a, c, x) => a.set(c, x),
  );
  parentPort.once('message', () => parentPort.postMessage({ token: share(root) }));
}
parentPort.postMessage('built');
`;

/** Expected checksum of a walk (kind + pos + end + text length over all nodes, and the count). */
function astChecksum(n) {
  // eslint-disable-next-line no-new-func
  const { kids, kind } = new Function(`${AST_SHAPE}; return shape(${n});`)();
  let s = 0;
  const firstChild = new Int32Array(n);
  let next = 1;
  for (let i = 0; i < n; i++) {
    firstChild[i] = next;
    next += kids[i];
  }
  let pos = 0;
  const stack = [0];
  // pre-order positions: recompute with an explicit stack in the same order as build()
  const order = [];
  (function rec(i) {
    order.push(i);
    for (let c = 0; c < kids[i]; c++) rec(firstChild[i] + c);
  })(0);
  for (const i of order) {
    s += kind[i] + pos + (pos + 1) + ((kind[i] & 3) === 0 ? `ident${i % 2000}`.length : 0);
    pos++;
  }
  stack.length = 0;
  if (order.length !== n) throw new Error(`ast shape: ${order.length} nodes, expected ${n}`);
  return s + n;
}

function astWalker(side) {
  if (side === 'plain') {
    return function walkPlain(root) {
      let s = 0;
      let c = 0;
      const stack = [root];
      while (stack.length > 0) {
        const n = stack.pop();
        const t = n.text;
        s += n.kind + n.pos + n.end + (t === undefined ? 0 : t.length);
        c++;
        const kids = n.children;
        for (let i = kids.length - 1; i >= 0; i--) {
          const k = kids[i];
          if (k.parent !== n) throw new Error('bad parent');
          stack.push(k);
        }
      }
      return s + c;
    };
  }
  if (side === 'harmony') {
    return function walkHarmony(root) {
      let s = 0;
      let c = 0;
      const stack = [root];
      while (stack.length > 0) {
        const n = stack.pop();
        const t = n.text;
        s += n.kind + n.pos + n.end + (t === undefined ? 0 : t.length);
        c++;
        const kids = n.children;
        for (let i = kids.length - 1; i >= 0; i--) {
          const k = kids[i];
          if (k.parent !== n) throw new Error('bad parent');
          stack.push(k);
        }
      }
      return s + c;
    };
  }
  if (side === 'shared') {
    return function walkShared(root) {
      let s = 0;
      let c = 0;
      const stack = [root];
      while (stack.length > 0) {
        const n = stack.pop();
        const t = n.text;
        s += n.kind + n.pos + n.end + (t === undefined ? 0 : t.length);
        c++;
        const kids = n.children;
        for (let i = kids.length - 1; i >= 0; i--) {
          const k = kids.get(i);
          if (k.parent !== n) throw new Error('bad parent');
          stack.push(k);
        }
      }
      return s + c;
    };
  }
  if (side === 'shared-index') {
    return function walkSharedIndex(root) {
      let s = 0;
      let c = 0;
      const stack = [root];
      while (stack.length > 0) {
        const n = stack.pop();
        const t = n.text;
        s += n.kind + n.pos + n.end + (t === undefined ? 0 : t.length);
        c++;
        const kids = n.children;
        for (let i = kids.length - 1; i >= 0; i--) {
          const k = kids[i];
          if (k.parent !== n) throw new Error('bad parent');
          stack.push(k);
        }
      }
      return s + c;
    };
  }
  if (side === 'bulk-fn') {
    const { bulk, SharedArray } = lib();
    let V = null;
    const A = bulk.view(SharedArray, { refs: true });
    const { length: len, at } = A;
    return function walkBulk(root) {
      if (V === null) V = bulk.view(Object.getPrototypeOf(root).constructor, { refs: ['parent', 'children'] });
      const { kind, pos, end, parent, text, children } = V.get;
      let s = 0;
      let c = 0;
      const stack = [bulk.handle(root)];
      while (stack.length > 0) {
        const n = stack.pop();
        const t = text(n);
        s += kind(n) + pos(n) + end(n) + (t === undefined ? 0 : t.length);
        c++;
        const kids = children(n);
        for (let i = len(kids) - 1; i >= 0; i--) {
          const k = at(kids, i);
          if (parent(k) !== n) throw new Error('bad parent');
          stack.push(k);
        }
      }
      bulk.release();
      return s + c;
    };
  }
  if (side === 'bulk') {
    // The bulk path as docs/bulk.md recommends for walks: cursors (a handle checked once per
    // object, then field reads that check only the session).
    const { bulk, SharedArray } = lib();
    let c = null;
    const kc = bulk.view(SharedArray, { refs: true }).cursor();
    return function walkCursor(root) {
      if (c === null) c = bulk.view(Object.getPrototypeOf(root).constructor, { refs: ['parent', 'children'] }).cursor();
      let s = 0;
      let n = 0;
      const stack = [bulk.handle(root)];
      while (stack.length > 0) {
        const h = stack.pop();
        c.at(h);
        const t = c.text;
        s += c.kind + c.pos + c.end + (t === undefined ? 0 : t.length);
        n++;
        kc.at(c.children);
        for (let i = kc.length - 1; i >= 0; i--) {
          const k = kc.item(i);
          if (c.at(k).parent !== h) throw new Error('bad parent');
          stack.push(k);
        }
      }
      bulk.release();
      return s + n;
    };
  }
  throw new Error(`ast: unknown side ${side}`);
}

async function partAst(side) {
  const n = AST_NODES;
  const expect = astChecksum(n);
  const walk = astWalker(side);
  const samples = [];
  for (let r = 0; r < 8; r++) {
    const w = new Worker(AST_WORKER, { eval: true, workerData: { side: side === 'shared-index' || side === 'bulk' || side === 'bulk-fn' ? 'shared' : side, n, index: require.resolve('../index.js') } });
    await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await immediate();
    const t0 = nowMs();
    w.postMessage('go');
    const m = await new Promise((resolve) => w.once('message', resolve));
    const root = m.token ? lib().open(m.token) : m.root;
    const s = walk(root);
    const ms = nowMs() - t0;
    if (s !== expect) throw new Error(`ast ${side}: checksum ${s}, expected ${expect}`);
    if (r >= 2) samples.push(ms); // the first walks compile and optimize the walker
    await w.terminate();
    await immediate();
  }
  return { ms: median(samples), samples };
}

// ---------------------------------------------------------------------------------------
// churn2: 2 workers churn for CHURN2_MS; structures built and peak RSS growth.

const CHURN2_WORKER = `
const { parentPort, workerData } = require('worker_threads');
const run = require(workerData.self).churnSide(workerData.side);
const deadline = Date.now() + workerData.ms;
let built = 0;
(async () => {
  while (Date.now() < deadline) {
    run(workerData.n);
    built++;
    await new Promise((r) => setImmediate(r));
  }
  parentPort.postMessage(built);
})();
`;

async function partChurn2(side) {
  for (let k = 0; k < 3; k++) await immediate();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const ws = [0, 1].map(
    () => new Worker(CHURN2_WORKER, { eval: true, workerData: { side, ms: CHURN2_MS, n: NODES, self: __filename } }),
  );
  const built = await Promise.all(
    ws.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  await Promise.all(ws.map((w) => w.terminate()));
  return { structures: built[0] + built[1], rssGrowthMb: (peak - base) / 1e6, seconds: CHURN2_MS / 1000 };
}

// ---------------------------------------------------------------------------------------

const PARTS = { churn: partChurn, touch: partTouch, ast: partAst, churn2: partChurn2 };

module.exports = { churnSide, PARTS };

if (isMainThread && require.main === module) {
  const args = process.argv.slice(2);
  const get = (k) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const part = get('--part');
  const side = get('--side');
  if (!PARTS[part] || !side) {
    log('usage: node [--harmony-struct] bench/graph.js --part churn|touch|ast|churn2 --side plain|shared|bulk|harmony|shared-index');
    process.exit(2);
  }
  PARTS[part](side).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0)),
    (e) => {
      log(`graph.js ${part} ${side}: ${e.stack || e.message}`);
      process.exit(1);
    },
  );
} else if (!isMainThread && workerData === undefined) {
  parentPort.postMessage('unused');
}
