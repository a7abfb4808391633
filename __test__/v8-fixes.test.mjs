// Issue 17, fixes 1-6: code written for `node --harmony-struct` meets these in the library
// itself (without the polyfill). Each test fails on the library before the fix.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, Mutex, Condition, SharedMutex, AbandonedMutexError, atomics, share } = require('../index.js');
const { spawn, run, killAll, withTimeout, sleep, until, uniqueKey, INDEX } = require('./sync-helpers.js');
const { runChild } = require('./helpers.js');

afterEach(() => killAll());

const state = (x) => JSON.parse(JSON.stringify(x)); // toJSON of a lock: its inspect state

describe('fix 1: a try on a lock this thread holds fails instead of throwing', () => {
  it('tryLock returns { success: false } (callback not called) inside lock, with a token, and right after lockAsync took the lock; lockIfAvailable returns null', async () => {
    const out = await run(`
      const m = new Mutex();
      const calls = [];
      const out = {};
      out.inLock = Mutex.lock(m, () => Mutex.tryLock(m, () => calls.push('inLock')));
      const t = Mutex.lock(m);
      out.withToken = Mutex.tryLock(m, () => calls.push('withToken'));
      out.ifAvailable = Mutex.lockIfAvailable(m);
      out.withTimeout0 = Mutex.lockWithTimeout(m, () => calls.push('withTimeout0'), 0);
      t.unlock();
      // V8's pattern: lockAsync takes a free lock at once and calls back in a later microtask.
      const p = Mutex.lockAsync(m, () => 42);
      out.afterLockAsync = Mutex.tryLock(m, () => calls.push('afterLockAsync'));
      out.lockAsync = await p;
      out.free = Mutex.tryLock(m, () => 'free');
      out.calls = calls;
      return out;
    `);
    expect(out).toEqual({
      inLock: { success: false, value: undefined },
      withToken: { success: false, value: undefined },
      ifAvailable: null,
      withTimeout0: { success: false, value: undefined },
      afterLockAsync: { success: false, value: undefined },
      lockAsync: { success: true, value: 42 },
      free: { success: true, value: 'free' },
      calls: [],
    });
  });

  it('SharedMutex tries fail the same way on a hold of this thread (exclusive or shared), and a try still succeeds across threads once free', async () => {
    const m = new SharedMutex();
    const out = await run(
      `
      const m = open(data.m);
      const out = {};
      out.exclusiveInExclusive = SharedMutex.lock(m, () => SharedMutex.tryLock(m, () => 'ran'));
      out.sharedInExclusive = SharedMutex.lock(m, () => SharedMutex.tryLockShared(m, () => 'ran'));
      out.exclusiveInShared = SharedMutex.lockShared(m, () => SharedMutex.tryLock(m, () => 'ran'));
      out.ifAvailableInShared = SharedMutex.lockShared(m, () => SharedMutex.lockIfAvailable(m));
      return out;
      `,
      { m: share(m) },
    );
    const failed = { success: false, value: undefined };
    expect(out).toEqual({ exclusiveInExclusive: failed, sharedInExclusive: failed, exclusiveInShared: failed, ifAvailableInShared: null });
    expect(SharedMutex.tryLock(m, () => 'main')).toEqual({ success: true, value: 'main' });
  });

  it('blocking forms on a lock this thread holds still throw TypeError (they would deadlock)', () => {
    const m = new Mutex();
    Mutex.lock(m, () => {
      expect(() => Mutex.lock(m, () => 1)).toThrow(/already holds/);
      expect(() => Mutex.lockWithTimeout(m, () => 1, 100)).toThrow(TypeError);
      expect(() => Mutex.lockIfAvailable(m, 100)).toThrow(TypeError);
    });
  });
});

