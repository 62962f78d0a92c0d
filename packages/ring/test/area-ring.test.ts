import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AREA_RINGS_SUPPORTED, AreaCtrl, areaOffset, AreaReader, AreaWriter, createAreaRingBuffer, SwitchReason, ThreadStack, UNKNOWN_FRAME, type SubBuffer } from '../src/index.js';

// Area rings (docs/design.md "Areas switched from outside"). In one thread, random programs of
// calls, returns, unwinds, stale exits, switches, takes, live reads, reader restarts and close
// run against a model stack: after every operation the writer's own stack equals the model's,
// and every sample equals the model's stack at its switch (in one thread, nothing runs between
// a switch and the writer's next call or return), with unknown frames exactly below the limit.
// Then a real writer thread against a reader switching as fast as it can, with an oracle.

type Op =
  | { t: 'enter'; id: number }
  | { t: 'exit' }
  | { t: 'unwind'; k: number }
  | { t: 'stale'; extra: number }
  | { t: 'switch' }
  | { t: 'take' }
  | { t: 'live' }
  | { t: 'newReader' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ t: fc.constant('enter' as const), id: fc.nat(5000) }) },
  { weight: 8, arbitrary: fc.constant({ t: 'exit' as const }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('unwind' as const), k: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('stale' as const), extra: fc.nat(3) }) },
  { weight: 4, arbitrary: fc.constant({ t: 'switch' as const }) },
  { weight: 4, arbitrary: fc.constant({ t: 'take' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'live' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'newReader' as const }) },
);

/** The stack as a reader can know it: frames at or below the limit have no record. */
const visible = (stack: number[], limit: number) => stack.map((id, d) => (d < limit ? id : UNKNOWN_FRAME));

function run(limit: number, ops: Op[], closeAtEnd: boolean) {
  const buffer = createAreaRingBuffer({ limit });
  const writer = new AreaWriter(buffer);
  let reader = new AreaReader(buffer);
  let stack = new ThreadStack(0);
  const model: number[] = [];
  const tokens: number[] = [];
  // The model's stack when the pending switch happened (null: none pending).
  let atSwitch: number[] | null = null;
  // Whether the writer has called or returned since that switch: what makes it takeable.
  let moved = false;
  const check = (sub: SubBuffer | null, expected: number[] | null, what: string) => {
    if (expected === null) {
      expect(sub, what).toBeNull();
      return;
    }
    expect(sub, what).not.toBeNull();
    const live = (sub!.reason & SwitchReason.LIVE) !== 0;
    const sample = live ? stack.peek(sub!) : stack.apply(sub!);
    expect(Array.from(sample.frames), what).toEqual(visible(expected, limit));
    expect(sample.missedSubBuffers, what).toBe(0);
  };
  for (const op of ops) {
    switch (op.t) {
      case 'enter':
        tokens.push(writer.enter(op.id));
        model.push(op.id);
        moved = true;
        break;
      case 'exit':
        if (tokens.length > 0) {
          writer.exit(tokens.pop()!);
          model.pop();
          moved = true;
        }
        break;
      case 'unwind': {
        // An exception through k frames: only the outermost one's exit runs (the others were
        // not instrumented, or their exits ran in an order that leaves the outermost token).
        const k = Math.min(op.k, tokens.length);
        if (k === 0) break;
        const token = tokens[tokens.length - k]!;
        tokens.length -= k;
        model.length -= k;
        writer.exit(token);
        moved = true;
        break;
      }
      case 'stale':
        // An exit whose frame is already gone: nothing changes.
        writer.exit(model.length + op.extra);
        break;
      case 'switch':
        reader.requestSwitch();
        if (atSwitch === null) {
          atSwitch = [...model];
          moved = false;
        }
        break;
      case 'take': {
        const sub = reader.take();
        check(sub, atSwitch !== null && moved ? atSwitch : null, 'take');
        if (sub !== null) atSwitch = null;
        break;
      }
      case 'live':
        check(reader.readLive(), atSwitch, 'live');
        break;
      case 'newReader':
        // The agent stopped and another started: it takes over from the published image.
        reader = new AreaReader(buffer);
        stack = new ThreadStack(0);
        break;
    }
    expect(Array.from(writer.stack())).toEqual(visible(model, limit));
  }
  if (closeAtEnd) {
    if (atSwitch === null) {
      reader.requestSwitch();
      atSwitch = [...model];
    }
    writer.close();
    check(reader.take(), atSwitch, 'after close');
  }
}

