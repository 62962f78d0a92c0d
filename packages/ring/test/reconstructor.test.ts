import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRingBuffer,
  HEADER_WORDS,
  Reconstructor,
  RingReader,
  RingWriter,
  type StackSample,
  type SubBuffer,
  UNKNOWN_FRAME,
} from '../src/index.js';
import { RingModel } from './ring-model.js';

/** Runs a random program with a reader that keeps up; returns each sub-buffer with its true stack. */
function record(ops: Array<number | 'exit' | 'request' | 'keyframe'>, capacity = 6, threadId = 7) {
  const buffer = createRingBuffer({ subBufferCount: 2, subBufferBytes: (HEADER_WORDS + capacity + 1) * 4 }, threadId);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  const model = new RingModel(capacity, 2);
  const tokens: number[] = [];
  const out: Array<{ sub: SubBuffer; truth: number[] }> = [];
  const take = () => {
    for (const sub of reader.takeAll()) out.push({ sub, truth: model.expected.shift()!.frames });
    model.pending = 0;
  };
  for (const op of ops) {
    if (op === 'exit') {
      const t = tokens.pop();
      if (t !== undefined) {
        writer.exit(t);
        model.exit(t);
      }
    } else if (op === 'request' || op === 'keyframe') {
      reader.requestSwitch({ keyframe: op === 'keyframe' });
      model.request(op === 'keyframe');
    } else {
      tokens.push(writer.enter(op));
      model.enter(op);
    }
    take();
  }
  writer.flush();
  model.flush();
  take();
  return out;
}

const program = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.nat(1000) },
    { weight: 5, arbitrary: fc.constant('exit' as const) },
    { weight: 2, arbitrary: fc.constant('request' as const) },
    { weight: 1, arbitrary: fc.constant('keyframe' as const) },
  ),
  { minLength: 10, maxLength: 300, size: 'max' },
);

