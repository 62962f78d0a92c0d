// Accuracy against V8's own profiler: for CPU-bound workloads from real npm packages, record
// once with stackring (every file instrumented, sampled at 1 kHz) and once with
// `node --cpu-prof` on the same input, and compare self time per function. V8's profile is
// folded onto the functions stackring instruments (a V8 sample in a Node internal or a builtin
// counts for its nearest instrumented caller), so both sides speak of the same functions,
// keyed by file and line (the column V8 reports in a .cpuprofile is not always the one its
// stack traces give for the same function). npm run bench:accuracy
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readTraceFileSync, traceSamples } from '@stackring/ring';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// Source maps: stackring reports positions in original sources (a package compiled from
// TypeScript shows its .ts files), V8 in the files it ran. Map V8's through the same maps.
const { TraceMap, originalPositionFor } = createRequire(here('../packages/babel-plugin/package.json'))('@jridgewell/trace-mapping');
const maps = new Map();
function original(path, line, column) {
  if (!maps.has(path)) {
    let map = null;
    try {
      const text = readFileSync(path, 'utf8');
      const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (ref && !ref.startsWith('data:')) map = { trace: new TraceMap(readFileSync(resolve(dirname(path), ref), 'utf8')), dir: dirname(resolve(dirname(path), ref)) };
    } catch {
      map = null;
    }
    maps.set(path, map);
  }
  const map = maps.get(path);
  if (!map) return `${path}:${line}`;
  const pos = originalPositionFor(map.trace, { line, column });
  return pos.source ? `${resolve(map.dir, pos.source)}:${pos.line}` : `${path}:${line}`;
}

const bin = here('../packages/cli/dist/bin.js');
const out = here('../node_modules/.cache/stackring-accuracy');
const workloads = (process.env.BENCH_WORKLOADS ?? 'acorn:250,js-yaml:500,postcss:120,marked:120').split(',').map((w) => w.split(':'));
const TOP = 10;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Self milliseconds per function key, from a stackring trace. */
function stackringSelf(trace) {
  const { chunks } = readTraceFileSync(trace);
  const info = new Map();
  for (const c of chunks) if (c.type === 'functions') for (const f of c.functions) info.set(`${f.threadId}:${f.id}`, f);
  const last = new Map();
  const self = new Map();
  for (const s of traceSamples(chunks)) {
    const prev = last.get(s.threadId);
    if (prev && !prev.idle && prev.frames.length > 0) {
      const f = info.get(`${prev.threadId}:${prev.frames[prev.frames.length - 1]}`);
      if (f) {
        const key = `${f.file}:${f.line}`;
        const row = self.get(key) ?? { name: f.name, ms: 0 };
        row.ms += s.time - prev.time;
        self.set(key, row);
      }
    }
    last.set(s.threadId, s);
  }
  return self;
}

/** Self milliseconds per function key from a .cpuprofile, folded onto instrumented files. */
function v8Self(file, instrumented) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    for (let node = byId.get(id); node; node = byId.get(parent.get(node.id))) {
      const cf = node.callFrame;
      if (!cf.url || !instrumented(cf.url)) continue;
      const key = original(fileURLToPath(cf.url.startsWith('file:') ? cf.url : pathToFileURL(cf.url)), cf.lineNumber + 1, cf.columnNumber);
      const row = self.get(key) ?? { name: cf.functionName || '<anonymous>', ms: 0 };
      row.ms += ms;
      self.set(key, row);
      return;
    }
  });
  return self;
}

const shares = (map) => {
  const total = [...map.values()].reduce((s, r) => s + r.ms, 0);
  return new Map([...map].map(([k, r]) => [k, { ...r, share: (100 * r.ms) / total }]));
};
const top = (map) => [...map].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP);

console.log(`accuracy against node --cpu-prof: node ${process.version}; self time per function, top ${TOP} by V8`);
for (const [name, iterations] of workloads) {
  const trace = join(out, `${name}.srt`);
  const env = { ...process.env, STACKRING_CACHE_DIR: join(out, 'cache'), NO_COLOR: '1' };
  execFileSync(process.execPath, [bin, 'record', '--node-modules', '-o', trace, '--', 'node', here('./run-workload.mjs'), name, iterations], { env, stdio: 'ignore' });
  const cpuDir = join(out, name);
  execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', cpuDir, here('./run-workload.mjs'), name, iterations], { stdio: 'ignore' });
  const cpuFile = join(cpuDir, readdirSync(cpuDir).find((f) => f.endsWith('.cpuprofile')));
  const ours = shares(stackringSelf(trace));
  const instrumentedFile = (url) => /\/node_modules\/|\/bench\//.test(url) && !/@stackring|\/packages\//.test(url);
  const v8 = shares(v8Self(cpuFile, instrumentedFile));
  const v8Top = top(v8);
  const oursTop = new Set(top(ours).map(([k]) => k));
  const common = v8Top.filter(([k]) => oursTop.has(k)).length;
  console.log(`\n${name}: ${common} of the top ${TOP} coincide`);
  console.log(`  ${'function'.padEnd(42)} ${'V8 %'.padStart(6)} ${'stackring %'.padStart(12)}  location`);
  for (const [key, r] of v8Top) {
    const o = ours.get(key);
    const where = key.replace(/^.*node_modules\//, '').replace(/^.*\/bench\//, 'bench/');
    console.log(`  ${r.name.slice(0, 42).padEnd(42)} ${r.share.toFixed(1).padStart(6)} ${(o ? o.share.toFixed(1) : '-').padStart(12)}  ${where}${oursTop.has(key) ? '' : '  (not in stackring top)'}`);
  }
}
