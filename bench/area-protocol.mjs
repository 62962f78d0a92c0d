// A check of the area-switching protocol (docs/design.md "Areas switched from outside"), written
// before it was built and kept for its second reader: a writer thread runs the protocol's fast
// path (written out here; packages/ring/test/area-ring.test.ts runs the shipped AreaWriter and
// AreaReader the same way) on a random walk
// of calls and returns, a reader switches its area from outside as fast as it can and rebuilds
// each sample, and an oracle checks every sample. Function ids are derived from the caller's
// (id = f(parent id, choice)), so a stack that never existed (a frame under the wrong caller)
// shows. Two readers: "end depth", as designed (the depth the old area's last operation left,
// ADEPTH), and "switch depth" (the depth Atomics.add returned, without ADEPTH), which the design
// rejects because operations begun before a switch can still land in the old area after it.
// Prints samples and impossible stacks per reader. node bench/area-protocol.mjs [seconds]
import { Worker } from 'node:worker_threads';

const SECONDS = Number(process.argv[2] ?? 3);
const AREA_WORDS = 4096;
const DEPTH = 16; // with GEN at 17: one aligned 64-bit pair
const GEN = 17;
const ADEPTH = 18; // four words, one per area: the depth the area's last operation left
const AREA = 32;
const NO_DEPTH = -1;
const MAX_DEPTH = 200;

const child = (parent, choice) => (Math.imul(parent, 31) + choice + 1) & 0xfffff;
const isChild = (parent, id) => ((id - Math.imul(parent, 31) - 1) & 0xfffff) < 64;
const ROOT = 7;

function writerSource() {
  return `
  const { workerData } = require('node:worker_threads');
  const w = new Int32Array(workerData.buffer);
  const stop = new Int32Array(workerData.stop);
  const ${'child'} = ${child.toString()};
  function enter(id) {
    const d = w[${DEPTH}];
    const g = w[${GEN}] & 3;
    w[${AREA} + (g << 12) + d] = id + 1;
    w[${DEPTH}] = d + 1;
    w[${ADEPTH} + g] = d + 1;
    return d;
  }
  function exit(t) {
    if (t < w[${DEPTH}]) {
      w[${DEPTH}] = t;
      w[${ADEPTH} + (w[${GEN}] & 3)] = t;
    }
  }
  // The walk: ids[d] is the id of the frame at depth d, tokens[d] its token.
  const ids = new Int32Array(${MAX_DEPTH + 1});
  const tokens = new Int32Array(${MAX_DEPTH + 1});
  let depth = 0;
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8);
  let garbage = [];
  while (Atomics.load(stop, 0) === 0) {
    for (let i = 0; i < 100000; i++) {
      const r = random();
      if (depth === 0 || (depth < ${MAX_DEPTH} && (r & 0xff) < (depth < 40 ? 154 : 115))) { // hovers around depth 40
        const id = child(depth === 0 ? ${ROOT} : ids[depth - 1], (r >>> 9) & 63);
        tokens[depth] = enter(id);
        ids[depth] = id;
        depth++;
      } else {
        // Mostly one level; now and then several at once, as exits that heal after a throw.
        const r2 = random();
        const levels = (r2 & 7) === 0 ? 1 + ((r2 >>> 3) % Math.min(depth, 4)) : 1;
        depth -= levels;
        exit(tokens[depth]);
      }
      // Stores that miss the cache now and then (fresh objects), so that the writer's stores
      // queue up behind them, as in real programs.
      if ((r & 0xff) === 0) garbage.push({ a: r, b: depth });
      if (garbage.length > 10000) garbage = [];
    }
  }
  `;
}

const buffer = new SharedArrayBuffer((AREA + 4 * AREA_WORDS) * 4);
const words = new Int32Array(buffer);
const pair = new BigInt64Array(buffer);
for (let a = 0; a < 4; a++) words[ADEPTH + a] = NO_DEPTH;
const stop = new Int32Array(new SharedArrayBuffer(4));
const worker = new Worker(writerSource(), { eval: true, workerData: { buffer, stop: stop.buffer } });

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
  const before = Atomics.add(pair, DEPTH / 2, 1n << 32n);
  const switchDepth = Number(before & 0xffffffffn);
  const old = Number(before >> 32n) & 3;
  gen = (Number(before >> 32n) + 1) & 3;
  // The old area is final once an operation of the new one has landed.
  while (Atomics.load(words, ADEPTH + gen) === NO_DEPTH) waits++;
  const base = AREA + old * AREA_WORDS;
  const end = Atomics.load(words, ADEPTH + old);
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
  Atomics.store(words, ADEPTH + old, NO_DEPTH);
}
Atomics.store(stop, 0, 1);
await new Promise((resolve) => worker.once('exit', resolve));
console.log(`area protocol, ${SECONDS} s of switches as fast as the reader goes (${waits} polls for the new area's first operation):`);
for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(13)} ${r.samples} samples (mean depth ${(r.depths / r.samples).toFixed(1)}), ${r.impossible} impossible stacks`);