describe('fix 2: lockWithTimeout needs its timeout', () => {
  it('Mutex.lockWithTimeout(m, cb) without a timeout throws TypeError at once, even while another thread holds the lock (it used to wait forever)', async () => {
    const m = new Mutex();
    const sm = new SharedMutex();
    const t = Mutex.lock(m);
    const tw = SharedMutex.lock(sm);
    try {
      const out = await withTimeout(
        run(
          `
          const m = open(data.m), sm = open(data.sm);
          const out = [];
          let ran = false;
          for (const f of [() => Mutex.lockWithTimeout(m, () => (ran = true)), () => SharedMutex.lockWithTimeout(sm, () => (ran = true)), () => SharedMutex.lockSharedWithTimeout(sm, () => (ran = true))]) {
            try { out.push(['returned', f()]); } catch (e) { out.push([e.name, /timeout/.test(e.message)]); }
          }
          return { out, ran };
          `,
          { m: share(m), sm: share(sm) },
          { timeout: 8000 },
        ),
        9000,
        'lockWithTimeout without a timeout',
      );
      expect(out).toEqual({ out: [['TypeError', true], ['TypeError', true], ['TypeError', true]], ran: false });
    } finally {
      t.unlock();
      tw.unlock();
    }
    expect(() => Mutex.lockWithTimeout(m, () => 1, 'soon')).toThrow(TypeError);
    expect(Mutex.lockWithTimeout(m, () => 'inf', Infinity)).toEqual({ success: true, value: 'inf' });
  });
});

