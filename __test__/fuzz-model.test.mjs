// Model-based fuzzing (issue 18): fast-check command sequences over structs, elements
// structs, SharedArray, SharedMap, atomics, locks, share/open/release and gc(), each applied
// to the shared heap and to a plain-JS model, and compared bit-exactly (numbers by their bits,
// -0 and NaN payloads included; strings with lone surrogates; bigints; shared objects by
// wrapper identity `===`). Sequences drop references and collect, so wrappers are collected
// and made again; a WeakRef per object tells when that happened (counted as `rewraps`).
// Budget and replay: __test__/fuzz/common.js and docs/testing.md.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const C = require('./fuzz/common.js');
const { uniqueKey } = require('./helpers.js');

const { fc, ss, primDesc, primValue, bitsOf, fromBits, hex, show, CANONICAL_NAN } = C;
const { SharedStructType, SharedArray, SharedMap, Mutex, SharedMutex, Condition, atomics, share, open, release, isToken } = ss;

// Under the threads pool other test files share this process's heap, so the live count is
// compared with its baseline only where this file has the process to itself.
const EXACT_LIVE = isMainThread;
const ANCHOR = 12;
const MAX_HELD = 6;

const S = new SharedStructType(['id', 'a', 'b', 'c'], uniqueKey('FuzzS'));
const Q = new SharedStructType(['id', '0', 'constructor', 'v'], uniqueKey('FuzzQ'));
const E = new SharedStructType(['id', 'pos'], { key: uniqueKey('FuzzE'), elements: true });
const TYPES = { S: { C: S, fields: ['a', 'b', 'c'] }, Q: { C: Q, fields: ['0', 'constructor', 'v'] }, E: { C: E, fields: ['pos'] } };
const KINDS = ['S', 'Q', 'E', 'array', 'map', 'mutex', 'rw', 'cond'];
const TAGGED = new Set(['S', 'Q', 'E']);

const totals = { sequences: 0, operations: 0, rewraps: 0, gcs: 0, liveChecks: 0, opened: 0, staleOpens: 0, expectedErrors: 0 };

// ---------------------------------------------------------------------------------------
// Model values: { t: 'num', bits } | { t: 'str', v } | { t: 'big', v } | { t: 'bool', v }
// | { t: 'null' } | { t: 'undef' } | { t: 'ref', id }.

const UNDEF = { t: 'undef' };

function mvOfPrim(v) {
  switch (typeof v) {
    case 'number':
      return { t: 'num', bits: bitsOf(v) };
    case 'string':
      return { t: 'str', v };
    case 'bigint':
      return { t: 'big', v };
    case 'boolean':
      return { t: 'bool', v };
    case 'undefined':
      return UNDEF;
    default:
      if (v === null) return { t: 'null' };
  }
  throw new Error(`not a primitive: ${show(v)}`);
}

