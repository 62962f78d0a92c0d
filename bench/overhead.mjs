// Whole-process overhead, side by side (npm run bench:overhead; part of npm run bench).
//
// Each workload of bench/workloads/ (a call-heavy micro-benchmark, fib, and real libraries:
// acorn, js-yaml, marked, postcss) runs in fresh processes through bench/run-workload.mjs
// (5 warm-up iterations, then the median of 30 timed ones; then, once a second has passed, the
// median of 30 more: the steady state, printed as a second table), in these variants:
//   plain          node, nothing else
//   instrumented   stackring's loading hooks (--import packages/cli/dist/register.js), with
//                  node_modules instrumented too (STACKRING_NODE_MODULES=1)
//   V8 budgets     the same with V8's inlining budgets left at their defaults
//                  (STACKRING_V8_INLINING=0; the runtime raises them otherwise)
//   area rings     instrumented, no agent, with area rings (STACKRING_AREA_RINGS=1) instead of
//                  sub-buffer rings: against *sampled 1 kHz*, what sampling itself adds
//   area agent idle   the same with the agent started but not sampling
//   agent idle     the same with the agent started but not sampling
//   sampled 1 kHz  the same with the agent sampling every millisecond (an area ring where the
//                  machine allows: the writer is switched from outside)
//   sub-buffers 1 kHz  the same with sub-buffer rings (STACKRING_AREA_RINGS=0): the writer
//                  answers switch requests in its slow paths, as on ARM
//   leaves skipped the same, sampled at 1 kHz, with trivial leaf functions left alone and
//                  the others' frames pushed lazily (STACKRING_SKIP_TRIVIAL_LEAVES=1, the
//                  plugin's skipTrivialLeaves)
//   skipped unsampled   instrumented as *leaves skipped*, no agent (sub-buffer rings)
//   skipped area rings  the same with area rings (STACKRING_AREA_RINGS=1), no agent
//   cpu-prof       node --cpu-prof (V8's sampling profiler, for comparison)
//   istanbul       the same files stackring instruments (the workload's own and the npm
//                  package files it loads) instrumented for coverage with babel-plugin-istanbul,
//                  counters live as with nyc. Instrumented ahead of time by
//                  bench/istanbul-prepare.mjs and served from a cache by the tiny
//                  bench/istanbul-hook.mjs, so that Babel is never loaded into the measured
//                  process; each run prints its coverage summary, checked here, and the last
//                  one is shown under the table (covered statements of all instrumented ones).
// Before any timing, each workload runs once instrumented to fill stackring's transform cache
// (a cache miss would load Babel into that process) and once to discover the istanbul files.
// Variants alternate (plain, instrumented, ..., plain, instrumented, ...) so drifting machine
// load hits all alike; the table shows the plain median in ms per iteration and the other
// variants' medians as ratios to it (lower is better, 1.00x is free).
//
// Knobs: BENCH_ROUNDS (processes per variant, default 5), BENCH_WORKLOADS (comma-separated,
// default fib,acorn,js-yaml,marked,postcss), BENCH_VARIANTS (comma-separated subset of the
// variants above; plain always runs).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkCoverage, istanbulHook, prepareIstanbul } from './istanbul-prepare.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const register = here('../packages/cli/dist/register.js');
const runWorkload = here('./run-workload.mjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const workloads = (process.env.BENCH_WORKLOADS ?? 'fib,acorn,js-yaml,marked,postcss').split(',');
const only = process.env.BENCH_VARIANTS?.split(',');
const cpuProfDir = here(`../node_modules/.cache/stackring-bench-cpuprof-${process.pid}`);
const stackringEnv = { STACKRING_NODE_MODULES: '1' };
const variants = {
  plain: { args: [], env: {} },
  instrumented: { args: ['--import', register], env: stackringEnv },
  'V8 budgets': { args: ['--import', register], env: { ...stackringEnv, STACKRING_V8_INLINING: '0' } },
  'area rings': { args: ['--import', register], env: { ...stackringEnv, STACKRING_AREA_RINGS: '1' } },
  'area agent idle': { args: ['--import', register], env: { ...stackringEnv, STACKRING_AREA_RINGS: '1', STACKRING_AGENT: '1', STACKRING_INTERVAL: '0', STACKRING_SOCKET: '0' } },
  'agent idle': { args: ['--import', register], env: { ...stackringEnv, STACKRING_AGENT: '1', STACKRING_INTERVAL: '0', STACKRING_SOCKET: '0' } },
  'sampled 1 kHz': { args: ['--import', register], env: { ...stackringEnv, STACKRING_AGENT: '1', STACKRING_INTERVAL: '1', STACKRING_SOCKET: '0' } },
  'sub-buffers 1 kHz': { args: ['--import', register], env: { ...stackringEnv, STACKRING_AGENT: '1', STACKRING_INTERVAL: '1', STACKRING_SOCKET: '0', STACKRING_AREA_RINGS: '0' } },
  'leaves skipped': { args: ['--import', register], env: { ...stackringEnv, STACKRING_SKIP_TRIVIAL_LEAVES: '1', STACKRING_AGENT: '1', STACKRING_INTERVAL: '1', STACKRING_SOCKET: '0' } },
  'skipped unsampled': { args: ['--import', register], env: { ...stackringEnv, STACKRING_SKIP_TRIVIAL_LEAVES: '1' } },
  'skipped area rings': { args: ['--import', register], env: { ...stackringEnv, STACKRING_SKIP_TRIVIAL_LEAVES: '1', STACKRING_AREA_RINGS: '1' } },
  'cpu-prof': { args: ['--cpu-prof', '--cpu-prof-dir', cpuProfDir], env: {} },
  istanbul: { args: ['--import', istanbulHook], env: {} }, // + the workload's manifest
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
if (only) for (const v of Object.keys(variants)) if (v !== 'plain' && !only.includes(v)) delete variants[v];

const run = (args, env, name, iterations) =>
  execFileSync(process.execPath, [...args, runWorkload, name, ...(iterations ? [String(iterations)] : [])], {
    encoding: 'utf8',
    env: { ...process.env, ...env, BENCH_STEADY: '1', STACKRING_CACHE_DIR: here('../node_modules/.cache/stackring-bench') },
  });

// ---- preparation, untimed ----------------------------------------------------------------
const manifests = {};
for (const name of workloads) {
  if (variants.instrumented || variants['agent idle'] || variants['sampled 1 kHz'] || variants['sub-buffers 1 kHz'] || variants['area rings'] || variants['area agent idle']) run(['--import', register], stackringEnv, name, 1);
  if (Object.keys(variants).some((v) => v === 'leaves skipped' || v.startsWith('skipped '))) run(['--import', register], { ...stackringEnv, STACKRING_SKIP_TRIVIAL_LEAVES: '1' }, name, 1);
  if (variants.istanbul) {
    const { manifestFile } = await prepareIstanbul(name, stackringEnv, (env) => run(['--import', istanbulHook], env, name, 1));
    manifests[name] = manifestFile;
  }
}

// ---- alternating runs --------------------------------------------------------------------
console.log(`whole-process overhead: node ${process.version}, ${ROUNDS} alternating processes per variant, median ms per iteration (plain) and ratios to plain`);
const header = `${'workload'.padEnd(10)} ${Object.keys(variants).map((v) => v.padStart(14)).join(' ')}`;
console.log(`after 5 warm-up iterations:\n${header}`);
const coverage = {};
const steadyRows = [];
const row = (name, results) => {
  const plain = median(results.plain);
  const cells = Object.keys(variants).map((v, i) => (i === 0 ? `${plain.toFixed(2)} ms` : `${(median(results[v]) / plain).toFixed(2)}x`).padStart(14));
  return `${name.padEnd(10)} ${cells.join(' ')}`;
};
try {
  for (const name of workloads) {
    const results = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
    const steady = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [variant, { args, env }] of Object.entries(variants)) {
        const extra = variant === 'istanbul' ? { BENCH_ISTANBUL_MANIFEST: manifests[name] } : {};
        const lines = run(args, { ...env, ...extra }, name).trim().split('\n');
        const measured = JSON.parse(lines.find((l) => l.startsWith('{"ms"')));
        results[variant].push(measured.ms);
        steady[variant].push(measured.steady);
        if (variant === 'istanbul') coverage[name] = checkCoverage(name, lines);
      }
    }
    console.log(row(name, results));
    steadyRows.push(row(name, steady));
  }
  console.log(`steady state (the same processes, 30 iterations once a second has passed):\n${header}\n${steadyRows.join('\n')}`);
} finally {
  rmSync(cpuProfDir, { recursive: true, force: true });
  for (const file of Object.values(manifests)) rmSync(file, { force: true });
}
if (variants.istanbul) {
  console.log('istanbul coverage counted (last process): ' + Object.entries(coverage).map(([name, c]) => `${name} ${c.covered}/${c.statements} statements in ${c.files} files`).join('; '));
}
