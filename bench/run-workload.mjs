// One measurement in a fresh process: `node [variant's flags] bench/run-workload.mjs <name>
// [iterations]` loads bench/workloads/<name>.cjs, warms up (5 runs), then times `iterations`
// runs (default 30). Prints {"ms": median per iteration}; a variant's hook may print a line of
// its own after it at exit (the istanbul variant's coverage summary), so readers look for the
// line that starts with {"ms".
//
// With BENCH_STEADY=1 it goes on running until a second has passed since the first timed run,
// then times `iterations` more: {"ms": ..., "steady": median per iteration then}. The first
// figure includes what is left of V8 optimising the code (instrumented code is bigger, and
// takes longer to get there, more so with an agent thread on the same two cores); the second is
// the program as it runs once that is done.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const [name, iterations = '30'] = process.argv.slice(2);
const run = require(`./workloads/${name}.cjs`);

async function timed(count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

for (let i = 0; i < 5; i++) await run();
const start = performance.now();
const result = { ms: await timed(Number(iterations)) };
if (process.env.BENCH_STEADY === '1') {
  while (performance.now() - start < 1000) await run();
  result.steady = await timed(Number(iterations));
}
console.log(JSON.stringify(result));
