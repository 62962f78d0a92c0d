// An HTTP server under load on loopback, side by side: plain, instrumented (loading hooks), and
// instrumented with the agent sampling at 1 kHz. A closed loop of CONNECTIONS keep-alive
// clients sends requests to examples/http-server for SECONDS; throughput and p99 latency per
// variant, rounds alternating, medians. Loopback only, bounded in time. npm run bench:http
import { spawn } from 'node:child_process';
import { Agent, get } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const register = here('../packages/cli/dist/register.js');
const server = here('../examples/http-server/server.mjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = 8;
const variants = {
  plain: { args: [], env: {} },
  instrumented: { args: ['--import', register], env: {} },
  'sampled 1 kHz': { args: ['--import', register], env: { STACKRING_AGENT: '1', STACKRING_INTERVAL: '1', STACKRING_SOCKET: '0' } },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function start(args, env) {
  const child = spawn(process.execPath, [...args, server], {
    env: { ...process.env, ...env, STACKRING_CACHE_DIR: here('../node_modules/.cache/stackring-bench') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  return { child, port: JSON.parse(line).port };
}

async function load(port) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const paths = ['/json', '/render', '/hash'];
  const latencies = [];
  const end = Date.now() + SECONDS * 1000;
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
  return { rps: latencies.length / SECONDS, p99: latencies[Math.floor(latencies.length * 0.99)] };
}

const results = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, { args, env }] of Object.entries(variants)) {
    const { child, port } = await start(args, env);
    await load(port); // warm-up: JIT and transform cache, not counted
    results[name].push(await load(port));
    child.kill();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
console.log(`HTTP server under load on loopback: node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per measurement, ${ROUNDS} alternating rounds, medians`);
const plain = { rps: median(results.plain.map((x) => x.rps)), p99: median(results.plain.map((x) => x.p99)) };
for (const [name, xs] of Object.entries(results)) {
  const rps = median(xs.map((x) => x.rps));
  const p99 = median(xs.map((x) => x.p99));
  console.log(`  ${name.padEnd(16)} ${rps.toFixed(0).padStart(7)} req/s (${(rps / plain.rps).toFixed(2)}x)   p99 ${p99.toFixed(2).padStart(7)} ms (${(p99 / plain.p99).toFixed(2)}x)`);
}
