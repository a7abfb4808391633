import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { SharedStructType, SharedArray, share, open, release, isToken } = require('../index.js');
const { runWorker, startWorker, runChild, uniqueKey, INDEX } = require('./helpers.js');

const T = new SharedStructType(['v', 'ref'], uniqueKey('Tok'));

describe('share/open in one thread', () => {
  it('returns a plain-object token', () => {
    const t = share(new T());
    expect(typeof t).toBe('object');
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(isToken(t)).toBe(true);
  });

  it('opens a token in the sending thread as the original wrapper', () => {
    const s = new T();
    expect(open(share(s))).toBe(s);
    const a = SharedArray.of(1);
    expect(open(share(a))).toBe(a);
  });

  it('makes tokens that survive structured cloning and JSON', () => {
    const s = new T();
    s.v = 'cloned';
    const t = share(s);
    expect(open(structuredClone(t))).toBe(s);
    expect(open(JSON.parse(JSON.stringify(share(s))))).toBe(s);
  });

  it('lets a token be opened more than once', () => {
    const s = new T();
    const t = share(s);
    expect(open(t)).toBe(s);
    expect(open(t)).toBe(s);
  });

  it('gives each share() call its own token', () => {
    const s = new T();
    const a = share(s);
    const b = share(s);
    expect(a.id).not.toBe(b.id);
    expect(open(a)).toBe(open(b));
  });

  it('shares primitives as tokens that open to the same value', () => {
    for (const v of [undefined, null, true, false, 0, -0, NaN, 1.5, '', 'str', 10n, -(2n ** 100n)]) {
      const t = share(v);
      expect(isToken(t)).toBe(true);
      expect(Object.is(open(t), v)).toBe(true);
      expect(Object.is(open(structuredClone(t)), v)).toBe(true);
    }
  });

  it('refuses to share values that are not shareable', () => {
    for (const v of [{}, [], () => {}, Symbol('s'), new Map(), new Uint8Array(1)]) {
      expect(() => share(v)).toThrow(TypeError);
    }
  });

  it('recognises tokens with isToken', () => {
    expect(isToken(share(1))).toBe(true);
    for (const v of [null, undefined, {}, 1, 'token', [], { id: 1, nonce: 2 }]) expect(isToken(v)).toBe(false);
  });
});

describe('forged and released tokens', () => {
  it('rejects tokens with a wrong nonce or id with a TypeError', () => {
    const t = share(new T());
    expect(() => open({ ...t, nonce: t.nonce + 1 })).toThrow(TypeError);
    expect(() => open({ ...t, nonce: 0 })).toThrow(TypeError);
    expect(() => open({ ...t, id: t.id + 1000000 })).toThrow(TypeError);
    expect(() => open({ ...t, id: 2 ** 52 })).toThrow(TypeError);
    expect(open(t)).toBeDefined();
  });

  it('rejects malformed ids and nonces with a TypeError', () => {
    const t = share(new T());
    const bad = [
      { id: -1 },
      { id: 0 },
      { id: 1.5 },
      { id: NaN },
      { id: Infinity },
      { id: '1' },
      { id: null },
      { id: undefined },
      { nonce: -1 },
      { nonce: 0.5 },
      { nonce: NaN },
      { nonce: '5' },
      { nonce: 2 ** 64 },
    ];
    for (const b of bad) expect(() => open({ ...t, ...b }), JSON.stringify(b)).toThrow(TypeError);
  });

  it('rejects values that are not tokens with a TypeError', () => {
    for (const v of [undefined, null, 0, 'token', {}, [], { id: 1, nonce: 1 }, () => {}, new T()]) {
      expect(() => open(v)).toThrow(TypeError);
    }
  });

  it('rejects a forged value token holding an object', () => {
    const t = share(1);
    expect(() => open({ ...t, value: {} })).toThrow(TypeError);
    expect(() => open({ ...t, value: [1] })).toThrow(TypeError);
    expect(() => open({ ...t, value: new T() })).toThrow(TypeError);
  });

  it('rejects random objects with the brand and random ids and nonces', () => {
    const brand = Object.keys(share(1)).find((k) => k !== 'value');
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 200; i++) {
      const forged = { [brand]: 1, id: 1 + (rnd() % 100000), nonce: rnd() * 2 ** 21 + rnd() };
      expect(() => open(forged)).toThrow(TypeError);
    }
  });

  it('releases a token once, after which it cannot be opened', () => {
    const t = share(new T());
    expect(release(t)).toBe(true);
    expect(release(t)).toBe(false);
    expect(() => open(t)).toThrow(TypeError);
  });

  it('returns false when releasing a primitive or forged token', () => {
    expect(release(share(5))).toBe(false);
    const t = share(new T());
    expect(release({ ...t, nonce: t.nonce + 1 })).toBe(false);
    expect(open(t)).toBeDefined();
  });

  it('rejects release() of something that is not a token', () => {
    expect(() => release({})).toThrow(TypeError);
    expect(() => release(null)).toThrow(TypeError);
  });

  it('rejects a token made in another process', () => {
    const s = new T();
    const t = share(s);
    const r = runChild(`
      try { ss.open(${JSON.stringify(t)}); console.log('opened'); }
      catch (e) { console.log(e.name + ': ' + e.message); }
    `);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^TypeError/);
  });
});

