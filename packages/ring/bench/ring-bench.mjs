// Benchmarks of the ring's fast path, measured in one run against a baseline (this machine is
// shared and noisy: compare ratios, not absolute times). Run: npm run bench -w @stackring/ring
//
//  1. enter+exit pair: ns per pair, from a loop of pairs minus the same loop without them.
//  2. fib(30): hand-instrumented the way the Babel plugin instruments (saved depth, try/finally)
//     versus plain, alone and with a reader thread requesting switches at 1 kHz.
//  3. the same with an area ring (docs/design.md "Areas switched from outside"), which the
//     reader switches from outside: alone and with the reader at 1 kHz.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { AreaWriter, createAreaRingBuffer, createRingBuffer, RingWriter } from '@stackring/ring';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const writer = new RingWriter(createRingBuffer());

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(fn) {
  const t = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
}

// --- 1. enter+exit pair ---
const PAIRS = 50_000_000;
const FIB_REPEAT = 10;
function loopBaseline(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += i & 1023;
  return s;
}
function loopPairs(n) {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = writer.enter(i & 1023);
    s += i & 1023;
    writer.exit(d);
  }
  return s;
}

// --- 2. fib ---
function fibPlain(n) {
  return n < 2 ? n : fibPlain(n - 1) + fibPlain(n - 2);
}
function fibRing(n) {
  const d = writer.enter(42);
  try {
    return n < 2 ? n : fibRing(n - 1) + fibRing(n - 2);
  } finally {
    writer.exit(d);
  }
}

// A function of its own (and a writer of its own), so that type feedback stays apart.
const areaWriter = new AreaWriter(createAreaRingBuffer());
function fibArea(n) {
  const d = areaWriter.enter(42);
  try {
    return n < 2 ? n : fibArea(n - 1) + fibArea(n - 2);
  } finally {
    areaWriter.exit(d);
  }
}

function measureFib(rounds, fib = fibRing) {
  const plain = [];
  const ring = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate so that drift in machine load hits both sides alike.
    plain.push(time(() => { let s = 0; for (let i = 0; i < FIB_REPEAT; i++) s += fibPlain(30); return s; })[0]);
    ring.push(time(() => { let s = 0; for (let i = 0; i < FIB_REPEAT; i++) s += fib(30); return s; })[0]);
  }
  return { plain: median(plain), ring: median(ring) };
}

function measurePairs(rounds) {
  const base = [];
  const pairs = [];
  for (let r = 0; r < rounds; r++) {
    base.push(time(() => loopBaseline(PAIRS))[0]);
    pairs.push(time(() => loopPairs(PAIRS))[0]);
  }
  return ((median(pairs) - median(base)) * 1e6) / PAIRS;
}

// Warm up both sides so TurboFan has optimised them before measuring.
for (let i = 0; i < 3; i++) {
  fibPlain(25);
  fibRing(25);
  loopBaseline(1e6);
  loopPairs(1e6);
}

const results = [];
const pairNs = measurePairs(ROUNDS);
results.push(['enter+exit pair (ns, no reader)', pairNs.toFixed(2), 'target < 3']);
const alone = measureFib(ROUNDS);
results.push(['fib(30) instrumented / plain, no reader', (alone.ring / alone.plain).toFixed(2), `plain 10 x fib(30): ${alone.plain.toFixed(1)} ms`]);

writer.warmSlowPaths(); // as the runtime does when a sampler is on
const stop = new SharedArrayBuffer(4);
const sampler = new Worker(new URL('./sampler-thread.mjs', import.meta.url), {
  workerData: { buffer: writer.buffer, intervalMs: 1, stop },
});
await new Promise((r) => setTimeout(r, 100));
const pairNsSampled = measurePairs(ROUNDS);
const sampled = measureFib(ROUNDS);
Atomics.store(new Int32Array(stop), 0, 1);
const [samplerStats] = await once(sampler, 'message');
await sampler.terminate();
results.push(['enter+exit pair (ns, 1 kHz reader)', pairNsSampled.toFixed(2), 'target < 3']);
results.push([
  'fib(30) instrumented / plain, 1 kHz reader',
  (sampled.ring / sampled.plain).toFixed(2),
  `target <= 2.0; ${samplerStats.samples} samples, ${samplerStats.live} live, ${samplerStats.losses.subBuffers} lost`,
]);

// --- 3. area ring ---
for (let i = 0; i < 3; i++) fibArea(25);
const areaAlone = measureFib(ROUNDS, fibArea);
results.push(['fib(30) area ring / plain, no reader', (areaAlone.ring / areaAlone.plain).toFixed(2), '']);
const areaStop = new SharedArrayBuffer(4);
const areaSampler = new Worker(new URL('./sampler-thread.mjs', import.meta.url), {
  workerData: { buffer: areaWriter.buffer, intervalMs: 1, stop: areaStop },
});
await new Promise((r) => setTimeout(r, 100));
const areaSampled = measureFib(ROUNDS, fibArea);
Atomics.store(new Int32Array(areaStop), 0, 1);
const [areaStats] = await once(areaSampler, 'message');
await areaSampler.terminate();
results.push([
  'fib(30) area ring / plain, 1 kHz reader',
  (areaSampled.ring / areaSampled.plain).toFixed(2),
  `${areaStats.samples} samples, ${areaStats.live} live`,
]);

console.log(`ring benchmark: node ${process.version}, ${ROUNDS} alternating rounds, medians`);
for (const [name, value, note] of results) console.log(`  ${name.padEnd(45)} ${String(value).padStart(7)}   ${note}`);