describe('reconstructor', () => {
  it('never shows a wrong frame when sub-buffers are missing from the stream', () => {
    fc.assert(
      fc.property(program, fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }), (ops, keepMask) => {
        const recorded = record(ops);
        const rec = new Reconstructor();
        let dropped = 0;
        let droppedSinceKeyframe = false;
        recorded.forEach(({ sub, truth }, i) => {
          if (i > 0 && !keepMask[i % keepMask.length]) {
            dropped++;
            droppedSinceKeyframe = true;
            return;
          }
          const sample = rec.push(sub);
          expect(sample.threadId).toBe(7);
          expect(sample.missedSubBuffers).toBe(dropped);
          dropped = 0;
          expect(sample.frames.length).toBe(truth.length);
          sample.frames.forEach((f, depth) => {
            if (f !== UNKNOWN_FRAME) expect(f).toBe(truth[depth]);
          });
          if (sub.startDepth === 0) droppedSinceKeyframe = false;
          // With nothing missing since the last keyframe, the stack is whole.
          if (!droppedSinceKeyframe) expect(sample.unknownFrames).toBe(0);
        });
        // Drops after the last sub-buffer delivered are not visible as a gap.
        expect(rec.thread(7).missedSubBuffers).toBe(
          recorded.filter((_, i) => i > 0 && !keepMask[i % keepMask.length]).length - dropped,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the threads of one interleaved stream apart', () => {
    fc.assert(
      fc.property(
        fc.array(program, { minLength: 2, maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 50, maxLength: 50 }),
        (programs, choices) => {
          // One recorded stream per thread, merged in a random order that keeps each thread's own.
          const threadIds = programs.map((_, i) => 1 + 2 * i); // odd ids: no id is another's key by accident
          const streams = programs.map((ops, i) => record(ops, 6, threadIds[i]));
          const next = streams.map(() => 0);
          const rec = new Reconstructor();
          for (let n = 0; ; n++) {
            const open = streams.map((s, i) => i).filter((i) => next[i]! < streams[i]!.length);
            if (open.length === 0) break;
            const i = open[choices[n % choices.length]! % open.length]!;
            const { sub, truth } = streams[i]![next[i]!++]!;
            const sample = rec.push(sub);
            expect(sample.threadId).toBe(threadIds[i]);
            expect(sample.missedSubBuffers).toBe(0);
            expect(sample.unknownFrames).toBe(0);
            expect(Array.from(sample.frames)).toEqual(truth);
          }
          expect(rec.threadIds().sort((a, b) => a - b)).toEqual(threadIds);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('replays an endless stream lazily, in memory that does not grow with it', () => {
    // An unbounded stream of sub-buffers of two threads: each pops the whole stack it continues
    // and pushes three frames. Samples are pulled one at a time from an infinite generator.
    let produced = 0;
    function* endless(): Generator<SubBuffer> {
      for (let seq = 0; ; seq++) {
        for (const threadId of [1, 2]) {
          produced++;
          yield {
            threadId, seq, reason: 0, startDepth: seq === 0 ? 0 : 3, pops: seq === 0 ? 0 : 3,
            records: Int32Array.of(threadId, seq & 1023, 7), recordWords: 1,
            lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: seq,
          };
        }
      }
    }
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const samples = new Reconstructor().samples(endless());
    let wrong = 0;
    const pull = (n: number) => {
      for (let i = 0; i < n; i++) {
        const sample = samples.next().value as StackSample;
        if (sample.frames.length !== 3 || sample.frames[0] !== sample.threadId || sample.unknownFrames !== 0) wrong++;
      }
    };
    pull(1000);
    expect(produced).toBe(1000); // lazy: one sub-buffer consumed per sample
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    pull(100_000);
    gc();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    expect(wrong).toBe(0);
    expect(produced).toBe(101_000);
    // Keeping anything per sub-buffer (a sample, a copy of its records) would be over 10 MB here.
    expect(growth).toBeLessThan(1024 * 1024);
  });

  it('shows frames below a reader that starts mid-stream as unknown, then resynchronises on a keyframe', () => {
    const buffer = createRingBuffer({ subBufferCount: 4, subBufferBytes: (HEADER_WORDS + 32 + 1) * 4 });
    const writer = new RingWriter(buffer);
    const early = new RingReader(buffer);
    for (let i = 1; i <= 5; i++) writer.enter(i);
    early.requestSwitch();
    writer.enter(6); // seals sub-buffer 0: [1..5]
    early.takeAll(); // the first reader goes away
    writer.enter(7);

    const late = new RingReader(buffer);
    const rec = new Reconstructor();
    late.requestSwitch();
    writer.enter(8); // seals [1..7]; the late reader has not seen [1..5]
    const [first] = late.takeAll().map((s) => rec.push(s));
    expect(Array.from(first!.frames)).toEqual([UNKNOWN_FRAME, UNKNOWN_FRAME, UNKNOWN_FRAME, UNKNOWN_FRAME, UNKNOWN_FRAME, 6, 7]);
    expect(first!.unknownFrames).toBe(5);

    late.requestSwitch({ keyframe: true });
    writer.enter(9); // seals [..8]; the next sub-buffer starts with the whole stack
    writer.exit(8); // pops 9
    late.requestSwitch();
    writer.enter(10); // seals the keyframe sub-buffer
    const samples = late.takeAll().map((s) => rec.push(s));
    expect(samples.map((s) => s.unknownFrames)).toEqual([5, 0]);
    expect(Array.from(samples[1]!.frames)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('distrusts a header that contradicts the stack (corrupt input) instead of inventing frames', () => {
    const rec = new Reconstructor();
    const base: SubBuffer = {
      threadId: 1, seq: 0, reason: 0, startDepth: 0, pops: 0, records: Int32Array.of(10, 11, 12), recordWords: 1,
      lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: 0,
    };
    expect(Array.from(rec.push(base).frames)).toEqual([10, 11, 12]);
    const bad = rec.push({ ...base, seq: 1, startDepth: 5, pops: 1, records: Int32Array.of(20) });
    expect(Array.from(bad.frames)).toEqual([-1, -1, -1, -1, 20]);
    expect(rec.thread(1).inconsistencies).toBe(1);
  });

  it('shows unknown frames, not frames at an invented depth, for a header with more pops than frames', () => {
    const rec = new Reconstructor();
    const base: SubBuffer = {
      threadId: 3, seq: 0, reason: 0, startDepth: 0, pops: 0, records: Int32Array.of(10, 11, 12), recordWords: 1,
      lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: 0,
    };
    rec.push(base);
    const bad = rec.push({ ...base, seq: 1, startDepth: 3, pops: 5, records: Int32Array.of(20) });
    expect(Array.from(bad.frames)).not.toContain(20);
    expect(bad.unknownFrames).toBe(1);
    expect(rec.thread(3).inconsistencies).toBe(1);
  });

  it('does not allocate a stack a corrupt header claims is deeper than any V8 stack', () => {
    const rec = new Reconstructor();
    const base: SubBuffer = {
      threadId: 2, seq: 0, reason: 0, startDepth: 0, pops: 0, records: Int32Array.of(1, 2), recordWords: 1,
      lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: 0,
    };
    rec.push(base);
    const huge = rec.push({ ...base, seq: 1, startDepth: 2 ** 24, records: Int32Array.of(3) });
    expect(huge.frames.length).toBe(0);
    expect(huge.unknownFrames).toBe(2 ** 24 + 1);
    expect(rec.thread(2).inconsistencies).toBe(1);
    // Nothing below is trusted afterwards; a keyframe makes the stack whole again.
    expect(Array.from(rec.push({ ...base, seq: 2, startDepth: 2, records: Int32Array.of(4) }).frames)).toEqual([-1, -1, 4]);
    expect(Array.from(rec.push({ ...base, seq: 3, records: Int32Array.of(5, 6) }).frames)).toEqual([5, 6]);
  });

  it('reads records with payload words (room for argument capture)', () => {
    const rec = new Reconstructor();
    const sample = rec.push({
      threadId: 0, seq: 0, reason: 0, startDepth: 0, pops: 0, records: Int32Array.of(1, 100, 2, 200), recordWords: 2,
      lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: 0,
    });
    expect(Array.from(sample.frames)).toEqual([1, 2]);
  });
});

describe('writer', () => {
  it('exitWith restores the depth and passes the value through', () => {
    const writer = new RingWriter(createRingBuffer());
    const outer = writer.enter(1);
    const value = writer.exitWith(writer.enter(2), Array.from(writer.stack()));
    expect(value).toEqual([1, 2]);
    expect(Array.from(writer.stack())).toEqual([1]);
    writer.exit(outer);
    expect(writer.depth).toBe(0);
  });

  it('rejects options it does not know or cannot use, naming them', () => {
    expect(() => createRingBuffer({ subBufferCount: 1 })).toThrow(/subBufferCount/);
    expect(() => createRingBuffer({ subBufferBytes: 30 })).toThrow(/subBufferBytes/);
    expect(() => createRingBuffer({ bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
    expect(() => new RingReader(new SharedArrayBuffer(64))).toThrow(/not hold a ring/);
  });
});
