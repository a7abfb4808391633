// Mutex, Condition, SharedMutex and unlock tokens, within one thread and across workers.
// Every blocking call made on the test's own thread is a timeout form (or is preceded by a
// bounded check that it cannot block), so a broken lock fails a test instead of hanging it.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';
import util from 'node:util';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError, atomics, share } = require('../index.js');
const { spawn, run, killAll, withTimeout, sleep, until, mutexHasParked, rwWord, RW, supportsUsing } = require('./sync-helpers.js');

afterEach(() => killAll());

const state = (x) => JSON.parse(JSON.stringify(x)); // toJSON of a lock: its inspect state

/** A worker that locks `data.m` (token form), says 'locked', and unlocks when told (after `delay` ms). */
const HOLD_MUTEX = `
  const m = open(data.m);
  const t = Mutex.lock(m);
  send('locked');
  const cmd = await recv();
  if (cmd && cmd.delay) await sleep(cmd.delay);
  t.unlock();
  send('released');
  return 'done';
`;

function holdMutex(m) {
  return spawn(HOLD_MUTEX, { m: share(m) });
}

// ---------------------------------------------------------------------------------------

describe('Mutex: mutual exclusion across workers', () => {
  it('4 workers x 100,000 increments of a struct field under a Mutex give exactly 400,000', async () => {
    const S = new SharedStructType(['count']);
    const s = new S();
    s.count = 0;
    const m = new Mutex();
    const data = { s: share(s), m: share(m) };
    const body = `
      const s = open(data.s), m = open(data.m);
      const inc = () => { s.count = s.count + 1; };
      for (let i = 0; i < 100000; i++) Mutex.lock(m, inc);
      return true;
    `;
    await Promise.all([0, 1, 2, 3].map(() => run(body, data)));
    expect(s.count).toBe(400000);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
  });

  it('gives exact counts with the token form too (lock, read-modify-write, unlock)', async () => {
    const S = new SharedStructType(['count']);
    const s = new S();
    s.count = 0;
    const m = new Mutex();
    const data = { s: share(s), m: share(m) };
    const body = `
      const s = open(data.s), m = open(data.m);
      for (let i = 0; i < 25000; i++) {
        const t = Mutex.lock(m);
        s.count = s.count + 1;
        t.unlock();
      }
    `;
    await Promise.all([0, 1, 2, 3].map(() => run(body, data)));
    expect(s.count).toBe(100000);
  });

  it('never lets two threads inside the critical section at once', async () => {
    const S = new SharedStructType(['inside', 'maxInside', 'entries']);
    const s = new S();
    s.inside = 0;
    s.maxInside = 0;
    s.entries = 0;
    const m = new Mutex();
    const body = `
      const s = open(data.s), m = open(data.m);
      for (let i = 0; i < 5000; i++) {
        Mutex.lock(m, () => {
          const n = atomics.add(s, 'inside', 1) + 1;
          if (n > s.maxInside) s.maxInside = n;
          s.entries = s.entries + 1;
          atomics.sub(s, 'inside', 1);
        });
      }
    `;
    await Promise.all([0, 1, 2].map(() => run(body, { s: share(s), m: share(m) })));
    expect(s.maxInside).toBe(1);
    expect(s.entries).toBe(15000);
  });
});

describe('Mutex: try, timeout and async forms', () => {
  it('tryLock returns {success:false} without running the callback while another thread holds the lock', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    expect(state(m)).toEqual({ locked: true, heldByThisThread: false });
    let ran = false;
    expect(Mutex.tryLock(m, () => (ran = true))).toEqual({ success: false, value: undefined });
    expect(ran).toBe(false);
    w.post({});
    expect(await w.next()).toBe('released');
    expect(Mutex.tryLock(m, () => 'mine')).toEqual({ success: true, value: 'mine' });
  });

  it('lockWithTimeout times out (returning {success:false}) while another worker holds the lock', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    let ran = false;
    const t0 = Date.now();
    const r = Mutex.lockWithTimeout(m, () => (ran = true), 50);
    const elapsed = Date.now() - t0;
    expect(r).toEqual({ success: false, value: undefined });
    expect(ran).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(40);
    expect(elapsed).toBeLessThan(3000);
    w.post({});
    expect(await w.next()).toBe('released');
  });

  it('lockWithTimeout succeeds when the other worker releases before the timeout', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    w.post({ delay: 100 }); // the worker unlocks ~100 ms from now; we block meanwhile
    const r = Mutex.lockWithTimeout(m, () => state(m), 5000);
    expect(r).toEqual({ success: true, value: { locked: true, heldByThisThread: true } });
    expect(state(m).locked).toBe(false);
    expect(await w.next()).toBe('released');
  });

  it('lockIfAvailable returns null while the lock is held elsewhere and a token once it is free', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    expect(Mutex.lockIfAvailable(m)).toBe(null);
    expect(Mutex.lockIfAvailable(m, 0)).toBe(null);
    expect(Mutex.lockIfAvailable(m, 30)).toBe(null);
    w.post({ delay: 50 });
    const t = Mutex.lockIfAvailable(m, 5000);
    expect(t).toBeInstanceOf(UnlockToken);
    expect(t.locked).toBe(true);
    expect(t.mutex).toBe(m);
    expect(t.unlock()).toBe(true);
    expect(await w.next()).toBe('released');
    const t2 = Mutex.lockIfAvailable(m);
    expect(t2.locked).toBe(true);
    t2.unlock();
  });

  it('lockAsync resolves {success:true, value} after another thread releases, without blocking the event loop', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    let released = false;
    let settledEarly = false;
    try {
      const p = Mutex.lockAsync(m, async () => {
        settledEarly = !released;
        await sleep(1);
        return { held: state(m).heldByThisThread };
      });
      await sleep(80); // the interval keeps ticking while lockAsync waits
      const ticksWhileWaiting = ticks;
      released = true;
      w.post({});
      const r = await withTimeout(p, 5000, 'lockAsync');
      expect(r).toEqual({ success: true, value: { held: true } });
      expect(settledEarly).toBe(false);
      expect(ticksWhileWaiting).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(timer);
    }
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
  });

  it('lockAsync resolves {success:false} on timeout without running the callback', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    let ran = false;
    const t0 = Date.now();
    const r = await withTimeout(Mutex.lockAsync(m, () => (ran = true), 50), 5000, 'lockAsync');
    expect(r).toEqual({ success: false, value: undefined });
    expect(ran).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    // The timed-out waiter left nothing behind: the holder's release and a later lock work.
    w.post({});
    expect(await w.next()).toBe('released');
    expect(await withTimeout(Mutex.lockAsync(m, () => 'ok', 1000), 5000)).toEqual({ success: true, value: 'ok' });
  });

  it('lockAsync and Condition.waitAsync with timeouts of 2^31 ms or more wait (Node fires such timers at once)', async () => {
    const m = new Mutex();
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    const p = Mutex.lockAsync(m, () => 'got it', 2 ** 31);
    const q = Mutex.lockAsync(m, () => 'got it too', 1e12);
    // Neither may time out while the worker still holds the lock.
    await new Promise((r) => setTimeout(r, 100));
    w.post({});
    expect(await w.next()).toBe('released');
    expect(await withTimeout(p, 5000, 'lockAsync')).toEqual({ success: true, value: 'got it' });
    expect(await withTimeout(q, 5000, 'lockAsync')).toEqual({ success: true, value: 'got it too' });
    const cv = new Condition();
    const t = Mutex.lock(m);
    let settled = false;
    const c = Condition.waitAsync(cv, t, 2 ** 32).then((v) => ((settled = true), v));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    expect(Condition.notify(cv)).toBe(1);
    expect(await withTimeout(c, 5000, 'waitAsync')).toBe(true);
    t.unlock();
  });

  it('lockAsync from the thread that holds the lock waits for that thread’s own release', async () => {
    const m = new Mutex();
    const t = Mutex.lock(m);
    let done = false;
    const p = Mutex.lockAsync(m, () => 'after release', 5000).then((r) => {
      done = true;
      return r;
    });
    await sleep(30);
    expect(done).toBe(false);
    t.unlock();
    expect(await withTimeout(p, 5000)).toEqual({ success: true, value: 'after release' });
  });

  it('serialises concurrent lockAsync callers in one thread and across workers', async () => {
    const S = new SharedStructType(['count']);
    const s = new S();
    s.count = 0;
    const m = new Mutex();
    const workers = [0, 1].map(() =>
      run(
        `
        const s = open(data.s), m = open(data.m);
        for (let i = 0; i < 200; i++) await Mutex.lockAsync(m, async () => { const v = s.count; await null; s.count = v + 1; });
        `,
        { s: share(s), m: share(m) },
      ),
    );
    const mine = Array.from({ length: 50 }, () =>
      Mutex.lockAsync(m, async () => {
        const v = s.count;
        await sleep(0);
        s.count = v + 1;
      }),
    );
    await withTimeout(Promise.all([...workers, ...mine]), 15000, 'lockAsync callers');
    expect(s.count).toBe(450);
  });

  it('releases the lock when the callback throws, and propagates the error (every callback form)', async () => {
    const m = new Mutex();
    const boom = () => {
      throw new RangeError('boom');
    };
    expect(() => Mutex.lock(m, boom)).toThrow(RangeError);
    expect(state(m).locked).toBe(false);
    expect(() => Mutex.tryLock(m, boom)).toThrow('boom');
    expect(state(m).locked).toBe(false);
    expect(() => Mutex.lockWithTimeout(m, boom, 100)).toThrow('boom');
    expect(state(m).locked).toBe(false);
    await expect(Mutex.lockAsync(m, boom)).rejects.toThrow('boom');
    expect(state(m).locked).toBe(false);
    await expect(
      Mutex.lockAsync(m, async () => {
        await sleep(1);
        throw new TypeError('async boom');
      }),
    ).rejects.toThrow('async boom');
    expect(state(m).locked).toBe(false);
    // Another thread can take it at once.
    expect(await run('return Mutex.tryLock(open(data.m), () => "free").value;', { m: share(m) })).toBe('free');
  });

  it('validates its arguments', () => {
    const m = new Mutex();
    expect(() => Mutex.lock({}, () => {})).toThrow(TypeError);
    expect(() => Mutex.lock(new SharedMutex())).toThrow(TypeError);
    expect(() => Mutex.lock(m, 'nope')).toThrow(TypeError);
    expect(() => Mutex.tryLock(m)).toThrow(TypeError);
    expect(() => Mutex.lockWithTimeout(m, () => {}, -1)).toThrow(RangeError);
    expect(() => Mutex.lockWithTimeout(m, () => {}, NaN)).toThrow(TypeError);
    expect(() => Mutex.lockIfAvailable(m, '10')).toThrow(TypeError);
    expect(state(m).locked).toBe(false);
    expect(Mutex.isMutex(m)).toBe(true);
    expect(Mutex.isMutex(new Condition())).toBe(false);
    expect(Mutex.isMutex({})).toBe(false);
  });
});

