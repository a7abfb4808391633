// Shared objects through postMessage, workerData and structuredClone (issues 16 and 17):
// never a silent {} (by default a DataCloneError naming share()); with passByReference()
// they arrive as the same shared objects. Real worker_threads throughout.
import { describe, it, expect, afterEach } from 'vitest';
import { createRequire } from 'node:module';
import { Worker, MessageChannel, BroadcastChannel, receiveMessageOnPort } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const ss = require('../index.js');
const { SharedStructType, SharedArray, Mutex, Condition, SharedMap, share, passByReference } = ss;
const { INDEX, withTimeout, uniqueKey } = require('./sync-helpers.js');

const workers = new Set();
afterEach(async () => {
  passByReference(false);
  await Promise.all([...workers].map((w) => w.terminate()));
  workers.clear();
});

/**
 * A worker running `body` (CommonJS) after `prelude`; `ss` is the library (loaded after the
 * prelude), `port` its parentPort. Resolves messages through next().
 */
function worker(body, options = {}, prelude = '') {
  const w = new Worker(
    `${prelude}
    const { parentPort: port, workerData } = require('node:worker_threads');
    const ss = require(${JSON.stringify(INDEX)});
    ${body}`,
    { eval: true, ...options },
  );
  workers.add(w);
  const inbox = [];
  const waiting = [];
  let failure = null;
  w.on('message', (m) => (waiting.length ? waiting.shift().resolve(m) : inbox.push(m)));
  w.on('error', (e) => {
    failure = e;
    while (waiting.length) waiting.shift().reject(e);
  });
  w.next = () => {
    if (inbox.length) return Promise.resolve(inbox.shift());
    if (failure) return Promise.reject(failure);
    return withTimeout(new Promise((resolve, reject) => waiting.push({ resolve, reject })), 8000, 'a message from the worker');
  };
  return w;
}

function sharedSamples() {
  const T = new SharedStructType(['x', 'y']);
  const t = new T();
  t.x = 1;
  const map = new SharedMap();
  map.set('k', 'v');
  return { t, arr: SharedArray.from([1, 2, 3]), m: new Mutex(), cv: new Condition(), map };
}

function dataCloneError(fn) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DOMException);
  expect(err.name).toBe('DataCloneError');
  expect(err.message).toMatch(/share\(/);
  return err;
}

