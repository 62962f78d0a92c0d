// One measurement in a fresh process: `node [variant's flags] bench/run-workload.mjs <name>
// [iterations]` loads bench/workloads/<name>.cjs, warms up (5 runs), then times `iterations`
// runs (default 30). Prints {"ms": median per iteration}; a variant's hook may print a line of
// its own after it at exit (the istanbul variant's coverage summary), so readers look for the
// line that starts with {"ms".
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const [name, iterations = '30'] = process.argv.slice(2);
const run = require(`./workloads/${name}.cjs`);
for (let i = 0; i < 5; i++) await run();
const times = [];
for (let i = 0; i < Number(iterations); i++) {
  const t = process.hrtime.bigint();
  await run();
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ ms: times[times.length >> 1] }));
