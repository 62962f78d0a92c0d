// One process of bench/sampler-ab.mjs: a workload of bench/workloads/, instrumented by the
// loading hooks it was started with, timed in alternating blocks with the agent stopped,
// started without sampling, and sampling every millisecond (started and stopped through the
// in-process API), so that the three share one process, one JIT state and one ring; and, for
// comparison, with V8's own CPU profiler sampling every millisecond (through the inspector, as
// --cpu-prof does) and the agent stopped.
// Prints {"off": ms, "idle": ms, "sampled": ms, "v8": ms, "switches": {...}}: medians per
// iteration over all blocks, and how many times the reader switched the ring in each state (a
// check that the sampled blocks were sampled and the others not).
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { start, stop, threadState } from '@stackring/runtime';

const require = createRequire(import.meta.url);
const [name, blocks = '8', perBlock = '15', settle = '300'] = process.argv.slice(2);
const settleMs = Number(settle);
// BENCH_AGENT_NICE: the agent's nice option (docs/agent.md "Priority"); unset: its default.
const agentNice = process.env.BENCH_AGENT_NICE === undefined ? {} : { nice: Number(process.env.BENCH_AGENT_NICE) };
const run = require(`./workloads/${name}.cjs`);
for (let i = 0; i < 10; i++) await run();

const inspector = new Session();
inspector.connect();
await inspector.post('Profiler.enable');
await inspector.post('Profiler.setSamplingInterval', { interval: 1000 }); // µs, --cpu-prof's default
let v8Profiling = false;
const states = {
  off: async () => {},
  idle: async () => start({ interval: 0, socket: false, ...agentNice }),
  sampled: async () => start({ interval: 1, socket: false, ...agentNice }),
  v8: async () => {
    await inspector.post('Profiler.start');
    v8Profiling = true;
  },
};
const names = Object.keys(states);
const times = Object.fromEntries(names.map((n) => [n, []]));
const switches = Object.fromEntries(names.map((n) => [n, 0]));
// An area ring's generation word (area-layout.ts): the reader adds one per switch.
const { words } = threadState().writer;
const GEN = 17;
if (process.env.STACKRING_AREA_RINGS !== '1') throw new Error('run with STACKRING_AREA_RINGS=1: the three states must share one kind of ring');
for (let b = 0; b < Number(blocks); b++) {
  // Rotate the order, so that drift within a block pattern hits every state alike.
  for (let k = 0; k < names.length; k++) {
    const state = names[(b + k) % names.length];
    await states[state]();
    // Untimed iterations after each change, for settleMs: each start of the agent is a new
    // worker whose code V8 has yet to compile (its compile jobs and its cold sampling compete
    // with the app on two cores), which a profiled process pays once, not every 300 ms.
    const settled = performance.now() + settleMs;
    do await run();
    while (performance.now() < settled);
    const gen = Atomics.load(words, GEN);
    for (let i = 0; i < Number(perBlock); i++) {
      const t = process.hrtime.bigint();
      await run();
      times[state].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    switches[state] += Atomics.load(words, GEN) - gen;
    await stop();
    if (v8Profiling) {
      await inspector.post('Profiler.stop');
      v8Profiling = false;
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(JSON.stringify({ ...Object.fromEntries(names.map((n) => [n, median(times[n])])), switches }));
