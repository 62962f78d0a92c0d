// The side-by-side overhead suite (npm run bench, which then runs the workspaces' own benches,
// npm run bench:packages). In one session, one after the other:
//   1. bench/overhead.mjs: each workload (fib, acorn, js-yaml, marked, postcss) in fresh
//      processes, plain, instrumented by stackring, with the agent idle, sampled at 1 kHz,
//      under node --cpu-prof, and with istanbul coverage instrumentation; ratios to plain;
//   2. bench/anatomy.mjs: where the per-call cost goes (acorn against a do-nothing runtime);
//   3. bench/http-overhead.mjs: examples/http-server under load on loopback in the same
//      variants (but agent idle); throughput and p99 latency, ratios to plain.
// Each script alternates its variants and prints ratios measured in the same run against the
// plain baseline, because absolute times on a shared machine drift (see docs/benchmarks.md).
// This header prints the machine, the versions measured, and the load average before and after,
// to tell a quiet run from a noisy one. The BENCH_* knobs of both scripts pass through
// (BENCH_ROUNDS applies to both: 5 processes per variant by default for the first, 3 rounds
// for the second). About four and a half minutes on 2 vCPUs, plus one for the packages' benches.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const fromPlugin = createRequire(here('../packages/babel-plugin/package.json'));
const version = (name) => {
  try {
    return fromPlugin(`${name}/package.json`).version;
  } catch {
    return '?';
  }
};
const os = (() => {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))[1];
  } catch {
    return `${process.platform} ${release()}`;
  }
})();
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`machine: ${cpus().length} vCPUs (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${os}`);
console.log(`node ${process.version} (V8 ${process.versions.v8}); stackring ${version('stackring')}; ` +
  ['acorn', 'js-yaml', 'marked', 'postcss', '@babel/core', 'babel-plugin-istanbul', 'istanbul-lib-instrument'].map((n) => `${n} ${version(n)}`).join(', '));
console.log(`load average before: ${load()}`);
const started = Date.now();
for (const script of ['./overhead.mjs', './anatomy.mjs', './http-overhead.mjs']) {
  console.log('');
  execFileSync(process.execPath, [here(script)], { stdio: 'inherit' });
}
console.log(`\nload average after: ${load()}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
