'use strict';
// shared-structs-parse: parses TypeScript files in worker threads and compares ways of
// getting the ASTs to the main thread with one thread and with independent processes
// (docs/parse.md). Each run is a fresh child process
// (lib/child.js) so every mode starts equally cold; this process only orchestrates,
// checks that the runs agree and prints the table.

const path = require('path');
const os = require('os');
const { fork } = require('child_process');
const corpus = require('./corpus');

const CHILD = path.join(__dirname, 'child.js');
/** Node options of every child (the code cache is only valid for the same V8 flags). */
const CHILD_EXEC_ARGV = ['--expose-gc'];
const { MODES } = require('./run');

const USAGE = `Usage: shared-structs-parse [paths, directories or globs...] [options]

Parses TypeScript files with the TypeScript parser and walks every AST on the main thread
with one visitor (ts.forEachChild), in four modes, on the same files:
  single     the main thread parses, then walks TypeScript's own ASTs (the baseline)
  message    workers parse into plain objects and postMessage them; the main thread walks them
  shared     workers parse into TypeScript-shaped shared structs (shared-structs); the main
             thread walks them in place
  processes  N independent processes each parse and walk their share of the files, handing
             nothing over: what N cores allow on this machine
Every mode prints node counts and a checksum; the program exits non-zero if they disagree.
With no paths it parses the default corpus: about 28 MB of TypeScript from the package's dev
dependencies (typescript's lib, @types/node, and the sources of rxjs, effect and zod).

Options:
  --threads N[,M...]   worker threads (processes) for message, shared and processes
                       (default: ${defaultThreads()})
  --mode M[,M...]      modes to run: single, message, shared, processes (default: all)
  --repeat N           run every configuration N times (fresh processes), report the fastest
  --passes N           parse the corpus N times in each process (same main thread, same pool)
                       and also report the last pass: the warm steady state (default: 1)
  --small              the small default corpus (typescript's lib, @types/node, rxjs: 6.8 MB)
  --json               print the result as one JSON object
  --no-memory          skip the memory measurement
  --no-code-cache      compile typescript.js from scratch in every thread (default: every
                       mode loads it with the same V8 code cache, written once to the temp dir)
  --timeout SECONDS    fail a run that takes longer (default: 300)
  --cpu-prof DIR       write a V8 CPU profile of the main thread and every pool worker of
                       every run into DIR (node --cpu-prof)
  -h, --help           this text`;

function defaultThreads() {
  return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
}

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { paths: [], threads: [defaultThreads()], modes: MODES.slice(), json: false, small: false, repeat: 1, passes: 1, memory: true, codeCache: true, timeout: 300, cpuProf: null, help: false };
  const need = (i, name) => {
    if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline = null;
    if (a.startsWith('--') && a.includes('=')) {
      inline = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    }
    const value = (name) => {
      if (inline !== null) return inline;
      const v = need(i, name);
      i++;
      return v;
    };
    switch (a) {
      case '--threads': {
        const v = value('--threads');
        opts.threads = v.split(',').map((s) => {
          const n = Number(s);
          if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--threads: expected integers from 1 to 256, got ${JSON.stringify(v)}`);
          return n;
        });
        break;
      }
      case '--mode':
      case '--modes': {
        const v = value('--mode');
        opts.modes = v.split(',').map((s) => {
          if (!MODES.includes(s)) throw new UsageError(`--mode: expected single, message, shared or processes, got ${JSON.stringify(s)}`);
          return s;
        });
        break;
      }
      case '--repeat': {
        const v = Number(value('--repeat'));
        if (!Number.isInteger(v) || v < 1 || v > 100) throw new UsageError('--repeat: expected an integer from 1 to 100');
        opts.repeat = v;
        break;
      }
      case '--passes': {
        const v = Number(value('--passes'));
        if (!Number.isInteger(v) || v < 1 || v > 100) throw new UsageError('--passes: expected an integer from 1 to 100');
        opts.passes = v;
        break;
      }
      case '--timeout': {
        const v = Number(value('--timeout'));
        if (!(v > 0)) throw new UsageError('--timeout: expected a positive number of seconds');
        opts.timeout = v;
        break;
      }
      case '--cpu-prof':
        opts.cpuProf = path.resolve(value('--cpu-prof'));
        break;
      case '--json':
        opts.json = true;
        break;
      case '--small':
        opts.small = true;
        break;
      case '--no-memory':
        opts.memory = false;
        break;
      case '--no-code-cache':
        opts.codeCache = false;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      case '--':
        opts.paths.push(...argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        opts.paths.push(argv[i]);
    }
  }
  if (opts.small && opts.paths.length) throw new UsageError('--small selects the default corpus; it takes no paths');
  return opts;
}

/** Runs one configuration in a fresh child process; resolves to its result. */
function runChild(job, timeoutMs, cpuProf = null) {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      // Pool workers inherit the process's execArgv, so they write their own profiles.
      execArgv: cpuProf === null ? CHILD_EXEC_ARGV : [...CHILD_EXEC_ARGV, '--cpu-prof', `--cpu-prof-dir=${cpuProf}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    let settled = false;
    const finish = (fn, v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(v);
    };
    // The child enforces the timeout itself; this one catches a child that hangs anyway.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(reject, new Error(`${job.mode} run did not finish within ${Math.round(timeoutMs / 1000) + 10} s`));
    }, timeoutMs + 10000);
    child.on('message', (m) => {
      if (m && m.result) finish(resolve, m.result);
      else if (m && m.error) finish(reject, Object.assign(new Error(m.error.message), { childStack: m.error.stack }));
    });
    child.on('error', (e) => finish(reject, e));
    child.on('exit', (code, signal) => {
      finish(reject, new Error(`${job.mode} run exited (${signal || `code ${code}`}) without a result`));
    });
    child.send({ ...job, timeoutMs });
  });
}

