// pprof (go tool pprof, Pyroscope, Grafana, Cloud Profiler, Datadog): a gzipped protobuf
// Profile encoded with pprof-format. Samples are aggregated per thread, stack and liveness,
// with two values each: samples/count and wall/nanoseconds. Every frame is one function and
// one location (ids = frame index + 1; pprof ids are non-zero).

import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Label, Line, Location, Profile as PprofProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { medianInterval, nodeTotals, sampleCounts } from '../node-totals.js';
import { SampleFlag, threadLabel, type Profile } from '../profile.js';
import { stackFrames } from '../stack-table.js';
import { writeAtomic } from '../write-atomic.js';

export function pprofProfile(profile: Profile): PprofProfile {
  const strings = new StringTable();
  const usedFrames = new Set<number>();
  const samples: Sample[] = [];
  const threadKey = strings.dedup('thread');
  const threadIdKey = strings.dedup('thread_id');
  const pidKey = profile.threads.some((t) => t.pid !== undefined) ? strings.dedup('pid') : 0;
  const liveKey = strings.dedup('live');
  const trueValue = strings.dedup('true');
  for (const thread of profile.threads) {
    const totals = nodeTotals(profile, thread);
    // Live samples get their own pprof sample (label live=true), per node.
    const liveSamples = new Float64Array(profile.stacks.length);
    const liveTime = new Float64Array(profile.stacks.length);
    for (let i = 0; i < thread.length; i++) {
      if (thread.flags[i] & SampleFlag.LIVE) {
        liveSamples[thread.stacks[i]]++;
        liveTime[thread.stacks[i]] += thread.weights[i];
      }
    }
    const threadName = strings.dedup(threadLabel(thread));
    for (let node = 1; node < profile.stacks.length; node++) {
      if (totals.selfSamples[node] === 0) continue;
      const frames = stackFrames(profile.stacks, node);
      for (const f of frames) usedFrames.add(f);
      const locationId = frames.reverse().map((f) => f + 1); // leaf first
      const labels = [new Label({ key: threadKey, str: threadName }), new Label({ key: threadIdKey, num: thread.threadId })];
      if (thread.pid !== undefined) labels.push(new Label({ key: pidKey, num: thread.pid }));
      const sealedCount = totals.selfSamples[node] - liveSamples[node];
      if (sealedCount > 0) {
        const nanos = Math.round((totals.selfTime[node] - liveTime[node]) * 1e6);
        samples.push(new Sample({ locationId, value: [sealedCount, nanos], label: labels }));
      }
      if (liveSamples[node] > 0) {
        const nanos = Math.round(liveTime[node] * 1e6);
        samples.push(
          new Sample({ locationId, value: [liveSamples[node], nanos], label: [...labels, new Label({ key: liveKey, str: trueValue })] }),
        );
      }
    }
  }
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  for (const f of [...usedFrames].sort((a, b) => a - b)) {
    const frame = profile.frames[f];
    const name = strings.dedup(frame.name);
    functions.push(new PprofFunction({ id: f + 1, name, systemName: name, filename: strings.dedup(frame.file), startLine: frame.line }));
    locations.push(new Location({ id: f + 1, line: [new Line({ functionId: f + 1, line: frame.line, column: frame.column })] }));
  }
  const counts = sampleCounts(profile);
  const interval = profile.threads.length > 0 ? medianInterval(profile.threads[0]) : 1;
  const comments = [
    `stackring: ${counts.samples} samples, ${counts.idle} idle, ${counts.live} live, ${counts.unknown} with lost frames`,
    ...(profile.meta.source ? [`source: ${profile.meta.source}`] : []),
  ].map((c) => strings.dedup(c));
  return new PprofProfile({
    sampleType: [
      new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }),
      new ValueType({ type: strings.dedup('wall'), unit: strings.dedup('nanoseconds') }),
    ],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: BigInt(Math.round(profile.startTime * 1000)) * 1000n,
    durationNanos: Math.round((profile.endTime - profile.startTime) * 1e6),
    periodType: new ValueType({ type: strings.dedup('wall'), unit: strings.dedup('nanoseconds') }),
    period: Math.round(interval * 1e6),
    comment: comments,
    defaultSampleType: strings.dedup('wall'),
  });
}

/** The gzipped protobuf, as pprof files are stored. */
export function pprofBytes(profile: Profile): Uint8Array {
  return gzipSync(pprofProfile(profile).encode());
}

export function writePprof(profile: Profile, path: string): void {
  writeAtomic(path, [pprofBytes(profile)]);
}