describe('Mutex: unlock tokens', () => {
  it('Mutex.lock(m) returns a token with locked true; unlock() returns true, then false', () => {
    const m = new Mutex();
    const t = Mutex.lock(m);
    expect(t).toBeInstanceOf(UnlockToken);
    expect(t.locked).toBe(true);
    expect(t.mutex).toBe(m);
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(util.inspect(m)).toContain('heldByThisThread: true');
    expect(t.unlock()).toBe(true);
    expect(t.locked).toBe(false);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(t.unlock()).toBe(false);
    // A stale token never releases someone else's hold.
    const t2 = Mutex.lock(m);
    expect(t.unlock()).toBe(false);
    expect(t2.locked).toBe(true);
    expect(state(m).locked).toBe(true);
    t2.unlock();
  });

  it('token[Symbol.dispose]() releases the lock, and disposing twice is harmless', () => {
    expect(typeof Symbol.dispose).toBe('symbol');
    const m = new Mutex();
    const t = Mutex.lock(m);
    expect(typeof t[Symbol.dispose]).toBe('function');
    t[Symbol.dispose]();
    expect(t.locked).toBe(false);
    expect(state(m).locked).toBe(false);
    expect(() => t[Symbol.dispose]()).not.toThrow();
    expect(state(m).locked).toBe(false);
  });

  it.runIf(supportsUsing())('releases at the end of a `using` block', () => {
    // Node 20's parser has no `using`; this runs on runtimes that have it.
    const m = new Mutex();
    // eslint-disable-next-line no-new-func
    const f = new Function('Mutex', 'm', '{ using t = Mutex.lock(m); if (!t.locked) throw new Error("not locked"); } return Mutex.tryLock(m, () => "free").value;');
    expect(f(Mutex, m)).toBe('free');
  });
});

describe('Mutex: locking twice from one thread', () => {
  it('throws TypeError for Mutex.lock inside a Mutex.lock callback (instead of deadlocking), then releases', () => {
    const m = new Mutex();
    let inner = false;
    expect(() =>
      Mutex.lock(m, () => {
        Mutex.lock(m, () => {
          inner = true;
        });
      }),
    ).toThrow(TypeError);
    expect(inner).toBe(false);
    expect(state(m).locked).toBe(false);
    expect(() => Mutex.lock(m, () => Mutex.lock(m))).toThrow(/already holds/);
    expect(state(m).locked).toBe(false);
  });

  it('throws TypeError for every blocking form while this thread holds a token, and keeps the hold', () => {
    const m = new Mutex();
    const t = Mutex.lock(m);
    expect(() => Mutex.lock(m)).toThrow(TypeError);
    expect(() => Mutex.lock(m, () => 1)).toThrow(TypeError);
    expect(() => Mutex.lockWithTimeout(m, () => 1, 1000)).toThrow(TypeError);
    expect(() => Mutex.lockIfAvailable(m, 1000)).toThrow(TypeError);
    expect(t.locked).toBe(true);
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(t.unlock()).toBe(true);
  });
});

