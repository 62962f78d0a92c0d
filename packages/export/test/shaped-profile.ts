// Small known profiles for the viewer tests, written as [thread, stack, samples] rows.
import type { StackSample } from '@stackring/ring';
import { profileFromSamples, type FunctionTable, type Profile } from '../src/index.js';

/** [thread, stack (function indices, outermost first; -1 a lost frame; [] idle), samples]. */
export type Shape = ReadonlyArray<readonly [number, readonly number[], number]>;

/**
 * A profile with `count` samples of each row's stack, 1 ms apart per thread (so every sample
 * weighs 1 ms); an empty stack is an idle live copy (the agent's sample of a waiting thread).
 */
export function profileOfShape(shape: Shape, functions: FunctionTable, threads: Array<{ threadId: number; name: string }>): Profile {
  const samples: StackSample[] = [];
  const clock = new Map<number, number>();
  for (const [thread, stack, count] of shape) {
    for (let i = 0; i < count; i++) {
      const time = (clock.get(thread) ?? 1.75e12) + 1;
      clock.set(thread, time);
      samples.push({
        threadId: thread,
        time,
        seq: 0,
        frames: Int32Array.from(stack),
        unknownFrames: stack.filter((f) => f < 0).length,
        live: stack.length === 0,
        idle: stack.length === 0,
        reason: 0,
        missedSubBuffers: 0,
        lostSubBuffers: 0,
        lostEntries: 0,
        request: 0,
      });
    }
  }
  return profileFromSamples(samples, functions, threads);
}
