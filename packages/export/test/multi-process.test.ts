// One profile of several traces (a program and the processes it started): threads keep their
// process, thread ids may repeat across processes, and the same function is one frame.

import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import { afterAll, describe, expect, it } from 'vitest';
import { SwitchReason, TraceWriter, type FunctionInfo } from '@stackring/ring';
import { chromeTraceEvents, exportProfile, foldedText, profileFromTrace, profileFromTraces, stackFrames, type Profile } from '../src/index.js';

const decodePprof = (bytes: Uint8Array) => PprofProfile.decode(bytes);
const dir = fs.mkdtempSync(join(tmpdir(), 'stackring-multi-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fn = (name: string, line: number) => ({ name, file: `/app/src/${name}.js`, line, column: 1 });
const shared = fn('shared', 10);

/** A trace of one process: per thread, samples given as stacks of function ids (keyframes). */
function writeTrace(path: string, pid: number | undefined, functions: FunctionInfo[], threads: Record<number, number[][]>): void {
  const trace = new TraceWriter(path);
  if (pid !== undefined) trace.writeProcess({ pid, argv: ['/usr/bin/node', `/app/${pid}.js`] });
  trace.writeFunctions(functions);
  let time = 1.75e12;
  for (const [threadId, samples] of Object.entries(threads)) {
    trace.writeThread({ threadId: Number(threadId), name: Number(threadId) === 0 ? 'main' : `worker ${threadId}` });
    samples.forEach((stack, seq) =>
      trace.writeSubBuffer({
        threadId: Number(threadId), seq, reason: SwitchReason.REQUEST, startDepth: 0, pops: 0, records: Int32Array.from(stack), recordWords: 1,
        lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: (time += 1),
      }),
    );
  }
  trace.close();
}

const a = join(dir, 'app.srt');
const b = join(dir, 'app.200.srt');
const c = join(dir, 'app.300.srt');
// Process 100: ids 0 = shared, 1 = onlyA; two threads. Process 200 numbers the same function 1.
writeTrace(a, 100, [{ threadId: 0, id: 0, ...shared }, { threadId: 0, id: 1, ...fn('onlyA', 3) }, { threadId: 1, id: 0, ...shared }], {
  0: [[0], [0, 1], [0, 1]],
  1: [[0]],
});
writeTrace(b, 200, [{ threadId: 0, id: 0, ...fn('onlyB', 7) }, { threadId: 0, id: 1, ...shared }], { 0: [[1, 0], [1, 0], [1], [1, 0]] });
writeTrace(c, undefined, [{ threadId: 0, id: 0, ...fn('noPid', 1) }], { 0: [[0]] });

const names = (p: Profile, thread: number) => {
  const t = p.threads[thread]!;
  return Array.from(t.stacks, (node) => stackFrames(p.stacks, node).map((f) => p.frames[f]!.name).join(';'));
};

describe('profileFromTraces', () => {
  it('keeps each process’s threads apart, with their pids, and merges the same function into one frame', async () => {
    const p = await profileFromTraces([a, b, c]);
    expect(p.threads.map((t) => [t.pid, t.threadId, t.name])).toEqual([
      [100, 0, 'main'],
      [100, 1, 'worker 1'],
      [200, 0, 'main'],
      [201, 0, 'main'], // no process chunk: a pid above every trace's
    ]);
    expect(names(p, 0)).toEqual(['shared', 'shared;onlyA', 'shared;onlyA']);
    expect(names(p, 1)).toEqual(['shared']);
    expect(names(p, 2)).toEqual(['shared;onlyB', 'shared;onlyB', 'shared', 'shared;onlyB']);
    expect(names(p, 3)).toEqual(['noPid']);
    expect(p.frames.filter((f) => f.name === 'shared')).toHaveLength(1);
    expect(p.meta.processes?.map((x) => x.pid)).toEqual([100, 200, undefined]);
    // Nothing lost or added: the samples are those of the traces read one by one.
    const alone = await Promise.all([a, b, c].map((t) => profileFromTrace(t)));
    const total = (x: Profile) => x.threads.reduce((s, t) => s + t.length, 0);
    expect(total(p)).toBe(alone.reduce((s, x) => s + total(x), 0));
  });

  it('tells apart processes with the same pid (the same trace twice, two containers)', async () => {
    const p = await profileFromTraces([a, b, a]);
    expect(p.threads.map((t) => [t.pid, t.threadId])).toEqual([
      [100, 0],
      [100, 1],
      [200, 0],
      [201, 0],
      [201, 1],
    ]);
    expect(p.meta.processes?.map((x) => x.pid)).toEqual([100, 200, 100]); // what the traces said
    const files = await exportProfile(p, 'cpuprofile', join(dir, 'same.cpuprofile'));
    expect(new Set(files).size).toBe(5);
  });

  it('reads one trace exactly as profileFromTrace does (no pids)', async () => {
    const [one, same] = await Promise.all([profileFromTraces([a]), profileFromTrace(a)]);
    expect(one.threads.map((t) => t.pid)).toEqual([undefined, undefined]);
    expect(one.threads).toEqual(same.threads);
    expect(one.meta.process?.pid).toBe(100);
  });

  it('names threads with their process in every format, and writes a file per process and thread', async () => {
    const p = await profileFromTraces([a, b]);
    const folded = foldedText(p, { threadRoot: true });
    expect(folded).toContain('main (pid 100, thread 0);shared;onlyA');
    expect(folded).toContain('main (pid 200, thread 0);shared;onlyB');
    const events = [...chromeTraceEvents(p)];
    const processNames = events.filter((e) => e.name === 'process_name').map((e) => [e.pid, (e.args as { name: string }).name]);
    expect(processNames).toEqual([
      [100, '/app/100.js (pid 100)'],
      [200, '/app/200.js (pid 200)'],
    ]);
    // Each process's slices are under its own pid.
    const slicePids = new Set(events.filter((e) => e.ph === 'B' && e.name === 'onlyB').map((e) => e.pid));
    expect([...slicePids]).toEqual([200]);
    const speedscope = JSON.parse(fs.readFileSync((await exportProfile(p, 'speedscope', join(dir, 'm.speedscope.json')))[0]!, 'utf8'));
    expect(speedscope.profiles.map((x: { name: string }) => x.name)).toEqual(['main (pid 100, thread 0)', 'worker 1 (pid 100, thread 1)', 'main (pid 200, thread 0)']);
    const pprof = decodePprof(gunzipSync(fs.readFileSync((await exportProfile(p, 'pprof', join(dir, 'm.pb.gz')))[0]!)));
    const str = (i: number | bigint) => pprof.stringTable.strings[Number(i)];
    const pids = new Set(pprof.sample.map((s) => Number(s.label.find((l) => str(l.key) === 'pid')?.num)));
    expect([...pids].sort()).toEqual([100, 200]);
    const files = await exportProfile(p, 'cpuprofile', join(dir, 'm.cpuprofile'));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['m.pid-100.thread-0.cpuprofile', 'm.pid-100.thread-1.cpuprofile', 'm.pid-200.thread-0.cpuprofile']);
  });

  it('needs at least one trace', async () => {
    await expect(profileFromTraces([])).rejects.toThrow(/no trace/);
  });
});
