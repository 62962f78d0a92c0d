import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackSample } from '@stackring/ring';
import {
  exportProfile,
  ExportError,
  IDLE_FRAME_INDEX,
  PROGRAM_FRAME_INDEX,
  profileFromSamples,
  SampleFlag,
  stackFrames,
  syntheticProfile,
  UNKNOWN_FRAME_INDEX,
  writeAtomic,
} from '../src/index.js';

/** A sample; `idle` is left out unless given (the shape of samples from before the field). */
function sample(threadId: number, time: number, frames: number[], extra: Partial<StackSample> = {}): StackSample {
  return {
    threadId,
    time,
    seq: 0,
    frames: Int32Array.from(frames),
    unknownFrames: frames.filter((f) => f === -1).length,
    live: false,
    reason: 0,
    missedSubBuffers: 0,
    lostSubBuffers: 0,
    lostEntries: 0,
    request: 0,
    ...extra,
  } as StackSample;
}

const runtimeTable = [
  { name: '(unregistered)', file: '', line: 0, column: 0 },
  { name: 'a', file: '/app/a.js', line: 1, column: 1 },
  { name: 'b', file: '/app/node_modules/x/b.js', line: 2, column: 1 },
];

describe('profileFromSamples', () => {
  it('weighs each sample by the time to the next, the last by the median interval', () => {
    const p = profileFromSamples([sample(0, 100, [1]), sample(0, 102, [1, 2]), sample(0, 103, [1]), sample(0, 105, [1])], runtimeTable);
    expect(Array.from(p.threads[0].weights)).toEqual([2, 1, 2, 2]);
    expect(p.startTime).toBe(100);
    expect(p.endTime).toBe(107);
  });
  it('a sample with only unknown frames (a distrusted header) is one unknown frame, not (program)', () => {
    const p = profileFromSamples([sample(0, 100, [], { unknownFrames: 3 }), sample(0, 101, [])], runtimeTable);
    const [distrusted, empty] = Array.from(p.threads[0].stacks, (node) => stackFrames(p.stacks, node));
    expect(distrusted).toEqual([UNKNOWN_FRAME_INDEX]);
    expect(p.threads[0].flags[0]! & SampleFlag.HAS_UNKNOWN).toBe(SampleFlag.HAS_UNKNOWN);
    expect(empty).toEqual([PROGRAM_FRAME_INDEX]);
  });
  it('a single sample gets lastWeightMs', () => {
    const p = profileFromSamples([sample(0, 100, [1])], runtimeTable, [], { lastWeightMs: 5 });
    expect(Array.from(p.threads[0].weights)).toEqual([5]);
  });
  it('orders a thread by time (a live copy may arrive late)', () => {
    const p = profileFromSamples([sample(0, 100, [1]), sample(0, 104, [2]), sample(0, 102, [1, 2], { live: true })], runtimeTable);
    expect(Array.from(p.threads[0].times)).toEqual([100, 102, 104]);
    expect(Array.from(p.threads[0].flags)).toEqual([0, SampleFlag.LIVE, 0]);
  });
  it('idle: the sample field, else (no field) "empty and live"; unknown and program frames', () => {
    const p = profileFromSamples(
      [
        sample(0, 1, [], { live: true }),
        sample(0, 2, [], { idle: false, live: true }),
        sample(0, 3, []),
        sample(0, 4, [1], { idle: true }),
        sample(0, 5, [-1, 2]),
      ],
      runtimeTable,
    );
    const t = p.threads[0];
    const leaf = (i: number) => stackFrames(p.stacks, t.stacks[i]);
    expect(leaf(0)).toEqual([IDLE_FRAME_INDEX]);
    expect(leaf(1)).toEqual([PROGRAM_FRAME_INDEX]);
    expect(leaf(2)).toEqual([PROGRAM_FRAME_INDEX]);
    expect(leaf(3).at(-1)).toBe(IDLE_FRAME_INDEX);
    expect(leaf(4)[0]).toBe(UNKNOWN_FRAME_INDEX);
    expect(Array.from(t.flags)).toEqual([
      SampleFlag.LIVE | SampleFlag.IDLE,
      SampleFlag.LIVE,
      0,
      SampleFlag.IDLE,
      SampleFlag.HAS_UNKNOWN,
    ]);
    expect(p.frames[leaf(4)[1]]).toMatchObject({ name: 'b', category: 'dependency' });
  });
  it('custom isIdle', () => {
    const p = profileFromSamples([sample(0, 1, [1])], runtimeTable, [], { isIdle: () => true });
    expect(p.threads[0].flags[0]).toBe(SampleFlag.IDLE);
  });
  it('function ids are per thread; the same function in two threads is one frame; undefined ids stay visible', () => {
    const p = profileFromSamples(
      [sample(0, 1, [1]), sample(1, 1, [7]), sample(1, 2, [8])],
      [
        { threadId: 0, id: 1, name: 'f', file: '/a.js', line: 1, column: 1 },
        { threadId: 1, id: 7, name: 'f', file: '/a.js', line: 1, column: 1 },
      ],
    );
    const leafFrame = (t: number, i: number) => p.stacks.frame[p.threads[t].stacks[i]];
    expect(leafFrame(0, 0)).toBe(leafFrame(1, 0));
    expect(p.threads[0].stacks[0]).toBe(p.threads[1].stacks[0]);
    expect(p.frames[leafFrame(1, 1)].name).toBe('(function 8)');
    expect(p.threads.map((t) => t.name)).toEqual(['main', 'thread 1']);
  });
  it('stacks are deduplicated: 100,000 synthetic samples share far fewer nodes', () => {
    const p = syntheticProfile({ samples: 100_000, threads: 2 });
    expect(p.stacks.length).toBeLessThan(40_000);
    for (let n = 1; n < p.stacks.length; n++) expect(p.stacks.parent[n]).toBeLessThan(n);
  });
});

describe('atomic writes', () => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'stackring-atomic-'));
  it('a failing writer leaves the old file and no temporary file; the error names the file', () => {
    const path = join(dir, 'out.txt');
    fs.writeFileSync(path, 'old');
    function* failing() {
      yield 'partial';
      throw new Error('boom');
    }
    expect(() => writeAtomic(path, failing())).toThrow(`${path}: boom`);
    expect(() => writeAtomic(path, failing())).toThrow(ExportError);
    expect(fs.readFileSync(path, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['out.txt']);
  });
  it('an unwritable directory fails naming the file', async () => {
    const path = join(dir, 'missing', 'out.folded');
    await expect(exportProfile(syntheticProfile({ samples: 10 }), 'folded', path)).rejects.toThrow(path);
  });
  it('an unknown format is rejected', async () => {
    await expect(exportProfile(syntheticProfile({ samples: 10 }), 'nope' as never, join(dir, 'x'))).rejects.toThrow(/unknown export format/);
  });
});
