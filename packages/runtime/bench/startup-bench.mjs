// What the runtime adds to start-up, measured in one run against a baseline: the time to
// import it (in-process, and as whole-process start-up, alternating runs), and the cost of the
// first instrumented call (which creates nothing: the ring exists from the import).
//   npm run bench -w @stackring/runtime
import { execFileSync } from 'node:child_process';

const RUNS = Number(process.env.BENCH_ROUNDS ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const inProcess = `
const t0 = performance.now();
const rt = await import('@stackring/runtime');
const t1 = performance.now();
const base = rt.register('bench.js', ['first', 1, 1]);
const t2 = performance.now();
rt.writer.exit(rt.writer.enter(base));
const t3 = performance.now();
rt.writer.exit(rt.writer.enter(base));
const t4 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, registerMs: t2 - t1, firstCallUs: (t3 - t2) * 1000, secondCallUs: (t4 - t3) * 1000 }));
`;
const plain = `const t0 = performance.now(); await import('node:worker_threads'); console.log(JSON.stringify({ importMs: performance.now() - t0 }));`;

function run(code) {
  const t = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return { wallMs: Number(process.hrtime.bigint() - t) / 1e6, ...JSON.parse(out) };
}

const plainRuns = [];
const rtRuns = [];
for (let i = 0; i < RUNS; i++) {
  plainRuns.push(run(plain));
  rtRuns.push(run(inProcess));
}
const pick = (runs, key) => median(runs.map((r) => r[key]));
console.log(`runtime start-up: node ${process.version}, ${RUNS} alternating runs, medians`);
console.log(`  process start-up, plain                   ${pick(plainRuns, 'wallMs').toFixed(1)} ms`);
console.log(`  process start-up, importing the runtime   ${pick(rtRuns, 'wallMs').toFixed(1)} ms  (+${(pick(rtRuns, 'wallMs') - pick(plainRuns, 'wallMs')).toFixed(1)} ms)`);
console.log(`  import('@stackring/runtime')              ${pick(rtRuns, 'importMs').toFixed(2)} ms`);
console.log(`  register() of a function table            ${pick(rtRuns, 'registerMs').toFixed(3)} ms`);
console.log(`  first instrumented call (enter+exit)      ${pick(rtRuns, 'firstCallUs').toFixed(2)} us`);
console.log(`  second instrumented call                  ${pick(rtRuns, 'secondCallUs').toFixed(2)} us`);