function primOfMv(mv) {
  switch (mv.t) {
    case 'num':
      return fromBits(mv.bits);
    case 'str':
    case 'big':
    case 'bool':
      return mv.v;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

const showMv = (mv) => (mv.t === 'ref' ? `#${mv.id}` : show(primOfMv(mv)));

/** SameValueZero key of a model map (keys of a SharedMap compare like Map's). */
function keyRepr(mv) {
  if (mv.t === 'ref') return `r${mv.id}`;
  if (mv.t === 'num') {
    const d = fromBits(mv.bits);
    return d === 0 ? 'n0' : d !== d ? 'nNaN' : `n${mv.bits}`;
  }
  return `${mv.t}:${mv.t === 'big' ? mv.v.toString() : String(mv.v)}`;
}

/** The key as a SharedMap stores it: -0 is 0 and every NaN the canonical one. */
function canonKeyMv(mv) {
  if (mv.t !== 'num') return mv;
  const d = fromBits(mv.bits);
  if (d === 0) return { t: 'num', bits: 0n };
  if (d !== d) return { t: 'num', bits: CANONICAL_NAN };
  return mv;
}

// ---------------------------------------------------------------------------------------
// The world: model and real side together (fast-check's model/real split buys nothing here,
// as every check needs both).

class World {
  constructor() {
    this.nextId = 1;
    this.objs = new Map();
    this.held = []; // { id, w }: wrappers this test holds
    this.tokens = []; // { tok, mv, state: 'pinned' | 'opened' | 'released' }
    this.locks = []; // { tok, id, mode: 'ex' | 'sh' }
    this.wref = new Map(); // id -> WeakRef of the last wrapper seen
    this.idOf = new WeakMap(); // wrapper -> id
    this.ops = 0;
    this.rewraps = 0;
    this.log = [];
    const anchor = new SharedArray(ANCHOR);
    this.anchorId = this.add({ kind: 'array', elems: Array.from({ length: ANCHOR }, () => UNDEF) });
    this.anchor = this.seen(this.anchorId, anchor, 'anchor');
  }

  /** Adds a model object; returns its id. */
  add(mobj) {
    const id = this.nextId++;
    mobj.id = id;
    mobj.lock = { ex: false, sh: 0 };
    this.objs.set(id, mobj);
    return id;
  }

  fail(msg) {
    throw new Error(`${msg}\n  recent operations:\n    ${this.log.slice(-12).join('\n    ')}`);
  }

  /** Records that wrapper `w` was read for object `id`; checks identity both ways. */
  seen(id, w, where) {
    const o = this.objs.get(id);
    if (w === null || typeof w !== 'object') this.fail(`${where}: expected object #${id} (${o.kind}), got ${show(w)}`);
    const other = this.idOf.get(w);
    if (other !== undefined && other !== id) this.fail(`${where}: wrapper of #${other} returned for #${id}`);
    const r = this.wref.get(id);
    const prev = r && r.deref();
    if (prev !== undefined && prev !== w) this.fail(`${where}: two live wrappers for #${id} (identity broken)`);
    if (r && prev === undefined) this.rewraps++;
    if (prev === undefined) {
      this.wref.set(id, new WeakRef(w));
      this.idOf.set(w, id);
    }
    const kindOk = {
      S: () => w instanceof S,
      Q: () => w instanceof Q,
      E: () => w instanceof E,
      array: () => SharedArray.isSharedArray(w),
      map: () => SharedMap.isSharedMap(w),
      mutex: () => Mutex.isMutex(w),
      rw: () => SharedMutex.isSharedMutex(w),
      cond: () => Condition.isCondition(w),
    }[o.kind]();
    if (!kindOk) this.fail(`${where}: #${id} should be a ${o.kind}, got ${show(w)}`);
    if (TAGGED.has(o.kind) && w.id !== id) this.fail(`${where}: #${id} has id field ${show(w.id)}`);
    return w;
  }

  /** Compares a real value with a model value; wrappers by identity. */
  expectValue(real, mv, where) {
    if (mv.t === 'ref') return this.seen(mv.id, real, where);
    const want = primOfMv(mv);
    if (!C.samePrim(real, want)) this.fail(`${where}: got ${show(real)}, want ${show(want)}`);
    return real;
  }

  /** Edges of a model object: [step, id]. */
  *edges(o) {
    if (o.fields) for (const f of Object.keys(o.fields)) if (o.fields[f].t === 'ref') yield [{ f }, o.fields[f].id];
    if (o.elems) for (let i = 0; i < o.elems.length; i++) if (o.elems[i].t === 'ref') yield [{ i }, o.elems[i].id];
    if (o.map) {
      for (const { k, v } of o.map.values()) {
        if (k.t === 'ref') yield [{ mk: k.id }, k.id];
        if (v.t === 'ref') yield [{ mv: k }, v.id];
      }
    }
  }

  /** Objects reachable from this test's roots (anchor, held wrappers, pinned tokens, lock tokens). */
  reachable() {
    const seen = new Set();
    const stack = [this.anchorId, ...this.held.map((h) => h.id), ...this.locks.map((l) => l.id)];
    for (const t of this.tokens) if (t.state === 'pinned' && t.mv.t === 'ref') stack.push(t.mv.id);
    while (stack.length) {
      const id = stack.pop();
      if (seen.has(id)) continue;
      seen.add(id);
      for (const [, to] of this.edges(this.objs.get(id))) stack.push(to);
    }
    return seen;
  }

  /** Objects this test can reach through wrappers it holds: id -> path from a held wrapper. */
  paths() {
    const out = new Map();
    const queue = [];
    const root = (id, w) => {
      if (!out.has(id)) {
        out.set(id, { from: w, steps: [] });
        queue.push(id);
      }
    };
    root(this.anchorId, this.anchor);
    for (const h of this.held) root(h.id, h.w);
    for (const l of this.locks) root(l.id, l.tok.mutex);
    while (queue.length) {
      const id = queue.shift();
      const p = out.get(id);
      for (const [step, to] of this.edges(this.objs.get(id))) {
        if (!out.has(to)) {
          out.set(to, { from: p.from, steps: [...p.steps, { step, at: id, to }] });
          queue.push(to);
        }
      }
    }
    return out;
  }

  /** The sorted ids addressable now, optionally of some kinds. */
  addressable(kinds) {
    const ids = [...this.paths().keys()].sort((a, b) => a - b);
    return kinds ? ids.filter((id) => kinds.includes(this.objs.get(id).kind)) : ids;
  }

  pick(n, kinds) {
    const ids = this.addressable(kinds);
    return ids.length ? ids[n % ids.length] : undefined;
  }

  /** A wrapper of object `id`, reached along its path (every hop checked). */
  real(id) {
    const p = this.paths().get(id);
    if (!p) this.fail(`#${id} is not addressable`);
    let w = p.from;
    for (const { step, at, to } of p.steps) {
      let next;
      if ('f' in step) next = w[step.f];
      else if ('i' in step) next = w.get(step.i);
      else if ('mk' in step) next = [...w.keys()].find((k) => k !== null && typeof k === 'object' && k.id === step.mk);
      else next = this.mapGetRaw(w, step.mv);
      w = this.seen(to, next, `path #${at} -> #${to} (${JSON.stringify(step, (k, v) => (typeof v === 'bigint' ? String(v) : v))})`);
    }
    return w;
  }

  /** map.get with a model key (a ref key found among the map's keys). */
  mapGetRaw(w, kmv) {
    if (kmv.t !== 'ref') return w.get(primOfMv(kmv));
    for (const [k, v] of w.entries()) if (k !== null && typeof k === 'object' && k.id === kmv.id) return v;
    return undefined;
  }

  /** The real value of a model value. */
  value(mv) {
    return mv.t === 'ref' ? this.real(mv.id) : primOfMv(mv);
  }

  /** A model value from a descriptor ({ ref: n } picks an addressable object). */
  mvOf(desc, kinds) {
    if (desc && 'ref' in desc) {
      const id = this.pick(desc.ref, kinds);
      return id === undefined ? UNDEF : { t: 'ref', id };
    }
    return mvOfPrim(primValue(desc));
  }

  /** Reads every slot of object `id` through a fresh path and compares it with the model. */
  checkObject(id) {
    const o = this.objs.get(id);
    const w = this.real(id);
    if (o.fields) for (const f of Object.keys(o.fields)) this.expectValue(w[f], o.fields[f], `#${id}.${f}`);
    if (o.elems) {
      if (w.length !== o.elems.length) this.fail(`#${id}.length ${w.length}, want ${o.elems.length}`);
      for (let i = 0; i < o.elems.length; i++) this.expectValue(w.get(i), o.elems[i], `#${id}.get(${i})`);
      const copy = w.toArray();
      for (let i = 0; i < o.elems.length; i++) this.expectValue(copy[i], o.elems[i], `#${id}.toArray()[${i}]`);
    }
    if (o.map) {
      if (w.size !== o.map.size) this.fail(`#${id}.size ${w.size}, want ${o.map.size}`);
      const got = [...w.entries()];
      if (got.length !== o.map.size) this.fail(`#${id}.entries() has ${got.length}, want ${o.map.size}`);
      for (const [k, v] of got) {
        const km = k !== null && typeof k === 'object' ? { t: 'ref', id: k.id } : mvOfPrim(k);
        const e = o.map.get(keyRepr(km));
        if (!e) this.fail(`#${id} has unexpected key ${show(k)}`);
        this.expectValue(k, e.k, `#${id} key ${showMv(e.k)}`);
        this.expectValue(v, e.v, `#${id}.get(${showMv(e.k)}) (entries)`);
      }
    }
    if (o.kind === 'mutex') {
      const j = w.toJSON();
      if (j.heldByThisThread !== o.lock.ex || j.locked !== o.lock.ex) this.fail(`#${id} mutex state ${JSON.stringify(j)}, want held=${o.lock.ex}`);
    }
    if (o.kind === 'rw') {
      const j = w.toJSON();
      if (j.exclusive !== o.lock.ex || j.readers !== o.lock.sh) this.fail(`#${id} shared mutex state ${JSON.stringify(j)}, want ${JSON.stringify(o.lock)}`);
    }
  }

  checkAll() {
    for (const id of this.addressable()) this.checkObject(id);
  }
}

// ---------------------------------------------------------------------------------------
// Slots: a field or element of an object, picked by a number.

function slotsOf(o) {
  const out = [];
  if (o.fields) for (const f of Object.keys(o.fields)) if (f !== 'id') out.push({ f });
  if (o.elems) for (let i = 0; i < o.elems.length; i++) out.push({ i });
  return out;
}

function getSlot(o, s) {
  return 'f' in s ? o.fields[s.f] : o.elems[s.i];
}

function setSlot(o, s, mv) {
  if ('f' in s) o.fields[s.f] = mv;
  else o.elems[s.i] = mv;
}

/** The key atomics take for a slot (field "0" of Q sometimes as the number 0). */
function atomicKey(s, alt) {
  if ('i' in s) return s.i;
  return s.f === '0' && alt ? 0 : s.f;
}

function expectThrow(world, fn, type, re, where) {
  let err = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === null) world.fail(`${where}: expected ${type.name}, nothing thrown`);
  if (!(err instanceof type) || (re && !re.test(err.message))) world.fail(`${where}: expected ${type.name} ${re || ''}, got ${err && err.name}: ${err && err.message}`);
  totals.expectedErrors++;
}

// ---------------------------------------------------------------------------------------
// Operations.

const RMW = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  and: (a, b) => a & b,
  or: (a, b) => a | b,
  xor: (a, b) => a ^ b,
};

