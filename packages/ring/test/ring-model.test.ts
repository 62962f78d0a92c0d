import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRingBuffer, epochMillis, HEADER_WORDS, Reconstructor, RingReader, RingWriter, SwitchReason } from '../src/index.js';
import { RingModel } from './ring-model.js';

// Random programs of calls, returns, exceptions, stale exits, switch requests, flushes and
// reader activity run against the real ring and the model side by side. After every operation
// the writer's own stack equals the model's; every sample the reader reconstructs equals the
// model's view at that switch (with unknown frames exactly where records were lost), and every
// loss is counted exactly. Every sealed header also says why it was sealed (request, full,
// flush), which request it answered, its sequence number and when the switch happened.

type Op =
  | { t: 'enter'; id: number }
  | { t: 'exit' }
  | { t: 'unwind'; k: number; each: boolean }
  | { t: 'stale'; extra: number }
  | { t: 'request'; keyframe: boolean }
  | { t: 'take' }
  | { t: 'live' }
  | { t: 'flush' };

const opArb = (readerWeight: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.record({ t: fc.constant('enter' as const), id: fc.nat(5000) }) },
    { weight: 8, arbitrary: fc.constant({ t: 'exit' as const }) },
    {
      weight: 2,
      arbitrary: fc.record({ t: fc.constant('unwind' as const), k: fc.integer({ min: 1, max: 12 }), each: fc.boolean() }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('stale' as const), extra: fc.nat(3) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('request' as const), keyframe: fc.boolean() }) },
    { weight: readerWeight, arbitrary: fc.constant({ t: 'take' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'live' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'flush' as const }) },
  );

interface Scenario {
  capacity: number;
  subBufferCount: number;
  ops: Op[];
}

const scenarioArb = fc
  .record({
    capacity: fc.integer({ min: 1, max: 24 }),
    subBufferCount: fc.integer({ min: 2, max: 6 }),
    // 0: an absent reader; small: a stalled one; large: a reader that keeps up.
    readerWeight: fc.integer({ min: 0, max: 8 }),
  })
  .chain(({ capacity, subBufferCount, readerWeight }) =>
    fc.record({
      capacity: fc.constant(capacity),
      subBufferCount: fc.constant(subBufferCount),
      ops: fc.array(opArb(readerWeight), { minLength: 20, maxLength: 400, size: 'max' }),
    }),
  );

