// A check of the area-switching protocol (docs/design.md "Areas switched from outside") and of
// the reason for its per-area end depth: the shipped AreaWriter, driven by the random walk of
// packages/ring/test/fixtures/area-walk.mjs in a worker (calls and returns around depth 40, now
// and then an unwind of several levels, allocations that make its stores queue), against a
// reader here that switches as fast as it can and rebuilds each sample two ways: "end depth",
// as AreaReader does (the depth the old area's last call or return left, AREA_DEPTH), and
// "switch depth" (the depth Atomics.add returned), which the design rejects because operations
// begun before a switch can still land in the old area after it. Function ids are derived from
// the caller's (id = (parent * 31 + choice + 1) & 0xfffff), so a stack that never existed (a
// frame under the wrong caller) shows. Prints samples and impossible stacks per way.
// node bench/area-protocol.mjs [seconds]
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { AreaCtrl, NO_DEPTH, areaOffset, createAreaRingBuffer } from '@stackring/ring';

const SECONDS = Number(process.argv[2] ?? 3);
const MAX_DEPTH = 200; // the walk's
const isChild = (parent, id) => ((id - Math.imul(parent, 31) - 1) & 0xfffff) < 64;
const ROOT = 7;

const buffer = createAreaRingBuffer();
const words = new Int32Array(buffer);
const pair = new BigInt64Array(buffer, 0, AreaCtrl.DEPTH / 2 + 1);
const stop = new Int32Array(new SharedArrayBuffer(8));
const worker = new Worker(new URL('../packages/ring/test/fixtures/area-walk.mjs', import.meta.url), { workerData: { buffer, stop: stop.buffer } });
await once(worker, 'message');

function check(frames, depth) {
  for (let d = 0; d < depth; d++) if (!isChild(d === 0 ? ROOT : frames[d - 1], frames[d])) return false;
  return true;
}

const results = { 'end depth': { samples: 0, impossible: 0, depths: 0 }, 'switch depth': { samples: 0, impossible: 0, depths: 0 } };
let prev = { frames: new Int32Array(MAX_DEPTH + 1), depth: 0 };
let prevAtSwitch = { frames: new Int32Array(MAX_DEPTH + 1), depth: 0 };
let gen = 0;
let waits = 0;
const deadline = Date.now() + SECONDS * 1000;
await new Promise((resolve) => setTimeout(resolve, 200)); // let the writer get hot
while (Date.now() < deadline) {
  // The area the writer moves to was cleared when it was last processed.
  const before = Atomics.add(pair, AreaCtrl.DEPTH / 2, 1n << 32n);
  const switchDepth = Number(before & 0xffffffffn);
  const old = Number(before >> 32n) & 3;
  gen = (Number(before >> 32n) + 1) & 3;
  // The old area is final once an operation of the new one has landed.
  while (Atomics.load(words, AreaCtrl.AREA_DEPTH + gen) === NO_DEPTH) waits++;
  const base = areaOffset(old);
  const end = Atomics.load(words, AreaCtrl.AREA_DEPTH + old);
  for (const [name, depth, from] of [
    ['end depth', end === NO_DEPTH ? prev.depth : end, prev],
    ['switch depth', switchDepth, prevAtSwitch],
  ]) {
    const frames = new Int32Array(MAX_DEPTH + 1);
    for (let d = 0; d < depth; d++) {
      const record = Atomics.load(words, base + d);
      frames[d] = record !== 0 ? record - 1 : from.frames[d];
    }
    results[name].samples++;
    results[name].depths += depth;
    if (!check(frames, depth)) results[name].impossible++;
    if (name === 'end depth') prev = { frames, depth };
    else prevAtSwitch = { frames, depth };
  }
  // Clear the old area for its next use.
  words.fill(0, base, base + MAX_DEPTH + 1);
  Atomics.store(words, AreaCtrl.AREA_DEPTH + old, NO_DEPTH);
}
Atomics.store(stop, 0, 1);
await once(worker, 'exit');
console.log(`area protocol, ${SECONDS} s of switches as fast as the reader goes (${waits} polls for the new area's first operation):`);
for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(13)} ${r.samples} samples (mean depth ${(r.depths / r.samples).toFixed(1)}), ${r.impossible} impossible stacks`);
