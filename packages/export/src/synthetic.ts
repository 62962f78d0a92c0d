// A deterministic synthetic profile for tests and benchmarks: a random "program" (each
// function calls a few others, some much more often) walked by a sampler that pops and pushes
// a few frames between samples, like a real stack does. App code, dependencies and Node
// internals, idle samples, live samples and lost frames all appear.

import { UNKNOWN_FRAME } from '@stackring/ring';
import { ProfileBuilder, SampleFlag, type Profile } from './profile.js';

export interface SyntheticOptions {
  samples?: number;
  threads?: number;
  functions?: number;
  seed?: number;
  /** Seed of the program (functions and calls); default `seed`. Same program, other seed: a "second run". */
  programSeed?: number;
  maxDepth?: number;
  /** Share of samples taken while idle. */
  idle?: number;
  /** Share of live samples. */
  live?: number;
  /** Share of samples whose outermost frames were lost. */
  unknown?: number;
  /** Sampling interval, ms. */
  intervalMs?: number;
}

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['handle', 'parse', 'render', 'load', 'resolve', 'compute', 'serialize', 'validate', 'fetch', 'emit'];
const NOUNS = ['Request', 'Config', 'Template', 'Row', 'Token', 'Buffer', 'Route', 'Schema', 'Query', 'Event'];
const PACKAGES = ['express', 'lodash', 'pg', 'ajv', 'undici', 'fastify'];
const NODE_MODULES = ['node:internal/timers', 'node:fs', 'node:internal/streams/readable', 'node:events', 'node:zlib'];

export function syntheticProfile(options: SyntheticOptions = {}): Profile {
  const {
    samples = 10_000,
    threads = 2,
    functions = 300,
    seed = 1,
    programSeed = seed,
    maxDepth = 32,
    idle = 0.05,
    live = 0.02,
    unknown = 0.01,
    intervalMs = 1,
  } = options;
  let random = seededRandom(programSeed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const builder = new ProfileBuilder();

  // The program: function f calls a handful of higher-numbered functions (so no cycles).
  const callees: number[][] = [];
  for (let id = 0; id < functions; id++) {
    const kind = id < functions * 0.6 ? 'app' : id < functions * 0.85 ? 'dependency' : 'node';
    const name = `${pick(VERBS)}${pick(NOUNS)}${id}`;
    const file =
      kind === 'app'
        ? `/srv/app/src/${pick(['server', 'db', 'views', 'auth'])}/${name.toLowerCase()}.ts`
        : kind === 'dependency'
          ? `/srv/app/node_modules/${pick(PACKAGES)}/lib/index.js`
          : pick(NODE_MODULES);
    builder.defineFunction({ id, name, file, line: 1 + Math.floor(random() * 400), column: 1 + Math.floor(random() * 40) });
    const count = id >= functions - 5 ? 0 : 1 + Math.floor(random() * 4);
    callees.push(Array.from({ length: count }, () => id + 1 + Math.floor(random() * Math.min(40, functions - id - 1))));
  }
  for (let t = 0; t < threads; t++) builder.defineThread({ threadId: t, name: t === 0 ? 'main' : `worker ${t}` });

  random = seededRandom(seed + 0x9e3779b9);
  const stacks = Array.from({ length: threads }, (_, t) => [t % Math.max(1, Math.floor(functions / 50))]);
  const start = 1_767_225_600_000; // 2026-01-01, a fixed epoch for reproducible output
  const times = new Float64Array(threads).fill(start);
  for (let i = 0; i < samples; i++) {
    const t = i % threads;
    const stack = stacks[t];
    // Pop a few frames (keep the entry point), then push a few callees, skewed to the first.
    const pops = Math.floor(-Math.log(1 - random()) * 1.5);
    stack.length = Math.max(1, stack.length - pops);
    const pushes = Math.floor(random() * 3);
    for (let k = 0; k < pushes && stack.length < maxDepth; k++) {
      const options = callees[stack[stack.length - 1]];
      if (options.length === 0) break;
      stack.push(options[Math.floor(random() * random() * options.length)]);
    }
    times[t] += intervalMs * (0.5 + random());
    const r = random();
    let flags = 0;
    let frames: ArrayLike<number> = stack;
    if (r < idle) {
      flags = SampleFlag.IDLE;
      frames = [];
    } else if (r < idle + unknown) {
      const lost = Math.min(stack.length, 1 + Math.floor(random() * 3));
      frames = stack.map((f, d) => (d < lost ? UNKNOWN_FRAME : f));
    }
    if (random() < live) flags |= SampleFlag.LIVE;
    builder.add(t, times[t], frames, flags);
  }
  return builder.finish({ meta: { source: `synthetic(seed ${seed})` } });
}
