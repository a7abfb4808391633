#!/usr/bin/env node
'use strict';
// Benchmark harness: plain JS objects vs shared-structs vs V8's harmony shared structs,
// side by side, checked against the performance targets. See bench/README.md.
//
//   node bench/run.js                 # everything (about 25 s on 2 cores), table on stdout
//   node bench/run.js --only tree     # only benchmarks whose id or name contains "tree"
//   node bench/run.js --json          # results as JSON on stdout (progress always on stderr)

const os = require('os');
const { parseArgs, usageError, selected, onlyArgs, log, runChild, fmt, fmtRatio, table, msSince, now, median } = require('./lib');

const HELP = `usage: node bench/run.js [--json] [--only <substring>[,<substring>...]]
  --json     print results as JSON instead of a table
  --only s   run only benchmarks whose id or name contains s (case-insensitive;
             repeatable or comma-separated), e.g. --only num, --only arr-get,tree
benchmark ids: num-read num-write str-read ref-read new6 arr-get arr-forof arr-index
               tree-hold tree-visit tree-visit-bulk mem mem-wrapper mem-table
               graph-churn graph-churn-bulk graph-touch-first graph-touch-cached
               graph-ast graph-ast-index graph-ast-bulk graph-churn2-rss graph-churn2-built
               mutex-lock mutex-contended map-get map-set map-2t`;

const SYNC = [
  { id: 'mutex-lock', name: 'uncontended Mutex.lock(m, cb) (over cb alone)', unit: 'ns/op', target: { maxOverPlain: 50, beatHarmony: true } },
  { id: 'mutex-contended', name: '2 threads, 1,000,000 locked increments', unit: 'ms', target: { beatHarmonyOrEqual: true } },
  { id: 'map-get', name: 'SharedMap.get, string keys (plain = Map)', unit: 'ns/op', target: { maxPlain: 5 } },
  { id: 'map-set', name: 'SharedMap.set, string keys (plain = Map)', unit: 'ns/op', target: { maxPlain: 5 } },
  { id: 'map-2t', name: 'SharedMap get/set, 2 threads (info)', unit: 'Mops/s', target: null },
];

// Graph workloads (bench/graph.js): each (part, side) in a process of its own. `side` is the
// shared-structs side of the row (shared or bulk); plain and harmony are shared by the rows
// of a part.
const GRAPH = [
  { id: 'graph-churn', part: 'churn', side: 'shared', key: 'ms', name: 'graph: build, walk, drop a 100k-node structure (1 thread)', unit: 'ms', target: { maxHarmony: 1.5, maxPlain: 6 } },
  { id: 'graph-churn-bulk', part: 'churn', side: 'bulk', key: 'ms', name: 'graph: same, built and walked through bulk views', unit: 'ms', target: null },
  { id: 'graph-touch-first', part: 'touch', side: 'shared', key: 'firstNs', name: 'graph: first read of each of 100k objects a worker built (wrapper made)', unit: 'ns/obj', target: { maxShared: 150 } },
  { id: 'graph-touch-cached', part: 'touch', side: 'shared', key: 'cachedNs', name: 'graph: second read of the same 100k objects', unit: 'ns/obj', target: null },
  { id: 'graph-ast', part: 'ast', side: 'shared', key: 'ms', name: 'graph: 300k-node AST a worker built, walked in main (get(i))', unit: 'ms', target: { maxHarmony: 3 } },
  { id: 'graph-ast-index', part: 'ast', side: 'shared-index', key: 'ms', name: 'graph: same, children read as kids[i]', unit: 'ms', target: null },
  { id: 'graph-ast-bulk', part: 'ast', side: 'bulk', key: 'ms', name: 'graph: same, walked through bulk views', unit: 'ms', target: { maxHarmony: 1.5 } },
  { id: 'graph-churn2-rss', part: 'churn2', side: 'shared', key: 'rssGrowthMb', name: 'graph: 2 workers churn 8 s: peak RSS growth', unit: 'MB', target: { maxPlain: 1.5 } },
  { id: 'graph-churn2-built', part: 'churn2', side: 'shared', key: 'structures', name: 'graph: 2 workers churn 8 s: structures built', unit: 'count', target: { minOfPlain: 1 / 3 } },
];