describe('Mutex: abandoned by a dead owner', () => {
  it('the next Mutex.lock(m) after worker.terminate() throws AbandonedMutexError holding the lock; after token.unlock() it works normally', async () => {
    const probe = new Mutex();
    const m = new Mutex();
    const m2 = new Mutex();
    const w = spawn(
      `
      const probe = open(data.probe), m = open(data.m), m2 = open(data.m2);
      Mutex.lock(probe); Mutex.lock(m); Mutex.lock(m2); // tokens dropped: never unlocked
      send('locked');
      await recv(); // stay alive until terminated
      `,
      { probe: share(probe), m: share(m), m2: share(m2) },
    );
    expect(await w.next()).toBe('locked');
    expect(state(m)).toEqual({ locked: true, heldByThisThread: false });
    expect(await withTimeout(w.terminate(), 5000, 'terminate')).toBe(1);

    // Bounded first: the same dead thread owns `probe`, so once this reports the abandonment
    // the owner is known dead and the unbounded Mutex.lock calls below cannot block.
    expect(Mutex.lockWithTimeout(probe, () => {}, 5000)).toEqual({ success: true, value: undefined, abandoned: true });

    let err;
    try {
      Mutex.lock(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AbandonedMutexError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('AbandonedMutexError');
    expect(err.mutex).toBe(m);
    expect(err.token).toBeInstanceOf(UnlockToken);
    expect(err.token.locked).toBe(true);
    expect(err.token.mutex).toBe(m);
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(err.token.unlock()).toBe(true);
    expect(err.token.locked).toBe(false);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(Mutex.lock(m, () => 'normal')).toBe('normal');
    const t = Mutex.lock(m);
    expect(t.locked).toBe(true);
    t.unlock();

    // The callback form runs the callback holding the lock, telling it, and releases it.
    const args = [];
    expect(Mutex.lock(m2, (...a) => (args.push(a), 'ran'))).toBe('ran');
    expect(args).toEqual([[true]]);
    expect(state(m2)).toEqual({ locked: false, heldByThisThread: false });
    expect(Mutex.lock(m2, (...a) => a.length)).toBe(0);

    // Other threads use it normally afterwards.
    expect(await run('return Mutex.lock(open(data.m), () => "worker ok");', { m: share(m) })).toBe('worker ok');
  });

  it('a worker that exits normally while holding a lock abandons it too', async () => {
    const m = new Mutex();
    await run('Mutex.lock(open(data.m)); return "exiting with the lock held";', { m: share(m) });
    let err;
    try {
      Mutex.lockIfAvailable(m, 5000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AbandonedMutexError);
    expect(err.token.unlock()).toBe(true);
    expect(Mutex.tryLock(m, () => 1)).toEqual({ success: true, value: 1 });
  });

  it('a waiter already blocked (lockWithTimeout 10 s) when the owner is terminated gets the lock well before its timeout', async () => {
    const m = new Mutex();
    const owner = spawn('Mutex.lock(open(data.m)); send("locked"); await recv();', { m: share(m) });
    expect(await owner.next()).toBe('locked');
    const waiter = spawn(
      `
      const m = open(data.m);
      send('waiting');
      const t0 = Date.now();
      const r = Mutex.lockWithTimeout(m, (abandoned) => ({ abandoned, held: util.inspect(m).includes('heldByThisThread: true') }), 10000);
      return { r, elapsed: Date.now() - t0, after: Mutex.tryLock(m, () => 'normal again') };
      `,
      { m: share(m) },
    );
    expect(await waiter.next()).toBe('waiting');
    await until(() => mutexHasParked(m), 5000, 'the waiter parking');
    await sleep(50);
    const t0 = Date.now();
    await withTimeout(owner.terminate(), 5000, 'terminate');
    const r = await withTimeout(waiter.result, 9000, 'the blocked waiter');
    expect(r.r).toEqual({ success: true, value: { abandoned: true, held: true }, abandoned: true });
    expect(r.after).toEqual({ success: true, value: 'normal again' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.elapsed).toBeLessThan(8000);
    expect(state(m).locked).toBe(false);
  });

  it('a pending lockAsync when the owner is terminated runs its callback, told, and resolves abandoned: true before its timeout', async () => {
    const m = new Mutex();
    const owner = spawn('Mutex.lock(open(data.m)); send("locked"); await recv();', { m: share(m) });
    expect(await owner.next()).toBe('locked');
    const seen = [];
    const p = Mutex.lockAsync(m, (...a) => (seen.push(a, state(m).heldByThisThread), 'repaired'), 10000);
    await sleep(30);
    await withTimeout(owner.terminate(), 5000, 'terminate');
    expect(await withTimeout(p, 5000, 'lockAsync after the owner died')).toEqual({ success: true, value: 'repaired', abandoned: true });
    expect(seen).toEqual([[true], true]);
    expect(state(m)).toEqual({ locked: false, heldByThisThread: false });
    expect(await withTimeout(Mutex.lockAsync(m, (...a) => a.length, 1000), 5000)).toEqual({ success: true, value: 0 });
  });
});

describe('terminating workers blocked on locks', () => {
  it('a worker blocked in Mutex.lock can be terminated: terminate() resolves promptly and nothing breaks', async () => {
    const m = new Mutex();
    const t = Mutex.lock(m);
    const w = spawn('const m = open(data.m); send("locking"); Mutex.lock(m); send("acquired?!");', { m: share(m) });
    expect(await w.next()).toBe('locking');
    await until(() => mutexHasParked(m), 5000, 'the worker parking');
    expect(await withTimeout(w.terminate(), 5000, 'terminate of a blocked worker')).toBe(1);
    // The dead waiter did not take the lock: ours releases normally, nobody abandoned it.
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(t.unlock()).toBe(true);
    expect(Mutex.tryLock(m, () => 'free')).toEqual({ success: true, value: 'free' });
    expect(await run('return Mutex.lock(open(data.m), () => "worker ok");', { m: share(m) })).toBe('worker ok');
  });

  it('an abandonment seen by the re-lock after Condition.wait leaves the hold with the caller (callback form, and the token passed in)', async () => {
    for (const form of ['callback', 'token']) {
      const m = new Mutex();
      const cv = new Condition();
      const waiter = spawn(
        `
        const m = open(data.m), cv = open(data.cv);
        let err, tok;
        try {
          if (data.form === 'callback') {
            Mutex.lock(m, () => { send('waiting'); Condition.wait(cv, m, 10000); });
          } else {
            tok = Mutex.lock(m);
            send('waiting');
            Condition.wait(cv, tok, 10000);
          }
        } catch (e) {
          err = e;
        }
        const out = { name: err && err.name, sameToken: err && err.token === tok, tokenLocked: err && err.token.locked };
        // Callback form: Mutex.lock released the lock when the callback threw; the error's
        // token must not release a later hold. Token form: the caller's token releases it.
        if (data.form === 'callback') {
          out.heldAfter = JSON.parse(JSON.stringify(m)).heldByThisThread;
          const later = Mutex.lock(m);
          out.unlockResult = err.token.unlock();
          out.laterStillHeld = later.locked && JSON.parse(JSON.stringify(m)).heldByThisThread;
          later.unlock();
        } else {
          out.heldAfter = JSON.parse(JSON.stringify(m)).heldByThisThread;
          out.unlockResult = err.token.unlock();
        }
        out.free = Mutex.tryLock(m, () => 'free').value;
        return out;
        `,
        { m: share(m), cv: share(cv), form },
      );
      expect(await waiter.next()).toBe('waiting');
      await until(() => state(cv).waiters === 1, 5000, 'the waiter');
      const holder = spawn('const m = open(data.m), cv = open(data.cv); Mutex.lock(m); Condition.notify(cv); send("holding"); await recv();', { m: share(m), cv: share(cv) });
      expect(await holder.next()).toBe('holding');
      await until(() => mutexHasParked(m), 5000, 'the woken waiter parking on the mutex');
      await withTimeout(holder.terminate(), 5000, 'terminate');
      const r = await withTimeout(waiter.result, 9000, 'the waiter');
      if (form === 'callback') {
        expect(r).toEqual({ name: 'AbandonedMutexError', sameToken: false, tokenLocked: false, heldAfter: false, unlockResult: false, laterStillHeld: true, free: 'free' });
      } else {
        expect(r).toEqual({ name: 'AbandonedMutexError', sameToken: true, tokenLocked: true, heldAfter: true, unlockResult: true, free: 'free' });
      }
    }
  });

  it('a worker blocked in Condition.wait can be terminated; the mutex is left free, not abandoned', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const w = spawn(
      `
      const m = open(data.m), cv = open(data.cv);
      Mutex.lock(m, () => { send('waiting'); Condition.wait(cv, m); });
      send('woke?!');
      `,
      { m: share(m), cv: share(cv) },
    );
    expect(await w.next()).toBe('waiting');
    await until(() => state(cv).waiters === 1, 5000, 'the waiter');
    expect(Mutex.lockWithTimeout(m, () => 'got it while the worker waits', 5000).success).toBe(true);
    await sleep(30);
    expect(await withTimeout(w.terminate(), 5000, 'terminate of a waiting worker')).toBe(1);
    expect(Mutex.lockWithTimeout(m, () => 'free', 5000)).toEqual({ success: true, value: 'free' });
    expect(Condition.notify(cv)).toBe(0);
  });

  // BUG: condWait's `finally { Atomics.sub(waiters) }` never runs in a terminated thread, so
  // the Condition counts a waiter that no longer exists (inspect shows it, and every later
  // notify takes the native path). Reported with a repro.
  it('a terminated waiter is no longer counted in the Condition’s waiters', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const w = spawn('const m = open(data.m), cv = open(data.cv); Mutex.lock(m, () => { send("waiting"); Condition.wait(cv, m); });', {
      m: share(m),
      cv: share(cv),
    });
    expect(await w.next()).toBe('waiting');
    await until(() => state(cv).waiters === 1, 5000, 'the waiter');
    await sleep(30);
    await withTimeout(w.terminate(), 5000, 'terminate');
    expect(state(cv).waiters).toBe(0);
  });

  it('workers terminated at random while they lock and unlock leave exact reader counts and a recoverable writer lock', () => {
    // Shared: main holds a read lock, two workers loop lockShared(m, cb) and are terminated;
    // the count must come back to main's one hold (a hold released twice by the exit hook
    // made it drop, one never recorded made it grow). Exclusive: two workers loop
    // lock(m, cb) and one is terminated at random; the lock must stay obtainable (a worker
    // terminated between the state CAS and the owner store left it held by nobody).
    const { runChild, INDEX } = require('./helpers.js');
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const { SharedMutex, AbandonedMutexError } = ss;
      const readers = (m) => JSON.parse(JSON.stringify(m)).readers;
      const loop = (body) => 'const ss = require(' + JSON.stringify(${JSON.stringify(INDEX)}) + '); const { workerData, parentPort } = require("worker_threads"); const m = ss.open(workerData); let x = 0; parentPort.postMessage("go"); for (;;) { try { ' + body + ' } catch (e) { if (e.token) e.token.unlock(); } }';
      const start = async (code, m) => { const w = new Worker(code, { eval: true, workerData: ss.share(m) }); await new Promise((r) => w.once('message', r)); return w; };
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      (async () => {
        const out = { readRounds: 0, readBad: [], kills: 0, stuck: 0 };
        const m = new SharedMutex();
        const mine = SharedMutex.lockShared(m);
        let until = Date.now() + 3000;
        while (Date.now() < until) {
          const ws = await Promise.all([0, 1].map(() => start(loop('ss.SharedMutex.lockShared(m, () => { x++; });'), m)));
          await sleep(Math.random() * 20);
          await Promise.all(ws.map((w) => w.terminate()));
          out.readRounds++;
          const c = readers(m);
          if (c !== 1) { out.readBad.push(c); break; }
        }
        mine.unlock();
        const x = new SharedMutex();
        const ws = await Promise.all([0, 1].map(() => start(loop('ss.SharedMutex.lock(m, () => { x++; });'), x)));
        until = Date.now() + 3000;
        while (Date.now() < until) {
          await sleep(2 + Math.random() * 15);
          const i = Math.random() < 0.5 ? 0 : 1;
          await ws[i].terminate();
          out.kills++;
          ws[i] = await start(loop('ss.SharedMutex.lock(m, () => { x++; });'), x);
          let ok;
          try { ok = SharedMutex.lockWithTimeout(x, () => true, 3000).success; } catch (e) { if (!(e instanceof AbandonedMutexError)) throw e; e.token.unlock(); ok = true; }
          if (!ok) { out.stuck++; break; }
        }
        await Promise.all(ws.map((w) => w.terminate()));
        console.log(JSON.stringify(out));
        process.exit(0);
      })();
      `,
      {},
      { timeout: 40000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out.readBad).toEqual([]);
    expect(out.stuck).toBe(0);
    expect(out.readRounds).toBeGreaterThan(5);
    expect(out.kills).toBeGreaterThan(5);
  }, 45000);

  it('a writer terminated while it waits (lock or lockAsync) no longer holds new readers back', async () => {
    for (const how of ['SharedMutex.lock(m, () => {});', 'SharedMutex.lockAsync(m, () => {}); await recv();']) {
      const m = new SharedMutex();
      const mine = SharedMutex.lockShared(m);
      const writer = spawn(`const m = open(data.m); send('waiting'); ${how}`, { m: share(m) });
      expect(await writer.next()).toBe('waiting');
      await until(() => (rwWord(m) & RW.WRITERS_PARKED) !== 0, 5000, 'the writer parking');
      await withTimeout(writer.terminate(), 5000, 'terminate');
      expect(rwWord(m) & RW.WRITERS_PARKED).toBe(0);
      const r = await run('return SharedMutex.lockSharedWithTimeout(open(data.m), () => "read ok", 3000);', { m: share(m) });
      expect(r, how).toEqual({ success: true, value: 'read ok' });
      mine.unlock();
      expect(rwWord(m)).toBe(0);
    }
  });

  it('a worker that is terminated or exits with a Condition.waitAsync pending is no longer counted', async () => {
    for (const end of ['terminate', 'exit']) {
      const m = new Mutex();
      const cv = new Condition();
      const w = spawn(
        `const m = open(data.m), cv = open(data.cv);
        const t = Mutex.lock(m);
        Condition.waitAsync(cv, t, 100000);
        send('waiting');
        if (data.end === 'exit') setTimeout(() => process.exit(0), 50);
        await new Promise(() => {});`,
        { m: share(m), cv: share(cv), end },
      );
      expect(await w.next()).toBe('waiting');
      await until(() => state(cv).waiters === 1, 5000, 'the async waiter');
      if (end === 'terminate') await withTimeout(w.terminate(), 5000, 'terminate');
      else await withTimeout(new Promise((r) => w.worker.once('exit', r)), 5000, 'exit');
      expect(state(cv).waiters, end).toBe(0);
      expect(Condition.notify(cv)).toBe(0);
    }
  });

  it('SharedMutex excludes writers and keeps an exact reader count under plain contention (readers only, and with writers)', () => {
    // A slow shared release used to fetch_sub and then store the state: a hold taken in
    // between (JS fast path) was wiped, and the count wrapped into WRITER.
    const { runChild, INDEX } = require('./helpers.js');
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const body = ${JSON.stringify(`
        const { parentPort, workerData: d } = require('worker_threads');
        const ss = require(${JSON.stringify(INDEX)});
        const S = ss.SharedMutex; const m = ss.open(d.m); const C = new Int32Array(d.sab);
        const spin = (n) => { let x = 0; for (let i = 0; i < n; i++) x += i; return x; };
        const wcb = () => { const w = Atomics.add(C, 0, 1), r = Atomics.load(C, 1); if (w !== 0 || r !== 0) Atomics.add(C, 2, 1); spin(50); Atomics.sub(C, 0, 1); Atomics.add(C, 4, 1); };
        const rcb = () => { Atomics.add(C, 1, 1); if (Atomics.load(C, 0) !== 0) Atomics.add(C, 2, 1); spin(50); Atomics.sub(C, 1, 1); Atomics.add(C, 5, 1); };
        while (Atomics.load(C, 3) === 0) {
          try { if (d.writer) S.lock(m, wcb); else S.lockShared(m, rcb); } catch (e) { Atomics.add(C, 6, 1); }
        }
        parentPort.postMessage('done');
      `)};
      const runs = [];
      const one = async (R, W) => {
        const m = new ss.SharedMutex();
        const sab = new SharedArrayBuffer(32); const C = new Int32Array(sab);
        const ws = [];
        for (let i = 0; i < R + W; i++) ws.push(new Worker(body, { eval: true, workerData: { m: ss.share(m), sab, writer: i >= R } }));
        await new Promise((res) => setTimeout(res, 1500));
        Atomics.store(C, 3, 1);
        await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))));
        await Promise.all(ws.map((w) => w.terminate()));
        runs.push({ R, W, violations: C[2], releaseErrors: C[6], writerOps: C[4], readerOps: C[5], state: JSON.parse(JSON.stringify(m)) });
      };
      (async () => { await one(2, 0); await one(2, 1); await one(1, 2); console.log(JSON.stringify(runs)); process.exit(0); })();
      `,
      {},
      { timeout: 40000 },
    );
    expect(r.status, r.stderr).toBe(0);
    for (const run of JSON.parse(r.stdout.trim().split('\n').pop())) {
      expect(run, JSON.stringify(run)).toMatchObject({ violations: 0, releaseErrors: 0, state: { exclusive: false, readers: 0 } });
      expect(run.readerOps + run.writerOps).toBeGreaterThan(1000);
    }
  }, 45000);

  it('a lock handed to a worker that is then terminated goes back, never to that worker’s own next waiter', async () => {
    for (const second of ['SharedMutex.lockSharedAsync(m, () => {});', 'SharedMutex.lockAsync(m, () => {});']) {
      const m = new SharedMutex();
      const mine = SharedMutex.lockShared(m);
      const w = spawn(`const m = open(data.m); SharedMutex.lockAsync(m, () => {}); ${second} send('queued'); const t = Date.now(); while (Date.now() - t < 20000) {}`, { m: share(m) });
      expect(await w.next()).toBe('queued');
      await until(() => (rwWord(m) & RW.WRITERS_PARKED) !== 0, 5000, 'the async writer queuing');
      mine.unlock(); // hands the lock to the worker's async writer, whose doorbell cannot run
      expect(state(m).exclusive).toBe(true);
      await withTimeout(w.terminate(), 5000, 'terminate');
      expect(state(m), second).toEqual({ exclusive: false, readers: 0 });
      const tok = SharedMutex.lockIfAvailable(m, 2000);
      expect(tok).not.toBe(null);
      tok.unlock();
    }
  });

  it('a waiter terminated while it is woken neither takes the lock (Mutex, SharedMutex) nor swallows a notify (Condition)', async () => {
    // Mutex and SharedMutex: the worker blocks; main terminates it and unlocks at once.
    for (const kind of ['Mutex', 'SharedMutex']) {
      const m = kind === 'Mutex' ? new Mutex() : new SharedMutex();
      const tok = kind === 'Mutex' ? Mutex.lock(m) : SharedMutex.lock(m);
      const w = spawn(`const m = open(data.m); send('locking'); ${kind}.lock(m, () => {});`, { m: share(m) });
      expect(await w.next()).toBe('locking');
      await until(() => (kind === 'Mutex' ? mutexHasParked(m) : (rwWord(m) & RW.WRITERS_PARKED) !== 0), 5000, 'the waiter parking');
      const p = w.terminate();
      tok.unlock();
      await withTimeout(p, 5000, 'terminate');
      let err = null;
      try {
        if (kind === 'Mutex') Mutex.lockWithTimeout(m, () => {}, 2000);
        else SharedMutex.lockWithTimeout(m, () => {}, 2000);
      } catch (e) {
        err = e;
      }
      expect(err && err.name, kind).toBe(null);
    }
    // Condition: two waiters; the first is terminated just as notify(cv, 1) picks it.
    for (const mode of ['sync', 'async']) {
      const m = new Mutex();
      const cv = new Condition();
      const w1 = spawn(
        mode === 'sync'
          ? 'const m = open(data.m), cv = open(data.cv); Mutex.lock(m, () => { send("waiting"); Condition.wait(cv, m); });'
          : 'const m = open(data.m), cv = open(data.cv); const t = Mutex.lock(m); Condition.waitAsync(cv, t); send("waiting"); const s = Date.now(); while (Date.now() - s < 20000) {}',
        { m: share(m), cv: share(cv) },
      );
      expect(await w1.next()).toBe('waiting');
      await until(() => state(cv).waiters === 1, 5000, 'the first waiter');
      const w2 = spawn('const m = open(data.m), cv = open(data.cv); let r; Mutex.lock(m, () => { send("waiting"); r = Condition.wait(cv, m, 5000); }); return r;', { m: share(m), cv: share(cv) });
      expect(await w2.next()).toBe('waiting');
      await until(() => state(cv).waiters === 2, 5000, 'the second waiter');
      let n;
      if (mode === 'sync') {
        const p = w1.terminate();
        n = Condition.notify(cv, 1);
        await withTimeout(p, 5000, 'terminate');
      } else {
        n = Condition.notify(cv, 1);
        await withTimeout(w1.terminate(), 5000, 'terminate');
      }
      expect(n).toBe(1);
      expect(await withTimeout(w2.result, 8000, 'the second waiter'), mode).toBe(true);
    }
  });

  it('a worker blocked in SharedMutex.lockShared can be terminated', async () => {
    const m = new SharedMutex();
    const t = SharedMutex.lock(m);
    const w = spawn('const m = open(data.m); send("locking"); SharedMutex.lockShared(m); send("acquired?!");', { m: share(m) });
    expect(await w.next()).toBe('locking');
    await until(() => (rwWord(m) & RW.READERS_PARKED) !== 0, 5000, 'the reader parking');
    expect(await withTimeout(w.terminate(), 5000, 'terminate of a blocked reader')).toBe(1);
    expect(t.unlock()).toBe(true);
    expect(SharedMutex.tryLock(m, () => 'free')).toEqual({ success: true, value: 'free' });
    expect(SharedMutex.tryLockShared(m, () => 'free')).toEqual({ success: true, value: 'free' });
  });
});

// ---------------------------------------------------------------------------------------

describe('Condition', () => {
  it('wait throws TypeError unless this thread holds the mutex', async () => {
    const m = new Mutex();
    const cv = new Condition();
    expect(() => Condition.wait(cv, m, 10)).toThrow(TypeError);
    expect(() => Condition.wait(cv, m, 10)).toThrow(/must be locked by this thread/);
    const t = Mutex.lock(m);
    t.unlock();
    expect(() => Condition.wait(cv, t, 10)).toThrow(/already been released/);
    await expect(Condition.waitAsync(cv, m, 10)).rejects.toThrow(TypeError);
    expect(() => Condition.waitFor(cv, m, 10, () => false)).toThrow(TypeError);
    // Held by another thread is not held by this one.
    const w = holdMutex(m);
    expect(await w.next()).toBe('locked');
    expect(() => Condition.wait(cv, m, 10)).toThrow(TypeError);
    w.post({});
    expect(await w.next()).toBe('released');
    // Wrong kinds of arguments.
    Mutex.lock(m, () => {
      expect(() => Condition.wait({}, m, 10)).toThrow(TypeError);
      expect(() => Condition.wait(cv, new SharedMutex(), 10)).toThrow(TypeError);
      expect(() => Condition.wait(cv, m, -5)).toThrow(RangeError);
    });
    expect(state(m).locked).toBe(false);
    expect(state(cv).waiters).toBe(0);
  });

  it('wait(cv, m, 50) returns false after the timeout and still holds the mutex (Mutex or token form)', () => {
    const m = new Mutex();
    const cv = new Condition();
    const t0 = Date.now();
    const r = Mutex.lock(m, () => {
      const timedOut = Condition.wait(cv, m, 50);
      return [timedOut, state(m).heldByThisThread];
    });
    expect(r).toEqual([false, true]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    const t = Mutex.lock(m);
    expect(Condition.wait(cv, t, 20)).toBe(false);
    expect(t.locked).toBe(true);
    expect(state(m).heldByThisThread).toBe(true);
    expect(t.unlock()).toBe(true);
    expect(state(cv).waiters).toBe(0);
  });

  it('notify with nobody waiting returns 0 and is not remembered by later waiters', () => {
    const m = new Mutex();
    const cv = new Condition();
    expect(Condition.notify(cv)).toBe(0);
    expect(Condition.notify(cv, 1)).toBe(0);
    expect(Mutex.lock(m, () => Condition.wait(cv, m, 20))).toBe(false);
    expect(() => Condition.notify(cv, -1)).toThrow(RangeError);
    expect(() => Condition.notify(cv, NaN)).toThrow(RangeError);
    expect(() => Condition.notify({})).toThrow(TypeError);
    expect(Condition.isCondition(cv)).toBe(true);
    expect(Condition.isCondition(m)).toBe(false);
  });

  it('notify returns the number of waiters it woke: 3 waiting workers, notify(cv, 2) wakes 2, the next notify wakes 1', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const S = new SharedStructType(['woken']);
    const s = new S();
    s.woken = 0;
    const data = { m: share(m), cv: share(cv), s: share(s) };
    const workers = [0, 1, 2].map(() =>
      spawn(
        `
        const m = open(data.m), cv = open(data.cv), s = open(data.s);
        const r = Mutex.lock(m, () => { send('waiting'); return Condition.wait(cv, m, 10000); });
        atomics.add(s, 'woken', 1);
        return r;
        `,
        data,
      ),
    );
    for (const w of workers) expect(await w.next()).toBe('waiting');
    await until(() => state(cv).waiters === 3, 5000, '3 waiters');
    // All three have released the mutex inside wait once we can take it; give them a moment
    // to park (between releasing and parking a notify would be seen as a sequence change).
    expect(Mutex.lockWithTimeout(m, () => true, 5000).success).toBe(true);
    await sleep(200);

    const first = Condition.notify(cv, 2);
    expect(first).toBe(2);
    await until(() => s.woken >= 2, 5000, '2 woken');

    // Retry until the last one is woken. (It may also come back on its own: a waiter whose
    // 50 ms park slice ends after any notify sees the sequence moved and returns, a wake-up
    // without a notify aimed at it; see the skipped test below.)
    let total = first;
    await until(() => {
      total += Condition.notify(cv, 2);
      return s.woken === 3;
    }, 5000, 'the third waiter');
    expect(total).toBeGreaterThanOrEqual(2);
    expect(total).toBeLessThanOrEqual(3);
    const results = await Promise.all(workers.map((w) => w.result));
    expect(results).toEqual([true, true, true]);
    expect(Condition.notify(cv)).toBe(0);
  });

  it('notify(cv, 1) with 2 parked waiters leaves the other one waiting', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const S = new SharedStructType(['woken']);
    const s = new S();
    s.woken = 0;
    const data = { m: share(m), cv: share(cv), s: share(s) };
    const workers = [0, 1].map(() =>
      spawn('const m = open(data.m), cv = open(data.cv), s = open(data.s); const r = Mutex.lock(m, () => { send("waiting"); return Condition.wait(cv, m, 3000); }); atomics.add(s, "woken", 1); return r;', data),
    );
    for (const w of workers) expect(await w.next()).toBe('waiting');
    await until(() => state(cv).waiters === 2, 5000, '2 waiters');
    expect(Mutex.lockWithTimeout(m, () => true, 5000).success).toBe(true);
    await sleep(150);
    expect(Condition.notify(cv, 1)).toBe(1);
    await sleep(300);
    expect(s.woken).toBe(1);
    expect(Condition.notify(cv, 1)).toBe(1);
    await Promise.all(workers.map((w) => w.result));
  });

  it('notify() with no count wakes every waiter', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const data = { m: share(m), cv: share(cv) };
    const workers = [0, 1, 2].map(() =>
      spawn('const m = open(data.m), cv = open(data.cv); return Mutex.lock(m, () => { send("waiting"); return Condition.wait(cv, m, 10000); });', data),
    );
    for (const w of workers) expect(await w.next()).toBe('waiting');
    await until(() => state(cv).waiters === 3, 5000, '3 waiters');
    expect(Mutex.lockWithTimeout(m, () => true, 5000).success).toBe(true);
    await sleep(200);
    expect(Condition.notify(cv)).toBe(3);
    expect(await withTimeout(Promise.all(workers.map((w) => w.result)), 8000, 'all waiters woken')).toEqual([true, true, true]);
    expect(state(cv).waiters).toBe(0);
  });

  it('waitFor returns true once the predicate holds, waiting through notifies that do not satisfy it', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const S = new SharedStructType(['step']);
    const s = new S();
    s.step = 0;
    const w = spawn(
      `
      const m = open(data.m), cv = open(data.cv), s = open(data.s);
      send('started');
      for (let k = 1; k <= 3; k++) {
        await sleep(20);
        Mutex.lock(m, () => { s.step = k; Condition.notify(cv); });
      }
      return 'done';
      `,
      { m: share(m), cv: share(cv), s: share(s) },
    );
    expect(await w.next()).toBe('started');
    let calls = 0;
    const r = Mutex.lockWithTimeout(
      m,
      () =>
        Condition.waitFor(cv, m, 5000, () => {
          calls++;
          return s.step === 3;
        }),
      5000,
    );
    expect(r).toEqual({ success: true, value: true });
    expect(s.step).toBe(3);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(await w.result).toBe('done');
  });

  it('waitFor returns at once when the predicate already holds, and false when it never does before the timeout', () => {
    const m = new Mutex();
    const cv = new Condition();
    const t = Mutex.lock(m);
    expect(Condition.waitFor(cv, t, 5000, () => 'truthy')).toBe(true);
    const t0 = Date.now();
    expect(Condition.waitFor(cv, t, 50, () => 0)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(Condition.waitFor(cv, m, 0, () => false)).toBe(false);
    expect(() => Condition.waitFor(cv, m, 10, 'not a function')).toThrow(TypeError);
    expect(state(m).heldByThisThread).toBe(true);
    t.unlock();
  });

  it('waitAsync resolves true when notified from another worker, holding the mutex again, without blocking the event loop', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const S = new SharedStructType(['flag']);
    const s = new S();
    const t = Mutex.lock(m);
    const p = Condition.waitAsync(cv, m, 10000);
    expect(state(m).locked).toBe(false); // released while waiting
    expect(state(cv).waiters).toBe(1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await sleep(40);
      const notified = run(
        `
        const m = open(data.m), cv = open(data.cv), s = open(data.s);
        return Mutex.lock(m, () => { s.flag = 'set by worker'; return Condition.notify(cv); });
        `,
        { m: share(m), cv: share(cv), s: share(s) },
      );
      expect(await withTimeout(p, 5000, 'waitAsync')).toBe(true);
      expect(await notified).toBe(1);
      expect(ticks).toBeGreaterThanOrEqual(3);
    } finally {
      clearInterval(timer);
    }
    expect(s.flag).toBe('set by worker');
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(state(cv).waiters).toBe(0);
    expect(t.unlock()).toBe(true);
  });

  it('waitAsync resolves false on timeout, holding the mutex again', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const t = Mutex.lock(m);
    const t0 = Date.now();
    expect(await withTimeout(Condition.waitAsync(cv, t, 50), 5000, 'waitAsync')).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(state(m)).toEqual({ locked: true, heldByThisThread: true });
    expect(state(cv).waiters).toBe(0);
    expect(Condition.notify(cv)).toBe(0);
    t.unlock();
  });

  it('a waitAsync waiter is woken by a worker’s notify even if a worker holds the mutex when it wakes', async () => {
    const m = new Mutex();
    const cv = new Condition();
    const t = Mutex.lock(m);
    const p = Condition.waitAsync(cv, t, 10000);
    const w = spawn(
      `
      const m = open(data.m), cv = open(data.cv);
      const t = Mutex.lock(m);
      const n = Condition.notify(cv);
      send(n);
      await sleep(50); // the woken waiter must wait for this release
      t.unlock();
      return 'released';
      `,
      { m: share(m), cv: share(cv) },
    );
    expect(await w.next()).toBe(1);
    expect(await withTimeout(p, 5000, 'waitAsync')).toBe(true);
    expect(await w.result).toBe('released');
    expect(state(m).heldByThisThread).toBe(true);
    t.unlock();
  });
});

