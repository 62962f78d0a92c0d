// Benchmark of @stackring/babel-plugin (npm run bench -w @stackring/babel-plugin).
//   1. Instrumentation throughput: source bytes per CPU second through Babel with this plugin,
//      with babel-plugin-istanbul, and with no plugin, on the same files.
//   2. Run-time overhead, plain vs instrumented copies loaded side by side in this process and
//      run alternately (medians): recursive fib(30) and real workloads (acorn, marked, js-yaml,
//      postcss), without and with a reader thread sampling the ring at 1 kHz, every function
//      instrumented and with skipTrivialLeaves; and istanbul-instrumented copies of the same code. The runtime raises
//      V8's inlining budgets for the whole process when it loads (STACKRING_V8_INLINING), so
//      every copy here runs with them: the whole-process bench (bench/overhead.mjs) is the one
//      that compares each tool as it runs on its own.
import { transformSync } from '@babel/core';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, '..');
const root = join(pkgDir, '..', '..');
const work = join(pkgDir, 'node_modules', '.stackring-bench');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

const pkgRoot = (name) => {
  let dir = dirname(require.resolve(name));
  const nameAt = (d) => { try { return JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name; } catch { return undefined; } };
  while (nameAt(dir) !== name) dir = dirname(dir);
  return dir;
};

// ---- sources ---------------------------------------------------------------------------
const FIB = `'use strict';\nfunction fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nmodule.exports = { fib };\n`;
const sources = [
  { to: 'fib.cjs', code: FIB },
  { to: 'acorn.cjs', from: join(pkgRoot('acorn'), 'dist', 'acorn.js') },
  { to: 'marked.mjs', from: join(pkgRoot('marked'), 'lib', 'marked.esm.js') },
  { to: 'js-yaml.cjs', from: join(pkgRoot('js-yaml'), 'dist', 'js-yaml.cjs.js') },
  { to: 'postcss', dir: pkgRoot('postcss') },
];

const stackring = (await import('@stackring/babel-plugin')).default;
const istanbul = require('babel-plugin-istanbul');
const variants = {
  plain: null,
  stackring: [[stackring, {}]],
  skipLeaves: [[stackring, { skipTrivialLeaves: true }]],
  istanbul: [[istanbul, { cwd: '/', exclude: [], include: [], excludeNodeModules: false, useInlineSourceMaps: false }]],
};

function* jsFiles(dir) {
  for (const e of readdirSync(dir)) {
    const f = join(dir, e);
    if (statSync(f).isDirectory()) yield* jsFiles(f);
    else if (/\.(c|m)?js$/.test(e)) yield f;
  }
}

// ---- 1. prepare the copies, measuring throughput ---------------------------------------
rmSync(work, { recursive: true, force: true });
// Warm Babel up (parser, generator, both plugins) so that no variant pays for the JIT alone.
for (const plugins of [[], variants.stackring, variants.istanbul]) {
  const code = readFileSync(join(pkgRoot('acorn'), 'dist', 'acorn.js'), 'utf8');
  transformSync(code, { filename: join(work, 'warm', 'acorn.js'), babelrc: false, configFile: false, plugins, sourceMaps: false, compact: false });
}
const throughput = {};
for (const [name, plugins] of Object.entries({ ...variants, babelOnly: [] })) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }');
  for (const s of sources) {
    if (s.dir) cpSync(s.dir, join(dir, s.to), { recursive: true, dereference: true });
    else writeFileSync(join(dir, s.to), s.code ?? readFileSync(s.from, 'utf8'));
  }
  if (plugins === null) continue;
  let bytes = 0;
  let cpu = 0;
  for (const file of jsFiles(dir)) {
    if (file.endsWith('fib.cjs') && name === 'babelOnly') continue;
    const code = readFileSync(file, 'utf8');
    const t = process.cpuUsage();
    const out = transformSync(code, { filename: file, babelrc: false, configFile: false, sourceType: 'unambiguous', plugins, sourceMaps: false, inputSourceMap: false, compact: false });
    const u = process.cpuUsage(t);
    cpu += (u.user + u.system) / 1e6;
    bytes += code.length;
    writeFileSync(file, out.code);
  }
  throughput[name] = { bytes, cpu, rate: bytes / cpu };
}
rmSync(join(work, 'babelOnly'), { recursive: true, force: true });

