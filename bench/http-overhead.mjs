// An HTTP server under load on loopback, side by side (npm run bench:http; part of npm run
// bench). examples/http-server (JSON, template and hashing routes, all on the main thread)
// runs in these variants:
//   plain          node, nothing else
//   instrumented   stackring's loading hooks (--import packages/cli/dist/register.js; the
//                  server has no npm dependencies, so the app's code is all there is)
//   sampled 1 kHz  the same with the agent sampling every millisecond
//   cpu-prof       node --cpu-prof (the bench stops the server with SIGTERM, so no profile is
//                  written: the cost measured is V8's sampling while serving)
//   istanbul       the same files instrumented for coverage with babel-plugin-istanbul,
//                  prepared ahead of time and served by bench/istanbul-hook.mjs (see
//                  bench/istanbul-prepare.mjs), so that Babel is never loaded into the server;
//                  the server prints its coverage summary when stopped, checked here
// A closed loop of CONNECTIONS keep-alive clients in this process sends requests (cycling
// through the routes) for SECONDS after a warm-up of the same length that is not counted;
// throughput and p99 latency per variant. Rounds alternate the variants; medians; ratios to
// plain (throughput: higher is better; p99: lower is better). Loopback only, bounded in time.
// Before any timing, the server starts once instrumented to fill stackring's transform cache,
// and once to discover the files for istanbul.
//
// Knobs: BENCH_ROUNDS (default 3), BENCH_SECONDS (default 3), BENCH_VARIANTS (comma-separated
// subset of the variants above; plain always runs).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { checkCoverage, istanbulHook, prepareIstanbul } from './istanbul-prepare.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const register = here('../packages/cli/dist/register.js');
const server = here('../examples/http-server/server.mjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 8;
const only = process.env.BENCH_VARIANTS?.split(',');
const cpuProfDir = here(`../node_modules/.cache/stackring-bench-cpuprof-http-${process.pid}`);
const variants = {
  plain: { args: [], env: {} },
  instrumented: { args: ['--import', register], env: {} },
  'sampled 1 kHz': { args: ['--import', register], env: { STACKRING_AGENT: '1', STACKRING_INTERVAL: '1', STACKRING_SOCKET: '0' } },
  'cpu-prof': { args: ['--cpu-prof', '--cpu-prof-dir', cpuProfDir], env: {} },
  istanbul: { args: ['--import', istanbulHook], env: {} }, // + BENCH_ISTANBUL_MANIFEST
};
if (only) for (const v of Object.keys(variants)) if (v !== 'plain' && !only.includes(v)) delete variants[v];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function start(args, env) {
  const child = spawn(process.execPath, [...args, server], {
    env: { ...process.env, ...env, STACKRING_CACHE_DIR: here('../node_modules/.cache/stackring-bench') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const first = new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => (lines.push(line) === 1 ? resolve(line) : undefined));
    exited.then(() => reject(new Error(`server exited before listening: node ${args.join(' ')}`)));
  });
  const { port } = JSON.parse(await first);
  // Stops the server; resolves with every line it printed (the istanbul summary comes last).
  const stop = async () => {
    child.kill();
    await exited;
    await new Promise((resolve) => setImmediate(resolve)); // let readline deliver the last lines
    return lines;
  };
  return { port, stop };
}

async function load(port, seconds = SECONDS) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const paths = ['/json', '/render', '/hash'];
  const latencies = [];
  const end = Date.now() + seconds * 1000;
  const client = async (k) => {
    for (let i = k; Date.now() < end; i++) {
      const t = process.hrtime.bigint();
      await new Promise((resolve, reject) =>
        get({ host: '127.0.0.1', port, path: paths[i % paths.length], agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, k) => client(k)));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] };
}

// ---- preparation, untimed ----------------------------------------------------------------
let manifest;
if (variants.instrumented || variants['sampled 1 kHz']) {
  const s = await start(['--import', register], {});
  await load(s.port, 0.3);
  await s.stop();
}
if (variants.istanbul) {
  ({ manifestFile: manifest } = await prepareIstanbul('http-server', {}, async (env) => {
    const s = await start(['--import', istanbulHook], env);
    await load(s.port, 0.3);
    await s.stop();
  }));
  variants.istanbul.env = { BENCH_ISTANBUL_MANIFEST: manifest };
}

// ---- alternating rounds ------------------------------------------------------------------
const results = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
let coverage;
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, { args, env }] of Object.entries(variants)) {
      const s = await start(args, env);
      await load(s.port); // warm-up: JIT, not counted
      results[name].push(await load(s.port));
      const lines = await s.stop();
      if (name === 'istanbul') coverage = checkCoverage('http-server', lines);
    }
  }
} finally {
  rmSync(cpuProfDir, { recursive: true, force: true });
  if (manifest) rmSync(manifest, { force: true });
}
console.log(`HTTP server under load on loopback: node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per measurement, ${ROUNDS} alternating rounds, medians`);
const plain = { rps: median(results.plain.map((x) => x.rps)), p99: median(results.plain.map((x) => x.p99)) };
for (const [name, xs] of Object.entries(results)) {
  const rps = median(xs.map((x) => x.rps));
  const p99 = median(xs.map((x) => x.p99));
  console.log(`  ${name.padEnd(16)} ${rps.toFixed(0).padStart(7)} req/s (${(rps / plain.rps).toFixed(2)}x)   p99 ${p99.toFixed(2).padStart(7)} ms (${(p99 / plain.p99).toFixed(2)}x)`);
}
if (coverage) console.log(`  istanbul coverage counted (last server): ${coverage.covered}/${coverage.statements} statements in ${coverage.files} files`);
