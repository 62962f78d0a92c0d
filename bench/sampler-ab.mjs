// What the sampler adds on top of instrumentation, measured inside one process
// (npm run bench:sampler). Between processes the same variant moves by 5 to 10 % on this
// machine (JIT decisions, placement, the other vCPU), more than the sampler's share, so
// bench/sampler-ab-run.mjs times the three states in alternating blocks of one process: the
// agent stopped, started without sampling, and sampling every millisecond. All three run on
// area rings (STACKRING_AREA_RINGS=1), so the ring's fast path is the same code throughout.
// Each workload of bench/workloads/ runs in BENCH_ROUNDS processes (default 3), with every
// function instrumented and with skipTrivialLeaves; the table shows, per process, the
// sampled and idle states' medians as ratios to the stopped state's, and their median; and
// the same for V8's own CPU profiler sampling every millisecond in the same process, what any
// 1 kHz sampler thread costs on this machine.
//
// Knobs: BENCH_ROUNDS, BENCH_WORKLOADS (comma-separated, default fib,acorn,js-yaml,marked,
// postcss), BENCH_BLOCKS (blocks per state and process, default 8), BENCH_PER_BLOCK
// (iterations per block, default 15), BENCH_SETTLE_MS (untimed iterations after each change of
// state, for this long, default 300: each start of the agent is a new worker whose code V8
// compiles first, which a profiled process pays once; 0 times from the first iteration on),
// BENCH_AGENT_NICE (the agent's nice option; unset: its default).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const register = here('../packages/cli/dist/register.js');
const runner = here('./sampler-ab-run.mjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const workloads = (process.env.BENCH_WORKLOADS ?? 'fib,acorn,js-yaml,marked,postcss').split(',');
const blocks = process.env.BENCH_BLOCKS ?? '8';
const perBlock = process.env.BENCH_PER_BLOCK ?? '15';
const settle = process.env.BENCH_SETTLE_MS ?? '300';
const variants = {
  'every function': { STACKRING_NODE_MODULES: '1', STACKRING_AREA_RINGS: '1' },
  'leaves skipped': { STACKRING_NODE_MODULES: '1', STACKRING_AREA_RINGS: '1', STACKRING_SKIP_TRIVIAL_LEAVES: '1' },
};

function once(name, env, b = blocks, n = perBlock, settleMs = settle) {
  const out = execFileSync(process.execPath, ['--import', register, runner, name, b, n, settleMs], { encoding: 'utf8', env: { ...process.env, ...env } });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)} %`;
console.log(`sampler on top of instrumentation, in one process: node ${process.version}, ${ROUNDS} processes per row, ${blocks} blocks of ${perBlock} iterations per state, each after ${settle} ms of untimed ones`);
console.log('workload  variant           sampled vs stopped (per process; median)        idle (median)   V8 profiler (median)');
for (const name of workloads) {
  for (const [variant, env] of Object.entries(variants)) {
    once(name, env, '1', '1', '0'); // fills the transform cache: Babel stays out of the timed processes
    const sampled = [];
    const idle = [];
    const v8 = [];
    for (let r = 0; r < ROUNDS; r++) {
      const m = once(name, env);
      if (m.switches.sampled === 0 || m.switches.off !== 0 || m.switches.idle !== 0 || m.switches.v8 !== 0) throw new Error(`${name}: states not as asked: ${JSON.stringify(m.switches)}`);
      sampled.push(m.sampled / m.off);
      idle.push(m.idle / m.off);
      v8.push(m.v8 / m.off);
    }
    console.log(`${name.padEnd(9)} ${variant.padEnd(17)} ${sampled.map(pct).join(', ').padEnd(36)} ${pct(median(sampled)).padStart(8)}        ${pct(median(idle)).padStart(8)}        ${pct(median(v8)).padStart(8)}`);
  }
}
