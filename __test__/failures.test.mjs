import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, Mutex, SharedMap, share, open } = require('../index.js');
const { runWorker, startWorker, runChild, uniqueKey, INDEX } = require('./helpers.js');

/** Polls (yielding to the event loop) until `cond()` holds or `ms` pass. */
async function waitFor(cond, ms = 8000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setImmediate(r));
  }
}

describe('terminating workers that hold shared objects', () => {
  it('survives terminating a worker that is writing to shared objects in a loop', async () => {
    const key = uniqueKey('Busy');
    const S = new SharedStructType(['count', 'text', 'child', 'big'], key);
    const s = new S();
    s.count = 0;
    const arr = new SharedArray(64);
    const w = startWorker(
      `
      const s = open(data.s), arr = open(data.arr);
      const S = new SharedStructType(['count', 'text', 'child', 'big'], data.key);
      send('started');
      for (let i = 0; ; i++) {
        s.count = i;
        arr.set(i & 63, i);
        if ((i & 1023) === 0) {
          // Allocate now and then: strings, bigints and structs in this thread's buffer.
          s.text = 'iteration ' + i;
          s.big = BigInt(i) * 3n;
          const c = new S(); c.count = i; s.child = c;
        }
      }
      `,
      { s: share(s), arr: share(arr), key },
    );
    expect(await w.next()).toBe('started');
    await waitFor(() => s.count > 5000);
    const code = await w.terminate();
    expect(code).toBe(1);

    // The main thread carries on: reads, writes and allocates.
    expect(typeof s.count).toBe('number');
    expect(s.text === undefined || s.text.startsWith('iteration ')).toBe(true);
    expect(s.child === undefined || s.child instanceof S).toBe(true);
    s.count = 'main again';
    s.text = 'written after terminate';
    s.child = new S();
    s.child.count = -1;
    arr.fill(7);
    expect(s.count).toBe('main again');
    expect(s.text).toBe('written after terminate');
    expect(s.child.count).toBe(-1);
    expect(arr.reduce((a, b) => a + b)).toBe(7 * 64);
  });

  it('lets a new worker use objects a terminated worker was writing', async () => {
    const S = new SharedStructType(['v', 'w']);
    const s = new S();
    s.v = 0;
    const t = share(s);
    const busy = startWorker(
      `
      const s = open(data.t);
      send('started');
      for (let i = 1; ; i++) s.v = i;
      `,
      { t },
    );
    expect(await busy.next()).toBe('started');
    await waitFor(() => s.v > 1000);
    await busy.terminate();
    const last = s.v;
    const r = await runWorker('const s = open(data.t); const seen = s.v; s.w = "fresh worker"; return seen;', { t });
    expect(r).toBe(last);
    expect(s.w).toBe('fresh worker');
  });

  it('keeps objects created by a terminated worker readable', async () => {
    const w = startWorker(`
      const T = new SharedStructType(['name', 'items']);
      const t = new T();
      t.name = 'made by doomed worker';
      t.items = SharedArray.from(['a', 'b', 3n]);
      send(share(t));
      for (;;) { t.items.set(0, 'a'); }
    `);
    const token = await w.next();
    await w.terminate();
    const t = open(token);
    expect(t.name).toBe('made by doomed worker');
    expect(t.items.toArray()).toEqual(['a', 'b', 3n]);
    t.name = 'adopted';
    expect(t.name).toBe('adopted');
  });

  it('survives terminating several allocating workers at once', async () => {
    const out = new SharedArray(4);
    const workers = Array.from({ length: 4 }, (_, k) =>
      startWorker(
        `
        const out = open(data.t);
        const T = new SharedStructType(['i', 's']);
        send('started');
        for (let i = 0; ; i++) {
          const o = new T(); o.i = i; if ((i & 255) === 0) o.s = 'k' + data.k + '-' + i;
          out.set(data.k, o);
        }
        `,
        { t: share(out), k },
      ),
    );
    for (const w of workers) expect(await w.next()).toBe('started');
    await waitFor(() => out.every((o) => o !== undefined && o.i > 1000));
    const codes = await Promise.all(workers.map((w) => w.terminate()));
    expect(codes).toEqual([1, 1, 1, 1]);
    for (let k = 0; k < 4; k++) {
      const o = out.get(k);
      expect(typeof o.i).toBe('number');
    }
    // Allocation in the main thread still works and does not clobber the workers' objects.
    const snapshot = out.map((o) => o.i);
    const T = new SharedStructType(['x']);
    for (let i = 0; i < 1000; i++) new T().x = `after ${i}`;
    expect(out.map((o) => o.i)).toEqual(snapshot);
  });

  it('survives a worker that throws while holding shared objects', async () => {
    const S = new SharedStructType(['v']);
    const s = new S();
    await expect(
      runWorker(
        `
        const s = open(data.t);
        s.v = 'written before the throw';
        throw new Error('worker crashed');
        `,
        { t: share(s) },
      ),
    ).rejects.toThrow(/worker crashed/);
    expect(s.v).toBe('written before the throw');
    s.v = 'still writable';
    expect(s.v).toBe('still writable');
  });

  it('survives a worker that calls process.exit while holding shared objects', async () => {
    const S = new SharedStructType(['v']);
    const s = new S();
    await expect(runWorker('open(data.t).v = 99; process.exit(3);', { t: share(s) })).rejects.toThrow(/exited with code 3/);
    expect(s.v).toBe(99);
  });
});

