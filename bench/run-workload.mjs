// One measurement in a fresh process: warm up, then time `iterations` runs of a workload.
// Prints {"ms": median per iteration}.
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