function run({ capacity, subBufferCount, ops }: Scenario) {
  const buffer = createRingBuffer({ subBufferCount, subBufferBytes: (HEADER_WORDS + capacity + 1) * 4 });
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  const rec = new Reconstructor();
  const model = new RingModel(capacity, subBufferCount);
  const tokens: number[] = [];
  const popped: number[] = [];
  let samples = 0;
  let lostSeen = 0;
  let lostEntriesSeen = 0;
  let nextSeq = 0;
  /** The serial of the last request, and the clock around each operation (step i: index i). */
  let serial = 0;
  const before: number[] = [];
  const after: number[] = [];
  const expectSwitchTime = (time: number, step: number) => {
    // Taken at the switch: within the operation that switched, not when the reader took it.
    expect(time).toBeGreaterThanOrEqual(before[step]!);
    expect(time).toBeLessThanOrEqual(after[step]!);
  };

  const takeAll = () => {
    for (const sub of reader.takeAll()) {
      const sample = rec.push(sub);
      const want = model.expected.shift();
      expect(want, `sealed sub-buffer ${sub.seq} the model did not seal`).toBeDefined();
      expect(Array.from(sample.frames)).toEqual(want!.frames);
      expect(sample.unknownFrames).toBe(want!.frames.filter((f) => f === -1).length);
      expect(sample.lostSubBuffers).toBe(want!.lostSubBuffers);
      expect(sample.lostEntries).toBe(want!.lostEntries);
      expect((sample.reason & SwitchReason.KEYFRAME) !== 0).toBe(want!.keyframe);
      expect(sample.missedSubBuffers).toBe(0);
      expect(sample.seq).toBe(nextSeq++);
      expect(sample.reason & (SwitchReason.REQUEST | SwitchReason.FULL | SwitchReason.FLUSH)).toBe(want!.reason);
      expect(sample.request).toBe(want!.request);
      expectSwitchTime(sample.time, want!.step);
      lostSeen += sample.lostSubBuffers;
      lostEntriesSeen += sample.lostEntries;
      samples++;
    }
    expect(model.expected).toEqual([]);
    model.pending = 0;
  };

  for (const [step, op] of ops.entries()) {
    model.step = step;
    before.push(epochMillis());
    switch (op.t) {
      case 'enter':
        tokens.push(writer.enter(op.id));
        expect(tokens[tokens.length - 1]).toBe(model.enter(op.id));
        break;
      case 'exit': {
        const token = tokens.pop();
        if (token === undefined) break;
        popped.push(token);
        writer.exit(token);
        model.exit(token);
        break;
      }
      case 'unwind': {
        // An exception through k frames: either every frame's finally runs (innermost first),
        // or only the outermost one does (uninstrumented frames in between).
        const k = Math.min(op.k, tokens.length);
        const unwound = tokens.splice(tokens.length - k, k);
        const order = op.each ? unwound.reverse() : [unwound[0]];
        for (const token of order) {
          if (token === undefined) continue;
          writer.exit(token);
          model.exit(token);
        }
        popped.push(...unwound);
        break;
      }
      case 'stale': {
        // Exits whose frame is already gone: a token at or above the depth is a no-op.
        const stale = [writer.depth + op.extra, ...popped.filter((t) => t >= writer.depth).slice(-2)];
        for (const token of stale) {
          writer.exit(token);
          model.exit(token);
        }
        break;
      }
      case 'request':
        serial = reader.requestSwitch({ keyframe: op.keyframe });
        model.request(op.keyframe, serial);
        break;
      case 'take':
        takeAll();
        break;
      case 'live': {
        takeAll();
        if (model.requested === 0) {
          serial = reader.requestSwitch();
          model.request(false, serial);
        }
        const live = reader.readLive();
        expect(live).not.toBeNull();
        const sample = rec.push(live!);
        expect(sample.live).toBe(true);
        expect(sample.request).toBe(serial);
        expect(sample.time).toBeGreaterThanOrEqual(before[step]!);
        expect(Array.from(sample.frames)).toEqual(model.liveView());
        break;
      }
      case 'flush':
        writer.flush();
        model.flush();
        break;
    }
    after.push(epochMillis());
    expect(writer.depth).toBe(model.depth);
    expect(Array.from(writer.stack())).toEqual(model.ids());
    // A request counts as answered once the writer took it (sealed, or discarded for lack of room).
    if (serial !== 0) expect(reader.answered(serial)).toBe(model.requested === 0);
  }
  model.step = ops.length;
  before.push(epochMillis());
  writer.flush();
  model.flush();
  after.push(epochMillis());
  takeAll();
  // Every loss is accounted for: what the samples reported plus what is still pending.
  expect(lostSeen + model.lost).toBe(model.totalLost);
  expect(lostEntriesSeen + model.lostEntries).toBe(model.totalLostEntries);
  expect(reader.totalLosses).toEqual({ subBuffers: model.totalLost, entries: model.totalLostEntries });
  return samples;
}

describe('ring against its model', () => {
  it('reconstructs every switch exactly and counts every loss', () => {
    let samples = 0;
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        samples += run(scenario);
      }),
      { numRuns: 400 },
    );
    expect(samples).toBeGreaterThan(1000);
  });

  it('loses nothing when the reader keeps up', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ t: fc.constant('enter' as const), id: fc.nat(100) }),
            fc.constant({ t: 'exit' as const }),
            fc.constant({ t: 'take' as const }),
            fc.record({ t: fc.constant('request' as const), keyframe: fc.constant(false) }),
          ),
          { maxLength: 300 },
        ),
        (ops) => {
          // Take after every operation: at most one switch happens per operation.
          const withTakes = ops.flatMap((op): Op[] => [op, { t: 'take' }]);
          run({ capacity: 4, subBufferCount: 2, ops: withTakes });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('recovers the exact stack with a keyframe after losses', () => {
    // Fill the ring with no reader, then let a reader take everything.
    const ops: Op[] = [];
    for (let i = 0; i < 40; i++) ops.push({ t: 'enter', id: i });
    for (let i = 0; i < 35; i++) ops.push({ t: 'exit' });
    ops.push({ t: 'take' }, { t: 'request', keyframe: false }, { t: 'enter', id: 99 }, { t: 'take' });
    const samples = run({ capacity: 8, subBufferCount: 3, ops });
    expect(samples).toBeGreaterThan(2);
  });
});
