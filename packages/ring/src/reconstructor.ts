// Replays sealed sub-buffers into stacks. A sub-buffer's content always has the shape
// "pop k frames pushed before it began, then push e1..en" (calls and returns nest), so replaying
// one is `stack = stack[0 .. startDepth - k] ++ [e1..en]`. Memory is one stack per thread,
// whatever the length of the stream.

import { growInt32 } from './grow.js';
import { SwitchReason, UNKNOWN_FRAME } from './layout.js';
import type { SubBuffer } from './sub-buffer.js';

export interface StackSample {
  threadId: number;
  /** Milliseconds since the Unix epoch: when the writer switched, or when the live copy was taken. */
  time: number;
  /** Sequence number of the sub-buffer this sample ends. */
  seq: number;
  /** Function ids, outermost first; UNKNOWN_FRAME where data was lost. */
  frames: Int32Array;
  /** How many entries of `frames` are UNKNOWN_FRAME. */
  unknownFrames: number;
  /** A live copy (the writer did not answer in time), not a sealed sub-buffer. */
  live: boolean;
  /** The thread was waiting in its event loop when the live copy was taken. */
  idle: boolean;
  /** SwitchReason bits of the sub-buffer. */
  reason: number;
  /** Sub-buffers missing from the stream before this one (a sequence gap). */
  missedSubBuffers: number;
  /** Sub-buffer contents the writer discarded just before this one (no free sub-buffer). */
  lostSubBuffers: number;
  /** Entry records discarded with them. */
  lostEntries: number;
  /** The reader request this switch answered (0: none). */
  request: number;
}

/**
 * Deeper than any stack V8 runs (about 11,000 frames by default, a few hundred thousand with
 * a huge --stack-size): a header that claims more is corrupt, and is not allocated.
 */
export const MAX_RECONSTRUCTED_DEPTH = 1 << 20;

/** The reconstructed stack of one thread, advanced one sealed sub-buffer at a time. */
export class ThreadStack {
  readonly threadId: number;
  private frames: Int32Array = new Int32Array(64);
  private depth = 0;
  /** Sequence number expected next; null before the first sub-buffer. */
  private expectedSeq: number | null = null;
  /** Total sub-buffers missing from the stream so far. */
  missedSubBuffers = 0;
  /** Sub-buffers whose header contradicted the stack they continue (corrupt input). */
  inconsistencies = 0;

  constructor(threadId: number) {
    this.threadId = threadId;
  }

  /** The current stack (a copy), outermost first. */
  current(): Int32Array {
    return this.frames.slice(0, this.depth);
  }

  /** Applies a sealed sub-buffer and returns the sample at its switch point. */
  apply(sub: SubBuffer): StackSample {
    return this.replay(sub, true);
  }

  /** The sample a live copy shows, without advancing the stack. */
  peek(sub: SubBuffer): StackSample {
    return this.replay(sub, false);
  }

  private replay(sub: SubBuffer, advance: boolean): StackSample {
    const recordWords = sub.recordWords;
    const entries = Math.floor(sub.records.length / recordWords);
    const gap = this.expectedSeq === null ? 0 : (sub.seq - this.expectedSeq) >>> 0;
    if (sub.startDepth - sub.pops + entries > MAX_RECONSTRUCTED_DEPTH || sub.startDepth > MAX_RECONSTRUCTED_DEPTH || sub.pops > sub.startDepth) {
      // More return markers than frames below: no depth for the records can be trusted either.
      return this.distrust(sub, entries, gap, advance);
    }
    // A sub-buffer that starts at depth 0 carries the whole stack (a keyframe).
    let keep: number;
    if (sub.startDepth === 0) keep = 0;
    else if (this.expectedSeq === null || gap !== 0) keep = 0;
    else if (sub.lostSubBuffers > 0) keep = Math.min(this.depth, sub.lostLowDepth, sub.startDepth);
    else if (this.depth === sub.startDepth) keep = this.depth;
    else {
      // The header contradicts the stack: trust nothing below it rather than show a wrong frame.
      keep = 0;
      if (advance) this.inconsistencies++;
    }
    const floor = Math.max(0, sub.startDepth - sub.pops);
    const kept = Math.min(keep, floor);
    const depth = floor + entries;
    const frames = advance ? this.reserve(depth) : new Int32Array(depth);
    if (!advance) frames.set(this.frames.subarray(0, kept));
    frames.fill(UNKNOWN_FRAME, kept, floor);
    for (let i = 0; i < entries; i++) frames[floor + i] = sub.records[i * recordWords];
    if (advance) {
      this.depth = depth;
      this.expectedSeq = (sub.seq + 1) >>> 0;
      this.missedSubBuffers += gap;
    }
    return sampleOf(sub, advance ? frames.slice(0, depth) : frames, countUnknown(frames, depth), gap);
  }

  /**
   * A header claiming a stack deeper than any V8 stack, or more pops than frames (corrupt or
   * crafted input): counted as an inconsistency, shown as that many unknown frames without
   * allocating them, and nothing below is trusted afterwards (the next sub-buffer will not
   * match the reset stack).
   */
  private distrust(sub: SubBuffer, entries: number, gap: number, advance: boolean): StackSample {
    if (advance) {
      this.inconsistencies++;
      this.depth = 0;
      this.expectedSeq = (sub.seq + 1) >>> 0;
      this.missedSubBuffers += gap;
    }
    return sampleOf(sub, new Int32Array(0), Math.max(0, sub.startDepth - sub.pops) + entries, gap);
  }

  /** Grows the backing store to hold `depth` frames, keeping the frames below. */
  private reserve(depth: number): Int32Array {
    this.frames = growInt32(this.frames, depth, this.depth);
    return this.frames;
  }
}

function sampleOf(sub: SubBuffer, frames: Int32Array, unknownFrames: number, gap: number): StackSample {
  return {
    threadId: sub.threadId,
    time: sub.time,
    seq: sub.seq,
    frames,
    unknownFrames,
    live: (sub.reason & SwitchReason.LIVE) !== 0,
    idle: (sub.reason & SwitchReason.IDLE) !== 0,
    reason: sub.reason,
    missedSubBuffers: gap,
    lostSubBuffers: sub.lostSubBuffers,
    lostEntries: sub.lostEntries,
    request: sub.request,
  };
}

function countUnknown(frames: Int32Array, depth: number): number {
  let n = 0;
  for (let i = 0; i < depth; i++) if (frames[i] === UNKNOWN_FRAME) n++;
  return n;
}

/** Reconstructs the stacks of many threads from one stream of sub-buffers. */
export class Reconstructor {
  private readonly threads = new Map<number, ThreadStack>();

  thread(threadId: number): ThreadStack {
    let t = this.threads.get(threadId);
    if (t === undefined) {
      t = new ThreadStack(threadId);
      this.threads.set(threadId, t);
    }
    return t;
  }

  /** Feeds one sub-buffer (sealed or live) and returns its sample. */
  push(sub: SubBuffer): StackSample {
    const t = this.thread(sub.threadId);
    return (sub.reason & SwitchReason.LIVE) !== 0 ? t.peek(sub) : t.apply(sub);
  }

  /** Threads seen so far. */
  threadIds(): number[] {
    return [...this.threads.keys()];
  }

  /** Feeds a whole stream (a trace file's sub-buffers, say), yielding samples lazily. */
  *samples(subs: Iterable<SubBuffer>): Generator<StackSample> {
    for (const sub of subs) yield this.push(sub);
  }
}