const OPS = {
  /** Makes an object of some kind and stores it in an anchor slot. */
  new(w, { kind, len, slot, how, vals }) {
    const o = { kind };
    let real;
    if (TAGGED.has(kind)) {
      const T = TYPES[kind];
      real = kind === 'E' ? new T.C(len) : new T.C();
      o.fields = {};
      for (const f of T.fields) o.fields[f] = UNDEF;
      if (kind === 'E') o.elems = Array.from({ length: len }, () => UNDEF);
    } else if (kind === 'array') {
      const values = vals.map(primValue);
      if (how === 0) {
        real = new SharedArray(len);
        o.elems = Array.from({ length: len }, () => UNDEF);
      } else if (how === 1) {
        real = SharedArray.from(values);
        o.elems = values.map(mvOfPrim);
      } else if (how === 2) {
        real = SharedArray.of(...values);
        o.elems = values.map(mvOfPrim);
      } else {
        // mapFn results go straight in (bits kept); the iterable is a generator.
        real = SharedArray.from(
          (function* () {
            yield* values.keys();
          })(),
          (i) => values[values.length - 1 - i],
        );
        o.elems = values.map(mvOfPrim).reverse();
      }
    } else if (kind === 'map') {
      o.map = new Map();
      const entries = [];
      for (let i = 0; i + 1 < vals.length; i += 2) {
        const k = primValue(vals[i]);
        const v = primValue(vals[i + 1]);
        // A [number, number] literal is a double array, which quiets a signalling NaN.
        const pair = [k, null];
        pair[1] = v;
        entries.push(pair);
        const km = canonKeyMv(mvOfPrim(k));
        o.map.set(keyRepr(km), { k: km, v: mvOfPrim(v) });
      }
      real = how === 0 ? new SharedMap() : new SharedMap(entries);
      if (how === 0) o.map.clear();
    } else if (kind === 'mutex') real = new Mutex();
    else if (kind === 'rw') real = new SharedMutex();
    else real = new Condition();
    const id = w.add(o);
    if (TAGGED.has(kind)) {
      real.id = id;
      o.fields.id = { t: 'num', bits: bitsOf(id) };
    }
    w.seen(id, real, 'new');
    w.anchor.set(slot, real);
    w.objs.get(w.anchorId).elems[slot] = { t: 'ref', id };
    return `new ${kind}(${len}) #${id} -> anchor[${slot}]`;
  },

  write(w, { obj, slot, val, via }) {
    const id = w.pick(obj, ['S', 'Q', 'E', 'array']);
    if (id === undefined) return 'write: nothing';
    const o = w.objs.get(id);
    const slots = slotsOf(o);
    if (!slots.length) return 'write: no slots';
    const s = slots[slot % slots.length];
    const mv = w.mvOf(val);
    const r = w.real(id);
    const v = w.value(mv);
    if ('f' in s) {
      if (via % 2 === 0) r[s.f] = v;
      else if (!C.samePrim(atomics.store(r, atomicKey(s, via & 2), v), v)) w.fail('atomics.store return');
    } else {
      const k = via % 4;
      if (k === 0) r.set(s.i, v);
      else if (k === 1) r[String(s.i)] = v; // the index Proxy
      else if (k === 2) atomics.store(r, s.i, v);
      else if (r.fill(v, s.i, s.i + 1) !== r) w.fail('fill return');
    }
    setSlot(o, s, mv);
    return `write #${id}${'f' in s ? '.' + s.f : `[${s.i}]`} = ${showMv(mv)} via ${via}`;
  },

  read(w, { obj, slot, via }) {
    const id = w.pick(obj, ['S', 'Q', 'E', 'array']);
    if (id === undefined) return 'read: nothing';
    const o = w.objs.get(id);
    const slots = slotsOf(o);
    if (!slots.length) return 'read: no slots';
    const s = slots[slot % slots.length];
    const r = w.real(id);
    const mv = getSlot(o, s);
    const where = `read #${id}${'f' in s ? '.' + s.f : `[${s.i}]`} via ${via}`;
    let got;
    if ('f' in s) got = via % 2 === 0 ? r[s.f] : atomics.load(r, atomicKey(s, via & 2));
    else {
      const n = o.elems.length;
      const k = via % 7;
      if (k === 0) got = r.get(s.i);
      else if (k === 1) got = r.at(s.i - n);
      else if (k === 2) got = r[s.i];
      else if (k === 3) got = atomics.load(r, s.i);
      else if (k === 4) got = r.slice(s.i, s.i + 1)[0];
      else if (k === 5) got = [...r.values()][s.i];
      else got = [...r.entries()][s.i][1];
      if (k === 0 && r.get(n) !== undefined) w.fail(`${where}: get(length) is not undefined`);
    }
    w.expectValue(got, mv, where);
    return where;
  },

  atomic(w, { obj, slot, op, val, operand, hit, alt }) {
    const id = w.pick(obj, ['S', 'Q', 'E', 'array']);
    if (id === undefined) return 'atomic: nothing';
    const o = w.objs.get(id);
    const slots = slotsOf(o);
    if (!slots.length) return 'atomic: no slots';
    const s = slots[slot % slots.length];
    const r = w.real(id);
    const key = atomicKey(s, alt);
    const cur = getSlot(o, s);
    const where = `atomics.${op}(#${id}, ${JSON.stringify(key)})`;
    if (op in RMW) {
      const x = fromBits(BigInt(operand));
      if (cur.t !== 'num') {
        expectThrow(w, () => atomics[op](r, key, x), TypeError, /not a number/, where);
        return `${where} on ${showMv(cur)}: TypeError`;
      }
      const old = atomics[op](r, key, x);
      w.expectValue(old, cur, `${where} return`);
      const next = RMW[op](fromBits(cur.bits), x);
      setSlot(o, s, { t: 'num', bits: next === next ? bitsOf(next) : CANONICAL_NAN });
      return `${where}(${show(x)}) on ${showMv(cur)}`;
    }
    const mv = w.mvOf(val);
    const v = w.value(mv);
    if (op === 'store') {
      if (!C.samePrim(atomics.store(r, key, v), v)) w.fail(`${where} return`);
      setSlot(o, s, mv);
    } else if (op === 'exchange') {
      w.expectValue(atomics.exchange(r, key, v), cur, `${where} return`);
      setSlot(o, s, mv);
    } else if (op === 'compareExchange') {
      // (The current value is read before the exchange: after it, a path through this slot
      // leads elsewhere.)
      const now = w.value(cur);
      const expected = hit ? now : v;
      w.expectValue(atomics.compareExchange(r, key, expected, v), cur, `${where} return`);
      // Compared like ===: -0 equals 0, a NaN equals nothing, strings and bigints by value.
      if (now === expected) setSlot(o, s, mv);
    } else {
      w.expectValue(atomics.load(r, key), cur, where);
    }
    return `${where} ${showMv(mv)}`;
  },

  map(w, { obj, op, key, val }) {
    const id = w.pick(obj, ['map']);
    if (id === undefined) return 'map: nothing';
    const o = w.objs.get(id);
    const r = w.real(id);
    // Object keys are tagged structs only (so the model can tell which object a key is).
    const km = canonKeyMv(w.mvOf(key, ['S', 'Q', 'E']));
    const rawKey = key && 'ref' in key ? w.value(km) : primValue(key);
    const kr = keyRepr(km);
    const have = o.map.get(kr);
    const where = `#${id}.${op}(${showMv(km)})`;
    switch (op) {
      case 'set': {
        const mv = w.mvOf(val);
        if (r.set(rawKey, w.value(mv)) !== r) w.fail(`${where} return`);
        o.map.set(kr, { k: have ? have.k : km, v: mv });
        return `${where} = ${showMv(mv)}`;
      }
      case 'get':
        w.expectValue(r.get(rawKey), have ? have.v : UNDEF, where);
        return where;
      case 'has':
        if (r.has(rawKey) !== !!have) w.fail(`${where}: ${!have}`);
        return where;
      case 'delete':
        if (r.delete(rawKey) !== !!have) w.fail(`${where}: ${!have}`);
        o.map.delete(kr);
        return where;
      case 'getOrInsert': {
        const mv = w.mvOf(val);
        w.expectValue(r.getOrInsert(rawKey, w.value(mv)), have ? have.v : mv, where);
        if (!have) o.map.set(kr, { k: km, v: mv });
        return where;
      }
      case 'getOrInsertComputed': {
        const mv = w.mvOf(val);
        let calls = 0;
        const got = r.getOrInsertComputed(rawKey, (k) => {
          calls++;
          w.expectValue(k, km, `${where} callback key`);
          return w.value(mv);
        });
        if (calls !== (have ? 0 : 1)) w.fail(`${where}: callback ran ${calls} times`);
        w.expectValue(got, have ? have.v : mv, where);
        if (!have) o.map.set(kr, { k: km, v: mv });
        return where;
      }
      case 'clear':
        r.clear();
        o.map.clear();
        return `#${id}.clear()`;
      case 'forEach': {
        let n = 0;
        r.forEach(function (v, k, m) {
          n++;
          if (m !== r || this !== r) w.fail(`${where}: forEach arguments`);
          const km2 = k !== null && typeof k === 'object' ? { t: 'ref', id: k.id } : mvOfPrim(k);
          const e = o.map.get(keyRepr(km2));
          if (!e) w.fail(`${where}: forEach met key ${show(k)}`);
          w.expectValue(v, e.v, `${where} forEach value`);
        }, r);
        if (n !== o.map.size) w.fail(`${where}: forEach ran ${n} times, size ${o.map.size}`);
        return `#${id}.forEach`;
      }
      default:
        w.checkObject(id);
        return `#${id} checked`;
    }
  },

  share(w, { target, clone }) {
    const mv = w.mvOf(target);
    const tok = share(w.value(mv));
    if (!isToken(tok)) w.fail('share() did not return a token');
    w.tokens.push({ tok: clone ? structuredClone(tok) : tok, mv, state: mv.t === 'ref' ? 'pinned' : 'prim' });
    return `share(${showMv(mv)}) -> token ${w.tokens.length - 1}`;
  },

  open(w, { tok: n }) {
    if (!w.tokens.length) return 'open: no token';
    const t = w.tokens[n % w.tokens.length];
    const where = `open(token ${n % w.tokens.length}: ${showMv(t.mv)}, ${t.state})`;
    if (t.state === 'prim') {
      w.expectValue(open(t.tok), t.mv, where);
      return where;
    }
    if (t.state === 'released') {
      expectThrow(w, () => open(t.tok), TypeError, /not a live token/, where);
      return where;
    }
    const live = t.state === 'pinned' || w.reachable().has(t.mv.id);
    let got;
    try {
      got = open(t.tok);
    } catch (e) {
      // An opened token is a weak record: its object may have been collected since.
      if (live || !(e instanceof TypeError) || !/not a live token/.test(e.message)) w.fail(`${where}: ${e.name}: ${e.message}`);
      t.state = 'released';
      totals.staleOpens++;
      return `${where}: stale`;
    }
    w.seen(t.mv.id, got, where);
    totals.opened++;
    t.state = 'opened';
    if (w.held.length >= MAX_HELD) w.held.shift();
    w.held.push({ id: t.mv.id, w: got });
    w.checkObject(t.mv.id);
    return where;
  },

  release(w, { tok: n }) {
    if (!w.tokens.length) return 'release: no token';
    const t = w.tokens[n % w.tokens.length];
    const where = `release(token ${n % w.tokens.length}: ${t.state})`;
    const r = release(t.tok);
    if (t.state === 'prim' || t.state === 'released') {
      if (r !== false) w.fail(`${where} returned ${r}`);
    } else if (t.state === 'pinned' || w.reachable().has(t.mv.id)) {
      if (r !== true) w.fail(`${where} returned ${r}`);
      t.state = 'released';
    } else {
      if (typeof r !== 'boolean') w.fail(`${where} returned ${show(r)}`);
      t.state = 'released';
    }
    return where;
  },

  hold(w, { obj }) {
    const id = w.pick(obj);
    if (id === undefined) return 'hold: nothing';
    // The wrapper first: the hold dropped to make room may be the object's only root.
    const real = w.real(id);
    if (w.held.length >= MAX_HELD) w.held.shift();
    w.held.push({ id, w: real });
    return `hold #${id}`;
  },

  drop(w, { k, all }) {
    if (all) w.held.length = 0;
    else if (w.held.length) w.held.splice(k % w.held.length, 1);
    return all ? 'drop all' : 'drop one';
  },

  async gc(w, { check }) {
    await C.settle(1);
    totals.gcs++;
    if (EXACT_LIVE) {
      // Every object the model can reach is live (strings, bigints and tables add more).
      const live = ss.heapStats().liveObjects;
      if (live < w.baseline + w.reachable().size - 1) w.fail(`liveObjects ${live} < baseline ${w.baseline} + ${w.reachable().size - 1} reachable`);
    }
    if (check) w.checkAll();
    return 'gc';
  },

  lock(w, { obj, op, cv, timeout }) {
    const id = w.pick(obj, ['mutex', 'rw']);
    if (id === undefined) return 'lock: nothing';
    const o = w.objs.get(id);
    const m = w.real(id);
    const where = `${o.kind === 'mutex' ? 'Mutex' : 'SharedMutex'}.${op}(#${id})`;
    const L = o.kind === 'mutex' ? Mutex : SharedMutex;
    const sharedOp = op.includes('Shared');
    if (o.kind === 'mutex' && sharedOp) return `${where}: n/a`;
    // This thread cannot take what it holds (deadlock), nor upgrade or downgrade.
    const refused = o.kind === 'mutex' ? o.lock.ex : sharedOp ? o.lock.ex : o.lock.ex || o.lock.sh > 0;
    const take = () => {
      if (sharedOp) o.lock.sh++;
      else o.lock.ex = true;
    };
    const giveBack = () => {
      if (sharedOp) o.lock.sh--;
      else o.lock.ex = false;
    };
    // A try (timeout 0) on a lock this thread holds fails; a blocking form throws (deadlock).
    const isTry = op.startsWith('try') || (op.endsWith('IfAvailable') && (timeout === undefined || timeout === 0)) || (op.endsWith('WithTimeout') && timeout === 0);
    if (op.endsWith('WithTimeout') && timeout === undefined) {
      expectThrow(w, () => L[op](m, () => 1, timeout), TypeError, /timeout must be a number/, where);
      return `${where}: no timeout`;
    }
    if (op === 'lock' || op === 'lockShared' || op === 'lockIfAvailable' || op === 'lockSharedIfAvailable') {
      const args = op.endsWith('IfAvailable') ? [timeout] : [];
      if (refused && !isTry) {
        expectThrow(w, () => L[op](m, ...args), TypeError, /deadlock/, where);
        return `${where}: refused`;
      }
      const tok = L[op](m, ...args);
      if (refused) {
        if (tok !== null) w.fail(`${where}: a try on a lock this thread holds returned ${show(tok)}`);
        return `${where}: failed (held)`;
      }
      if (tok === null || tok.mutex !== m || tok.locked !== true) w.fail(`${where}: bad token`);
      take();
      w.locks.push({ tok, id, mode: sharedOp ? 'sh' : 'ex' });
      return where;
    }
    if (op === 'tryLock' || op === 'tryLockShared' || op === 'lockWithTimeout' || op === 'lockSharedWithTimeout' || op === 'lockCb' || op === 'lockSharedCb') {
      const real = op.replace('Cb', '');
      if (refused && !isTry) {
        expectThrow(w, () => L[real](m, () => 1, timeout), TypeError, /deadlock/, where);
        return `${where}: refused`;
      }
      let ran = false;
      const r = L[real](
        m,
        () => {
          ran = true;
          take();
          w.checkObject(id);
          giveBack();
          return 'v';
        },
        timeout,
      );
      const want = refused ? { success: false } : real === 'lock' || real === 'lockShared' ? 'v' : { success: true, value: 'v' };
      if (JSON.stringify(r) !== JSON.stringify(want) || ran === refused) w.fail(`${where}: ${JSON.stringify(r)}, want ${JSON.stringify(want)}`);
      return where;
    }
    if (op === 'wait0' || op === 'notify') {
      const cid = w.pick(cv, ['cond']);
      if (cid === undefined) return `${op}: no condition`;
      const c = w.real(cid);
      if (op === 'notify') {
        if (Condition.notify(c, timeout) !== 0) w.fail(`notify(#${cid}) woke someone`);
        return `notify(#${cid})`;
      }
      const held = w.locks.find((l) => l.id === id && l.mode === 'ex');
      if (o.kind !== 'mutex' || !held) {
        expectThrow(w, () => Condition.wait(c, held ? held.tok : m, 0), TypeError, null, `wait(#${cid}, #${id})`);
        return `wait(#${cid}, #${id}): refused`;
      }
      if (Condition.wait(c, timeout & 1 ? held.tok : m, 0) !== false) w.fail(`wait(#${cid}, #${id}, 0) was woken`);
      if (!held.tok.locked) w.fail('wait released the token');
      w.checkObject(id);
      return `wait(#${cid}, #${id}, 0)`;
    }
    return `${op}?`;
  },

  unlock(w, { k }) {
    if (!w.locks.length) return 'unlock: none';
    const l = w.locks.splice(k % w.locks.length, 1)[0];
    const o = w.objs.get(l.id);
    if (l.tok.unlock() !== true) w.fail(`unlock of #${l.id} returned false`);
    if (l.tok.unlock() !== false || l.tok.locked) w.fail(`second unlock of #${l.id}`);
    if (l.mode === 'sh') o.lock.sh--;
    else o.lock.ex = false;
    // The token may have been the lock's last root here: check it through the token then.
    if (w.paths().has(l.id)) w.checkObject(l.id);
    else {
      const j = l.tok.mutex.toJSON();
      const ok = o.kind === 'mutex' ? j.locked === o.lock.ex : j.exclusive === o.lock.ex && j.readers === o.lock.sh;
      if (!ok) w.fail(`#${l.id} after unlock: ${JSON.stringify(j)}, want ${JSON.stringify(o.lock)}`);
    }
    return `unlock #${l.id} (${l.mode})`;
  },

  async asyncLock(w, { obj, shared }) {
    const id = w.pick(obj, ['mutex', 'rw']);
    if (id === undefined) return 'asyncLock: nothing';
    const o = w.objs.get(id);
    const m = w.real(id);
    const isRw = o.kind === 'rw';
    const sh = isRw && shared;
    const fn = isRw ? (sh ? SharedMutex.lockSharedAsync : SharedMutex.lockAsync) : Mutex.lockAsync;
    // The async forms do not refuse a lock this thread holds: they wait, here until the
    // timeout (0), and report failure. A shared hold joins another.
    const blocked = isRw ? (sh ? o.lock.ex : o.lock.ex || o.lock.sh > 0) : o.lock.ex;
    const r = await fn(
      m,
      async () => {
        await null;
        return 7;
      },
      0,
    );
    const want = blocked ? { success: false } : { success: true, value: 7 };
    if (r.success !== want.success || (want.success && r.value !== 7)) w.fail(`async lock #${id}: ${JSON.stringify(r)}, want ${JSON.stringify(want)}`);
    w.checkObject(id);
    return `async lock #${id} ${sh ? 'shared' : ''}`;
  },

  bulk(w, { obj, op, val, a, b }) {
    const id = w.pick(obj, ['E', 'array']);
    if (id === undefined) return 'bulk: nothing';
    const o = w.objs.get(id);
    const r = w.real(id);
    const n = o.elems.length;
    const where = `#${id}.${op}`;
    if (op === 'fill') {
      const mv = w.mvOf(val);
      const start = a % (n + 2) - 1;
      const end = b % (n + 2);
      r.fill(w.value(mv), start, end);
      const s = start < 0 ? Math.max(n + start, 0) : Math.min(start, n);
      const e = Math.min(end, n);
      for (let i = s; i < e; i++) o.elems[i] = mv;
      return `${where}(${showMv(mv)}, ${start}, ${end})`;
    }
    if (op === 'slice') {
      const start = a % (n + 2) - 1;
      const end = b % (n + 2);
      const got = r.slice(start, end);
      const want = o.elems.slice(start, end);
      if (got.length !== want.length) w.fail(`${where} length`);
      got.forEach((v, i) => w.expectValue(v, want[i], `${where}[${i}]`));
      return `${where}(${start}, ${end})`;
    }
    if (op === 'search') {
      const mv = w.mvOf(val);
      const x = w.value(mv);
      // Refs compared by id on the model side (ids are numbers no primitive here equals as a ref).
      const eq = (e, v) => (e.t === 'ref' ? mv.t === 'ref' && e.id === mv.id : mv.t !== 'ref' && primOfMv(e) === v);
      let idx = -1;
      for (let i = 0; i < n; i++) if (eq(o.elems[i], x)) { idx = i; break; }
      let last = -1;
      for (let i = n - 1; i >= 0; i--) if (eq(o.elems[i], x)) { last = i; break; }
      const inc = o.elems.some((e) => eq(e, x) || (mv.t !== 'ref' && e.t !== 'ref' && Number.isNaN(primOfMv(e)) && Number.isNaN(x)));
      if (r.indexOf(x) !== idx) w.fail(`${where} indexOf(${showMv(mv)}) = ${r.indexOf(x)}, want ${idx}`);
      if (r.lastIndexOf(x) !== last) w.fail(`${where} lastIndexOf(${showMv(mv)})`);
      if (r.includes(x) !== inc) w.fail(`${where} includes(${showMv(mv)})`);
      if (r.findIndex((v) => v === x) !== idx) w.fail(`${where} findIndex`);
      return `${where}(${showMv(mv)})`;
    }
    if (op === 'iterate') {
      const keys = [...r.keys()];
      if (keys.length !== n || keys.some((k, i) => k !== i)) w.fail(`${where} keys`);
      let i = 0;
      for (const v of r) w.expectValue(v, o.elems[i], `${where} for-of [${i++}]`);
      if (i !== n) w.fail(`${where} for-of count`);
      r.forEach((v, j, arr) => {
        if (arr !== r) w.fail(`${where} forEach array`);
        w.expectValue(v, o.elems[j], `${where} forEach [${j}]`);
      });
      const mapped = r.map((v) => v);
      mapped.forEach((v, j) => w.expectValue(v, o.elems[j], `${where} map [${j}]`));
      return where;
    }
    w.checkObject(id);
    return `${where} checked`;
  },
};

