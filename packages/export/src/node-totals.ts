// Per-node sums of one thread's samples: what every aggregated format (folded, pprof,
// cpuprofile, flame graphs) is written from.

import { SampleFlag, type Profile, type ThreadProfile } from './profile.js';

export interface NodeTotals {
  /** Samples whose leaf is the node. */
  selfSamples: Float64Array;
  /** Milliseconds of those samples. */
  selfTime: Float64Array;
  /** Live samples whose leaf is the node. */
  selfLive: Float64Array;
  /** Samples with the node on their stack (self plus descendants). */
  totalSamples: Float64Array;
  totalTime: Float64Array;
}

export function nodeTotals(profile: Profile, thread: ThreadProfile): NodeTotals {
  const n = profile.stacks.length;
  const selfSamples = new Float64Array(n);
  const selfTime = new Float64Array(n);
  const selfLive = new Float64Array(n);
  for (let i = 0; i < thread.length; i++) {
    const node = thread.stacks[i];
    selfSamples[node]++;
    selfTime[node] += thread.weights[i];
    if (thread.flags[i] & SampleFlag.LIVE) selfLive[node]++;
  }
  const totalSamples = selfSamples.slice();
  const totalTime = selfTime.slice();
  const parent = profile.stacks.parent;
  for (let node = n - 1; node > 0; node--) {
    totalSamples[parent[node]] += totalSamples[node];
    totalTime[parent[node]] += totalTime[node];
  }
  return { selfSamples, selfTime, selfLive, totalSamples, totalTime };
}

export interface SampleCounts {
  samples: number;
  timeMs: number;
  live: number;
  idle: number;
  unknown: number;
}

/** Counts of one thread, or of every thread. */
export function sampleCounts(profile: Profile, thread?: ThreadProfile): SampleCounts {
  const counts: SampleCounts = { samples: 0, timeMs: 0, live: 0, idle: 0, unknown: 0 };
  for (const t of thread ? [thread] : profile.threads) {
    counts.samples += t.length;
    for (let i = 0; i < t.length; i++) {
      counts.timeMs += t.weights[i];
      const f = t.flags[i];
      if (f & SampleFlag.LIVE) counts.live++;
      if (f & SampleFlag.IDLE) counts.idle++;
      if (f & SampleFlag.HAS_UNKNOWN) counts.unknown++;
    }
  }
  return counts;
}

/** Median positive weight of a thread (the sampling interval), in ms. */
export function medianInterval(thread: ThreadProfile, fallback = 1): number {
  const w = thread.weights.filter((v) => v > 0).sort();
  return w.length === 0 ? fallback : w[w.length >> 1];
}

/**
 * Rounds a running sum so that the rounded parts add up to the rounded whole: part i is
 * round(sum of 0..i) - round(sum of 0..i-1). Integer formats stay consistent with the totals.
 */
export class RunningRound {
  private sum = 0;
  private emitted = 0;
  constructor(private readonly scale = 1) {}
  next(value: number): number {
    this.sum += value * this.scale;
    const rounded = Math.round(this.sum);
    const part = rounded - this.emitted;
    this.emitted = rounded;
    return part;
  }
}