describe('error paths', () => {
  it('reports the TypeError of a bad store inside a worker with the field name', async () => {
    const key = uniqueKey('Bad');
    const P = new SharedStructType(['x'], key);
    const r = await runWorker(
      `
      const p = open(data.t);
      try { p.x = { plain: true }; return 'stored'; } catch (e) { return [e.name, e.message]; }
      `,
      { t: share(new P()) },
    );
    expect(r[0]).toBe('TypeError');
    expect(r[1]).toContain(`${key}.x`);
    expect(r[1]).toContain('plain object');
  });

  it('does not let an exception in a field write leave a half-written value', () => {
    const P = new SharedStructType(['x']);
    const p = new P();
    p.x = 'original';
    for (const bad of [{}, [], () => {}, Symbol('s')]) {
      expect(() => {
        p.x = bad;
      }).toThrow(TypeError);
      expect(p.x).toBe('original');
    }
  });

  it('keeps working after a failed declaration with a conflicting key', () => {
    const key = uniqueKey('Conflict');
    const A = new SharedStructType(['a'], key);
    expect(() => new SharedStructType(['b'], key)).toThrow(TypeError);
    const a = new A();
    a.a = 1;
    expect(a.a).toBe(1);
    expect(new SharedStructType(['a'], key)).toBe(A);
  });

  it('rejects struct accessors called on anything but an instance of their type', () => {
    const P = new SharedStructType(['x']);
    const Big = new SharedStructType(Array.from({ length: 16 }, (_, i) => `f${i}`));
    const E = new SharedStructType(['pos'], { elements: true });
    const p = new P();
    p.x = 5;
    // Small structs laid out back to back: a Big accessor applied to one of them would reach
    // into its neighbours (and their headers) if the receiver were not checked.
    const smalls = Array.from({ length: 20 }, (_, i) => {
      const s = new P();
      s.x = `s${i}`;
      return s;
    });
    const m = new Mutex();
    const map = new SharedMap([['k', 1]]);
    const sym = Object.getOwnPropertySymbols(p)[0];
    const forged = { [sym]: p[sym] };
    const { get, set } = Object.getOwnPropertyDescriptor(P.prototype, 'x');
    const big = (k) => Object.getOwnPropertyDescriptor(Big.prototype, k);
    for (const recv of [{}, forged, Object.create(P.prototype), smalls[3], m, map, new E(2)]) {
      if (!(recv instanceof P)) {
        expect(() => get.call(recv)).toThrow(/\.x: called on .*not an instance of this struct type/);
        expect(() => set.call(recv, 1)).toThrow(TypeError);
      }
      expect(() => big('f9').get.call(recv)).toThrow(/\.f9: called on/);
      expect(() => big('f9').set.call(recv, 424242)).toThrow(TypeError);
      expect(() => Reflect.get(new Big(), 'f3', recv)).toThrow(TypeError);
      if (!(recv instanceof E)) {
        expect(() => E.prototype.get.call(recv, 0)).toThrow(TypeError);
        expect(() => E.prototype.set.call(recv, 0, 1)).toThrow(TypeError);
        expect(() => Object.getOwnPropertyDescriptor(E.prototype, 'length').get.call(recv)).toThrow(TypeError);
      }
    }
    // Primitive receivers (Reflect.get/apply with this = a primitive) get the same message.
    for (const recv of [5, 'str', null, undefined, 1n, true]) {
      expect(() => get.call(recv)).toThrow(/\.x: called on .*not an instance of this struct type/);
      expect(() => set.call(recv, 1)).toThrow(/\.x: called on .*not an instance of this struct type/);
      expect(() => E.prototype.get.call(recv, 0)).toThrow(/\.get: called on .*not an instance/);
      expect(() => E.prototype.set.call(recv, 0, 1)).toThrow(/\.set: called on .*not an instance/);
      expect(() => Object.getOwnPropertyDescriptor(E.prototype, 'length').get.call(recv)).toThrow(/\.length: called on/);
      for (const k of ['get', 'has', 'set']) expect(() => SharedMap.prototype[k].call(recv, 'k', 1)).toThrow(/receiver is not a SharedMap/);
    }
    expect(smalls.map((s) => s.x)).toEqual(smalls.map((_, i) => `s${i}`));
    expect(map.get('k')).toBe(1);
    expect(Mutex.tryLock(m, () => 'free').success).toBe(true);
    expect(p.x).toBe(5);
  });

  it('gives clear errors for bad SharedMap entries, forged unlock tokens and numeric field names in atomics', () => {
    const { UnlockToken, atomics } = require('../index.js');
    expect(() => new SharedMap([1])).toThrow(/iterator value a number is not an entry object/);
    expect(() => new SharedMap(5)).toThrow(/is not iterable/);
    expect(() => new UnlockToken()).toThrow(/not constructible/);
    expect(() => new UnlockToken(new Mutex(), () => {})).toThrow(TypeError);
    const T = new SharedStructType(['b', '0']);
    const o = new T();
    o[0] = 5;
    expect(atomics.add(o, 0, 2)).toBe(5);
    expect(atomics.load(o, '0')).toBe(7);
    expect(() => Mutex.lockWithTimeout(new Mutex(), () => 1, NaN)).toThrow(/got NaN/);
    // Element methods on something that is not an element wrapper.
    const proto = SharedArray.prototype;
    expect(() => [...proto[Symbol.iterator].call({})]).toThrow(/not a SharedArray or a struct with elements/);
    expect(() => proto.join.call([1, 2])).toThrow(TypeError);
    expect(() => proto.indexOf.call({ length: 3 }, 1)).toThrow(TypeError);
    expect(proto.join.call(SharedArray.of(1, 2))).toBe('1,2');
  });

  it('rejects raw binding calls with another thread id or a forged block (errors, not an abort)', () => {
    const binding = require('../binding.js');
    const { TID } = require('../lib/runtime.js');
    const other = TID + 1000000;
    expect(() => binding.bindThreadBlock(TID, 0x80000000)).toThrow(/is not the thread block of thread/);
    expect(() => binding.collect(other)).toThrow(/is not the calling thread's/);
    expect(() => binding.allocTlab(other, 4)).toThrow(/is not the calling thread's/);
    expect(() => binding.allocLarge(other, 10000)).toThrow(/is not the calling thread's/);
    expect(() => binding.rootBitmap(other)).toThrow(/is not the calling thread's/);
    expect(() => binding.arenasWeak([1], [{}, {}].slice(0, 0))).toThrow();
    // The library still works.
    const P = new SharedStructType(['x']);
    const p = new P();
    p.x = 1;
    expect(p.x).toBe(1);
  });

  it('loads in a fresh process with default settings', () => {
    const r = runChild(`
      const T = new ss.SharedStructType(['x']);
      const t = new T(); t.x = 'ok';
      console.log(t.x);
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('ok');
  });

  it('lets worker and main declare many types concurrently without mixing them up', async () => {
    const base = uniqueKey('Many');
    const mine = [];
    const worker = runWorker(
      `
      const out = [];
      for (let i = 0; i < 200; i++) {
        const T = new SharedStructType(['w' + i], data.base + '_w' + i);
        const t = new T(); t['w' + i] = i;
        out.push(share(t));
      }
      return out;
      `,
      { base },
    );
    for (let i = 0; i < 200; i++) {
      const T = new SharedStructType([`m${i}`], `${base}_m${i}`);
      const t = new T();
      t[`m${i}`] = i;
      mine.push(t);
    }
    const tokens = await worker;
    tokens.forEach((tok, i) => {
      const t = open(tok);
      expect(SharedStructType.keys(t)).toEqual([`w${i}`]);
      expect(t[`w${i}`]).toBe(i);
    });
    mine.forEach((t, i) => expect(SharedStructType.keys(t)).toEqual([`m${i}`]));
  });
});

describe('proxies and constructor names in errors', () => {
  it('predicates answer false for a Proxy (revoked or throwing), and storing one is our TypeError', () => {
    const ss = require('../index.js');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const trapping = new Proxy({}, { get() { throw new Error('trap'); } });
    for (const p of [proxy, trapping]) {
      expect(ss.canBeShared(p)).toBe(false);
      expect(ss.SharedArray.isSharedArray(p)).toBe(false);
      expect(ss.SharedStructType.isSharedStruct(p)).toBe(false);
    }
    // A Proxy of a genuine wrapper is not one either.
    expect(ss.SharedArray.isSharedArray(new Proxy(ss.SharedArray.of(1), {}))).toBe(false);
    const P = new ss.SharedStructType(['x'], 'ProxyStoreP');
    const p = new P();
    expect(() => {
      p.x = proxy;
    }).toThrow(/^ProxyStoreP\.x: cannot store/);
  });

  it('a struct constructor called without new names its type', () => {
    const ss = require('../index.js');
    const Point = new ss.SharedStructType(['x'], 'Point');
    expect(() => Point()).toThrow("Class constructor Point cannot be invoked without 'new'");
  });

  it('register(Sub) makes new T() a Sub whatever the type is called (names the generated code also uses)', () => {
    // In a process of its own: under the threads pool, other files declare keys such as 'a'.
    const r = runChild(
      `
      const bad = [];
      for (const key of ['o', 'a', 'b', 'u', 'n', 'x', 'F64', 'Point2']) {
        const T = new ss.SharedStructType(['x'], key);
        class Sub extends T {}
        ss.SharedStructType.register(Sub);
        if (!(new T() instanceof Sub)) bad.push(key);
      }
      console.log(JSON.stringify(bad));
      `,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe('builtins patched by the program', () => {
  it('decode long strings and big bigints without calling them', () => {
    // A string or bigint being decoded is pinned by one cell only: a patched builtin called
    // in the middle of the copy could run code that unpins and frees it.
    const r = runChild(
      `
      const a = new ss.SharedArray(2);
      const s = 'x'.repeat(20000) + '\\ud800' + 'y'.repeat(9000);
      const big = -(3n ** 20000n);
      a.set(0, s);
      a.set(1, big);
      let calls = 0;
      const trap = function () { calls++; throw new Error('patched builtin called'); };
      Function.prototype.apply = trap;
      Object.getPrototypeOf(Uint16Array.prototype).subarray = trap;
      String.prototype.padStart = trap;
      BigInt.prototype.toString = trap;
      Array.prototype.join = trap;
      ss.gc(); // empties this thread's string read cache: the reads below decode again
      const ok = [a.get(0) === s, a.get(1) === big];
      console.log(JSON.stringify({ ok, calls }));
      `,
      {},
      { timeout: 30000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual({ ok: [true, true], calls: 0 });
  });
});

describe('builtins patched by the program, while wrappers are made', () => {
  it('keeps the object alive and calls none of them', () => {
    // queueMicrotask (first wrapper of a job), Reflect.construct (registered subclasses),
    // Math.imul (long probes), Object.freeze (taken when a type's class was built) and the
    // arena bookkeeping's push/fill were looked up at each call while a wrapper was made: a
    // replacement could read, unlink and collect the object, or make wrappers itself (the
    // table then named another wrapper).
    const r = runChild(
      `
      let reading = false;
      let calls = 0;
      let damage = () => {};
      const hook = () => { if (reading) { reading = false; calls++; damage(); } };
      const qm = globalThis.queueMicrotask, rc = Reflect.construct, imul = Math.imul;
      const freeze = Object.freeze, push = Array.prototype.push, fill = Object.getPrototypeOf(Int32Array.prototype).fill;
      globalThis.queueMicrotask = (cb) => { hook(); return qm(cb); };
      Reflect.construct = (...a) => { hook(); return rc(...a); };
      Math.imul = (a, b) => { hook(); return imul(a, b); };
      Object.freeze = (o) => { hook(); return freeze(o); };
      Array.prototype.push = function (...a) { hook(); return push.apply(this, a); };
      Object.getPrototypeOf(Int32Array.prototype).fill = function (...a) { hook(); return fill.apply(this, a); };
      // Declared after the patches: the class is built now.
      const arr = new ss.SharedArray(1);
      const other = new ss.SharedArray(1);
      const T = new ss.SharedStructType(['a', 'b'], 'PatchedProbe');
      class Sub extends T {}
      ss.SharedStructType.register(Sub);
      damage = () => { other.get(0); arr.set(0, null); const z = new T(); z.a = 'made in the hook'; ss.gc(); };
      // Made in a job of their own, so that their wrappers (an arena of their own) can die.
      setTimeout(() => {
        for (let i = 0; i < 300; i++) new T();
        const t = new T(); t.a = 'original'; t.b = 1; arr.set(0, t);
        for (let i = 0; i < 300; i++) new T();
        other.set(0, new ss.SharedArray(3));
        setTimeout(() => {
          ss.gc(); // the wrappers are gone: the reads below make new ones
          setTimeout(() => {
            reading = true;
            let s, err = null;
            try { s = arr.get(0); } catch (e) { err = e.message; }
            reading = false;
            const U = new ss.SharedStructType(['x', 'y'], 'PatchedReuse');
            const keep = [];
            for (let i = 0; i < 100000; i++) { const u = new U(); u.x = 'reused-' + i; u.y = i; keep.push(u); }
            let out;
            try { out = err !== null ? err : s === null ? null : [s.a, s.b, s instanceof Sub, arr.get(0) === s]; } catch (e) { out = String(e); }
            console.log(JSON.stringify({ out, calls }));
            process.exit(0);
          }, 10);
        }, 10);
      }, 10);
      `,
      {},
      { timeout: 30000, nodeArgs: ['--expose-gc'] },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual({ out: ['original', 1, true, true], calls: 0 });
  });
});

describe('program code reached inside the library', () => {
  it('never frees a half-made object or a string being written (setters on Object.prototype, replaced charCodeAt)', () => {
    // A setter on Object.prototype ran in the arena bookkeeping of a constructor, and a
    // replaced String.prototype.charCodeAt in a string's copy: code there that made and
    // collected shared objects freed the object being constructed (or the string being
    // written), and the wrapper (or the slot) then named freed memory.
    const r = runChild(
      `
      const T = new ss.SharedStructType(['x', 's'], 'ReachedInside');
      let armed = false, fired = 0, errors = [];
      const damage = () => { try { const j = new T(); j.x = 1; ss.gc(); } catch (e) { errors.push(e.constructor.name); } };
      Object.defineProperty(Object.prototype, 'w', {
        configurable: true,
        set(v) {
          Object.defineProperty(this, 'w', { value: v, writable: true, enumerable: true, configurable: true });
          if (armed) { armed = false; fired++; damage(); }
        },
      });
      const keep = [];
      armed = true;
      let victim;
      for (let k = 0; k < 600; k++) { victim = new T(); victim.x = k; keep.push(victim); }
      armed = false;
      delete Object.prototype.w;
      const victimOk = keep.every((t, k) => t.x === k);
      const t = new T();
      const orig = String.prototype.charCodeAt;
      let writeError = null;
      armed = true;
      String.prototype.charCodeAt = function (k) { if (armed) { armed = false; damage(); } return orig.call(this, k); };
      try { t.s = 'written while charCodeAt is replaced'; } catch (e) { writeError = e.constructor.name; }
      String.prototype.charCodeAt = orig;
      ss.gc();
      const U = new ss.SharedStructType(['a'], 'ReachedReuse');
      for (let i = 0; i < 20000; i++) { const u = new U(); u.a = 'reused-' + i; keep.push(u); }
      let s;
      try { s = t.s; } catch (e) { s = 'threw ' + e.message; }
      console.log(JSON.stringify({ victimOk, s, writeError }));
      `,
      {},
      { timeout: 30000, nodeArgs: ['--expose-gc'] },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out.victimOk).toBe(true);
    // The write either completed or failed cleanly: the slot never names freed memory.
    if (out.writeError === null) expect(out.s).toBe('written while charCodeAt is replaced');
    else expect([out.writeError, out.s]).toEqual(['TypeError', undefined]);
  });
});

describe('scripts stopped by a vm timeout inside the library', () => {
  it('leave shared objects usable in the same job', () => {
    // A vm timeout unwinds the library's frames without running their `finally`: the pin and
    // bookkeeping state they had raised stayed raised, and every later write (or, after a
    // few, every read of a long string) in the same job threw.
    const r = runChild(
      `
      const vm = require('vm');
      const T = new ss.SharedStructType(['a', 'b'], 'VmTimeout');
      const long = new ss.SharedArray(64);
      for (let i = 0; i < 64; i++) long.set(i, String(i).padStart(8000, 'x'));
      ss.gc(); // empties the string read cache: the reads below copy
      const ctx = vm.createContext({ ss, long });
      const scripts = [
        '{ const a = new ss.SharedArray(1000); for (let i = 0;; i++) a.set(i % 1000, "str" + i); }',
        '{ const a = new ss.SharedArray(1000); for (let i = 0;; i++) a.set(i % 1000, 2n ** 700n + BigInt(i)); }',
        '{ let n = 0; for (let i = 0;; i++) n += long.get(i % 64).length; }',
      ];
      let fails = 0;
      const errors = [];
      for (let trial = 0; trial < 45; trial++) {
        try { vm.runInContext(scripts[trial % 3], ctx, { timeout: 10 }); } catch (e) { if (!/timed out/.test(e.message)) errors.push(e.message); }
        try {
          const t = new T();
          t.a = 'after' + trial;
          t.b = 2n ** 600n + BigInt(trial);
          if (long.get(trial % 64).length !== 8000) throw new Error('bad read');
        } catch (e) {
          fails++;
          errors.push(e.message);
        }
      }
      console.log(JSON.stringify({ fails, errors: errors.slice(0, 3) }));
      `,
      {},
      { timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual({ fails: 0, errors: [] });
  });
});

describe('user code run while a type loads', () => {
  it('keeps the object being wrapped alive when loading its type runs user code that reads, unlinks and collects', () => {
    // A has trap on the global object's prototype chain runs inside the first read of a
    // type made by another thread (loading the type checks names against the global
    // object). It reads another shared reference (which cleared the pin of the object being
    // wrapped), unlinks that object and collects: the wrapper used to be made over freed,
    // then reused, memory.
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const arr = new ss.SharedArray(1);
      const other = new ss.SharedArray(1);
      let armed = false;
      const orig = Object.getPrototypeOf(globalThis);
      Object.setPrototypeOf(globalThis, new Proxy(orig, { has(t, k) {
        if (armed && k === 'LoadProbe') {
          armed = false;
          other.get(0);
          arr.set(0, null);
          process._tickCallback(); // runs the microtasks queued so far, here, synchronously
          ss.gc();
        }
        return Reflect.has(t, k);
      } }));
      const w = new Worker(\`const ss = require(\${JSON.stringify(require.resolve(${JSON.stringify(INDEX)}))}); const { workerData, parentPort } = require('worker_threads');
        const T = new ss.SharedStructType(['a', 'b'], 'LoadProbe'); const arr = ss.open(workerData[0]); const other = ss.open(workerData[1]);
        for (let i = 0; i < 300; i++) new T();
        const t = new T(); t.a = 'original'; t.b = 1; arr.set(0, t);
        for (let i = 0; i < 300; i++) new T();
        other.set(0, new ss.SharedArray(3)); parentPort.postMessage(1);\`, { eval: true, workerData: [ss.share(arr), ss.share(other)] });
      w.on('message', () => {
        w.terminate().then(() => setTimeout(() => {
          armed = true;
          const s = arr.get(0);
          const U = new ss.SharedStructType(['x', 'y'], 'Other');
          const keep = [];
          for (let i = 0; i < 50000; i++) { const u = new U(); u.x = 'reused-' + i; u.y = i; keep.push(u); }
          let out;
          try { out = [s.a, s.b, armed]; } catch (e) { out = String(e); }
          console.log(JSON.stringify(out));
          process.exit(0);
        }, 10));
      });
      `,
      {},
      { timeout: 30000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toEqual(['original', 1, false]);
  });
});
