// Chrome trace events (Perfetto UI, chrome://tracing): the samples as a flame chart over time.
// Per thread, slices open (B) when a frame appears on the stack and close (E) when it leaves,
// so consecutive samples sharing a prefix extend the same slices. Times are whole microseconds
// since the profile's start, non-decreasing per thread. A slice's B and E carry the same args:
// `location` (file:line), `samples` (the number of samples the slice spans, found by a first
// pass over the thread's samples) and `live` on a live sample's leaf; `cat` is on B.

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
    const n = thread.length;
    // First pass: where slices close, so that each B can carry the sample count its E carries.
    const keepAt = sliceBoundaries(profile, thread);
    const open: Array<{ name: string; args: Record<string, unknown> }> = []; // outermost first
    const path: number[] = [];
    const ends: number[] = []; // per depth: index of the sample that closes the slice opened there
    for (let i = 0; i < n; i++) {
      const keep = keepAt[i];
      if (keep === EXTENDS) continue;
      const ts = micros(thread.times[i]);
      while (open.length > keep) {
        const slice = open.pop()!;
        yield { name: slice.name, ph: 'E', ts, pid, tid, args: slice.args };
      }
      const node = thread.stacks[i];
      const depth = stacks.depth[node];
      for (let m = node, d = depth - 1; d >= keep; m = stacks.parent[m], d--) path[d] = m;
      // The slice opened at depth d lasts until the first later sample that keeps at most d
      // slices (ends are non-decreasing outwards, so one forward scan serves them all).
      let j = i + 1;
      for (let d = depth - 1; d >= keep; d--) {
        while (j < n && keepAt[j] > d) j++;
        ends[d] = j;
      }
      const live = (thread.flags[i] & SampleFlag.LIVE) !== 0;
      for (let d = keep; d < depth; d++) {
        const frame = frames[stacks.frame[path[d]]];
        // The same args object on B and E: viewers that key a slice by name and args (speedscope)
        // match them, and the Trace Event Format's merge of the two is the same.
        const args: Record<string, unknown> = {};
        if (frame.file !== '') args.location = frame.line > 0 ? `${frame.file}:${frame.line}` : frame.file;
        args.samples = ends[d] - i;
        // A live sample's leaf is a different slice from a sealed one: mark it in args.
        if (live && d === depth - 1) args.live = true;
        yield { name: frame.name, cat: frame.category, ph: 'B', ts, pid, tid, args };
        open.push({ name: frame.name, args });
      }
    }
    if (n > 0) {
      const end = micros(thread.times[n - 1] + thread.weights[n - 1]);
      while (open.length > 0) {
        const slice = open.pop()!;
        yield { name: slice.name, ph: 'E', ts: end, pid, tid, args: slice.args };
      }
    }
  }
}

/** In `sliceBoundaries`: the sample extends the open slices as they are. */
const EXTENDS = 0x7fffffff;

/**
 * Per sample of `thread`, how many of the open slices (outermost first) it keeps, closing the
 * rest and opening its own deeper frames; EXTENDS if it only extends them (same stack, same
 * liveness). The sample after the last closes them all. 4 bytes a sample, built per thread.
 */
function sliceBoundaries(profile: Profile, thread: ThreadProfile): Int32Array {
  const { stacks } = profile;
  const keepAt = new Int32Array(thread.length);
  const open: number[] = []; // stack nodes of the open slices, outermost first
  const path: number[] = [];
  let openLive = false;
  for (let i = 0; i < thread.length; i++) {
    const node = thread.stacks[i];
    const live = (thread.flags[i] & SampleFlag.LIVE) !== 0;
    if (node === open[open.length - 1] && live === openLive) {
      keepAt[i] = EXTENDS;
      continue;
    }
    const depth = stacks.depth[node];
    path.length = depth;
    for (let m = node, d = depth - 1; m > 0; m = stacks.parent[m], d--) path[d] = m;
    let keep = 0;
    while (keep < open.length && keep < depth && open[keep] === path[keep]) keep++;
    // A live sample's leaf is a different slice from a sealed one.
    if (live !== openLive && keep === open.length && keep === depth && keep > 0) keep--;
    keepAt[i] = keep;
    open.length = keep;
    for (let d = keep; d < depth; d++) open.push(path[d]);
    openLive = live;
  }
  return keepAt;
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