function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function table(rows, header) {
  const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((v, c) => (c < 2 ? String(v).padEnd(width[c]) : String(v).padStart(width[c]))).join('  ');
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The differences between two runs' counts, as text (empty when they agree). */
function disagreement(a, b, kindName) {
  const out = [];
  for (const f of ['nodes', 'identifiers', 'checksum']) {
    if (a[f] !== b[f]) out.push(`${f} ${a[f]} vs ${b[f]}`);
  }
  for (let k = 0; k < Math.max(a.kinds.length, b.kinds.length); k++) {
    if ((a.kinds[k] || 0) !== (b.kinds[k] || 0)) out.push(`${kindName(k)} ${a.kinds[k] || 0} vs ${b.kinds[k] || 0}`);
    if (out.length > 12) break;
  }
  return out.join(', ');
}

/** Problems found comparing runs: disagreements with the first run and wrong parent pointers. */
function compareRuns(runs, kindName = (k) => `kind${k}`) {
  const problems = [];
  const ref = runs[0];
  for (const r of runs) {
    const d = disagreement(ref, r, kindName);
    if (d) problems.push(`${r.mode} x${r.threads} disagrees with ${ref.mode} x${ref.threads}: ${d}`);
    if (r.badParents > 0) problems.push(`${r.mode} x${r.threads}: ${r.badParents} wrong parent pointers`);
  }
  return problems;
}

/** A few input files (spread over the corpus, about 300 KB) to warm up the code cache with. */
function warmupFiles(files) {
  const out = [];
  let bytes = 0;
  const step = Math.max(1, Math.floor(files.length / 40));
  for (let i = 0; i < files.length && bytes < 300e3; i += step) {
    if (files[i].size > 200e3) continue;
    out.push(files[i].path);
    bytes += files[i].size;
  }
  return out;
}

/** Runs the program; returns the exit code. */
async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    stderr.write(`shared-structs-parse: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  let input;
  try {
    input = opts.paths.length ? corpus.resolveInputs(opts.paths) : corpus.resolveDefault({ small: opts.small });
  } catch (e) {
    if (!(e instanceof corpus.InputError)) throw e;
    stderr.write(`shared-structs-parse: ${e.message}\n`);
    return 2;
  }
  if (input.missing && input.missing.length) {
    stderr.write(`shared-structs-parse: default corpus without ${input.missing.join(', ')} (not installed)\n`);
  }
  // Kind names come from the same typescript the runs use (loaded here, outside any timing).
  const ts = require('typescript');
  const kindNames = [];
  for (const [name, v] of Object.entries(ts.SyntaxKind)) {
    if (typeof v === 'number' && (kindNames[v] === undefined || /^(First|Last)/.test(kindNames[v]))) kindNames[v] = name;
  }
  const kindName = (k) => kindNames[k] || `kind${k}`;

  const configs = [];
  for (const mode of opts.modes) {
    if (mode === 'single') configs.push({ mode, threads: 1 });
    else for (const t of opts.threads) configs.push({ mode, threads: t });
  }
  const progress = !!stdout.isTTY;
  let cacheFile = null;
  if (opts.codeCache) {
    try {
      cacheFile = require('./typescript').defaultCacheFile();
      await runChild({ prepare: true, cacheFile, warmup: warmupFiles(input.files) }, opts.timeout * 1000);
    } catch (e) {
      stderr.write(`shared-structs-parse: no code cache (${e.message}); compiling typescript.js in every thread\n`);
      cacheFile = null;
    }
  }
  const runs = [];
  /** Configurations whose run failed: { mode, threads, error } (also in the JSON). */
  const failedRuns = [];
  for (const c of configs) {
    let best = null;
    const tries = [];
    for (let r = 0; r < opts.repeat; r++) {
      let res;
      try {
        res = await runChild(
          {
            mode: c.mode,
            threads: c.threads,
            files: input.files,
            progress,
            measureMemory: opts.memory,
            cacheFile,
            passes: opts.passes,
          },
          opts.timeout * 1000,
          opts.cpuProf,
        );
      } catch (e) {
        stderr.write(`shared-structs-parse: ${c.mode}${c.mode === 'single' ? '' : ` x${c.threads}`} run failed: ${e.message}\n`);
        failedRuns.push({ mode: c.mode, threads: c.threads, error: e.message });
        best = null;
        break;
      }
      res.coldMs = res.passMs[0];
      res.coldCpuMs = res.passCpuMs[0];
      tries.push(res);
      if (best === null || res.coldMs < best.coldMs) best = res;
    }
    if (best === null) continue; // the other configurations still run
    // The warm figure is the best last pass over all tries.
    const warmest = tries.reduce((a, t) => (t.ms < a.ms ? t : a));
    best.warmMs = warmest.ms;
    best.warmCpuMs = warmest.cpuMs;
    best.times = tries.map((t) => t.coldMs);
    runs.push(best);
  }
  if (runs.length === 0) {
    if (opts.json) stdout.write(`${JSON.stringify({ files: input.files.length, bytes: input.bytes, agree: false, runs: [], failedRuns, syntaxErrors: [], problems: [] })}\n`);
    return 1;
  }

  const single = runs.find((r) => r.mode === 'single');
  /** The processes run with as many processes as `r` has threads (single: 1 process). */
  const procsAt = (r) => runs.find((q) => q.mode === 'processes' && q.threads === r.threads) || null;
  const ref = runs[0];
  const problems = compareRuns(runs, kindName);
  const errors = ref.errors || [];
  const r1 = (x) => Math.round(x * 10) / 10;
  const r2 = (x) => Math.round(x * 100) / 100;
  const warm = opts.passes > 1;
  const out = {
    files: input.files.length,
    bytes: input.bytes,
    nodes: ref.nodes,
    identifiers: ref.identifiers,
    checksum: ref.checksum,
    // Every configuration ran and all agree.
    agree: problems.length === 0 && failedRuns.length === 0,
    cores: defaultThreads(),
    passes: opts.passes,
    kinds: Object.fromEntries(
      ref.kinds
        .map((n, k) => [kindName(k), n])
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]),
    ),
    runs: runs.map((r) => ({
      mode: r.mode,
      threads: r.threads,
      ms: r1(r.coldMs),
      nodes: r.nodes,
      checksum: r.checksum,
      bytesPerNode: r.memory ? r1(r.memory.bytes / r.nodes) : null,
      speedup: single ? r2(single.coldMs / r.coldMs) : null,
      vsProcesses: procsAt(r) ? r2(r.coldMs / procsAt(r).coldMs) : null,
      cpuMs: r1(r.coldCpuMs),
      cpuVsSingle: single ? r2(r.coldCpuMs / single.coldCpuMs) : null,
      ...(warm
        ? {
            warmMs: r1(r.warmMs),
            warmCpuMs: r1(r.warmCpuMs),
            warmSpeedup: single ? r2(single.warmMs / r.warmMs) : null,
            warmVsProcesses: procsAt(r) ? r2(r.warmMs / procsAt(r).warmMs) : null,
            warmCpuVsSingle: single ? r2(r.warmCpuMs / single.warmCpuMs) : null,
            passMs: r.passMs.map(r1),
          }
        : {}),
      setupMs: r1(r.setupMs),
      codeCache: r.codeCache,
      times: r.times.map(r1),
      memory: r.memory,
    })),
    failedRuns,
    syntaxErrors: errors.flatMap((e) => e.split('\n')),
    problems,
  };

  if (opts.json) {
    stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const mb = (input.bytes / 1e6).toFixed(2);
    const extra = [opts.repeat > 1 ? `best of ${opts.repeat}` : '', warm ? `${opts.passes} passes per process` : ''].filter(Boolean).join(', ');
    stdout.write(`${fmtInt(out.files)} files, ${mb} MB, ${fmtInt(out.nodes)} nodes (${fmtInt(out.identifiers)} identifiers), ${out.cores} cores${extra ? `, ${extra}` : ''}\n\n`);
    const x = (v) => (v === null || v === undefined ? '-' : `${v.toFixed(2)}x`);
    const header = ['mode', 'threads', 'files', 'MB', 'nodes', 'wall ms', 'speedup', 'vs procs', 'cpu ms', 'cpu/single', ...(warm ? ['warm ms', 'warm speedup', 'warm vs procs', 'warm cpu ms', 'warm cpu/single'] : []), 'bytes/node', 'checksum'];
    const rows = out.runs.map((r) => [
      r.mode,
      r.mode === 'single' ? '-' : r.threads,
      fmtInt(out.files),
      mb,
      fmtInt(r.nodes),
      r.ms.toFixed(0),
      x(r.speedup),
      x(r.vsProcesses),
      r.cpuMs.toFixed(0),
      x(r.cpuVsSingle),
      ...(warm ? [r.warmMs.toFixed(0), x(r.warmSpeedup), x(r.warmVsProcesses), r.warmCpuMs.toFixed(0), x(r.warmCpuVsSingle)] : []),
      r.bytesPerNode === null ? '-' : r.bytesPerNode.toFixed(1),
      r.checksum,
    ]);
    stdout.write(`${table(rows, header)}\n\n`);
    const top = Object.entries(out.kinds).slice(0, 8);
    stdout.write(`most frequent kinds: ${top.map(([k, n]) => `${k} ${fmtInt(n)}`).join(', ')}\n`);
    if (problems.length === 0 && failedRuns.length === 0) stdout.write(`all ${runs.length} runs agree (node counts per kind, identifiers, checksum); every parent pointer checked\n`);
    stdout.write(
      [
        'wall ms: end to end in a fresh process, TypeScript loading and worker/process start-up included',
        'speedup: single wall / this wall; vs procs: this wall / processes wall at the same thread count (1.00x = what independent processes reach)',
        ...(warm ? ['warm ms, warm cpu ms: the last pass, in the same process with the same pool (processes)'] : []),
        'cpu ms: CPU time of every thread of the process (processes: and of the child processes) during the pass',
        'bytes/node: shared heap (shared) or V8 heap (single, processes: TypeScript\'s own AST; message: the received copies) per node visited, NodeArrays, JSDoc and strings included',
      ].join('\n') + '\n',
    );
  }
  for (const p of problems) stderr.write(`shared-structs-parse: ${p}\n`);
  if (out.syntaxErrors.length) {
    stderr.write(`shared-structs-parse: syntax errors:\n${out.syntaxErrors.map((l) => `  ${l}`).join('\n')}\n`);
  }
  if (failedRuns.length || problems.length) return 1;
  if (out.syntaxErrors.length) return 1;
  return 0;
}

module.exports = { main, parseArgs, compareRuns, USAGE };