describe('by default, a shared object in a message throws a DataCloneError naming share()', () => {
  it('structuredClone of a struct, SharedArray, Mutex, Condition or SharedMap, alone or nested (object, array, Map key and value, Set, cycle)', () => {
    const { t, arr, m, cv, map } = sharedSamples();
    const cyclic = { a: 1 };
    cyclic.self = cyclic;
    cyclic.deep = [{ again: cyclic, s: t }];
    for (const msg of [t, arr, m, cv, map, { t }, [1, [2, arr]], new Map([[m, 1]]), new Map([[1, cv]]), new Set([map]), cyclic]) {
      dataCloneError(() => structuredClone(msg));
    }
    const e = dataCloneError(() => structuredClone({ list: [t] }));
    expect(e.message).toMatch(/structuredClone\(\)/);
  });

  it('worker.postMessage, a MessageChannel port, BroadcastChannel and new Worker({ workerData }) throw before sending; the worker receives nothing', async () => {
    const { t, map } = sharedSamples();
    const w = worker(`port.on('message', (m) => port.postMessage(m));`);
    dataCloneError(() => w.postMessage({ t }));
    dataCloneError(() => w.postMessage([map]));
    const { port1, port2 } = new MessageChannel();
    dataCloneError(() => port1.postMessage(t));
    expect(receiveMessageOnPort(port2)).toBe(undefined);
    port1.close();
    const bc = new BroadcastChannel(uniqueKey('bc'));
    try {
      dataCloneError(() => bc.postMessage({ t }));
    } finally {
      bc.close();
    }
    const e = dataCloneError(() => new Worker('1', { eval: true, workerData: { t } }));
    expect(e.message).toMatch(/workerData/);
    // The worker got none of the refused messages: the next one is the first it echoes.
    w.postMessage('after');
    expect(await w.next()).toBe('after');
  });

  it('a shared object in setEnvironmentData() makes new Worker() throw, by reference too (every worker gets its own copy of those values)', async () => {
    const { setEnvironmentData } = await import('node:worker_threads');
    const { t } = sharedSamples();
    setEnvironmentData('conformance-shared', t);
    try {
      expect(dataCloneError(() => new Worker('1', { eval: true })).message).toMatch(/setEnvironmentData/);
      passByReference(true);
      expect(dataCloneError(() => new Worker('1', { eval: true })).message).toMatch(/setEnvironmentData/);
    } finally {
      setEnvironmentData('conformance-shared', undefined);
    }
  });

  it('a worker posting a shared object to its parent gets the DataCloneError (it used to arrive as {})', async () => {
    const w = worker(
      `const T = new ss.SharedStructType(['x']);
       const t = new T(); t.x = 5;
       try { port.postMessage({ t }); port.postMessage('sent'); } catch (e) { port.postMessage([e.name, /share\\(/.test(e.message)]); }`,
    );
    expect(await w.next()).toEqual(['DataCloneError', true]);
  });

  it('messages without shared objects are untouched: cycles, Maps, Sets, typed arrays, transfer lists, share() tokens', async () => {
    const w = worker(`port.on('message', (m) => port.postMessage(m === null || typeof m !== 'object' ? m : { echo: m, tokenOpens: m.tok ? ss.open(m.tok).x : null }));`);
    const cyclic = { n: 1 };
    cyclic.self = cyclic;
    const T = new SharedStructType(['x']);
    const t = new T();
    t.x = 'via token';
    const ab = new ArrayBuffer(8);
    new Uint8Array(ab)[0] = 7;
    w.postMessage({ cyclic, map: new Map([['a', [1, 2]]]), set: new Set([1, 'b']), bytes: new Float64Array([1.5]), ab, tok: share(t) }, [ab]);
    const r = await w.next();
    expect(r.echo.cyclic.self).toBe(r.echo.cyclic);
    expect(r.echo.map.get('a')).toEqual([1, 2]);
    expect([...r.echo.set]).toEqual([1, 'b']);
    expect(r.echo.bytes[0]).toBe(1.5);
    expect(new Uint8Array(r.echo.ab)[0]).toBe(7);
    expect(ab.byteLength).toBe(0); // transferred
    expect(r.tokenOpens).toBe('via token');
    expect(structuredClone(cyclic).self).not.toBe(cyclic);
    expect(structuredClone(42)).toBe(42);
  });
});