describe('area ring', () => {
  it('every sample is the stack at its switch, and the writer always knows its own stack (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(opArb, { minLength: 20, maxLength: 400 }), fc.boolean(), (limit, ops, close) => {
        run(limit, ops, close);
      }),
      { numRuns: 300 },
    );
  });

  it('takes a switch only once the writer has called or returned since', () => {
    const buffer = createAreaRingBuffer();
    const writer = new AreaWriter(buffer);
    const reader = new AreaReader(buffer);
    const t1 = writer.enter(1);
    writer.enter(2);
    const serial = reader.requestSwitch();
    expect(reader.requestSwitch()).toBe(serial); // pending: not switched twice
    expect(reader.take()).toBeNull();
    expect(reader.answered(serial)).toBe(false);
    writer.exit(t1 + 5); // a stale exit changes nothing, and is no sign
    expect(reader.take()).toBeNull();
    const live = reader.readLive()!;
    expect(live.reason & SwitchReason.LIVE).not.toBe(0);
    expect(Array.from(live.records)).toEqual([1, 2]);
    writer.exit(t1); // returns two levels: the first return in the new area
    const sub = reader.take()!;
    expect(Array.from(sub.records)).toEqual([1, 2]); // the stack at the switch, not after the return
    expect(sub.request).toBe(serial);
    expect(sub.reason & SwitchReason.KEYFRAME).not.toBe(0);
    expect(reader.answered(serial)).toBe(true);
    // The next sample continues the first: pops and records, as a sealed sub-buffer would.
    writer.enter(3);
    reader.requestSwitch();
    writer.enter(4);
    const next = reader.take()!;
    expect([next.startDepth, next.pops, Array.from(next.records)]).toEqual([2, 2, [3]]);
  });

  it('never hangs the thread when a reader ended while publishing, and the next reader recovers', () => {
    const buffer = createAreaRingBuffer();
    const writer = new AreaWriter(buffer);
    const words = new Int32Array(buffer);
    const first = new AreaReader(buffer);
    writer.enter(1);
    first.requestSwitch();
    writer.enter(2);
    first.take();
    writer.enter(3);
    // The agent's thread terminated in the middle of its next publication: the seqlock stays odd.
    Atomics.add(words, AreaCtrl.IMAGE_SEQ, 1);
    expect(Array.from(writer.stack())).toEqual([1, 2, 3]);
    const second = new AreaReader(buffer);
    expect(Atomics.load(words, AreaCtrl.IMAGE_SEQ) & 1).toBe(0);
    second.requestSwitch();
    writer.enter(4);
    const stack = new ThreadStack(0);
    expect(Array.from(stack.apply(second.take()!).frames)).toEqual([1, 2, 3]);
    expect(Array.from(writer.stack())).toEqual([1, 2, 3, 4]);
  });

  it('keeps the word offsets the fast path spells as literals in step with the layout', () => {
    // area-writer.ts: w[16] DEPTH, w[17] GEN, w[18 + a] AREA_DEPTH, w[22] LIMIT, w[32 + (a << 14) + d].
    expect([AreaCtrl.DEPTH, AreaCtrl.GEN, AreaCtrl.AREA_DEPTH, AreaCtrl.LIMIT]).toEqual([16, 17, 18, 22]);
    expect([0, 1, 2, 3].map(areaOffset)).toEqual([0, 1, 2, 3].map((a) => 32 + (a << 14)));
    expect(AreaCtrl.DEPTH % 2).toBe(0); // DEPTH and GEN: one aligned 64-bit pair
  });

  it('rejects a buffer that is not an area ring, and bad options', () => {
    expect(() => new AreaReader(new SharedArrayBuffer(1024))).toThrow(/not hold an area ring/);
    expect(() => createAreaRingBuffer({ limit: 0 })).toThrow(/"limit" must be an integer/);
    expect(() => createAreaRingBuffer({ depth: 3 } as never)).toThrow(/unknown option "depth"/);
  });

  // A writer thread runs a random walk of calls and returns (now and then an unwind of several
  // levels, and allocations that make its stores queue up behind cache misses); each function
  // id is derived from its caller's, so a frame under the wrong caller shows. This thread
  // switches as fast as it can. Every sample must be a stack that can exist.
  // Only where the protocol's proof holds (stores seen in program order); elsewhere the runtime
  // never creates area rings.
  it.skipIf(!AREA_RINGS_SUPPORTED)('gives only possible stacks while a real writer thread runs (oracle)', async () => {
    const buffer = createAreaRingBuffer();
    const stop = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(new URL('./fixtures/area-walk.mjs', import.meta.url), { workerData: { buffer, stop: stop.buffer } });
    const ready = once(worker, 'message');
    await ready;
    const reader = new AreaReader(buffer);
    const stack = new ThreadStack(0);
    const isChild = (parent: number, id: number) => ((id - Math.imul(parent, 31) - 1) & 0xfffff) < 64;
    let samples = 0;
    let impossible = 0;
    let depths = 0;
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      reader.requestSwitch();
      let sub = reader.take();
      while (sub === null) sub = reader.take();
      const frames = stack.apply(sub).frames;
      samples++;
      depths += frames.length;
      for (let d = 0; d < frames.length; d++) {
        if (!isChild(d === 0 ? 7 : frames[d - 1]!, frames[d]!)) {
          impossible++;
          break;
        }
      }
    }
    Atomics.store(stop, 0, 1);
    await once(worker, 'exit');
    expect(stop[1], 'the writer thread checked its own stack').toBe(0);
    expect(samples).toBeGreaterThan(10_000);
    expect(depths / samples).toBeGreaterThan(10); // deep enough stacks to mean something
    expect(impossible).toBe(0);
  });
});