const MEMORY = [
  { id: 'mem', name: 'memory: struct with 6 number/ref fields', unit: 'B/obj', target: { maxShared: 64 } },
  { id: 'mem-wrapper', name: 'memory: JS heap per live shared wrapper (info)', unit: 'B/obj', target: null },
  { id: 'mem-table', name: 'memory: identity-table bytes per wrapper (info)', unit: 'B/obj', target: null },
];

function targetText(t, unit) {
  if (!t) return '-';
  const parts = [];
  if (t.maxPlain !== undefined) parts.push(`<= ${t.maxPlain}x plain`);
  if (t.beatHarmony) parts.push('< harmony');
  if (t.minSpeedup !== undefined) parts.push(`>= ${t.minSpeedup}x faster`);
  if (t.maxShared !== undefined) parts.push(`<= ${t.maxShared} ${String(unit || '').replace(/\/obj$/, '')}`);
  if (t.maxOverPlain !== undefined) parts.push(`<= plain + ${t.maxOverPlain} ns`);
  if (t.beatHarmonyOrEqual) parts.push('<= harmony');
  if (t.maxHarmony !== undefined) parts.push(`<= ${t.maxHarmony}x harmony`);
  if (t.minOfPlain !== undefined) parts.push(`>= ${fmt(t.minOfPlain)}x plain`);
  return parts.join(', ');
}

/** PASS / MISS against the target; parts that cannot be evaluated (n/a side) are noted. */
function evaluate(r) {
  const t = r.target;
  if (!t) return { status: '-', notes: [] };
  if (r.shared === null) return { status: 'n/a', notes: ['no shared-structs result'] };
  const checks = [];
  const notes = [];
  if (t.maxPlain !== undefined) {
    if (r.ratioSharedPlain === null) notes.push('plain n/a');
    else checks.push(r.ratioSharedPlain <= t.maxPlain);
  }
  if (t.beatHarmony) {
    if (r.harmony === null) notes.push('harmony n/a: "< harmony" not checked');
    else checks.push(r.shared < r.harmony);
  }
  if (t.minSpeedup !== undefined) {
    if (r.plain === null) notes.push('plain n/a');
    else checks.push(r.plain / r.shared >= t.minSpeedup);
  }
  if (t.maxShared !== undefined) checks.push(r.shared <= t.maxShared);
  if (t.maxOverPlain !== undefined) {
    if (r.plain === null) notes.push('plain n/a');
    else checks.push(r.shared - r.plain <= t.maxOverPlain);
  }
  if (t.beatHarmonyOrEqual) {
    if (r.harmony === null) notes.push('harmony n/a');
    else checks.push(r.shared <= r.harmony);
  }
  if (t.maxHarmony !== undefined) {
    if (r.harmony === null) notes.push('harmony n/a');
    else checks.push(r.shared / r.harmony <= t.maxHarmony);
  }
  if (t.minOfPlain !== undefined) {
    if (r.plain === null) notes.push('plain n/a');
    else checks.push(r.shared >= r.plain * t.minOfPlain);
  }
  if (checks.length === 0) return { status: 'n/a', notes };
  return { status: checks.every(Boolean) ? 'PASS' : 'MISS', notes };
}

function row(bench, plain, shared, harmony, extra = {}) {
  const ratio = (a, b) => (a !== null && b !== null && b !== 0 ? a / b : null);
  const r = {
    id: bench.id,
    name: bench.name,
    unit: bench.unit,
    plain,
    shared,
    harmony,
    ratioSharedPlain: ratio(shared, plain),
    ratioSharedHarmony: ratio(shared, harmony),
    target: bench.target || null,
    targetText: targetText(bench.target, bench.unit),
    ...extra,
  };
  // Interleaved loop samples: plain[k] and shared[k] were taken back to back, so the median
  // of their ratios is robust against load that drifts during the run.
  const sp = r.paired && r.samples;
  if (sp && sp.plain && sp.shared && sp.plain.length === sp.shared.length && sp.plain.length > 0) {
    r.ratioSharedPlain = median(sp.shared.map((x, k) => x / sp.plain[k]));
  }
  Object.assign(r, evaluate(r));
  return r;
}