describe('Condition: producer/consumer queue across workers', () => {
  it('every item produced by 2 producer workers is consumed exactly once by 2 consumer workers', async () => {
    const CAP = 8;
    const PER = 3000;
    const TOTAL = 2 * PER;
    const Q = new SharedStructType(['head', 'tail', 'count', 'taken']);
    const q = new Q();
    q.head = 0;
    q.tail = 0;
    q.count = 0;
    q.taken = 0;
    const ring = new SharedArray(CAP);
    const seen = SharedArray.from({ length: TOTAL }, () => 0);
    const m = new Mutex();
    const notEmpty = new Condition();
    const notFull = new Condition();
    const data = { q: share(q), ring: share(ring), seen: share(seen), m: share(m), notEmpty: share(notEmpty), notFull: share(notFull), CAP, PER, TOTAL };
    const open5 = 'const q = open(data.q), ring = open(data.ring), seen = open(data.seen), m = open(data.m), notEmpty = open(data.notEmpty), notFull = open(data.notFull);';
    const producer = `
      ${open5}
      const { CAP, PER } = data;
      for (let i = 0; i < PER; i++) {
        const item = data.p * PER + i;
        Mutex.lock(m, () => {
          while (q.count === CAP) {
            if (!Condition.wait(notFull, m, 5000)) throw new Error('producer stuck: no space for 5 s');
          }
          ring.set(q.tail, item);
          q.tail = (q.tail + 1) % CAP;
          q.count = q.count + 1;
          Condition.notify(notEmpty, 1);
        });
      }
      return PER;
    `;
    const consumer = `
      ${open5}
      const { CAP, TOTAL } = data;
      let mine = 0;
      for (;;) {
        const item = Mutex.lock(m, () => {
          while (q.count === 0 && q.taken < TOTAL) {
            if (!Condition.wait(notEmpty, m, 5000)) throw new Error('consumer stuck: nothing for 5 s');
          }
          if (q.count === 0) return -1; // everything was taken
          const v = ring.get(q.head);
          ring.set(q.head, undefined);
          q.head = (q.head + 1) % CAP;
          q.count = q.count - 1;
          q.taken = q.taken + 1;
          if (q.taken === TOTAL) Condition.notify(notEmpty); // let the other consumer finish
          Condition.notify(notFull, 1);
          return v;
        });
        if (item === -1) break;
        if (typeof item !== 'number') throw new Error('consumed a non-item: ' + String(item));
        atomics.add(seen, item, 1);
        mine++;
      }
      return mine;
    `;
    const t0 = Date.now();
    const results = await withTimeout(
      Promise.all([run(producer, { ...data, p: 0 }), run(producer, { ...data, p: 1 }), run(consumer, data), run(consumer, data)]),
      15000,
      'producer/consumer',
    );
    expect(results[0] + results[1]).toBe(TOTAL);
    expect(results[2] + results[3]).toBe(TOTAL);
    expect(q.taken).toBe(TOTAL);
    expect(q.count).toBe(0);
    const counts = seen.toArray();
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(15000);
  });

  it('the main thread consumes with lockAsync + waitAsync while a worker produces', async () => {
    const CAP = 4;
    const TOTAL = 300;
    const Q = new SharedStructType(['head', 'tail', 'count']);
    const q = new Q();
    q.head = 0;
    q.tail = 0;
    q.count = 0;
    const ring = new SharedArray(CAP);
    const m = new Mutex();
    const notEmpty = new Condition();
    const notFull = new Condition();
    const producer = run(
      `
      const q = open(data.q), ring = open(data.ring), m = open(data.m), notEmpty = open(data.notEmpty), notFull = open(data.notFull);
      for (let i = 0; i < data.TOTAL; i++) {
        Mutex.lock(m, () => {
          while (q.count === data.CAP) if (!Condition.wait(notFull, m, 5000)) throw new Error('producer stuck');
          ring.set(q.tail, 'item ' + i);
          q.tail = (q.tail + 1) % data.CAP;
          q.count = q.count + 1;
          Condition.notify(notEmpty);
        });
      }
      return 'produced';
      `,
      { q: share(q), ring: share(ring), m: share(m), notEmpty: share(notEmpty), notFull: share(notFull), CAP, TOTAL },
    );
    const got = [];
    const consume = async () => {
      while (got.length < TOTAL) {
        const r = await Mutex.lockAsync(
          m,
          async () => {
            while (q.count === 0) {
              if (!(await Condition.waitAsync(notEmpty, m, 5000))) throw new Error('consumer stuck');
            }
            while (q.count > 0) {
              got.push(ring.get(q.head));
              q.head = (q.head + 1) % CAP;
              q.count = q.count - 1;
            }
            Condition.notify(notFull);
          },
          5000,
        );
        if (!r.success) throw new Error('could not lock the queue for 5 s');
      }
    };
    await withTimeout(Promise.all([consume(), producer]), 15000, 'async consumer');
    expect(got).toEqual(Array.from({ length: TOTAL }, (_, i) => 'item ' + i));
  });
});

