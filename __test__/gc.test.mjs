// The collector: cycles freed, live objects never, no thread left behind.
// Every case runs in a child process (the heap and collector are process-wide, and under the
// `threads` pool other test files share this process), with --expose-gc so V8 can be asked
// to drop dead wrappers first.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const SOAK_MS = Number(process.env.SHARED_STRUCTS_SOAK_MS) || 3000;
const { runChild, INDEX } = require('./helpers.js');

const PRELUDE = `
const { Worker } = require('worker_threads');
const { SharedStructType, SharedArray, Mutex, Condition, share, open, heapStats } = ss;
const collect = ss.gc;
const tick = () => new Promise((r) => setImmediate(r));
async function settle() {
  // Let V8 drop dead wrappers, then collect the shared heap (twice: pruning happens after one).
  for (let i = 0; i < 3; i++) { await tick(); global.gc(); }
  collect(); await tick(); global.gc(); collect();
}
function startWorker(code, workerData) {
  const w = new Worker(${JSON.stringify(`const ss = require(${JSON.stringify(INDEX)}); const { parentPort, workerData } = require('worker_threads'); (async () => {`)} + code + '})().catch((e) => { throw e; });', { eval: true, workerData });
  w.messages = [];
  w.waiting = [];
  w.on('message', (m) => (w.waiting.length ? w.waiting.shift()(m) : w.messages.push(m)));
  w.next = () => (w.messages.length ? Promise.resolve(w.messages.shift()) : new Promise((r) => w.waiting.push(r)));
  return w;
}
const out = {};
async function main() {
`;
const EPILOGUE = `
}
main().then(() => { console.log(JSON.stringify(out)); process.exit(0); }, (e) => { console.log(JSON.stringify({ error: String(e && e.stack || e) })); process.exit(1); });
`;

function run(body, { timeout = 60000, env = {} } = {}) {
  const script = PRELUDE + body + EPILOGUE;
  if (process.env.GC_TEST_DUMP) require('fs').writeFileSync(process.env.GC_TEST_DUMP, `const ss = require(${JSON.stringify(INDEX)});\n${script}`);
  const r = runChild(script, env, { nodeArgs: ['--expose-gc'], timeout });
  const line = r.stdout.trim().split('\n').pop();
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`child failed (status ${r.status}, signal ${r.signal}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  if (parsed.error) throw new Error(`child error: ${parsed.error}\nstderr: ${r.stderr}`);
  expect(r.status, r.stderr).toBe(0);
  return parsed;
}

describe('collection', () => {
  it('frees trees with parent cycles and brings the live count back to its baseline', () => {
    const o = run(`
      const N = new SharedStructType(['id', 'parent', 'left', 'right', 'label'], 'GcNode');
      function build(d, p) { const n = new N(); n.id = d; n.parent = p; n.label = 'n' + d; if (d > 0) { n.left = build(d - 1, n); n.right = build(d - 1, n); } return n; }
      await settle();
      out.base = heapStats().liveObjects;
      const highWaters = [];
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 4; i++) { build(12, null); await tick(); }
        await settle();
        highWaters.push(heapStats().highWaterBytes);
        out['live' + round] = heapStats().liveObjects;
      }
      out.highWaters = highWaters;
      out.freed = heapStats().freedObjectsTotal;
      out.collections = heapStats().collections;
    `);
    for (let r = 0; r < 4; r++) expect(o['live' + r]).toBe(o.base);
    expect(o.freed).toBeGreaterThan(4 * 4 * 8000);
    // Freed memory is reused: the heap stops growing after the first round, except that this
    // thread's identity table may grow once more (by one pair of root tables, <= 1 MiB here:
    // its size depends on how many wrappers V8 had not yet collected at a rebuild). Leaking
    // the trees would add ~4 MiB per round.
    expect(o.highWaters[3] - o.highWaters[1]).toBeLessThanOrEqual(1024 * 1024 + 64);
  });

  it('never frees an object reachable from a live wrapper, a struct field or a map', () => {
    const o = run(`
      const N = new SharedStructType(['id', 'next', 'text', 'big'], 'GcKeep');
      const head = new N(); head.id = 0;
      let cur = head;
      for (let i = 1; i < 20000; i++) { const n = new N(); n.id = i; n.text = 'text-' + i; n.big = BigInt(i) ** 5n; cur.next = n; cur = n; }
      const m = new ss.SharedMap(); m.set('tail', cur); m.set('arr', SharedArray.from(['a', 'b', new N()]));
      cur = null;
      for (let k = 0; k < 5; k++) { await settle(); for (let j = 0; j < 2000; j++) { const g = new N(); g.text = 'garbage ' + j; } }
      let n = head, count = 0, ok = true;
      while (n) { if (n.id !== count || (count > 0 && (n.text !== 'text-' + count || n.big !== BigInt(count) ** 5n))) ok = false; count++; n = n.next; }
      out.count = count; out.ok = ok;
      out.tail = m.get('tail').id; out.arr = m.get('arr').slice(0, 2).join();
    `);
    expect(o).toEqual({ count: 20000, ok: true, tail: 19999, arr: 'a,b' });
  });

  it('keeps the object of a token alive until opened, across several collections', () => {
    const o = run(`
      const w = startWorker(\`
        const { SharedStructType, share } = ss;
        const T = new SharedStructType(['name', 'kids'], 'GcTok');
        const t = new T(); t.name = 'in flight'; t.kids = ss.SharedArray.from(['x', 'y']);
        parentPort.postMessage(share(t));
      \`);
      const tok = await w.next();
      await w.terminate();
      for (let i = 0; i < 3; i++) await settle();
      const t = open(tok);
      out.name = t.name; out.kids = t.kids.join('');
      // once opened and dropped, the token goes stale instead of reading freed memory
      let t2 = null;
      await settle(); await settle();
      try { t2 = open(tok); out.reopen = t2 === t ? 'same' : 'other'; } catch (e) { out.reopen = e.name; }
    `);
    expect(o.name).toBe('in flight');
    expect(o.kids).toBe('xy');
    expect(o.reopen).toBe('same');
  });

  it('makes a token stale once its object is collected', () => {
    const o = run(`
      const T = new SharedStructType(['v'], 'GcStale');
      let tok;
      (() => { const t = new T(); t.v = 1; tok = share(t); open(tok); })();
      for (let i = 0; i < 3; i++) await settle();
      try { open(tok); out.r = 'opened'; } catch (e) { out.r = e.name + ': ' + e.message; }
    `);
    expect(o.r).toMatch(/^TypeError: .*stale/);
  });
});