describe('share/open across threads', () => {
  it('opens a token in a worker and sees the same object', async () => {
    const s = new T();
    s.v = 'hello';
    const r = await runWorker(
      `
      const s = open(data.t);
      s.ref = 'seen ' + s.v;
      return s.v;
      `,
      { t: share(s) },
    );
    expect(r).toBe('hello');
    expect(s.ref).toBe('seen hello');
  });

  it('lets one token be opened by two workers that see each other\u2019s writes', async () => {
    const s = new T();
    const t = share(s);
    await runWorker('open(data.t).v = "first";', { t });
    const r = await runWorker('const s = open(data.t); const before = s.v; s.ref = "second"; return before;', { t });
    expect(r).toBe('first');
    expect(s.ref).toBe('second');
  });

  it('rejects a forged token in a worker', async () => {
    const t = share(new T());
    const r = await runWorker(
      `
      const out = [];
      for (const tok of data.forged) { try { open(tok); out.push('opened'); } catch (e) { out.push(e.name); } }
      out.push(open(data.good) !== undefined);
      return out;
      `,
      { forged: [{ ...t, nonce: t.nonce + 1 }, { ...t, id: t.id + 999999 }, {}, null], good: t },
    );
    expect(r).toEqual(['TypeError', 'TypeError', 'TypeError', 'TypeError', true]);
  });

  it('keeps an object in flight alive after the sender dropped every reference', async () => {
    function makeToken() {
      const s = new T();
      s.v = 'orphan';
      const inner = SharedArray.of('x', 2n);
      s.ref = inner;
      return share(s);
    }
    const token = makeToken();
    // Allocate more so the orphan's neighbourhood is reused if it were freed.
    const noise = [];
    for (let i = 0; i < 1000; i++) {
      const n = new T();
      n.v = `noise${i}`;
      noise.push(n);
    }
    const r = await runWorker('const s = open(data.t); return [s.v, s.ref.toArray()];', { t: token });
    expect(r).toEqual(['orphan', ['x', 2n]]);
  });

  it('sends a token back and forth between threads repeatedly', async () => {
    const s = new T();
    s.v = 0;
    const w = startWorker(`
      for (let i = 0; i < 20; i++) {
        const msg = await recv();
        const s = open(msg.t);
        s.v = s.v + 1;
        send({ t: share(s) });
      }
      return 'done';
    `);
    let tok = share(s);
    for (let i = 0; i < 20; i++) {
      s.v += 1;
      w.post({ t: tok });
      tok = (await w.next()).t;
      expect(open(tok)).toBe(s);
    }
    expect(await w.result).toBe('done');
    expect(s.v).toBe(40);
  });

  it('transfers shared primitives through tokens to a worker', async () => {
    const vals = [undefined, null, true, 3.5, -0, 'text', 2n ** 80n];
    const r = await runWorker(
      `
      return data.tokens.map((t) => { const v = open(t); return Object.is(v, -0) ? '-0' : v; });
      `,
      { tokens: vals.map((v) => share(v)) },
    );
    expect(r).toEqual([undefined, null, true, 3.5, '-0', 'text', 2n ** 80n]);
  });
});