describe('fix 3: abandoned mutexes through callback forms', () => {
  it("V8's `while (!tryLock(m, f).success) {}` takes a mutex whose holder was terminated mid-callback; f is told once, and the mutex is free afterwards", async () => {
    const m = new Mutex();
    const w = spawn('const m = open(data.m); Mutex.lock(m, () => { send("looping"); for (;;) {} });', { m: share(m) });
    expect(await w.next()).toBe('looping');
    await withTimeout(w.terminate(), 5000, 'terminate');
    const calls = [];
    const deadline = Date.now() + 5000;
    let r;
    while (!(r = Mutex.tryLock(m, (...a) => calls.push(a))).success) {
      if (Date.now() > deadline) throw new Error('tryLock never succeeded');
    }
    expect(r).toEqual({ success: true, value: 1, abandoned: true });
    expect(calls).toEqual([[true]]);
    // Not left holding it: the next locks (any form) behave normally.
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(Mutex.lockWithTimeout(m, (...a) => a, 1000)).toEqual({ success: true, value: [] });
    expect(await run('return Mutex.tryLock(open(data.m), () => "worker");', { m: share(m) })).toEqual({ success: true, value: 'worker' });
  });

  it('lock, tryLock, lockWithTimeout and lockAsync each run the callback told (cb(true)), report abandoned: true, and release; the token forms keep AbandonedMutexError', async () => {
    const ms = Array.from({ length: 5 }, () => new Mutex());
    await run('for (const t of data.ms) Mutex.lock(open(t)); return "exiting holding 5 mutexes";', { ms: ms.map(share) });
    const [a, b, c, d, e] = ms;
    const seen = [];
    const cb = (name) => (...args) => (seen.push([name, args, state(ms[seen.length]).heldByThisThread]), name);
    // lockWithTimeout first: bounded, and once it has seen the dead owner the others cannot block.
    expect(Mutex.lockWithTimeout(a, cb('lockWithTimeout'), 5000)).toEqual({ success: true, value: 'lockWithTimeout', abandoned: true });
    expect(Mutex.lock(b, cb('lock'))).toBe('lock');
    expect(Mutex.tryLock(c, cb('tryLock'))).toEqual({ success: true, value: 'tryLock', abandoned: true });
    expect(await withTimeout(Mutex.lockAsync(d, cb('lockAsync'), 5000), 6000)).toEqual({ success: true, value: 'lockAsync', abandoned: true });
    expect(seen).toEqual([
      ['lockWithTimeout', [true], true],
      ['lock', [true], true],
      ['tryLock', [true], true],
      ['lockAsync', [true], true],
    ]);
    for (const m of [a, b, c, d]) {
      expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
      expect(Mutex.tryLock(m, (...args) => args.length)).toEqual({ success: true, value: 0 }); // told once only
    }
    let err;
    try {
      Mutex.lock(e);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(AbandonedMutexError);
    expect(err.token.locked).toBe(true);
    expect(err.token.unlock()).toBe(true);
  });
});

describe('fix 4: a Condition.waitAsync that is not awaited', () => {
  it('lockAsync(m, async () => { Condition.waitAsync(cv, m); ... }) resolves, leaves the mutex free and the wait dropped', async () => {
    const m = new Mutex();
    const cv = new Condition();
    let finished = false;
    let wait;
    const r = await withTimeout(
      Mutex.lockAsync(m, async () => {
        wait = Condition.waitAsync(cv, m);
        finished = true;
      }),
      5000,
      'lockAsync',
    );
    expect(r).toEqual({ success: true, value: undefined });
    expect(finished).toBe(true);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(await withTimeout(wait, 5000, 'the dropped wait')).toBe(true);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(state(cv)).toEqual({ waiters: 0 });
    expect(Condition.notify(cv)).toBe(0);
    // A worker can take the mutex: nobody holds it behind the scenes.
    expect(await run('return Mutex.tryLock(open(data.m), () => "worker");', { m: share(m) })).toEqual({ success: true, value: 'worker' });
  });

  it('the same in a callback form and with a token: the hold ends without "cannot unlock", and the wait is dropped', async () => {
    const m = new Mutex();
    const cv = new Condition();
    let w1;
    expect(Mutex.lock(m, () => ((w1 = Condition.waitAsync(cv, m)), 'returned'))).toBe('returned');
    const t = Mutex.lock(m);
    const w2 = Condition.waitAsync(cv, t);
    expect(t.unlock()).toBe(true);
    expect(t.locked).toBe(false);
    expect(await withTimeout(Promise.all([w1, w2]), 5000, 'the dropped waits')).toEqual([true, true]);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(state(cv)).toEqual({ waiters: 0 });
  });

  it('the end of a lockAsync whose wait was not awaited does not release the lock another lockAsync of the same thread took meanwhile', async () => {
    const m = new Mutex();
    const cv = new Condition();
    let open2;
    const gate = new Promise((r) => (open2 = r));
    const p1 = Mutex.lockAsync(m, async () => {
      Condition.waitAsync(cv, m); // releases m: p2 gets it
      await sleep(50);
      return 'first';
    });
    const p2 = Mutex.lockAsync(m, async () => {
      await gate;
      return 'second';
    });
    expect(await withTimeout(p1, 5000, 'the first lockAsync')).toEqual({ success: true, value: 'first' });
    // p2 holds m across its await: a worker cannot take it.
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(await run('return Mutex.tryLock(open(data.m), () => "worker");', { m: share(m) })).toEqual({ success: false, value: undefined });
    open2();
    expect(await withTimeout(p2, 5000, 'the second lockAsync')).toEqual({ success: true, value: 'second' });
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
  });

  it('a token whose wait (given the Mutex itself) was not awaited does not release, on unlock(), the lock a lockAsync of the same thread took meanwhile', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const t = Mutex.lock(m);
    const w = Condition.waitAsync(cv, m); // releases m on behalf of the token
    let open2;
    const gate = new Promise((r) => (open2 = r));
    const p2 = Mutex.lockAsync(m, async () => {
      await gate;
      return 'second';
    });
    await until(() => state(m).heldByThisThread, 5000, 'the lockAsync taking the mutex');
    expect(t.unlock()).toBe(true);
    expect(await withTimeout(w, 5000, 'the dropped wait')).toBe(true);
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(await run('return Mutex.tryLock(open(data.m), () => "worker");', { m: share(m) })).toEqual({ success: false, value: undefined });
    open2();
    expect(await withTimeout(p2, 5000, 'the lockAsync')).toEqual({ success: true, value: 'second' });
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
  });

  it('an awaited waitAsync in a lockAsync still re-locks for its callback when a worker notifies', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const p = Mutex.lockAsync(m, async () => {
      const woken = await Condition.waitAsync(cv, m, 10000);
      return [woken, state(m).heldByThisThread];
    });
    await until(() => state(cv).waiters === 1, 5000, 'the waiter queuing');
    expect(await run('const m = open(data.m), cv = open(data.cv); return Mutex.lock(m, () => Condition.notify(cv));', { m: share(m), cv: share(cv) })).toBe(1);
    expect(await withTimeout(p, 5000, 'lockAsync')).toEqual({ success: true, value: [true, true] });
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
  });

  it('a worker whose only pending work is such a wait exits by itself', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { Mutex, Condition } = require(${JSON.stringify(INDEX)});
      const m = new Mutex(), cv = new Condition();
      Mutex.lockAsync(m, async () => { Condition.waitAsync(cv, m); }).then((r) => parentPort.postMessage(r));
    `;
    const w = new Worker(code, { eval: true });
    const messages = [];
    w.on('message', (x) => messages.push(x));
    const exited = new Promise((resolve) => w.once('exit', resolve));
    try {
      expect(await withTimeout(exited, 5000, 'the worker exiting on its own')).toBe(0);
    } finally {
      await w.terminate();
    }
    expect(messages).toEqual([{ success: true, value: undefined }]);
  });

  it('a process whose only pending work is such a wait exits by itself', () => {
    const r = runChild(
      `
      const { Mutex, Condition } = ss;
      const m = new Mutex(), cv = new Condition();
      let finished = false;
      Mutex.lockAsync(m, async () => { Condition.waitAsync(cv, m); finished = true; }).then((r) => console.log(JSON.stringify([finished, r])));
      `,
      {},
      { timeout: 10000 },
    );
    expect(r.signal).toBe(null);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('[true,{"success":true}]');
  });
});

describe('fix 5: number field names', () => {
  it('new SharedStructType([0, 4], key) takes numbers as property keys ("0", "4"), and a worker declaring the same gets the same type', async () => {
    const key = uniqueKey('numbers');
    const T = new SharedStructType([0, 4], key);
    const t = new T();
    t[0] = 'zero';
    atomics.store(t, 4, 4);
    expect(SharedStructType.keys(t)).toEqual(['0', '4']);
    const out = await run(
      `
      const T = new SharedStructType([0, 4], data.key);
      const t = open(data.t);
      const same = t instanceof T;
      const seen = [t[0], t['4']];
      t[4] = 'from worker';
      return { same, seen };
      `,
      { key, t: share(t) },
    );
    expect(out).toEqual({ same: true, seen: ['zero', 4] });
    expect(t[4]).toBe('from worker');
    expect(SharedStructType.keys(new (new SharedStructType([1.5, -1, 'a']))())).toEqual(['1.5', '-1', 'a']);
    expect(() => new SharedStructType([0, '0'])).toThrow(/duplicate/);
    expect(() => new SharedStructType([Symbol('s')])).toThrow(TypeError);
    expect(() => new SharedStructType([0], { elements: true })).toThrow(/conflicts with element indices/);
  });
});

describe("fix 6: atomics.load(array, 'length')", () => {
  it('returns the length of a SharedArray or elements struct made in a worker; store and exchange of length throw TypeError', async () => {
    const key = uniqueKey('withElements');
    const { arr, list } = await run(
      `
      const E = new SharedStructType(['pos'], { key: data.key, elements: true });
      return { arr: share(SharedArray.from([1, 2, 3])), list: share(new E(7)) };
      `,
      { key },
    );
    const { open } = require('../index.js');
    const a = open(arr);
    const l = open(list);
    expect(atomics.load(a, 'length')).toBe(3);
    expect(atomics.load(l, 'length')).toBe(7);
    expect(() => atomics.store(a, 'length', 5)).toThrow(/read-only/);
    expect(() => atomics.exchange(l, 'length', 5)).toThrow(TypeError);
    expect(() => atomics.compareExchange(a, 'length', 3, 5)).toThrow(TypeError);
    expect(a.length).toBe(3);
    // A plain struct's field named length is a field like any other.
    const T = new SharedStructType(['length']);
    const t = new T();
    atomics.store(t, 'length', 9);
    expect(atomics.load(t, 'length')).toBe(9);
  });
});