describe('threads and safepoints', () => {
  it('collects while workers are idle, blocked on a mutex, waiting on a condition, and spinning in JS', () => {
    const o = run(`
      const m = new Mutex(), cv = new Condition();
      const S = new SharedStructType(['m', 'cv', 'stop', 'spins'], 'GcStall');
      const s = new S(); s.m = m; s.cv = cv; s.stop = false; s.spins = 0;
      const tok = share(s);
      const idle = startWorker(\`parentPort.postMessage('ready'); parentPort.on('message', () => process.exit(0));\`);
      const blocked = startWorker(\`const s = ss.open(workerData.tok); parentPort.postMessage('ready'); ss.Mutex.lock(s.m, () => {}); parentPort.postMessage('got it');\`, { tok });
      const waiting = startWorker(\`const s = ss.open(workerData.tok); ss.Mutex.lock(s.m, () => { parentPort.postMessage('ready'); ss.Condition.wait(s.cv, s.m, 60000); }); parentPort.postMessage('woken');\`, { tok });
      const busy = startWorker(\`const s = ss.open(workerData.tok); parentPort.postMessage('ready'); let x = 0; while (!s.stop) { x++; } s.spins = x; parentPort.postMessage('stopped');\`, { tok });
      await Promise.all([idle.next(), waiting.next(), busy.next()]);
      const token = Mutex.lock(m);
      await blocked.next();
      await new Promise((r) => setTimeout(r, 100));
      const results = [];
      for (let i = 0; i < 5; i++) { const t0 = Date.now(); results.push(collect()); out['ms' + i] = Date.now() - t0; }
      out.allCollected = results.every(Boolean);
      out.aborted = heapStats().abortedCollections;
      token.unlock();
      out.blocked = await blocked.next();
      Condition.notify(cv);
      out.waiting = await waiting.next();
      s.stop = true;
      out.busy = await busy.next();
      idle.postMessage('bye');
      await Promise.all([idle, blocked, waiting, busy].map((w) => w.terminate()));
    `);
    expect(o.allCollected).toBe(true);
    expect(o.aborted).toBe(0);
    expect(o.blocked).toBe('got it');
    expect(o.waiting).toBe('woken');
    expect(o.busy).toBe('stopped');
  });

  it('survives worker.terminate() at every point of back-to-back collections and frees the garbage of the workers', () => {
    const o = run(`
      const N = new SharedStructType(['id', 'parent', 'kids'], 'GcTerm');
      await settle();
      const base = heapStats().liveObjects;
      const code = \`
        const N = new ss.SharedStructType(['id', 'parent', 'kids'], 'GcTerm');
        let keep = [];
        parentPort.postMessage('go');
        for (let i = 0; ; i++) {
          const n = new N(); n.id = i; n.kids = new ss.SharedArray(3);
          for (let k = 0; k < 3; k++) { const c = new N(); c.id = i; c.parent = n; n.kids.set(k, c); }
          keep.push(n); if (keep.length > 2000) keep = [];
        }
      \`;
      let ok = 0;
      for (let round = 0; round < 12; round++) {
        const w = startWorker(code);
        await w.next();
        const delay = round * 3;
        const t = setTimeout(() => w.terminate(), delay);
        for (let k = 0; k < 4; k++) { if (collect()) ok++; await new Promise((r) => setTimeout(r, 1)); }
        clearTimeout(t);
        await w.terminate();
      }
      out.ok = ok;
      await settle(); await settle();
      out.liveBack = heapStats().liveObjects - base;
      out.threads = heapStats().threads;
    `);
    expect(o.ok).toBeGreaterThan(40);
    expect(o.liveBack).toBe(0);
    expect(o.threads).toBe(1);
  });

  // SHARED_STRUCTS_SOAK_MS=600000 npx vitest run __test__/gc.test.mjs -t swap  runs a 10-minute soak.
  it('swap stress: 4 workers swap references and build cycles under back-to-back collections, every read checked', () => {
    const o = run(`
      const SLOTS = 64;
      const table = new SharedArray(SLOTS);
      const stop = new (new SharedStructType(['flag'], 'GcStop'))(); stop.flag = false;
      await settle();
      const base = heapStats().liveObjects;
      const code = \`
        const { SharedStructType, SharedArray, open, atomics } = ss;
        const N = new SharedStructType(['id', 'check', 'parent', 'kids', 'label'], 'GcSwap');
        const table = open(workerData.table), stop = open(workerData.stop);
        const f = (id) => ((id * 2654435761) >>> 0) % 1000003;
        let seed = workerData.seed, reads = 0, made = 0;
        const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
        function make() {
          const id = workerData.seed * 1e7 + made++;
          const n = new N(); n.id = id; n.check = f(id); n.label = 'node ' + (id % 97);
          n.kids = new SharedArray(2);
          for (let k = 0; k < 2; k++) { const c = new N(); c.id = id + 0.5; c.check = f(id + 0.5); c.parent = n; c.label = 'kid'; n.kids.set(k, c); }
          return n;
        }
        function verify(n) {
          if (n === undefined) return;
          reads++;
          if (n.check !== f(n.id) || n.label !== 'node ' + (n.id % 97)) throw new Error('corrupt node ' + n.id);
          for (const c of n.kids) if (c.parent !== n || c.check !== f(c.id) || c.label !== 'kid') throw new Error('corrupt kid of ' + n.id);
        }
        const mine = [];
        while (!stop.flag) {
          const i = rnd(table.length), j = rnd(table.length);
          verify(table.get(i));
          if (rnd(3) === 0) table.set(i, make());
          else { const a = atomics.exchange(table, i, table.get(j)); verify(a); table.set(j, a); }
          if (rnd(5) === 0) mine.push(make());
          if (mine.length > 500) mine.length = 0;
          for (let g = 0; g < 20; g++) new N();
          if (made % 64 === 0) await new Promise((r) => setImmediate(r));
        }
        for (let i = 0; i < table.length; i++) verify(table.get(i));
        parentPort.postMessage({ reads, made });
      \`;
      const ws = [1, 2, 3, 4].map((seed) => startWorker(code, { table: share(table), stop: share(stop), seed }));
      let collections = 0;
      const until = Date.now() + ${SOAK_MS};
      while (Date.now() < until) { if (collect()) collections++; await new Promise((r) => setTimeout(r, 2)); }
      stop.flag = true;
      const res = await Promise.all(ws.map((w) => new Promise((resolve, reject) => { w.next().then(resolve); w.once('error', reject); })));
      await Promise.all(ws.map((w) => w.terminate()));
      (function checkEnd() { for (let i = 0; i < SLOTS; i++) { const n = table.get(i); if (n !== undefined && n.kids.get(0).parent !== n) throw new Error('corrupt at end'); } })();
      out.collections = collections;
      out.reads = res.reduce((a, r) => a + r.reads, 0);
      out.auto = heapStats().collections;
      table.fill(undefined);
      await settle(); await settle();
      out.liveBack = heapStats().liveObjects - base;
      out.maxPauseMs = heapStats().maxPauseMs;
    `, { timeout: 90000 + SOAK_MS * 2 });
    expect(o.collections).toBeGreaterThan(10);
    expect(o.reads).toBeGreaterThan(1000);
    expect(o.liveBack).toBe(0);
  }, 120000 + SOAK_MS * 2);
});