describe('tokens and the collector', () => {
  it('a token whose object died cannot be opened while the collection that frees it is sweeping', () => {
    // The object is opened once and dropped; another worker opens the token again right
    // after marking, while the sweep runs: it used to get a wrapper over memory the sweep
    // then freed (reads saw poison, then whatever reused the memory).
    const { runChild, INDEX } = require('./helpers.js');
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const G = new ss.SharedStructType(['a', 'b', 'c', 'd', 'e', 'f']);
      for (let i = 0; i < 450000; i++) new G();
      let tok;
      (() => { const A = ss.SharedArray.of('victim', 1, 2); tok = ss.share(A); ss.open(tok); })();
      const code = ${JSON.stringify(`
        const { workerData, parentPort } = require('worker_threads');
        const ss = require(${JSON.stringify(INDEX)});
        const rt = require(${JSON.stringify(INDEX.replace(/index\.js$/, 'lib/runtime.js'))});
        parentPort.postMessage('armed');
        const c0 = rt.U32[1];
        while (rt.U32[1] === c0);
        let x = null, tries = 0;
        for (;;) { tries++; try { x = ss.open(workerData.tok); break; } catch (e) { if (tries > 200000) break; } }
        parentPort.postMessage(x === null ? 'refused' : 'opened ' + JSON.stringify(x.slice()));
      `)};
      const w = new Worker(code, { eval: true, workerData: { tok } });
      w.on('message', (m) => {
        if (m === 'armed') setTimeout(() => { global.gc(); ss.gc(); }, 50);
        else { console.log(JSON.stringify(m)); process.exit(0); }
      });
      `,
      {},
      { nodeArgs: ['--expose-gc'], timeout: 60000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop())).toBe('refused');
  });
});

describe('primitive tokens', () => {
  it('carry a NaN bit-exactly (payload, sign, signalling bit) to another thread', () => {
    const r = runChild(
      `
      const { Worker } = require('worker_threads');
      const nan = (hi, lo) => new Float64Array(new Uint32Array([lo, hi]).buffer)[0];
      // Through a scratch array: an array literal (new Float64Array([v])) quiets a signalling NaN.
      function bits(v) { const f = new Float64Array(1); f[0] = v; const u = new Uint32Array(f.buffer); return u[1].toString(16) + ':' + u[0]; }
      // (hi, lo) pairs, made into NaNs only as arguments: a JS array of doubles may quiet them.
      const specs = [[0x7ff80000, 1], [0xfff80000, 0], [0xffff0003, 258], [0x7ff00000, 7], [0xfff00001, 0]];
      const toks = specs.map(([hi, lo]) => ss.share(nan(hi, lo)));
      const sent = specs.map(([hi, lo]) => bits(nan(hi, lo)));
      const w = new Worker('const { workerData, parentPort } = require("worker_threads"); const ss = require(' + JSON.stringify(require.resolve(${JSON.stringify(INDEX)})) + '); const bits = ' + bits.toString() + '; parentPort.postMessage(workerData.map((t) => bits(ss.open(t))));', { eval: true, workerData: toks });
      w.on('message', (m) => { console.log(JSON.stringify({ sent, got: m })); process.exit(0); });
      `,
      {},
      { timeout: 30000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    expect(out.sent).toEqual(['7ff80000:1', 'fff80000:0', 'ffff0003:258', '7ff00000:7', 'fff00001:0']);
    expect(out.got).toEqual(out.sent);
  });
});
