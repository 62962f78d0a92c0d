// Whole-process overhead, side by side: each workload in fresh processes, plain, instrumented
// (loading hooks, node_modules included), and instrumented with the agent sampling at 1 kHz.
// Runs alternate (plain, instrumented, sampled, plain, ...) so drifting machine load hits all
// alike; medians of `ROUNDS` processes; ratios to plain. npm run bench:overhead
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const register = here('../packages/cli/dist/register.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const workloads = (process.env.BENCH_WORKLOADS ?? 'fib,acorn,js-yaml,marked,postcss').split(',');
const only = process.env.BENCH_VARIANTS?.split(',');
const variants = {
  plain: { args: [], env: {} },
  instrumented: { args: ['--import', register], env: { STACKRING_NODE_MODULES: '1' } },
  'agent idle': { args: ['--import', register], env: { STACKRING_NODE_MODULES: '1', STACKRING_AGENT: '1', STACKRING_INTERVAL: '0', STACKRING_SOCKET: '0' } },
  'sampled 1 kHz': { args: ['--import', register], env: { STACKRING_NODE_MODULES: '1', STACKRING_AGENT: '1', STACKRING_INTERVAL: '1', STACKRING_SOCKET: '0' } },
  'cpu-prof': { args: ['--cpu-prof', '--cpu-prof-dir', here('../node_modules/.cache/stackring-bench-cpuprof')], env: {} },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
if (only) for (const v of Object.keys(variants)) if (v !== 'plain' && !only.includes(v)) delete variants[v];

console.log(`whole-process overhead: node ${process.version}, ${ROUNDS} alternating processes per variant, median ms per iteration`);
console.log(`${'workload'.padEnd(10)} ${Object.keys(variants).map((v) => v.padStart(14)).join(' ')}`);
for (const name of workloads) {
  const results = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [variant, { args, env }] of Object.entries(variants)) {
      const out = execFileSync(process.execPath, [...args, here('./run-workload.mjs'), name], {
        encoding: 'utf8',
        env: { ...process.env, ...env, STACKRING_CACHE_DIR: here('../node_modules/.cache/stackring-bench') },
      });
      results[variant].push(JSON.parse(out.trim().split('\n').at(-1)).ms);
    }
  }
  const plain = median(results.plain);
  const cells = Object.keys(variants).map((v, i) => (i === 0 ? `${plain.toFixed(2)} ms` : `${(median(results[v]) / plain).toFixed(2)}x`).padStart(14));
  console.log(`${name.padEnd(10)} ${cells.join(' ')}`);
}
