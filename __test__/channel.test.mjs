// Channel, Semaphore and Barrier across real workers, and AbortSignal on every async wait
// (docs/coordination.md).
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ss = require('../index.js');
const { Channel, ChannelClosedError, Semaphore, Barrier, Mutex, Condition, SharedMutex, SharedStructType, share, gc } = ss;
const { spawn, run, killAll, until, withTimeout } = require('./sync-helpers.js');

afterEach(() => killAll());

const PRE = `const { Channel, ChannelClosedError, Semaphore, Barrier } = ss;\n`;

describe('Channel', () => {
  it('sends and receives values of every kind in order, with try and timeout forms', () => {
    const T = new SharedStructType(['x']);
    const t = new T();
    const ch = new Channel(4);
    expect(ch.capacity).toBe(4);
    for (const v of [1, 'two', t, 3n]) expect(ch.send(v)).toBe(true);
    expect(ch.size).toBe(4);
    expect(ch.trySend(5)).toBe(false);
    expect(ch.send(5, 10)).toBe(false);
    expect(ch.receive()).toEqual({ value: 1, done: false });
    expect(ch.receive().value).toBe('two');
    expect(ch.receive().value).toBe(t);
    expect(ch.tryReceive()).toEqual({ value: 3n, done: false });
    expect(ch.tryReceive()).toBe(null);
    expect(ch.receive(5)).toBe(null);
    const nan = new Float64Array(new BigUint64Array([0x7ff8000000000abcn]).buffer)[0];
    ch.send(nan);
    expect(new BigUint64Array(new Float64Array([ch.receive().value]).buffer)[0]).toBe(0x7ff8000000000abcn);
    ch.send(undefined);
    expect(ch.receive()).toEqual({ value: undefined, done: false });
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => new Channel(0)).toThrow(RangeError);
    expect(() => new Channel(1.5)).toThrow(RangeError);
    expect(() => new Channel('4')).toThrow(TypeError);
    const ch = new Channel();
    expect(() => ch.send({})).toThrow(/Channel.prototype.send: cannot send a plain object/);
    expect(() => ch.send(1, -1)).toThrow(RangeError);
    expect(() => Channel.prototype.send.call({}, 1)).toThrow(/receiver is not a Channel/);
    expect(ch.size).toBe(0);
  });

  it('close: sends throw, receivers drain then get done, iteration ends', async () => {
    const ch = new Channel(8);
    ch.send('a');
    ch.send('b');
    expect(ch.close()).toBe(true);
    expect(ch.close()).toBe(false);
    expect(ch.closed).toBe(true);
    expect(() => ch.send('c')).toThrow(ChannelClosedError);
    expect(() => ch.trySend('c')).toThrow(ChannelClosedError);
    await expect(ch.sendAsync('c')).rejects.toThrow(ChannelClosedError);
    expect([...ch]).toEqual(['a', 'b']);
    expect(ch.receive()).toEqual({ value: undefined, done: true });
    expect(await ch.receiveAsync()).toEqual({ value: undefined, done: true });
  });

  it('MPMC: 2 producer workers and 2 consumer workers move every value exactly once', async () => {
    const ch = new Channel(16);
    const producer = PRE + `
      const ch = open(data.ch);
      for (let i = 0; i < 5000; i++) ch.send(data.k * 100000 + i);
      return true;
    `;
    const consumer = PRE + `
      const ch = open(data.ch);
      const got = [];
      for (const v of ch) got.push(v);
      return got;
    `;
    const cs = [0, 1].map(() => spawn(consumer, { ch: share(ch) }));
    const ps = [0, 1].map((k) => spawn(producer, { ch: share(ch), k }));
    await Promise.all(ps.map((p) => p.result));
    ch.close();
    const got = (await Promise.all(cs.map((c) => c.result))).flat();
    expect(got.length).toBe(10000);
    expect(new Set(got).size).toBe(10000);
    // Per-producer order is kept by each consumer.
    for (const r of await Promise.all(cs.map((c) => c.result))) {
      const last = [-1, -1];
      for (const v of r) {
        const k = Math.floor(v / 100000);
        expect(v % 100000).toBeGreaterThan(last[k]);
        last[k] = v % 100000;
      }
    }
  });

  it('async: for await in the main thread receives what a worker sends (strings and structs)', async () => {
    const ch = new Channel(4);
    const w = spawn(PRE + `
      const ch = open(data.ch);
      const T = new SharedStructType(['i'], data.key);
      for (let i = 0; i < 300; i++) {
        const t = new T();
        t.i = i;
        await ch.sendAsync(i % 2 ? 's' + i : t);
      }
      ch.close();
    `, { ch: share(ch), key: 'channel-test/T' });
    const got = [];
    for await (const v of ch) got.push(typeof v === 'string' ? v : v.i);
    await w.result;
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => (i % 2 ? 's' + i : i)));
  });

  it('a sender blocked on a full channel wakes when the main thread receives; senders waiting at close() throw', async () => {
    const ch = new Channel(1);
    ch.send(0);
    const w = spawn(PRE + `
      const ch = open(data.ch);
      ch.send(1);
      send('sent 1');
      try { ch.send(2); ch.send(3); return 'no error'; } catch (e) { return e.name; }
    `, { ch: share(ch) });
    await new Promise((r) => setTimeout(r, 50));
    expect((await ch.receiveAsync()).value).toBe(0);
    await w.next();
    expect((await ch.receiveAsync()).value).toBe(1);
    await until(() => ch.size === 1);
    await new Promise((r) => setTimeout(r, 50));
    ch.close();
    expect(await w.result).toBe('ChannelClosedError');
    expect([...ch]).toEqual([2]);
  });

  it('values in a channel survive a collection with no other reference', () => {
    const ch = new Channel(100);
    const T = new SharedStructType(['s']);
    for (let i = 0; i < 100; i++) {
      const t = new T();
      t.s = 'v' + i;
      ch.send(i % 2 ? t : 'str' + i);
    }
    gc();
    gc();
    const got = [];
    for (let i = 0; i < 100; i++) {
      const v = ch.receive().value;
      got.push(typeof v === 'string' ? v : v.s);
    }
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => (i % 2 ? 'v' + i : 'str' + i)));
  });
});

