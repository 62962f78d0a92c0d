// Chrome trace events (Perfetto UI, chrome://tracing): the samples as a flame chart over time.
// Per thread, slices open (B) when a frame appears on the stack and close (E) when it leaves,
// so consecutive samples sharing a prefix extend the same slices. Times are whole microseconds
// since the profile's start, non-decreasing per thread. Each E event's args (merged into its
// slice by the viewers) carry the number of samples the slice spans.

import { sampleCounts } from '../node-totals.js';
import { SampleFlag, type Profile, type ThreadProfile } from '../profile.js';
import { writeAtomic } from '../write-atomic.js';

export interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'B' | 'E' | 'X' | 'M' | 'i';
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: string;
  args?: Record<string, unknown>;
}

export function* chromeTraceEvents(profile: Profile): Generator<TraceEvent> {
  // One process, or (profileFromTraces) each thread's own.
  const onlyPid = typeof profile.meta.process?.pid === 'number' ? profile.meta.process.pid : 1;
  const pidOf = (t: ThreadProfile) => t.pid ?? onlyPid;
  const { frames, stacks } = profile;
  const pids = [...new Set(profile.threads.map(pidOf))];
  if (pids.length === 0) pids.push(onlyPid);
  const argvOf = new Map((profile.meta.processes ?? []).filter((p) => typeof p.pid === 'number').map((p) => [p.pid as number, p.argv]));
  for (const pid of pids) {
    const argv = argvOf.get(pid);
    const name = Array.isArray(argv) && argv.length > 0 ? `${argv.slice(1).join(' ') || argv[0]} (pid ${pid})` : `stackring ${profile.meta.source ?? 'profile'}`;
    yield { name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name } };
  }
  for (const t of profile.threads) {
    yield { name: 'thread_name', ph: 'M', ts: 0, pid: pidOf(t), tid: t.threadId, args: { name: `${t.name} (thread ${t.threadId})` } };
  }
  const micros = (ms: number) => Math.round((ms - profile.startTime) * 1000);
  for (const thread of profile.threads) {
    const tid = thread.threadId;
    const pid = pidOf(thread);
    const open: number[] = []; // stack nodes of the open slices, outermost first
    const openedAt: number[] = []; // index of the sample that opened each
    const path: number[] = [];
    let openLive = false;
    for (let i = 0; i < thread.length; i++) {
      const node = thread.stacks[i];
      const ts = micros(thread.times[i]);
      const live = (thread.flags[i] & SampleFlag.LIVE) !== 0;
      if (node === open[open.length - 1] && live === openLive) continue;
      path.length = stacks.depth[node];
      for (let n = node, d = path.length - 1; n > 0; n = stacks.parent[n], d--) path[d] = n;
      // A live sample's leaf is a different slice from a sealed one: mark it in args.
      let keep = 0;
      while (keep < open.length && keep < path.length && open[keep] === path[keep]) keep++;
      if (live !== openLive && keep === open.length && keep === path.length) keep--;
      while (open.length > keep) {
        const n = open.pop()!;
        yield { name: frames[stacks.frame[n]].name, ph: 'E', ts, pid, tid, args: { samples: i - openedAt.pop()! } };
      }
      for (let d = keep; d < path.length; d++) {
        const frame = frames[stacks.frame[path[d]]];
        const args: Record<string, unknown> = {};
        if (frame.file !== '') args.location = frame.line > 0 ? `${frame.file}:${frame.line}` : frame.file;
        if (live && d === path.length - 1) args.live = true;
        yield { name: frame.name, cat: frame.category, ph: 'B', ts, pid, tid, args };
        open.push(path[d]);
        openedAt.push(i);
      }
      openLive = live;
    }
    if (thread.length > 0) {
      const end = micros(thread.times[thread.length - 1] + thread.weights[thread.length - 1]);
      while (open.length > 0) {
        const args = { samples: thread.length - openedAt.pop()! };
        yield { name: frames[stacks.frame[open.pop()!]].name, ph: 'E', ts: end, pid, tid, args };
      }
    }
  }
}

export function* chromeTraceChunks(profile: Profile): Generator<string> {
  const counts = sampleCounts(profile);
  yield `{"displayTimeUnit":"ms","otherData":${JSON.stringify({
    exporter: '@stackring/export',
    source: profile.meta.source ?? '',
    startTime: new Date(profile.startTime).toISOString(),
    samples: counts.samples,
    idleSamples: counts.idle,
    liveSamples: counts.live,
    samplesWithLostFrames: counts.unknown,
  })},"traceEvents":[\n`;
  let first = true;
  let batch: string[] = [];
  for (const event of chromeTraceEvents(profile)) {
    batch.push((first ? '' : ',\n') + JSON.stringify(event));
    first = false;
    if (batch.length === 4096) {
      yield batch.join('');
      batch = [];
    }
  }
  yield batch.join('');
  yield '\n]}\n';
}

export function writeChromeTrace(profile: Profile, path: string): void {
  writeAtomic(path, chromeTraceChunks(profile));
}
