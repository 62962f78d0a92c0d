// The reader thread: asks for a switch every millisecond, reconstructs the stacks and counts
// them by folded stack. Falls back to a live copy when the writer does not answer in time.
import { parentPort, workerData } from 'node:worker_threads';
import { Reconstructor, RingReader, UNKNOWN_FRAME } from '@stackring/ring';

const { buffer, functions } = workerData;
const reader = new RingReader(buffer);
const rec = new Reconstructor();
const counts = new Map();
const tick = new Int32Array(new SharedArrayBuffer(4));
let samples = 0;
let live = 0;

function count(sample) {
  if (sample.frames.length === 0) return;
  samples++;
  if (sample.live) live++;
  const key = Array.from(sample.frames, (f) => (f === UNKNOWN_FRAME ? '(unknown)' : functions[f])).join(';');
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

while (!reader.closed) {
  for (const sub of reader.takeAll()) count(rec.push(sub));
  reader.requestSwitch();
  if (!reader.waitSealed(2)) {
    for (const sub of reader.takeAll()) count(rec.push(sub));
    const copy = reader.readLive();
    if (copy) count(rec.push(copy));
  }
  Atomics.wait(tick, 0, 0, 1);
}
for (const sub of reader.takeAll()) count(rec.push(sub));
const folded = [...counts].sort((a, b) => b[1] - a[1]);
parentPort.postMessage({ folded, samples, live, lost: reader.totalLosses.subBuffers });