describe('passByReference(): shared objects arrive as the same shared objects', () => {
  it('workerData: the worker reads and writes the same struct, SharedArray and SharedMap, even when it read workerData before loading the library', async () => {
    passByReference(true);
    const { t, arr, map } = sharedSamples();
    const w = worker(
      `const same = early === workerData;
       early.t.y = 'worker wrote';
       early.arr.set(0, 100);
       early.map.set('w', 1);
       port.postMessage({ same, isStruct: ss.SharedStructType.isSharedStruct(early.t), x: early.t.x, plain: early.plain });`,
      { workerData: { t, arr, map, plain: { n: [1, 2] } } },
      `const early = require('node:worker_threads').workerData;`,
    );
    expect(await w.next()).toEqual({ same: true, isStruct: true, x: 1, plain: { n: [1, 2] } });
    expect(t.y).toBe('worker wrote');
    expect(arr.get(0)).toBe(100);
    expect(map.get('w')).toBe(1);
  });

  it('workerData that is itself a struct (read from worker_threads after the library loaded: a copy taken before is the reference)', async () => {
    passByReference(true);
    const { t } = sharedSamples();
    const w = worker(`const wd = require('node:worker_threads').workerData; wd.y = 'top'; port.postMessage(ss.SharedStructType.isSharedStruct(wd));`, { workerData: t });
    expect(await w.next()).toBe(true);
    expect(t.y).toBe('top');
  });

  it('messages both ways keep identity (the same struct twice, as a Map key, in a cycle) and the worker inherits the setting', async () => {
    passByReference(true);
    const { t, m } = sharedSamples();
    const w = worker(`port.on('message', (msg) => {
      const ok = msg.a === msg.b && msg.keys.get(msg.a) === 'k' && msg.loop.self === msg.loop && msg.loop.s === msg.a && ss.Mutex.isMutex(msg.m);
      msg.a.y = 'seen';
      port.postMessage({ ok, back: msg.a, list: [msg.a, msg.m] });
    });`);
    const loop = { s: t };
    loop.self = loop;
    w.postMessage({ a: t, b: t, keys: new Map([[t, 'k']]), loop, m });
    const r = await w.next();
    expect(r.ok).toBe(true);
    expect(r.back).toBe(t);
    expect(r.list[0]).toBe(t);
    expect(r.list[1]).toBe(m);
    expect(t.y).toBe('seen');
  });

  it('structuredClone returns the same shared objects and copies the rest', () => {
    passByReference(true);
    const { t, arr } = sharedSamples();
    const msg = { t, list: [arr, { t }], set: new Set([t]) };
    const c = structuredClone(msg);
    expect(c).not.toBe(msg);
    expect(c.t).toBe(t);
    expect(c.list[0]).toBe(arr);
    expect(c.list[1]).not.toBe(msg.list[1]);
    expect(c.list[1].t).toBe(t);
    expect(c.set.has(t)).toBe(true);
    expect(structuredClone(t)).toBe(t);
  });

  it('a MessageChannel (receiveMessageOnPort and a port handed to a worker) and BroadcastChannel', async () => {
    passByReference(true);
    const { t, cv } = sharedSamples();
    const { port1, port2 } = new MessageChannel();
    port1.postMessage({ t, cv });
    const got = receiveMessageOnPort(port2).message;
    expect(got.t).toBe(t);
    expect(got.cv).toBe(cv);
    const w = worker(`port.once('message', ({ p }) => p.on('message', (msg) => { msg.t.x = msg.t.x + 1; p.postMessage(msg.t); }));`);
    w.postMessage({ p: port2 }, [port2]);
    port1.postMessage({ t });
    const back = await withTimeout(new Promise((r) => port1.once('message', r)), 8000, 'the port reply');
    expect(back).toBe(t);
    expect(t.x).toBe(2);
    port1.close();
    const name = uniqueKey('bc');
    const wb = worker(`const bc = new BroadcastChannel(workerData.name); bc.onmessage = (e) => { e.data.t.y = 'broadcast'; port.postMessage('got'); bc.close(); }; port.postMessage('ready');`, { workerData: { name } });
    expect(await wb.next()).toBe('ready');
    const bc = new BroadcastChannel(name);
    bc.postMessage({ t });
    expect(await wb.next()).toBe('got');
    bc.close();
    expect(t.y).toBe('broadcast');
  });

  it('a worker started before passByReference(true) does not inherit it; one started after does (nested workers too)', async () => {
    const { t } = sharedSamples();
    const before = worker(`port.on('message', (m) => { try { port.postMessage({ back: m.t }); } catch (e) { port.postMessage(e.name); } });`);
    passByReference(true);
    before.postMessage({ t });
    expect(await before.next()).toBe('DataCloneError');
    const nested = worker(`
      const { Worker } = require('node:worker_threads');
      const inner = new Worker(\`const { parentPort, workerData } = require('node:worker_threads'); require(\${JSON.stringify(${JSON.stringify(INDEX)})}); workerData.t.y = 'nested'; parentPort.postMessage(workerData.t);\`, { eval: true, workerData });
      inner.once('message', (s) => { port.postMessage(s === workerData.t); inner.terminate(); });`, { workerData: { t } });
    expect(await nested.next()).toBe(true);
    expect(t.y).toBe('nested');
  });

  it('a reference that cannot be opened is a messageerror, not an exception in the receiver', async () => {
    const w = worker(`port.on('messageerror', (e) => port.postMessage(['messageerror', e.name])); port.on('message', (m) => port.postMessage(['message', m]));`);
    // A forged envelope: the library sends it as is (it holds no shared object).
    w.postMessage({ 'shared-structs/message': 1, v: { 'shared-structs/ref': { 'shared-structs/token': 1, id: 123456789, nonce: 1 } } });
    expect(await w.next()).toEqual(['messageerror', 'TypeError']);
    w.postMessage('still fine');
    expect(await w.next()).toEqual(['message', 'still fine']);
  });

  it('passByReference(false) refuses again; the argument must be a boolean', () => {
    const { t } = sharedSamples();
    expect(passByReference(true)).toBe(false);
    expect(structuredClone(t)).toBe(t);
    expect(passByReference(false)).toBe(true);
    dataCloneError(() => structuredClone(t));
    expect(() => passByReference('yes')).toThrow(TypeError);
  });
});
