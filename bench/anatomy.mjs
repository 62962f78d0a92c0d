// Where instrumentation's cost goes, on a real parser (acorn parsing its own source): the same
// file instrumented by the plugin, run against different runtimes, each in fresh processes,
// alternating (in one process the variants disturb each other's JIT and GC):
//   plain          acorn as published;
//   structure      stackring's output with a runtime whose enter/exit do nothing but keep a
//                  depth in a JS variable: the cost of the calls, the try/finally around every
//                  body, and the inlining V8 no longer does;
//   ring, V8 budgets   stackring's output with the real runtime (the shared-memory ring), V8's
//                  inlining budgets left at their defaults (STACKRING_V8_INLINING=0);
//   ring           the same as shipped: the runtime raises V8's inlining budgets by what
//                  instrumentation spends of them (packages/runtime/src/v8-inlining.ts);
//   plain, raised  acorn as published, run with those raised budgets: what they do to code
//                  that is not instrumented;
//   no finally     (for reference, not a valid instrumentation) the structure variant with the
//                  try/finally removed and no exit: what the exception path costs;
//   ring, armed    ring with the agent started, sampling every 60 s (so almost never): its
//                  slow paths compiled in (RingWriter.warmSlowPaths), a second thread idle
//                  (a sub-buffer ring, STACKRING_AREA_RINGS=0, as before area rings);
//   ring, 1 kHz    ring with the agent sampling every millisecond, a sub-buffer ring too;
//   area, 1 kHz    the agent sampling every millisecond, as `stackring record` does: the
//                  thread then has an area ring, which the agent switches from outside;
//   warmed: both / enter / exit   ring with no agent, one or both of the writer's slow-path
//                  calls compiled into the optimised code first (bench/anatomy-warm.cjs): what
//                  each call costs once it is there, with nothing sampling;
//   inspector, 1 kHz   (for reference, not shipped) ring sampled every millisecond by inspector
//                  interrupts that seal keyframes, so neither slow path is ever taken
//                  (bench/anatomy-inspector.cjs);
//   running reads, 1 kHz   (for reference, not shipped) ring copied every millisecond by
//                  another thread while it runs, proven consistent by marks in the records,
//                  so the writer is asked nothing (bench/anatomy-running.cjs).
// The structure and no-finally variants run with V8's default budgets, like the plain one. The
// two agent variants get the raised budgets on the command line: the runtime sets them only
// once the agent's worker runs, and a file loaded without the loading hooks (as here) does not
// wait for that, so acorn's hot functions would be optimised before (the hooks hold the app).
// Prints median ms per parse and ratios to plain, and calls per parse. npm run bench:anatomy
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const require = createRequire(import.meta.url);
const fromPlugin = createRequire(here('../packages/babel-plugin/package.json'));
const babel = fromPlugin('@babel/core');
const plugin = here('../packages/babel-plugin/dist/cjs/index.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const dir = here('../node_modules/.cache/stackring-anatomy/');
mkdirSync(dir, { recursive: true });

const acornFile = require.resolve('acorn');
const source = readFileSync(acornFile, 'utf8');

// A runtime that keeps the stack depth in a JS variable, and counts calls; one copy per variant
// that uses it, so that they share no function (and no type feedback).
const jsRuntime = `let depth = 0; let calls = 0;
exports.writer = { enter(id) { calls++; return depth++; }, exit(t) { depth = t; }, exitWith(t, v) { depth = t; return v; } };
exports.register = () => 1;
exports.calls = () => calls;`;
writeFileSync(`${dir}structure-runtime.cjs`, jsRuntime);
writeFileSync(`${dir}no-finally-runtime.cjs`, jsRuntime);
const instrument = (runtime) =>
  babel.transformSync(source, { filename: acornFile, configFile: false, babelrc: false, sourceType: 'script', plugins: [[plugin, { runtime }]] }).code;
const removeFinally = (code) =>
  babel.transformSync(code, {
    configFile: false,
    babelrc: false,
    sourceType: 'script',
    plugins: [
      () => ({
        visitor: {
          TryStatement(p) {
            const f = p.node.finalizer;
            if (!p.node.handler && f?.body.length === 1 && /^_w\.exit\(/.test(p.get('finalizer.body.0').toString())) p.replaceWithMultiple(p.node.block.body);
          },
        },
      }),
    ],
  }).code;

const files = {
  plain: source,
  structure: instrument(`${dir}structure-runtime.cjs`),
  ring: instrument(here('../packages/runtime/dist/cjs/index.js')),
  'no-finally': removeFinally(instrument(`${dir}no-finally-runtime.cjs`)),
};
const paths = {};
for (const [name, code] of Object.entries(files)) {
  paths[name] = `${dir}acorn-${name}.cjs`;
  writeFileSync(paths[name], code);
}
const { INLINING_BUDGETS } = require('../packages/runtime/dist/cjs/v8-inlining.js');
const raisedBudgets = INLINING_BUDGETS.map((b) => `--${b.flag}=${b.instrumented}`);
const agent = { STACKRING_AGENT: '1', STACKRING_SOCKET: '0' };
const variants = [
  { name: 'plain', file: paths.plain },
  { name: 'structure', file: paths.structure },
  { name: 'ring, V8 budgets', file: paths.ring, env: { STACKRING_V8_INLINING: '0' } },
  { name: 'ring', file: paths.ring },
  { name: 'plain, raised', file: paths.plain, args: raisedBudgets },
  { name: 'no finally', file: paths['no-finally'] },
  { name: 'ring, armed', file: paths.ring, args: raisedBudgets, env: { ...agent, STACKRING_INTERVAL: '60000', STACKRING_AREA_RINGS: '0' } },
  { name: 'ring, 1 kHz', file: paths.ring, args: raisedBudgets, env: { ...agent, STACKRING_INTERVAL: '1', STACKRING_AREA_RINGS: '0' } },
  { name: 'area, 1 kHz', file: paths.ring, args: raisedBudgets, env: { ...agent, STACKRING_INTERVAL: '1' } },
  { name: 'warmed: both', file: paths.ring, args: ['-r', here('./anatomy-warm.cjs')], env: { ANATOMY_WARM: 'both' } },
  { name: 'warmed: enter', file: paths.ring, args: ['-r', here('./anatomy-warm.cjs')], env: { ANATOMY_WARM: 'enter' } },
  { name: 'warmed: exit', file: paths.ring, args: ['-r', here('./anatomy-warm.cjs')], env: { ANATOMY_WARM: 'exit' } },
  { name: 'inspector, 1 kHz', file: paths.ring, args: ['-r', here('./anatomy-inspector.cjs')] },
  { name: 'running reads, 1 kHz', file: paths.ring, args: ['-r', here('./anatomy-running.cjs')] },
];

const structureRuntime = require(`${dir}structure-runtime.cjs`);
require(paths.structure).parse(source, { ecmaVersion: 'latest' });
const callsPerParse = structureRuntime.calls();

const times = Object.fromEntries(variants.map((v) => [v.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const { name, file, args = [], env = {} } of variants) {
    const out = execFileSync(process.execPath, [...args, here('./anatomy-run.cjs'), file, acornFile], {
      encoding: 'utf8',
      env: { ...process.env, STACKRING_V8_INLINING: '', ...env },
    });
    times[name].push(JSON.parse(out).ms);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const plain = median(times.plain);
console.log(`anatomy of the overhead: acorn parsing its own source (${(source.length / 1024).toFixed(0)} KiB), ${callsPerParse.toLocaleString('en')} instrumented calls per parse, node ${process.version}, ${ROUNDS} processes per variant`);
for (const { name: n } of variants) {
  const m = median(times[n]);
  const perCall = n.startsWith('plain') ? '' : `  ${(((m - plain) * 1e6) / callsPerParse).toFixed(1)} ns per call over plain`;
  console.log(`${n.padEnd(21)} ${m.toFixed(2).padStart(7)} ms  ${(m / plain).toFixed(2)}x${perCall}`);
}