const val = (x) => (x && typeof x.ns === 'number' ? x.ns : null);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const started = now();
  const { cases, runCase } = require('./micro');
  const micro = cases.filter((c) => selected(opts, c));
  const tree = require('./tree').BENCHES.filter((b) => selected(opts, b));
  const memory = MEMORY.filter((b) => selected(opts, b));
  const sync = SYNC.filter((b) => selected(opts, b));
  const graph = GRAPH.filter((b) => selected(opts, b));
  if (micro.length + tree.length + memory.length + sync.length + graph.length === 0) throw usageError(`--only ${opts.only.join(',')} matches no benchmark (try --help)`);
  const results = [];
  const errors = [];

  // 1. micro-benchmarks: plain and shared-structs here, harmony in a child process
  if (micro.length) {
    log(`micro-benchmarks (${micro.length}): plain, shared-structs`);
    const local = {};
    for (const c of micro) local[c.id] = await runCase(c, ['plain', 'shared']);
    log('micro-benchmarks: harmony (child process)');
    const h = await runChild(['--harmony-struct'], 'harmony.js', ['--part', 'micro', ...onlyArgs(opts)]);
    if (!h.ok) errors.push(`harmony micro: ${h.error}`);
    for (const c of micro) {
      const hr = h.ok ? h.data.micro[c.id] : null;
      const checks = [local[c.id].plain, local[c.id].shared, hr].filter((x) => x && x.ns !== null);
      const mismatch = checks.some((x) => x.ok === false);
      const sideNotes = [];
      for (const [side, x] of [['plain', local[c.id].plain], ['shared', local[c.id].shared], ['harmony', hr]]) {
        if (x && x.error) sideNotes.push(`${side}: ${x.error}`);
      }
      results.push(
        row(c, val(local[c.id].plain), val(local[c.id].shared), val(hr), {
          samples: { plain: local[c.id].plain.samples, shared: local[c.id].shared.samples, harmony: hr && hr.samples },
          paired: !c.batched,
          ...(mismatch ? { warning: 'a side returned an unexpected checksum' } : {}),
        }),
      );
      results[results.length - 1].notes.push(...sideNotes);
    }
  }

  // 2. tree handoff: plain and shared in one child process, harmony in another
  if (tree.length) {
    log('tree handoff: plain, shared-structs (child process)');
    const t = await runChild([], 'tree.js', onlyArgs(opts), { timeoutMs: 180000 });
    if (!t.ok) errors.push(`tree: ${t.error}`);
    const sides = { plain: {}, shared: {}, harmony: {} };
    for (const side of ['plain', 'shared']) {
      const d = t.ok ? t.data[side] : null;
      if (d && d.error) errors.push(`tree ${side}: ${d.error}`);
      else if (d) sides[side] = d;
    }
    log('tree handoff: harmony (child process)');
    const h = await runChild(['--harmony-struct'], 'harmony.js', ['--part', 'tree', ...onlyArgs(opts)]);
    if (!h.ok) errors.push(`harmony tree: ${h.error}`);
    else if (h.data.tree.error) errors.push(`harmony tree: ${h.data.tree.error}`);
    else sides.harmony = h.data.tree;
    for (const b of tree) {
      const get = (s) => {
        const k = s === 'shared' || !b.otherKey ? b.key : b.otherKey;
        return sides[s][k] ? sides[s][k].ms : null;
      };
      results.push(
        row(b, get('plain'), get('shared'), get('harmony'), {
          samples: { plain: sides.plain[b.otherKey || b.key]?.samples, shared: sides.shared[b.key]?.samples, harmony: sides.harmony[b.otherKey || b.key]?.samples },
        }),
      );
    }
  }

  // 2b. graph workloads: one child process per (part, side)
  if (graph.length) {
    const runs = new Map();
    const need = [];
    for (const b of graph) {
      for (const side of ['plain', b.side, 'harmony']) {
        const k = `${b.part}:${side}`;
        if (!runs.has(k)) {
          runs.set(k, null);
          need.push([b.part, side]);
        }
      }
    }
    for (const [part, side] of need) {
      log(`graph workloads: ${part} [${side}] (child process)`);
      const r = await runChild(side === 'harmony' ? ['--harmony-struct'] : [], 'graph.js', ['--part', part, '--side', side], { timeoutMs: 300000 });
      if (!r.ok) errors.push(`graph ${part} ${side}: ${r.error}`);
      runs.set(`${part}:${side}`, r.ok ? r.data : null);
    }
    for (const b of graph) {
      const get = (side) => {
        const d = runs.get(`${b.part}:${side}`);
        return d && typeof d[b.key] === 'number' ? d[b.key] : null;
      };
      results.push(row(b, get('plain'), get(b.side), get('harmony')));
    }
  }

  // 3. coordination (child processes: shared-structs, and harmony's Atomics.Mutex)
  if (sync.length) {
    // The two sides alternate, SYNC_ROUNDS child processes each, and every figure is the
    // median over a side's rounds: this VM's speed drifts over seconds, and one child per
    // side compared whichever state each happened to run in.
    const SYNC_ROUNDS = 3;
    const runsA = [];
    const runsH = [];
    for (let r = 0; r < SYNC_ROUNDS; r++) {
      log(`coordination: shared-structs (child process, round ${r + 1}/${SYNC_ROUNDS})`);
      const a = await runChild([], 'sync.js', ['--side', 'shared']);
      if (a.ok) runsA.push(a.data);
      else errors.push(`sync: ${a.error}`);
      log(`coordination: harmony (child process, round ${r + 1}/${SYNC_ROUNDS})`);
      const h = await runChild(['--harmony-struct'], 'sync.js', ['--side', 'harmony']);
      if (h.ok) runsH.push(h.data);
      else errors.push(`harmony sync: ${h.error}`);
    }
    const medianOf = (runs) => {
      const out = {};
      for (const k of new Set(runs.flatMap((d) => Object.keys(d)))) {
        const v = runs.map((d) => d[k]).filter((x) => typeof x === 'number');
        if (v.length) out[k] = median(v);
      }
      return out;
    };
    const sd = medianOf(runsA);
    const hd = medianOf(runsH);
    for (const b of sync) {
      if (b.id === 'mutex-lock') results.push(row(b, sd.callback ?? null, sd.mutexLock ?? null, hd.mutexLock ?? null));
      else if (b.id === 'mutex-contended') results.push(row(b, null, sd.contendedMs ?? null, hd.contendedMs ?? null));
      else if (b.id === 'map-get') results.push(row(b, sd.mapGetPlain ?? null, sd.mapGet ?? null, null));
      else if (b.id === 'map-set') results.push(row(b, sd.mapSetPlain ?? null, sd.mapSet ?? null, null));
      else results.push(row(b, null, sd.map2tOpsPerSec ? sd.map2tOpsPerSec / 1e6 : null, null));
    }
  }

  // 4. memory (child processes with --expose-gc)
  if (memory.length) {
    log('memory: plain, shared-structs (child process)');
    const m = await runChild(['--expose-gc'], 'memory.js', []);
    if (!m.ok) errors.push(`memory: ${m.error}`);
    log('memory: harmony (child process)');
    const h = await runChild(['--harmony-struct', '--expose-gc'], 'harmony.js', ['--part', 'memory']);
    if (!h.ok) errors.push(`harmony memory: ${h.error}`);
    const md = m.ok ? m.data : {};
    const hd = h.ok ? h.data.memory : {};
    for (const b of memory) {
      if (b.id === 'mem') results.push(row(b, md.plain ?? null, md.shared ?? null, hd.harmony ?? null));
      else if (b.id === 'mem-table') results.push(row(b, null, md.bookkeeping ?? null, null));
      else results.push(row(b, null, md.sharedWrapper ?? null, null));
    }
  }

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] && os.cpus()[0].model,
    seconds: Math.round(msSince(started) / 100) / 10,
  };
  log(`done in ${meta.seconds} s`);

  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ meta, results, errors }, null, 2)}\n`);
  } else {
    const headers = ['benchmark', 'unit', 'plain', 'shared-structs', 'harmony', 'shared/plain', 'shared/harmony', 'target', 'result'];
    const rows = results.map((r) => [
      r.name,
      r.unit,
      fmt(r.plain),
      fmt(r.shared),
      fmt(r.harmony),
      fmtRatio(r.ratioSharedPlain),
      fmtRatio(r.ratioSharedHarmony),
      r.targetText,
      r.status,
    ]);
    const right = [false, false, true, true, true, true, true, false, false];
    const out = [
      `shared-structs benchmarks - node ${meta.node} (V8 ${meta.v8}), ${meta.platform}, ${meta.cpus} CPUs (${meta.cpuModel}), ${meta.seconds} s`,
      '',
      table(headers, rows, right),
    ];
    const notes = [];
    for (const r of results) {
      for (const n of r.notes || []) notes.push(`${r.id}: ${n}`);
      if (r.warning) notes.push(`${r.id}: ${r.warning}`);
    }
    for (const e of errors) notes.push(`error: ${e}`);
    if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

main().catch((e) => {
  log(`bench/run.js: ${e.usage ? e.message : e.stack || e.message}`);
  process.exit(e.usage ? 2 : 1);
});