describe('Semaphore', () => {
  it('counts permits; try, timeout and release', () => {
    const s = new Semaphore(2);
    expect(s.available).toBe(2);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire(2)).toBe(false);
    expect(s.acquire(1, 0)).toBe(true);
    expect(s.acquire(1, 10)).toBe(false);
    s.release(3);
    expect(s.available).toBe(3);
    expect(s.withPermit(() => s.available)).toBe(2);
    expect(s.available).toBe(3);
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => s.acquire(0)).toThrow(RangeError);
    expect(() => s.release(2 ** 31)).toThrow(RangeError);
  });

  it('limits 4 workers to 2 inside at a time', async () => {
    const sem = new Semaphore(2);
    const C = new SharedStructType(['inside', 'max']);
    const c = new C();
    c.inside = 0;
    c.max = 0;
    const body = PRE + `
      const sem = open(data.sem);
      const c = open(data.c);
      for (let i = 0; i < 200; i++) {
        if (i % 2) await sem.acquireAsync(); else sem.acquire();
        const n = ss.atomics.add(c, 'inside', 1) + 1;
        for (;;) { const m = ss.atomics.load(c, 'max'); if (n <= m || ss.atomics.compareExchange(c, 'max', m, n) === m) break; }
        for (let k = 0; k < 2000; k++);
        ss.atomics.sub(c, 'inside', 1);
        sem.release();
      }
    `;
    await Promise.all([0, 1, 2, 3].map(() => run(body, { sem: share(sem), c: share(c) })));
    expect(c.max).toBeGreaterThanOrEqual(1);
    expect(c.max).toBeLessThanOrEqual(2);
    expect(sem.available).toBe(2);
    // Two holders at once (they meet at a barrier while holding), and no third.
    const b = new Barrier(3);
    const holders = [0, 1].map(() => spawn(PRE + `
      const sem = open(data.sem); const b = open(data.b);
      await sem.acquireAsync();
      b.wait();
      b.wait();
      sem.release();
    `, { sem: share(sem), b: share(b) }));
    b.wait();
    expect(sem.available).toBe(0);
    expect(sem.tryAcquire()).toBe(false);
    b.wait();
    await Promise.all(holders.map((h) => h.result));
    expect(sem.available).toBe(2);
  });
});

describe('Barrier', () => {
  it('releases 3 workers and the main thread together, generation after generation; one leader each', async () => {
    const b = new Barrier(4);
    const body = PRE + `
      const b = open(data.b);
      let leads = 0;
      const seen = [];
      for (let g = 0; g < 50; g++) {
        if (await (g % 2 ? b.waitAsync() : Promise.resolve(b.wait()))) leads++;
        seen.push(b.generation);
      }
      return leads;
    `;
    const ws = [0, 1, 2].map(() => spawn(body, { b: share(b) }));
    let mine = 0;
    for (let g = 0; g < 50; g++) if (await b.waitAsync()) mine++;
    const leads = (await Promise.all(ws.map((w) => w.result))).reduce((a, x) => a + x, mine);
    expect(leads).toBe(50);
    expect(b.generation).toBe(50);
    expect(b.arrived).toBe(0);
  });

  it('a wait that times out withdraws its arrival', async () => {
    const b = new Barrier(2);
    expect(b.wait(20)).toBe(null);
    expect(b.arrived).toBe(0);
    expect(await b.waitAsync(20)).toBe(null);
    expect(b.arrived).toBe(0);
    const w = spawn(PRE + `return open(data.b).wait();`, { b: share(b) });
    await until(() => b.arrived === 1);
    expect(b.wait()).toBe(true);
    expect(await w.result).toBe(false);
  });
});

