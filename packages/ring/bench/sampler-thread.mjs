// A reader thread for the benchmarks: asks for a switch every `intervalMs`, takes the sealed
// sub-buffers (or an area ring's samples) and reconstructs the stacks, as the agent's sampler
// does.
import { parentPort, workerData } from 'node:worker_threads';
import { isAreaRing, openReader, Reconstructor, SwitchReason } from '@stackring/ring';

const { buffer, intervalMs, stop } = workerData;
const reader = openReader(buffer);
const area = isAreaRing(buffer);
const rec = new Reconstructor();
const stopFlag = new Int32Array(stop);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let samples = 0;
let live = 0;
while (Atomics.load(stopFlag, 0) === 0) {
  reader.requestSwitch();
  if (area) {
    // Taken at the next tick, as the agent does: by then the writer has called or returned.
    Atomics.wait(sleeper, 0, 0, intervalMs);
    const sub = reader.take() ?? reader.readLive();
    if (sub) { rec.push(sub); if (sub.reason & SwitchReason.LIVE) live++; else samples++; }
    continue;
  }
  if (!reader.waitSealed(intervalMs)) {
    for (const sub of reader.takeAll()) { rec.push(sub); samples++; }
    const copy = reader.readLive();
    if (copy) { rec.push(copy); live++; }
  }
  for (const sub of reader.takeAll()) { rec.push(sub); samples++; }
  Atomics.wait(sleeper, 0, 0, intervalMs);
}
parentPort.postMessage({ samples, live, losses: reader.totalLosses });