describe('memory', () => {
  it('lets dead wrappers (and their objects) go in a worker that never returns to its event loop', () => {
    // Dead wrappers used to be learnt from a FinalizationRegistry, whose callbacks only run
    // from an event-loop task: a worker that churns with only microtask turns (or one long
    // synchronous loop) kept every wrapper's object rooted for ever.
    const o = run(`
      const w = startWorker(\`
        const { SharedStructType, heapStats } = ss;
        const T = new SharedStructType(['a', 'b', 'c', 'd', 'e', 'f']);
        for (let b = 0; b < 300; b++) {
          for (let i = 0; i < 5000; i++) { const t = new T(); t.a = i; }
          await null; // a microtask turn only: no event-loop task runs in this loop
        }
        parentPort.postMessage(heapStats().thread);
      \`);
      out.thread = await w.next();
      await w.terminate();
    `);
    // 1,500,000 wrappers were made; almost all of them are dead and must have been dropped.
    expect(o.thread.wrappers).toBeLessThan(750000);
  });

  it('never hands out the control block when a collection retires a TLAB right after its refill', () => {
    // Two workers churn trees (collections every few ms); a TLAB refill used to return to JS
    // through a safepoint whose collection retired the new TLAB, and the next object was
    // placed at offset 0, over the control block's magic word and cycle counter.
    const o = run(`
      const code = \`
        // Time the refills, as bench/gc-churn.js does: the wrapper's call after the native
        // one is a stack check, where a pending collection stops the thread.
        const native = require(workerData.native);
        const refill = native.allocTlab;
        let spent = 0;
        native.allocTlab = function (...args) {
          const t0 = performance.now();
          try { return refill.apply(this, args); } finally { spent += performance.now() - t0; }
        };
        const N = new ss.SharedStructType(['id', 'left', 'right', 'parent'], 'GcZero');
        const tick = () => new Promise((r) => setImmediate(r));
        const ctl = workerData.ctl;
        parentPort.postMessage('ready');
        while (Atomics.load(ctl, 0) === 0) await new Promise((r) => setTimeout(r, 1));
        const end = Date.now() + workerData.ms;
        let trees = 0;
        while (Date.now() < end) {
          // Depth first, holding only the path (as bench/gc-churn.js), yielding now and then.
          const root = new N(); const par = [root, root]; const side = [1, 0]; let made = 1;
          while (par.length > 0 && made < 100000) {
            const p = par.pop(); const s = side.pop(); const n = new N();
            n.parent = p; if (s) p.left = n; else p.right = n; made++;
            par.push(n, n); side.push(0, 1);
            if (par.length > 34) { par.length = 0; side.length = 0; par.push(root, root); side.push(1, 0); }
            if (made % 1024 === 0) await tick();
          }
          trees++;
          await tick();
        }
        parentPort.postMessage(trees);
      \`;
      const ctl = new Int32Array(new SharedArrayBuffer(4));
      const nativePath = ${JSON.stringify(require('node:path').join(require('node:path').dirname(INDEX), 'lib', 'native.js'))};
      const ws = [0, 1].map(() => startWorker(code, { ms: ${SOAK_MS}, ctl, native: nativePath }));
      await Promise.all(ws.map((w) => w.next()));
      // As bench/gc-churn.js: a forced collection while the workers idle, then go.
      await settle();
      Atomics.store(ctl, 0, 1);
      out.trees = await Promise.all(ws.map((w) => w.next()));
      await Promise.all(ws.map((w) => w.terminate()));
      const rt = require(${JSON.stringify(require('node:path').join(require('node:path').dirname(INDEX), 'lib', 'runtime.js'))});
      const L = require(${JSON.stringify(require('node:path').join(require('node:path').dirname(INDEX), 'lib', 'layout.js'))});
      out.magic = rt.U32[0] === L.MAGIC;
      out.collections = heapStats().collections;
    `);
    expect(o.error).toBeUndefined();
    expect(o.trees.every((n) => n > 0)).toBe(true);
    expect(o.collections).toBeGreaterThan(2);
    expect(o.magic).toBe(true);
  });

  it('makes a churning worker with a small JS heap let its dead wrappers go every few MB', () => {
    // V8 frees dead wrappers (whose objects they root) only in its full collections, which
    // it schedules by its own heap's growth and by external memory. Reported 1:1, the shared
    // memory a worker allocated let ~64 MB of dropped lists stay rooted between them (59-67 MB
    // measured with two workers here; 28-35 MB now).
    const o = run(`
      const code = \`
        // Big objects (127 fields, 1 KiB), so that shared bytes outgrow the V8 heap.
        const N = new ss.SharedStructType(['id', 'parent', 'next', ...Array.from({ length: 124 }, (_, k) => 'f' + k)], 'GcSmallHeap');
        const tick = () => new Promise((r) => setImmediate(r));
        let maxLive = 0;
        for (let t = 0; t < 40; t++) {
          let root = new N(); let p = root;
          for (let i = 1; i < 4096; i++) {
            const n = new N(); n.id = i; n.parent = p; p.next = n; p = n;
            if ((i & 1023) === 0) await tick();
          }
          root = p = null;
          await tick();
          maxLive = Math.max(maxLive, ss.heapStats().liveBytes);
        }
        parentPort.postMessage({ maxLive, collections: ss.heapStats().collections });
      \`;
      const w = startWorker(code);
      const w2 = startWorker(code);
      const m = await w.next();
      const m2 = await w2.next();
      out.maxLive = Math.max(m.maxLive, m2.maxLive);
      out.collections = m.collections;
      await w.terminate();
      await w2.terminate();
    `);
    // Each worker: 40 lists of 4,096 nodes x 1 KiB, ~160 MB allocated, one list (4 MB) live at a time.
    expect(o.collections).toBeGreaterThanOrEqual(3);
    expect(o.maxLive).toBeLessThan(48 * 1024 * 1024);
  });

  it('reuses freed memory so resident memory stays bounded under churn', () => {
    const o = run(`
      const N = new SharedStructType(['a', 'b', 'parent'], 'GcChurn');
      const rss = [];
      for (let round = 0; round < 8; round++) {
        for (let k = 0; k < 4; k++) {
          const root = new N(); let p = root;
          for (let i = 0; i < 50000; i++) { const n = new N(); n.a = i; n.parent = p; p = n; }
          await tick();
        }
        await settle();
        rss.push(process.memoryUsage().rss);
        out.hw = heapStats().highWaterBytes;
      }
      out.growth = rss[7] - rss[2];
    `);
    expect(o.growth).toBeLessThan(32 * 1024 * 1024);
  });
});