describe('AbortSignal on every async wait', () => {
  it('lockAsync, SharedMutex lockAsync/lockSharedAsync, Condition.waitAsync: reject with the reason, leave no waiter', async () => {
    const m = new Mutex();
    const rw = new SharedMutex();
    const cv = new Condition();
    const holder = spawn(PRE + `
      const m = open(data.m); const rw = open(data.rw);
      const t1 = Mutex.lock(m); const t2 = SharedMutex.lock(rw);
      send('held');
      await recv();
      t1.unlock(); t2.unlock();
    `, { m: share(m), rw: share(rw) });
    await holder.next();
    // Already aborted: rejects at once.
    const reason = new Error('stop');
    await expect(Mutex.lockAsync(m, () => 1, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    // Aborted while waiting.
    for (const start of [
      (signal) => Mutex.lockAsync(m, () => 'ran', { signal }),
      (signal) => SharedMutex.lockAsync(rw, () => 'ran', { signal }),
      (signal) => SharedMutex.lockSharedAsync(rw, () => 'ran', { signal }),
      (signal) => Mutex.lockAsync(m, () => 'ran', { timeout: 10000, signal }),
    ]) {
      const ac = new AbortController();
      const p = start(ac.signal);
      await new Promise((r) => setTimeout(r, 20));
      ac.abort(reason);
      await expect(withTimeout(p, 2000, 'abort')).rejects.toBe(reason);
    }
    holder.post('release');
    await holder.result;
    // The locks are free and nobody is queued (a left-behind waiter would take a wake-up).
    expect(Mutex.tryLock(m, () => 'free')).toEqual({ success: true, value: 'free' });
    expect(SharedMutex.tryLock(rw, () => 'free')).toEqual({ success: true, value: 'free' });
    // Condition.waitAsync: aborted, it re-locks, then rejects; the waiter count is back to 0.
    const ac = new AbortController();
    const r = Mutex.lockAsync(m, async () => {
      try {
        await Condition.waitAsync(cv, m, { signal: ac.signal });
        return 'woken';
      } catch (e) {
        return [e, Mutex.tryLock(m, () => 1).success];
      }
    });
    await until(() => util.inspect(cv).includes('waiters: 1'));
    ac.abort(reason);
    const out = await r;
    expect(out.value[0]).toBe(reason);
    expect(out.value[1]).toBe(false); // held again by the callback (a try on it fails)
    expect(util.inspect(cv)).toContain('waiters: 0');
    expect(Condition.notify(cv, 1)).toBe(0);
  });

  it('Channel, Semaphore and Barrier async waits reject with the reason and leave nothing behind', async () => {
    const reason = new Error('cancelled');
    const ch = new Channel(1);
    const ac1 = new AbortController();
    const pr = ch.receiveAsync({ signal: ac1.signal });
    setTimeout(() => ac1.abort(reason), 10);
    await expect(pr).rejects.toBe(reason);
    ch.send('x');
    const ac2 = new AbortController();
    const ps = ch.sendAsync('y', { signal: ac2.signal });
    setTimeout(() => ac2.abort(reason), 10);
    await expect(ps).rejects.toBe(reason);
    expect([ch.tryReceive().value, ch.tryReceive()]).toEqual(['x', null]);
    const sem = new Semaphore(0);
    const ac3 = new AbortController();
    const pa = sem.acquireAsync(1, { signal: ac3.signal });
    await until(() => sem.waiting === 1);
    ac3.abort(reason);
    await expect(pa).rejects.toBe(reason);
    expect(sem.waiting).toBe(0);
    const b = new Barrier(2);
    const ac4 = new AbortController();
    const pb = b.waitAsync({ signal: ac4.signal });
    expect(b.arrived).toBe(1);
    ac4.abort(reason);
    await expect(pb).rejects.toBe(reason);
    expect(b.arrived).toBe(0);
    await expect(sem.acquireAsync(1, { signal: 'no' })).rejects.toThrow(/options.signal must be an AbortSignal/);
  });

  it('for await over ch.iterate({ signal }): values a worker sends, then an abort ends the loop with the reason and takes nothing', async () => {
    const ch = new Channel(4);
    const w = spawn(PRE + `
      const ch = open(data.ch);
      for (let i = 0; i < 10; i++) await ch.sendAsync(i);
      send('sent');
      await recv();
      ch.send('after');
      ch.close();
    `, { ch: share(ch) });
    const ac = new AbortController();
    const reason = new Error('stop iterating');
    const got = [];
    const loop = (async () => {
      for await (const v of ch.iterate({ signal: ac.signal })) {
        got.push(v);
        if (got.length === 10) setTimeout(() => ac.abort(reason), 20);
      }
      return 'ended';
    })();
    await expect(withTimeout(loop, 10000, 'iterate')).rejects.toBe(reason);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await w.next()).toBe('sent');
    // The aborted receive left no waiter behind: the next value is there for a new loop,
    // which ends when the channel is closed and empty.
    w.post('go');
    const rest = [];
    for await (const v of ch.iterate()) rest.push(v);
    expect(rest).toEqual(['after']);
    await w.result;
    // Already aborted: the first next() rejects; bad options are TypeErrors.
    const it2 = ch.iterate({ signal: AbortSignal.abort(reason) });
    await expect(it2.next()).rejects.toBe(reason);
    await expect(it2.next()).resolves.toEqual({ value: undefined, done: true });
    expect(() => ch.iterate({ signal: 1 })).toThrow(/options.signal must be an AbortSignal/);
    expect(() => ch.iterate(null)).toThrow(/options must be an object/);
  });
});

const util = require('node:util');

describe('lock introspection', () => {
  it('names the holder of a Mutex and a SharedMutex held by a worker, counts waiters, and LockTimeoutError names the holder', async () => {
    const { lockInfo, LockTimeoutError } = ss;
    const m = new Mutex();
    const rw = new SharedMutex();
    const cv = new Condition();
    const w = spawn(PRE + `
      const { threadId } = require('worker_threads');
      const m = open(data.m); const rw = open(data.rw);
      const t1 = Mutex.lock(m); const t2 = SharedMutex.lockShared(rw);
      send(threadId);
      await recv();
      t1.unlock(); t2.unlock();
    `, { m: share(m), rw: share(rw) });
    const wid = await w.next();
    const info = lockInfo(m);
    expect(info).toMatchObject({ kind: 'Mutex', locked: true, waiters: 0 });
    expect(info.holder).toMatchObject({ threadId: wid, alive: true, current: false });
    expect(lockInfo(rw)).toMatchObject({ kind: 'SharedMutex', exclusive: false, readers: 1 });
    expect(lockInfo(rw).readerThreads.map((t) => t.threadId)).toEqual([wid]);
    // Waiters: two async lockers queue on the mutex.
    const p1 = Mutex.lockAsync(m, () => 1);
    const p2 = Mutex.lockAsync(m, () => 2);
    await until(() => lockInfo(m).waiters === 2);
    // A timeout in the options form throws a LockTimeoutError naming the worker.
    const err = await Mutex.lockAsync(m, () => 3, { timeout: 30 }).catch((e) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect(err.message).toMatch(new RegExp(`held by worker threadId ${wid} \\(lock id \\d+\\)`));
    expect(err.info.holder.threadId).toBe(wid);
    const err2 = await SharedMutex.lockAsync(rw, () => 3, { timeout: 30 }).catch((e) => e);
    expect(err2.message).toMatch(/held shared by 1 reader\(s\): worker threadId/);
    expect(() => Mutex.lockWithTimeout(m, () => 1, { timeout: 20 })).toThrow(LockTimeoutError);
    // The numeric form keeps V8's result.
    expect(Mutex.lockWithTimeout(m, () => 1, 10)).toEqual({ success: false, value: undefined });
    w.post('go');
    await w.result;
    expect((await p1).value + (await p2).value).toBe(3);
    expect(lockInfo(m)).toMatchObject({ locked: false, holder: null, waiters: 0 });
    expect(lockInfo(cv)).toEqual({ kind: 'Condition', waiters: 0 });
    expect(() => lockInfo({})).toThrow(TypeError);
  });

  it('reports a dead holder', async () => {
    const { lockInfo } = ss;
    const m = new Mutex();
    await run(PRE + `Mutex.lock(open(data.m));`, { m: share(m) });
    // The worker's exit hook runs after its result arrives.
    await until(() => !lockInfo(m).holder.alive);
    const info = lockInfo(m);
    expect(info.locked).toBe(true);
    expect(info.holder.alive).toBe(false);
    // heapStats counts it among the locks held by dead threads (a collection's pause).
    const dead = ss.heapStats({ locks: true }).deadLocks;
    expect(dead.mutexes).toBeGreaterThanOrEqual(1);
    expect(dead.owners).toBeGreaterThanOrEqual(1);
    expect(Mutex.lock(m, (abandoned) => abandoned)).toBe(true);
  });
});