// ---------------------------------------------------------------------------------------
// fast-check commands.

class Op {
  constructor(name, args) {
    this.name = name;
    this.args = args;
  }
  check() {
    return true;
  }
  async run(w) {
    w.ops++;
    const what = await OPS[this.name](w, this.args);
    w.log.push(what);
    if (w.log.length > 64) w.log.splice(0, 32);
  }
  toString() {
    return `${this.name}(${JSON.stringify(this.args)})`;
  }
}

const nat = fc.nat({ max: 1 << 20 });
const valDesc = fc.oneof({ weight: 3, arbitrary: primDesc }, { weight: 2, arbitrary: nat.map((ref) => ({ ref })) });
const keyDesc = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom({ n: hex(0n) }, { n: hex(1n << 63n) }, { n: hex(bitsOf(1)) }, { n: hex(CANONICAL_NAN) }, { n: '0x7ff0000000000001' }, { s: 'a' }, { s: '\ud800' }, { big: '1' }, { bool: true }, { nul: 1 }, { und: 1 }) },
  { weight: 2, arbitrary: primDesc },
  { weight: 2, arbitrary: nat.map((ref) => ({ ref })) },
);
const op = (name, rec) => fc.record(rec).map((args) => new Op(name, args));

const commands = [
  op('new', { kind: fc.constantFrom(...KINDS), len: fc.nat({ max: 6 }), slot: fc.nat({ max: ANCHOR - 1 }), how: fc.nat({ max: 3 }), vals: fc.array(primDesc, { maxLength: 6 }) }),
  op('new', { kind: fc.constantFrom('S', 'E', 'array', 'map'), len: fc.nat({ max: 4 }), slot: fc.nat({ max: ANCHOR - 1 }), how: fc.nat({ max: 3 }), vals: fc.array(primDesc, { maxLength: 4 }) }),
  op('write', { obj: nat, slot: nat, val: valDesc, via: fc.nat({ max: 7 }) }),
  op('write', { obj: nat, slot: nat, val: valDesc, via: fc.nat({ max: 7 }) }),
  op('read', { obj: nat, slot: nat, via: fc.nat({ max: 13 }) }),
  op('atomic', { obj: nat, slot: nat, op: fc.constantFrom('load', 'store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor'), val: valDesc, operand: C.numberBits.map(String), hit: fc.boolean(), alt: fc.boolean() }),
  op('map', { obj: nat, op: fc.constantFrom('set', 'set', 'get', 'has', 'delete', 'getOrInsert', 'getOrInsertComputed', 'clear', 'forEach', 'check'), key: keyDesc, val: valDesc }),
  op('map', { obj: nat, op: fc.constantFrom('set', 'get', 'delete'), key: keyDesc, val: valDesc }),
  op('share', { target: valDesc, clone: fc.boolean() }),
  op('open', { tok: nat }),
  op('release', { tok: nat }),
  op('hold', { obj: nat }),
  op('drop', { k: nat, all: fc.boolean() }),
  op('gc', { check: fc.boolean() }),
  op('lock', { obj: nat, op: fc.constantFrom('lock', 'lockShared', 'lockIfAvailable', 'lockSharedIfAvailable', 'tryLock', 'tryLockShared', 'lockWithTimeout', 'lockSharedWithTimeout', 'lockCb', 'lockSharedCb', 'wait0', 'notify'), cv: nat, timeout: fc.constantFrom(0, 1, Infinity, undefined) }),
  op('unlock', { k: nat }),
  op('asyncLock', { obj: nat, shared: fc.boolean() }),
  op('bulk', { obj: nat, op: fc.constantFrom('fill', 'slice', 'search', 'iterate', 'check'), val: valDesc, a: nat, b: nat }),
];

