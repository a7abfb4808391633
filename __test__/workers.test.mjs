import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, share, open } = require('../index.js');
const { INDEX, runWorker, startWorker, uniqueKey } = require('./helpers.js');

describe('workers: the test helper', () => {
  it('runs a worker body and returns its result', async () => {
    expect(await runWorker('return data.a + 1;', { a: 41 })).toBe(42);
  });

  it('reports an exception thrown in a worker as a rejection', async () => {
    await expect(runWorker('throw new RangeError("boom");')).rejects.toThrow(/RangeError: boom/);
  });
});

describe('workers: sharing objects created in the main thread', () => {
  it('lets a worker read fields of a struct passed as a token in workerData', async () => {
    const key = uniqueKey('P');
    const P = new SharedStructType(['x', 'y', 'label'], key);
    const p = new P();
    p.x = 1.5;
    p.y = -2;
    p.label = 'point';
    const r = await runWorker(
      `
      const p = open(data.t);
      return [p.x, p.y, p.label];
      `,
      { t: share(p) },
    );
    expect(r).toEqual([1.5, -2, 'point']);
  });

  it('makes writes in a worker visible to the main thread', async () => {
    const P = new SharedStructType(['x', 'y'], uniqueKey('W'));
    const p = new P();
    await runWorker(
      `
      const p = open(data.t);
      p.x = 'from worker';
      p.y = 12345678901234567890n;
      `,
      { t: share(p) },
    );
    expect(p.x).toBe('from worker');
    expect(p.y).toBe(12345678901234567890n);
  });

  it('makes main-thread writes after the share visible to the worker', async () => {
    const P = new SharedStructType(['v'], uniqueKey('Later'));
    const p = new P();
    p.v = 'before';
    const w = startWorker(
      `
      const p = open(data.t);
      const first = p.v;
      send('opened');
      await recv();
      return [first, p.v];
      `,
      { t: share(p) },
    );
    expect(await w.next()).toBe('opened');
    p.v = 'after';
    w.post('go');
    expect(await w.result).toEqual(['before', 'after']);
  });

  it('carries every kind of value between threads in both directions', async () => {
    const T = new SharedStructType(['u', 'n', 'b', 'num', 'negz', 'nan', 'inf', 'den', 'str', 'sur', 'big', 'neg', 'obj'], uniqueKey('All'));
    const s = new T();
    const child = new T();
    child.str = 'child';
    Object.assign(s, {
      u: undefined,
      n: null,
      b: true,
      num: 0.1,
      negz: -0,
      nan: NaN,
      inf: -Infinity,
      den: Number.MIN_VALUE,
      str: 'héllo 👋 \uD800',
      sur: '\uDC00x',
      big: 2n ** 200n,
      neg: -(2n ** 70n),
      obj: child,
    });
    const r = await runWorker(
      `
      const s = open(data.t);
      const seen = {
        u: s.u, n: s.n, b: s.b, num: s.num, negzIsNegZero: Object.is(s.negz, -0), nanIsNaN: Number.isNaN(s.nan),
        inf: s.inf, den: s.den, str: s.str, sur: s.sur, big: s.big, neg: s.neg, childStr: s.obj.str,
      };
      // Write new values of every kind from the worker.
      s.u = 'now a string'; s.n = 7n; s.b = false; s.num = -0; s.negz = NaN; s.nan = null;
      s.inf = undefined; s.den = 2.2250738585072009e-308; s.str = 'w'.repeat(20000); s.sur = '\\uDBFF';
      s.big = -(10n ** 50n); s.neg = 0n;
      const c2 = new s.constructor(); c2.str = 'made in worker'; s.obj = c2;
      return seen;
      `,
      { t: share(s) },
    );
    expect(r).toEqual({
      u: undefined,
      n: null,
      b: true,
      num: 0.1,
      negzIsNegZero: true,
      nanIsNaN: true,
      inf: -Infinity,
      den: Number.MIN_VALUE,
      str: 'héllo 👋 \uD800',
      sur: '\uDC00x',
      big: 2n ** 200n,
      neg: -(2n ** 70n),
      childStr: 'child',
    });
    expect(s.u).toBe('now a string');
    expect(s.n).toBe(7n);
    expect(s.b).toBe(false);
    expect(Object.is(s.num, -0)).toBe(true);
    expect(Number.isNaN(s.negz)).toBe(true);
    expect(s.nan).toBeNull();
    expect(s.inf).toBeUndefined();
    expect(s.den).toBe(2.2250738585072009e-308);
    expect(s.str).toBe('w'.repeat(20000));
    expect(s.sur).toBe('\uDBFF');
    expect(s.big).toBe(-(10n ** 50n));
    expect(s.neg).toBe(0n);
    expect(s.obj.str).toBe('made in worker');
    expect(s.obj instanceof T).toBe(true);
  });

  it('lets a worker follow references through a graph of shared objects', async () => {
    const Node = new SharedStructType(['value', 'next'], uniqueKey('List'));
    let head = null;
    for (let i = 9; i >= 0; i--) {
      const n = new Node();
      n.value = i;
      n.next = head;
      head = n;
    }
    const r = await runWorker(
      `
      const out = [];
      for (let n = open(data.t); n !== null; n = n.next) out.push(n.value);
      return out;
      `,
      { t: share(head) },
    );
    expect(r).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('passes tokens by postMessage as well as by workerData', async () => {
    const P = new SharedStructType(['v'], uniqueKey('Post'));
    const w = startWorker(`
      const msg = await recv();
      const p = open(msg.t);
      p.v = p.v * 2;
      return p.v;
    `);
    const p = new P();
    p.v = 21;
    w.post({ t: share(p) });
    expect(await w.result).toBe(42);
    expect(p.v).toBe(42);
  });
});

describe('workers: objects created in a worker', () => {
  it('sends a struct created in a worker back to the main thread', async () => {
    const key = uniqueKey('FromWorker');
    const P = new SharedStructType(['x', 'y'], key);
    const token = await runWorker(
      `
      const P = new SharedStructType(['x', 'y'], data.key);
      const p = new P();
      p.x = 'wx';
      p.y = 99n;
      return share(p);
      `,
      { key },
    );
    const p = open(token);
    expect(p instanceof P).toBe(true);
    expect(p.x).toBe('wx');
    expect(p.y).toBe(99n);
  });

  it('keeps worker-created objects usable after the worker has exited', async () => {
    const token = await runWorker(`
      const arr = SharedArray.from(['a', 'b', 1n, 2.5]);
      const T = new SharedStructType(['inner']);
      const t = new T();
      t.inner = arr;
      return share(t);
    `);
    const t = open(token);
    expect(t.inner.toArray()).toEqual(['a', 'b', 1n, 2.5]);
    t.inner.set(0, 'main');
    expect(t.inner.get(0)).toBe('main');
    expect(SharedStructType.keys(t)).toEqual(['inner']);
  });

  it('lets many workers allocate concurrently without overlapping objects', async () => {
    const workers = 4;
    const per = 3000;
    const slots = new SharedArray(workers * per);
    const runs = [];
    for (let w = 0; w < workers; w++) {
      runs.push(
        runWorker(
          `
          const slots = open(data.t);
          const T = new SharedStructType(['w', 'i', 's', 'b']);
          for (let i = 0; i < data.per; i++) {
            const o = new T();
            o.w = data.w; o.i = i; o.s = 'w' + data.w + ':' + i; o.b = BigInt(data.w) * 1000000n + BigInt(i);
            slots.set(data.w * data.per + i, o);
          }
          return 'ok';
          `,
          { t: share(slots), w, per },
        ),
      );
    }
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok', 'ok']);
    let bad = 0;
    for (let w = 0; w < workers; w++) {
      for (let i = 0; i < per; i++) {
        const o = slots.get(w * per + i);
        if (!o || o.w !== w || o.i !== i || o.s !== `w${w}:${i}` || o.b !== BigInt(w) * 1000000n + BigInt(i)) bad++;
      }
    }
    expect(bad).toBe(0);
  });
});

describe('workers: types across threads', () => {
  it('correlates types declared with the same key in two threads', async () => {
    const key = uniqueKey('Corr');
    const P = new SharedStructType(['x', 'y'], key);
    const p = new P();
    p.x = 1;
    const r = await runWorker(
      `
      const P = new SharedStructType(['x', 'y'], data.key);
      const p = open(data.t);
      const q = new P();
      q.x = 'q';
      return { isInstance: p instanceof P, ctorIsP: p.constructor === P, x: p.x, q: share(q) };
      `,
      { key, t: share(p) },
    );
    expect(r.isInstance).toBe(true);
    expect(r.ctorIsP).toBe(true);
    expect(r.x).toBe(1);
    const q = open(r.q);
    expect(q instanceof P).toBe(true);
    expect(q.constructor).toBe(P);
    expect(q.x).toBe('q');
  });

  it('correlates a key declared in the worker after it has already seen an instance', async () => {
    const key = uniqueKey('LateDecl');
    const P = new SharedStructType(['x'], key);
    const p = new P();
    const r = await runWorker(
      `
      const p = open(data.t);
      const before = p.constructor;
      const P = new SharedStructType(['x'], data.key);
      return [P === before, p instanceof P];
      `,
      { key, t: share(p) },
    );
    expect(r).toEqual([true, true]);
  });

  it('rejects in a worker a key declared in the main thread with another layout', async () => {
    const key = uniqueKey('Clash');
    new SharedStructType(['x', 'y'], key);
    const r = await runWorker(
      `
      try { new SharedStructType(['y', 'x'], data.key); return 'no error'; }
      catch (e) { return [e.name, e instanceof TypeError, /already registered/.test(e.message)]; }
      `,
      { key },
    );
    expect(r).toEqual(['TypeError', true, true]);
  });

  it('lets the main thread use a type first declared in a worker', async () => {
    const key = uniqueKey('WorkerFirst');
    const token = await runWorker(
      `
      const T = new SharedStructType(['a', 'b'], { key: data.key, elements: true });
      const t = new T(2); t.a = 'A'; t.set(1, 'one');
      return share(t);
      `,
      { key },
    );
    const t = open(token);
    expect(SharedStructType.keys(t)).toEqual(['a', 'b']);
    expect(t.a).toBe('A');
    expect(t[1]).toBe('one');
    const T = new SharedStructType(['a', 'b'], { key, elements: true });
    expect(t instanceof T).toBe(true);
    expect(() => new SharedStructType(['a'], key)).toThrow(TypeError);
  });

  it('lets a thread that never declared a type read, write and enumerate its fields', async () => {
    const Secret = new SharedStructType(['alpha', 'beta'], uniqueKey('Undeclared'));
    const s = new Secret();
    s.alpha = 'a';
    s.beta = 2;
    const r = await runWorker(
      `
      const s = open(data.t);
      const keys = [];
      for (const k in s) keys.push(k);
      const out = {
        alpha: s.alpha, beta: s.beta, keys, entries: SharedStructType.entries(s),
        isStruct: SharedStructType.isSharedStruct(s), ownKeys: Reflect.ownKeys(s).length,
      };
      try { s.gamma = 1; out.strict = 'no error'; } catch (e) { out.strict = e.name; }
      try { s.alpha = {}; out.bad = 'no error'; } catch (e) { out.bad = e.name; }
      s.beta = 'written by worker';
      return out;
      `,
      { t: share(s) },
    );
    expect(r).toEqual({
      alpha: 'a',
      beta: 2,
      keys: ['alpha', 'beta'],
      entries: [
        ['alpha', 'a'],
        ['beta', 2],
      ],
      isStruct: true,
      ownKeys: 0,
      strict: 'TypeError',
      bad: 'TypeError',
    });
    expect(s.beta).toBe('written by worker');
  });

  it('lets a thread that never declared an element type use indices and methods', async () => {
    const E = new SharedStructType(['name'], { key: uniqueKey('Elems'), elements: true });
    const e = new E(4);
    e.name = 'e';
    e.fill(3);
    const r = await runWorker(
      `
      const e = open(data.t);
      const out = { len: e.length, name: e.name, idx: e[2], sum: e.reduce((a, b) => a + b), arr: [...e] };
      e[0] = 'w0';
      e.set(3, 'w3');
      try { e[4] = 1; out.oob = 'no error'; } catch (err) { out.oob = err.name; }
      return out;
      `,
      { t: share(e) },
    );
    expect(r).toEqual({ len: 4, name: 'e', idx: 3, sum: 12, arr: [3, 3, 3, 3], oob: 'RangeError' });
    expect(e.toArray()).toEqual(['w0', 3, 3, 'w3']);
  });

  it('preserves an unkeyed type when instances cross to a worker and come back', async () => {
    const U = new SharedStructType(['v']);
    const u = new U();
    u.v = 'orig';
    const holder = new SharedArray(2);
    holder.set(0, u);
    const r = await runWorker(
      `
      const holder = open(data.t);
      const u = holder.get(0);
      const made = new u.constructor();
      made.v = 'made in worker';
      holder.set(1, made);
      return { back: share(u), made: share(made), madeSameType: made.constructor === u.constructor };
      `,
      { t: share(holder) },
    );
    expect(r.madeSameType).toBe(true);
    expect(open(r.back)).toBe(u);
    const made = open(r.made);
    expect(made).toBe(holder.get(1));
    expect(made instanceof U).toBe(true);
    expect(made.constructor).toBe(U);
    expect(made.v).toBe('made in worker');
  });

  it('keeps two unkeyed types with the same fields distinct in a worker', async () => {
    const A = new SharedStructType(['x']);
    const B = new SharedStructType(['x']);
    const r = await runWorker(
      `
      const a = open(data.a), b = open(data.b), a2 = open(data.a2);
      return [a.constructor === b.constructor, a.constructor === a2.constructor];
      `,
      { a: share(new A()), b: share(new B()), a2: share(new A()) },
    );
    expect(r).toEqual([false, true]);
  });

  it('agrees on one type when several workers declare the same key at once', async () => {
    const key = uniqueKey('Race');
    const tokens = await Promise.all(
      Array.from({ length: 4 }, (_, k) =>
        runWorker(
          `
          const out = [];
          for (let i = 0; i < 50; i++) {
            const T = new SharedStructType(['k', 'i'], data.key);
            const t = new T(); t.k = data.k; t.i = i;
            out.push(share(t));
          }
          return out;
          `,
          { key, k },
        ),
      ),
    );
    const T = new SharedStructType(['k', 'i'], key);
    tokens.forEach((list, k) =>
      list.forEach((tok, i) => {
        const t = open(tok);
        expect(t instanceof T).toBe(true);
        expect([t.k, t.i]).toEqual([k, i]);
      }),
    );
  });

  it('recognises instances with isSharedStruct and isSharedArray in a worker', async () => {
    const T = new SharedStructType(['x']);
    const r = await runWorker(
      `
      const t = open(data.t), a = open(data.a);
      return [SharedStructType.isSharedStruct(t), SharedArray.isSharedArray(a), a instanceof SharedArray,
              SharedArray.isSharedArray(t), SharedStructType.isSharedStruct({})];
      `,
      { t: share(new T()), a: share(SharedArray.of(1)) },
    );
    expect(r).toEqual([true, true, true, false, false]);
  });
});

describe('workers: identity', () => {
  it('gives a worker one wrapper per shared object', async () => {
    const T = new SharedStructType(['child', 'other']);
    const t = new T();
    t.child = new T();
    t.other = t.child;
    const token = share(t);
    const r = await runWorker(
      `
      const t = open(data.t);
      const again = open(data.t);
      const m = new Map([[t.child, 'v']]);
      const wm = new WeakMap([[t.other, 'w']]);
      return [t === again, t.child === t.child, t.child === t.other, m.get(t.other), wm.get(t.child)];
      `,
      { t: token },
    );
    expect(r).toEqual([true, true, true, 'v', 'w']);
  });

  it('returns the original wrapper when an object comes back from a worker', async () => {
    const T = new SharedStructType(['x']);
    const t = new T();
    const back = await runWorker('return share(open(data.t));', { t: share(t) });
    expect(open(back)).toBe(t);
  });

  it('keeps identity for thousands of worker-made objects across jobs in the main thread', async () => {
    const n = 10000;
    const token = await runWorker(
      `
      const T = new SharedStructType(['i']);
      const arr = new SharedArray(data.n);
      for (let i = 0; i < data.n; i++) { const o = new T(); o.i = i; arr.set(i, o); }
      return share(arr);
      `,
      { n },
    );
    const arr = open(token);
    const held = [];
    for (let i = 0; i < n; i++) held.push(arr.get(i));
    await new Promise((r) => setTimeout(r, 0));
    let bad = 0;
    for (let i = 0; i < n; i++) if (arr.get(i) !== held[i] || held[i].i !== i) bad++;
    expect(bad).toBe(0);
  });
});

describe('workers: per-thread prototypes', () => {
  it('gives each thread its own methods on T.prototype', async () => {
    const key = uniqueKey('Proto');
    const P = new SharedStructType(['x'], key);
    P.prototype.who = function who() {
      return `main:${this.x}`;
    };
    const p = new P();
    p.x = 1;
    const r = await runWorker(
      `
      const P = new SharedStructType(['x'], data.key);
      const before = typeof P.prototype.who;
      P.prototype.who = function () { return 'worker:' + this.x; };
      P.prototype.workerOnly = function () { return 'w'; };
      const p = open(data.t);
      return [before, p.who(), p.workerOnly()];
      `,
      { key, t: share(p) },
    );
    expect(r).toEqual(['undefined', 'worker:1', 'w']);
    expect(p.who()).toBe('main:1');
    expect(p.workerOnly).toBeUndefined();
    expect(P.prototype.workerOnly).toBeUndefined();
  });

  it('applies a subclass registered in a worker to instances made by the main thread', async () => {
    const key = uniqueKey('Reg');
    const P = new SharedStructType(['x', 'y'], key);
    const made = [];
    for (let i = 0; i < 3; i++) {
      const p = new P();
      p.x = i;
      p.y = i * 10;
      made.push(p);
    }
    const r = await runWorker(
      `
      const P = new SharedStructType(['x', 'y'], data.key);
      class Vec extends P {
        sum() { return this.x + this.y; }
      }
      SharedStructType.register(Vec);
      const seen = data.tokens.map(open);
      const own = new Vec(); own.x = 100; own.y = 1;
      return {
        allVec: seen.every((v) => v instanceof Vec && v instanceof P),
        sums: seen.map((v) => v.sum()),
        protoIsVec: seen.every((v) => Object.getPrototypeOf(v) === Vec.prototype),
        own: share(own),
      };
      `,
      { key, tokens: made.map((p) => share(p)) },
    );
    expect(r.allVec).toBe(true);
    expect(r.protoIsVec).toBe(true);
    expect(r.sums).toEqual([0, 11, 22]);
    const own = open(r.own);
    // The main thread did not register the subclass: it sees its own class.
    expect(own instanceof P).toBe(true);
    expect(Object.getPrototypeOf(own)).toBe(P.prototype);
    expect(own.sum).toBeUndefined();
    expect(own.x + own.y).toBe(101);
    expect(made[1].sum).toBeUndefined();
  });

  it('applies a subclass registered in the main thread to instances made by a worker', async () => {
    const key = uniqueKey('RegMain');
    const P = new SharedStructType(['name'], key);
    class Named extends P {
      greet() {
        return `hi ${this.name}`;
      }
    }
    SharedStructType.register(Named);
    const token = await runWorker(
      `
      const P = new SharedStructType(['name'], data.key);
      const p = new P(); p.name = 'worker';
      return share(p);
      `,
      { key },
    );
    const p = open(token);
    expect(p instanceof Named).toBe(true);
    expect(p.greet()).toBe('hi worker');
  });
});

describe('workers: shared memory without messages', () => {
  it('lets the main thread observe a worker write by polling a field', async () => {
    const Flag = new SharedStructType(['ready', 'payload']);
    const f = new Flag();
    f.ready = false;
    const w = startWorker(
      `
      const f = open(data.t);
      await recv();
      f.payload = 'written before the flag';
      f.ready = true;
      await recv();
      return 'done';
      `,
      { t: share(f) },
    );
    w.post('go');
    const deadline = Date.now() + 8000;
    while (f.ready !== true && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
    }
    expect(f.ready).toBe(true);
    expect(f.payload).toBe('written before the flag');
    w.post('finish');
    expect(await w.result).toBe('done');
  });

  it('lets a worker spin on a field until the main thread writes it', async () => {
    const Flag = new SharedStructType(['go', 'seen']);
    const f = new Flag();
    f.go = 0;
    const w = startWorker(
      `
      const f = open(data.t);
      send('spinning');
      const deadline = Date.now() + 8000;
      let spins = 0;
      while (f.go !== 1 && Date.now() < deadline) spins++;
      f.seen = f.go;
      return f.go;
      `,
      { t: share(f) },
    );
    expect(await w.next()).toBe('spinning');
    f.go = 1;
    expect(await w.result).toBe(1);
    expect(f.seen).toBe(1);
  });

  it('lets workers fill disjoint slices of one array in parallel', async () => {
    const n = 40000;
    const parts = 4;
    const arr = new SharedArray(n);
    const t = share(arr);
    await Promise.all(
      Array.from({ length: parts }, (_, p) =>
        runWorker(
          `
          const a = open(data.t);
          const from = data.p * data.size, to = from + data.size;
          for (let i = from; i < to; i++) a.set(i, i % 7 === 0 ? 'str' + i : i);
          `,
          { t, p, size: n / parts },
        ),
      ),
    );
    let bad = 0;
    for (let i = 0; i < n; i++) if (arr.get(i) !== (i % 7 === 0 ? `str${i}` : i)) bad++;
    expect(bad).toBe(0);
  });

  it('shares a 100,000-element array with a worker that sums and rewrites it', async () => {
    const n = 100000;
    const a = new SharedArray(n);
    for (let i = 0; i < n; i++) a.set(i, 1);
    const sum = await runWorker(
      `
      const a = open(data.t);
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a.get(i);
      for (let i = 0; i < a.length; i++) a.set(i, i);
      return [a.length, s];
      `,
      { t: share(a) },
    );
    expect(sum).toEqual([n, n]);
    expect(a.get(n - 1)).toBe(n - 1);
    expect(a.get(54321)).toBe(54321);
  });
});

describe('workers: strings and entry points', () => {
  it('reads thousands of distinct strings written by another thread, in any order', async () => {
    const n = 20000;
    const a = new SharedArray(n);
    for (let i = 0; i < n; i++) a.set(i, `main-${i}-${'z'.repeat(i % 13)}`);
    const bad = await runWorker(
      `
      const a = open(data.t);
      const n = a.length;
      let bad = 0;
      // Forward, backward and strided passes, twice, to exercise the read cache.
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < n; i++) if (a.get(i) !== 'main-' + i + '-' + 'z'.repeat(i % 13)) bad++;
        for (let i = n - 1; i >= 0; i--) if (a.get(i) !== 'main-' + i + '-' + 'z'.repeat(i % 13)) bad++;
        for (let s = 0; s < 7; s++) for (let i = s; i < n; i += 7) if (a.get(i) !== 'main-' + i + '-' + 'z'.repeat(i % 13)) bad++;
      }
      // Overwrite with strings made in this thread.
      for (let i = 0; i < n; i++) a.set(i, 'worker-' + (n - i));
      return bad;
      `,
      { t: share(a) },
    );
    expect(bad).toBe(0);
    let mismatches = 0;
    for (let i = 0; i < n; i++) if (a.get(i) !== `worker-${n - i}`) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('exposes the same objects through the ESM entry point in a worker', async () => {
    const r = await runWorker(
      `
      const { pathToFileURL } = require('url');
      const m = await import(pathToFileURL(data.mjs).href);
      const t = open(data.t);
      return [m.SharedStructType === SharedStructType, m.SharedArray === SharedArray, m.share === share,
              m.open === open, m.default === ss, t instanceof m.SharedArray, m.open(data.t) === t];
      `,
      { mjs: INDEX.replace(/index\.js$/, 'index.mjs'), t: share(SharedArray.of(1)) },
    );
    expect(r).toEqual([true, true, true, true, true, true, true]);
  });
});