// ---------------------------------------------------------------------------------------

describe('SharedMutex', () => {
  it('concurrent readers really overlap: 3 workers inside lockShared at the same time', async () => {
    const m = new SharedMutex();
    const S = new SharedStructType(['inside']);
    const s = new S();
    s.inside = 0;
    const body = `
      const m = open(data.m), s = open(data.s);
      const nap = new Int32Array(new SharedArrayBuffer(4));
      return SharedMutex.lockShared(m, () => {
        atomics.add(s, 'inside', 1);
        const deadline = Date.now() + 5000; // fail-safe: give up rather than hang
        while (atomics.load(s, 'inside') < 3 && Date.now() < deadline) Atomics.wait(nap, 0, 0, 1);
        return atomics.load(s, 'inside');
      });
    `;
    const results = await Promise.all([0, 1, 2].map(() => run(body, { m: share(m), s: share(s) })));
    expect(results).toEqual([3, 3, 3]);
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  it('a thread holding it shared gets a nested shared lock at once, even with a writer parked behind it', async () => {
    const m = new SharedMutex();
    const outer = SharedMutex.lockShared(m);
    const w = spawn('const m = open(data.m); send("locking"); SharedMutex.lock(m, () => {}); send("wrote");', { m: share(m) });
    expect(await w.next()).toBe('locking');
    await until(() => (rwWord(m) & RW.WRITERS_PARKED) !== 0, 5000, 'the writer parking');
    // Queuing behind the writer would deadlock: it waits for this thread's outer lock.
    expect(SharedMutex.lockSharedWithTimeout(m, () => 'inner', 2000)).toEqual({ success: true, value: 'inner' });
    expect(SharedMutex.lockShared(m, () => 'plain inner')).toBe('plain inner');
    expect(await withTimeout(SharedMutex.lockSharedAsync(m, () => 'async inner', 2000), 5000, 'lockSharedAsync')).toEqual({ success: true, value: 'async inner' });
    expect(state(m)).toEqual({ exclusive: false, readers: 1 });
    outer.unlock();
    expect(await w.next()).toBe('wrote');
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  it('a writer excludes everyone: while a worker holds it exclusively, tryLockShared and tryLock fail; after release both succeed', async () => {
    const m = new SharedMutex();
    const w = spawn(
      `
      const m = open(data.m);
      const t = SharedMutex.lock(m);
      send('locked');
      const cmd = await recv();
      if (cmd.delay) await sleep(cmd.delay);
      t.unlock();
      send('released');
      `,
      { m: share(m) },
    );
    expect(await w.next()).toBe('locked');
    expect(state(m)).toEqual({ exclusive: true, readers: 0 });
    expect(SharedMutex.tryLockShared(m, () => 1)).toEqual({ success: false, value: undefined });
    expect(SharedMutex.tryLock(m, () => 1)).toEqual({ success: false, value: undefined });
    expect(SharedMutex.lockIfAvailable(m, 20)).toBe(null);
    expect(SharedMutex.lockSharedIfAvailable(m, 20)).toBe(null);
    expect(SharedMutex.lockSharedWithTimeout(m, () => 1, 50)).toEqual({ success: false, value: undefined });
    expect(SharedMutex.lockWithTimeout(m, () => 1, 50)).toEqual({ success: false, value: undefined });
    w.post({});
    expect(await w.next()).toBe('released');
    expect(SharedMutex.tryLockShared(m, () => state(m))).toEqual({ success: true, value: { exclusive: false, readers: 1 } });
    expect(SharedMutex.tryLock(m, () => state(m))).toEqual({ success: true, value: { exclusive: true, readers: 0 } });
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  it('readers exclude writers but admit other readers', async () => {
    const m = new SharedMutex();
    const w = spawn('const m = open(data.m); const t = SharedMutex.lockShared(m); send("locked"); await recv(); t.unlock(); send("released");', { m: share(m) });
    expect(await w.next()).toBe('locked');
    expect(SharedMutex.tryLock(m, () => 1).success).toBe(false);
    expect(SharedMutex.lockWithTimeout(m, () => 1, 50).success).toBe(false);
    // After the writer timed out, readers are admitted again.
    expect(SharedMutex.tryLockShared(m, () => state(m).readers)).toEqual({ success: true, value: 2 });
    const t = SharedMutex.lockSharedIfAvailable(m);
    expect(t).toBeInstanceOf(UnlockToken);
    expect(t.mutex).toBe(m);
    expect(state(m).readers).toBe(2);
    expect(t.unlock()).toBe(true);
    expect(t.unlock()).toBe(false);
    w.post('go');
    expect(await w.next()).toBe('released');
    expect(SharedMutex.tryLock(m, () => 'writer').value).toBe('writer');
  });

  it('lockWithTimeout succeeds when the readers leave in time', async () => {
    const m = new SharedMutex();
    const w = spawn('const m = open(data.m); const t = SharedMutex.lockShared(m); send("locked"); await recv(); await sleep(80); t.unlock(); send("released");', {
      m: share(m),
    });
    expect(await w.next()).toBe('locked');
    w.post('go');
    expect(SharedMutex.lockWithTimeout(m, () => state(m), 5000)).toEqual({ success: true, value: { exclusive: true, readers: 0 } });
    expect(await w.next()).toBe('released');
  });

  it('writers are not starved: with 2 workers re-acquiring shared locks continuously, lockWithTimeout(…, 5000) succeeds', async () => {
    const m = new SharedMutex();
    const S = new SharedStructType(['stop', 'rounds0', 'rounds1', 'writerSawReaders']);
    const s = new S();
    s.stop = 0;
    s.rounds0 = 0;
    s.rounds1 = 0;
    const body = `
      const m = open(data.m), s = open(data.s);
      const nap = new Int32Array(new SharedArrayBuffer(4));
      send('started');
      const deadline = Date.now() + 10000;
      while (!atomics.load(s, 'stop') && Date.now() < deadline) {
        SharedMutex.lockShared(m, () => { Atomics.wait(nap, 0, 0, 1); });
        atomics.add(s, data.field, 1);
      }
      return atomics.load(s, 'stop');
    `;
    const readers = [0, 1].map((k) => spawn(body, { m: share(m), s: share(s), field: `rounds${k}` }));
    for (const r of readers) expect(await r.next()).toBe('started');
    // Let them overlap for a while: the lock is never free of readers.
    await until(() => s.rounds0 > 20 && s.rounds1 > 20, 5000, 'readers running');
    const t0 = Date.now();
    const r = SharedMutex.lockWithTimeout(m, () => state(m), 5000);
    const elapsed = Date.now() - t0;
    atomics.store(s, 'stop', 1);
    expect(r).toEqual({ success: true, value: { exclusive: true, readers: 0 } });
    expect(elapsed).toBeLessThan(5000);
    expect(await Promise.all(readers.map((h) => h.result))).toEqual([1, 1]);
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  it('lockSharedAsync and lockAsync wait without blocking the event loop and resolve once the writer leaves', async () => {
    const m = new SharedMutex();
    const w = spawn('const m = open(data.m); const t = SharedMutex.lock(m); send("locked"); await recv(); t.unlock(); send("released");', { m: share(m) });
    expect(await w.next()).toBe('locked');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const log = [];
    try {
      const pr = SharedMutex.lockSharedAsync(
        m,
        async () => {
          log.push(['reader in', state(m)]);
          await sleep(20);
          log.push(['reader out']);
          return 'read';
        },
        5000,
      );
      const pw = SharedMutex.lockAsync(
        m,
        async () => {
          log.push(['writer in', state(m)]);
          await sleep(1);
          return 'written';
        },
        5000,
      );
      await sleep(60);
      expect(log).toEqual([]);
      expect(ticks).toBeGreaterThanOrEqual(3);
      w.post('go');
      expect(await withTimeout(Promise.all([pr, pw]), 5000, 'async locks')).toEqual([
        { success: true, value: 'read' },
        { success: true, value: 'written' },
      ]);
    } finally {
      clearInterval(timer);
    }
    expect(log).toEqual([['reader in', { exclusive: false, readers: 1 }], ['reader out'], ['writer in', { exclusive: true, readers: 0 }]]);
    expect(await w.next()).toBe('released');
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
    expect(await SharedMutex.lockSharedAsync(m, () => 'uncontended')).toEqual({ success: true, value: 'uncontended' });
    expect(await SharedMutex.lockAsync(m, () => 'uncontended')).toEqual({ success: true, value: 'uncontended' });
  });

  it('lockSharedAsync and lockAsync resolve {success:false} on timeout', async () => {
    const m = new SharedMutex();
    const w = spawn('const m = open(data.m); const t = SharedMutex.lock(m); send("locked"); await recv(); t.unlock(); send("released");', { m: share(m) });
    expect(await w.next()).toBe('locked');
    let ran = false;
    expect(await withTimeout(SharedMutex.lockSharedAsync(m, () => (ran = true), 50), 5000)).toEqual({ success: false, value: undefined });
    expect(await withTimeout(SharedMutex.lockAsync(m, () => (ran = true), 50), 5000)).toEqual({ success: false, value: undefined });
    expect(ran).toBe(false);
    w.post('go');
    expect(await w.next()).toBe('released');
    expect(SharedMutex.tryLockShared(m, () => 1).success).toBe(true);
    expect(SharedMutex.tryLock(m, () => 1).success).toBe(true);
  });

  // BUG: an async exclusive waiter that times out is cancelled (cancelAsync) but leaves
  // WRITERS_PARKED set, so readers are refused until the current readers leave; the sync
  // lockWithTimeout clears the bit on timeout (see 'readers exclude writers but admit other readers').
  it('after a lockAsync (exclusive) times out behind a reader, new readers are admitted again', async () => {
    const m = new SharedMutex();
    const w = spawn('const m = open(data.m); const t = SharedMutex.lockShared(m); send("locked"); await recv(); t.unlock(); send("released");', { m: share(m) });
    expect(await w.next()).toBe('locked');
    expect(await withTimeout(SharedMutex.lockAsync(m, () => 1, 50), 5000)).toEqual({ success: false, value: undefined });
    try {
      expect(SharedMutex.tryLockShared(m, () => 'reader admitted')).toEqual({ success: true, value: 'reader admitted' });
    } finally {
      w.post('go');
      await w.next();
    }
  });

  it('locking it again from the holding thread throws TypeError', () => {
    const m = new SharedMutex();
    expect(() => SharedMutex.lock(m, () => SharedMutex.lock(m, () => 1))).toThrow(TypeError);
    expect(() => SharedMutex.lock(m, () => SharedMutex.lockShared(m, () => 1))).toThrow(TypeError);
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
    const t = SharedMutex.lock(m);
    expect(t.locked).toBe(true);
    expect(() => SharedMutex.lockWithTimeout(m, () => 1, 1000)).toThrow(TypeError);
    expect(() => SharedMutex.lockSharedWithTimeout(m, () => 1, 1000)).toThrow(TypeError);
    expect(t.unlock()).toBe(true);
    expect(() => SharedMutex.lock(new Mutex())).toThrow(TypeError);
    expect(SharedMutex.isSharedMutex(m)).toBe(true);
    expect(SharedMutex.isSharedMutex(new Mutex())).toBe(false);
  });

  it('releases on throw in every callback form', async () => {
    const m = new SharedMutex();
    const boom = () => {
      throw new Error('boom');
    };
    expect(() => SharedMutex.lock(m, boom)).toThrow('boom');
    expect(() => SharedMutex.lockShared(m, boom)).toThrow('boom');
    expect(() => SharedMutex.tryLock(m, boom)).toThrow('boom');
    expect(() => SharedMutex.tryLockShared(m, boom)).toThrow('boom');
    await expect(SharedMutex.lockAsync(m, boom)).rejects.toThrow('boom');
    await expect(SharedMutex.lockSharedAsync(m, boom)).rejects.toThrow('boom');
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  it('an exclusive holder terminated while holding it abandons it: the next writer is told (callback forms) or gets AbandonedMutexError (token forms)', async () => {
    const m = new SharedMutex();
    const w = spawn('const m = open(data.m); SharedMutex.lock(m); send("locked"); await recv();', { m: share(m) });
    expect(await w.next()).toBe('locked');
    await withTimeout(w.terminate(), 5000, 'terminate');
    const m2 = new SharedMutex();
    const w2 = spawn('SharedMutex.lock(open(data.m)); send("locked"); await recv();', { m: share(m2) });
    expect(await w2.next()).toBe('locked');
    await withTimeout(w2.terminate(), 5000, 'terminate');
    expect(SharedMutex.lockWithTimeout(m2, (...a) => [a, state(m2).exclusive], 5000)).toEqual({ success: true, value: [[true], true], abandoned: true });
    expect(state(m2)).toEqual({ exclusive: false, readers: 0 });
    let err;
    try {
      SharedMutex.lockIfAvailable(m, 5000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AbandonedMutexError);
    expect(err.mutex).toBe(m);
    expect(err.token.locked).toBe(true);
    expect(state(m).exclusive).toBe(true);
    expect(err.token.unlock()).toBe(true);
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
    expect(SharedMutex.tryLockShared(m, () => 'ok').value).toBe('ok');
  });

  it('refuses to take a SharedMutex exclusively in a thread that holds it shared', () => {
    const m = new SharedMutex();
    SharedMutex.lockShared(m, () => {
      // (Timeout forms: without the check these would deadlock this thread.)
      expect(() => SharedMutex.lockWithTimeout(m, () => 1, 100)).toThrow(/holds the SharedMutex shared/);
      expect(() => SharedMutex.lockIfAvailable(m, 10)).toThrow(TypeError);
      // A try fails instead (it never waits, so it cannot deadlock).
      expect(SharedMutex.tryLock(m, () => 1)).toEqual({ success: false, value: undefined });
      expect(SharedMutex.lockIfAvailable(m)).toBe(null);
      // A second read lock is fine; both must be released before a writer gets in.
      expect(SharedMutex.lockShared(m, () => 'nested read')).toBe('nested read');
    });
    const t1 = SharedMutex.lockShared(m);
    const t2 = SharedMutex.lockShared(m);
    t1.unlock();
    expect(() => SharedMutex.lockWithTimeout(m, () => 1, 100)).toThrow(TypeError);
    t2.unlock();
    expect(SharedMutex.tryLock(m, () => 'writer').value).toBe('writer');
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  it('releases the read locks of a worker that exits or is terminated holding them', async () => {
    const m = new SharedMutex();
    const quits = spawn('const s = open(data.m); SharedMutex.lockShared(s); SharedMutex.lockShared(s); send("held"); return 1;', { m: share(m) });
    expect(await quits.next()).toBe('held');
    const stays = spawn('SharedMutex.lockShared(open(data.m)); send("held"); await recv();', { m: share(m) });
    expect(await stays.next()).toBe('held');
    await withTimeout(quits.result, 5000, 'worker exit');
    expect(SharedMutex.tryLock(m, () => 1).success).toBe(false); // the other reader still holds it
    await withTimeout(stays.terminate(), 5000, 'terminate');
    expect(SharedMutex.lockWithTimeout(m, () => 'writer', 5000)).toEqual({ success: true, value: 'writer' });
    expect(state(m)).toEqual({ exclusive: false, readers: 0 });
  });

  // BUG: only exclusive acquirers check whether the writer is alive (core::sync::rw_lock);
  // a reader keeps waiting for a dead writer forever (here: until its timeout), although
  // docs/locks.md says "A dead exclusive holder is detected like a Mutex owner" and the JS
  // layer handles ABANDONED for shared acquires.
  it('a reader waiting on a SharedMutex whose writer was terminated does not wait for ever', async () => {
    const m = new SharedMutex();
    const w = spawn('SharedMutex.lock(open(data.m)); send("locked"); await recv();', { m: share(m) });
    expect(await w.next()).toBe('locked');
    await withTimeout(w.terminate(), 5000, 'terminate');
    let outcome;
    try {
      outcome = SharedMutex.lockSharedWithTimeout(m, () => 'read', 1000).success ? 'acquired' : 'timed out';
    } catch (e) {
      outcome = e instanceof AbandonedMutexError ? 'abandoned' : String(e);
      if (e.token) e.token.unlock();
    }
    expect(['acquired', 'abandoned']).toContain(outcome);
  });
});

describe('locks granted to a thread that dies before it hears of them', () => {
  it('gives back a SharedMutex read lock handed to a worker whose event loop never ran again', () => {
    const { runChild, INDEX } = require('./helpers.js');
    const r = runChild(
      `
      (async () => {
        const { Worker } = require('worker_threads');
        const rw = new ss.SharedMutex();
        const tok = ss.SharedMutex.lock(rw);
        const w = new Worker(${JSON.stringify(`
          const ss = require(${JSON.stringify(INDEX)});
          const { workerData, parentPort } = require('worker_threads');
          const rw = ss.open(workerData.rw);
          ss.SharedMutex.lockSharedAsync(rw, () => parentPort.postMessage('got it'));
          setTimeout(() => { parentPort.postMessage('queued'); const t = Date.now(); while (Date.now() - t < 30000) {} }, 100);
        `)}, { eval: true, workerData: { rw: ss.share(rw) } });
        await new Promise((res) => w.once('message', res));
        tok.unlock(); // hands the read lock to the worker's async waiter, whose doorbell cannot run
        await new Promise((res) => setTimeout(res, 50));
        const granted = require('util').inspect(rw);
        await w.terminate();
        const again = ss.SharedMutex.lockWithTimeout(rw, () => 'exclusive again', 3000);
        console.log(JSON.stringify({ granted, again }));
        process.exit(0);
      })();
      `,
      {},
      { timeout: 30000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out.granted).toMatch(/readers: 1/);
    expect(out.again).toEqual({ success: true, value: 'exclusive again' });
  });
});