/**
 * Releases what a sequence holds. A function of its own: a loop variable of the async
 * runSequence stays in its suspended frame and would keep a token (so its lock's wrapper,
 * so that wrapper's arena) alive through the collection that follows.
 */
function teardown(w) {
  for (const l of w.locks) l.tok.unlock();
  w.locks.length = 0;
  for (const t of w.tokens) if (t.state === 'pinned') release(t.tok);
  w.held.length = 0;
  w.anchor.fill(undefined);
  w.anchor = null;
  totals.sequences++;
  totals.operations += w.ops;
  totals.rewraps += w.rewraps;
}

/** Runs one sequence, then tears it down and checks the live count came back. */
let lastLive = -1;
let canary = null;

async function runSequence(cmds) {
  // The previous sequence ended with the live count checked after a collection.
  if (lastLive < 0) await C.settle(1);
  const baseline = lastLive >= 0 ? lastLive : ss.heapStats().liveObjects;
  lastLive = -1;
  const w = new World();
  w.baseline = baseline;
  try {
    await fc.asyncModelRun(() => ({ model: w, real: w }), cmds);
    w.checkAll();
    await OPS.gc(w, { check: true });
  } finally {
    teardown(w);
  }
  const log = w.log;
  await C.settle(1);
  if (EXACT_LIVE) {
    const live = await C.settledLive(baseline);
    totals.liveChecks++;
    lastLive = live;
    if (live !== baseline) {
      // Whether objects the test still holds were lost, or only its garbage counted.
      let canaryState = 'intact';
      try {
        canary.check();
      } catch (e) {
        canaryState = `BROKEN: ${e.message}`;
      }
      log.push(`canary ${canaryState}; heapStats ${JSON.stringify(ss.heapStats())}`);
    }
    if (live !== baseline) throw new Error(`live objects ${live} after the sequence, baseline ${baseline}\n    ${log.slice(-12).join('\n    ')}`);
  }
}

describe('model-based sequences (fast-check)', () => {
  it(
    'every operation agrees bit-exactly with the plain-JS model, identity holds and nothing leaks',
    async () => {
      canary = C.makeCanary(uniqueKey('ModelCanary'));
      const property = fc.asyncProperty(fc.commands(commands, { maxCommands: 80, size: 'large' }), runSequence);
      const seeds = await C.assertProperty('model', property, { seeds: [1, 2], runs: 12 });
      canary.check();
      C.report('model', { seeds, ...totals, exactLive: EXACT_LIVE });
      expect(totals.sequences).toBeGreaterThan(0);
      expect(totals.operations).toBeGreaterThan(totals.sequences);
      // The collection paths were reached: wrappers were collected and made again.
      expect(totals.rewraps).toBeGreaterThan(0);
    },
    C.testTimeout('model', 120000),
  );
});
