import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createRingBuffer, RingWriter } from '../src/index.js';

// A real second thread reads the ring while this thread runs deep recursion, bursts of calls
// and loops without calls. Every stack the reader reconstructs must have the shape the program
// guarantees at every instant; the reader falls back to live copies when the writer is busy in
// a loop, and those must be right too.

const MAIN = 1;

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // no calls into the ring: the writer cannot answer a switch request here
  }
}

describe('ring with a reader thread', () => {
  it('reconstructs consistent stacks while the writer recurses and bursts', async () => {
    const buffer = createRingBuffer();
    const writer = new RingWriter(buffer);
    const worker = new Worker(new URL('./fixtures/sampling-reader.mjs', import.meta.url), {
      workerData: { buffer, intervalMs: 1, answerTimeoutMs: 5 },
    });
    const done = once(worker, 'message');
    await new Promise((r) => setTimeout(r, 50)); // let the reader start

    let checks = 0;
    const recurse = (phase: number, d: number, max: number, loopMs: number): void => {
      const t = writer.enter(phase * 10000 + d);
      if (d < max) recurse(phase, d + 1, max, loopMs);
      else {
        for (let i = 0; i < 20000; i++) writer.exit(writer.enter(phase * 10000 + d + 1));
        const stack = writer.stack();
        if (stack.length !== d + 1 || stack[d] !== phase * 10000 + d) throw new Error(`in-process stack wrong at depth ${d}`);
        checks++;
        if (loopMs > 0) busyWait(loopMs);
      }
      writer.exit(t);
    };

    const t0 = writer.enter(MAIN);
    const start = performance.now();
    for (let phase = 1; performance.now() - start < 1500; phase++) {
      const depth = [3, 50, 700, 2500, 20][phase % 5]!;
      recurse(phase, 1, depth, phase % 7 === 0 ? 30 : 0);
    }
    writer.exit(t0);
    writer.close();
    const [stats] = (await done) as [Record<string, any>];
    await worker.terminate();

    expect(stats.violations).toEqual([]);
    expect(checks).toBeGreaterThan(10);
    expect(stats.samples).toBeGreaterThan(100);
    expect(stats.live).toBeGreaterThan(0);
    expect(stats.maxDepth).toBeGreaterThan(700);
    // Losses are allowed under load, but each one is accounted for.
    expect(stats.lostSubBuffers).toBe(stats.totalLosses.subBuffers);
    console.log(
      `reader thread: ${stats.samples} samples (${stats.live} live, ${stats.unanswered} unanswered requests), ` +
        `max depth ${stats.maxDepth}, ${stats.totalLosses.subBuffers} sub-buffers lost, ${stats.unknownFrames} unknown frames`,
    );
  });
});