// ---- inputs ----------------------------------------------------------------------------
const acornSource = readFileSync(join(pkgRoot('acorn'), 'dist', 'acorn.js'), 'utf8');
let markdown = '';
for (const name of ['typescript', 'vitest', 'vite', 'postcss', 'marked', 'acorn', 'js-yaml', 'fast-check', 'picomatch', '@babel/core']) {
  try { markdown += readFileSync(join(pkgRoot(name), 'README.md'), 'utf8') + '\n\n'; } catch { /* no readme */ }
}
while (markdown.length < 200_000) markdown += markdown;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
let css = '';
for (let i = 0; i < 3000; i++) css += `.c${i} > a:hover, #i${i % 97} [data-x="${i}"] { color: #${(i * 40503 % 0xffffff).toString(16).padStart(6, '0')}; margin: ${i % 13}px ${i % 7}em; }\n`;

// ---- load every variant ----------------------------------------------------------------
const loaded = {};
for (const name of Object.keys(variants)) {
  const dir = join(work, name);
  const req = createRequire(join(dir, 'x.cjs'));
  loaded[name] = {
    fib: req('./fib.cjs').fib,
    acorn: req('./acorn.cjs'),
    marked: await import(pathToFileURL(join(dir, 'marked.mjs')).href),
    yaml: req('./js-yaml.cjs'),
    postcss: req('./postcss'),
  };
}

const workloads = {
  'fib(30)': (m) => m.fib(30),
  'acorn parse (244 KB)': (m) => m.acorn.parse(acornSource, { ecmaVersion: 'latest' }),
  'marked render': (m) => new m.marked.Marked().parse(markdown),
  'js-yaml dump+load': (m) => m.yaml.load(m.yaml.dump(lock)),
  'postcss parse+stringify': (m) => m.postcss.parse(css).toString(),
};

// Results must agree before timing anything.
for (const [label, run] of Object.entries(workloads)) {
  const expected = JSON.stringify(run(loaded.plain)).length;
  for (const name of Object.keys(variants)) {
    const got = JSON.stringify(run(loaded[name])).length;
    if (got !== expected && label !== 'acorn parse (244 KB)') throw new Error(`${label}: ${name} differs`);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function time(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function measure(names) {
  const results = {};
  for (const [label, run] of Object.entries(workloads)) {
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    for (const n of names) run(loaded[n]); // warm up
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? names : [...names].reverse();
      for (const n of order) samples[n].push(time(() => run(loaded[n])));
    }
    results[label] = Object.fromEntries(names.map((n) => [n, median(samples[n])]));
  }
  return results;
}

const noSampler = measure(Object.keys(variants));

const { threadState } = await import('@stackring/runtime');
const stop = new SharedArrayBuffer(4);
const sampler = new Worker(join(root, 'packages', 'ring', 'bench', 'sampler-thread.mjs'), { workerData: { buffer: threadState().writer.buffer, intervalMs: 1, stop } });
await new Promise((r) => setTimeout(r, 50));
const withSampler = measure(['plain', 'stackring', 'skipLeaves']);
Atomics.store(new Int32Array(stop), 0, 1);
const [stats] = await once(sampler, 'message');
await sampler.terminate();

// ---- report ----------------------------------------------------------------------------
const fmt = (x) => x.toFixed(2);
console.log(`node ${process.version}, ${ROUNDS} alternating rounds, medians (ms)\n`);
console.log('instrumentation throughput (source KB per CPU second, same files):');
for (const [name, t] of Object.entries(throughput)) console.log(`  ${name.padEnd(12)} ${(t.rate / 1024).toFixed(0).padStart(6)} KB/s  (${(t.bytes / 1024).toFixed(0)} KB in ${t.cpu.toFixed(2)} s)`);
console.log(`  stackring / istanbul throughput ratio: ${fmt(throughput.stackring.rate / throughput.istanbul.rate)}\n`);
console.log('workload                    plain ms   stackring  +sampler  skipLeaves  +sampler  istanbul');
const targets = [];
for (const label of Object.keys(workloads)) {
  const n = noSampler[label];
  const s = withSampler[label];
  const r = (x) => `${fmt(x)}x`.padStart(9);
  console.log(`${label.padEnd(26)} ${fmt(n.plain).padStart(9)} ${r(n.stackring / n.plain)} ${r(s.stackring / s.plain)} ${r(n.skipLeaves / n.plain).padStart(11)} ${r(s.skipLeaves / s.plain)} ${r(n.istanbul / n.plain)}`);
  const limit = label.startsWith('fib') ? 2.2 : 1.3;
  const verdict = (x) => `${fmt(x)}x (target <= ${limit}) ${x <= limit ? 'met' : 'NOT met'}`;
  targets.push(`${label}: with sampler ${verdict(s.stackring / s.plain)}; skipTrivialLeaves with sampler ${verdict(s.skipLeaves / s.plain)}`);
}
console.log('\n' + targets.join('\n'));
console.log(`\nsampler: ${stats.samples} sealed samples, ${stats.live} live, losses ${JSON.stringify(stats.losses)}`);
