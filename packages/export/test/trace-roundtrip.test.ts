// A real trace: two rings driven by random calls and returns (small sub-buffers, a reader that
// sometimes stalls, so that data is lost and keyframes are written), live copies, written with
// TraceWriter, read back streaming with profileFromTrace and exported to every format.

import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRingBuffer,
  HEADER_WORDS,
  readTraceFileSync,
  RingReader,
  RingWriter,
  SwitchReason,
  TraceWriter,
  traceSamples,
  type FunctionInfo,
  type SubBuffer,
} from '@stackring/ring';
import { EXPORT_FORMATS, exportProfile, profileFromSamples, profileFromTrace, sampleCounts, seededRandom, type Profile } from '../src/index.js';
import { checkChromeTrace, checkCpuProfile, checkFolded, checkHtml, checkPprof, checkSpeedscope, checkSvg } from './validators.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'stackring-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Each thread numbers its own functions: thread 1 uses other ids for the same functions.
const describeFunction = (f: number) => ({
  name: f % 9 === 0 ? `handler;${f} ✓` : `fn${f}`,
  file: f < 25 ? `/srv/app/src/mod${f % 4}.js` : f < 35 ? '/srv/app/node_modules/dep/index.js' : 'node:internal/timers',
  line: f * 3 + 1,
  column: 5,
});
const functions: FunctionInfo[] = [0, 1].flatMap((threadId) =>
  Array.from({ length: 40 }, (_, id) => ({ threadId, id, ...describeFunction(threadId === 0 ? id : (id + 7) % 40) })),
);

function recordTrace(path: string, seed: number, steps: number): void {
  const random = seededRandom(seed);
  const trace = new TraceWriter(path);
  trace.writeProcess({ pid: 4242, argv: ['node', 'app.js'] });
  trace.writeFunctions(functions);
  const rings = [0, 1].map((threadId) => {
    trace.writeThread({ threadId, name: threadId === 0 ? 'main' : 'worker;1' });
    const buffer = createRingBuffer({ subBufferCount: 3, subBufferBytes: (HEADER_WORDS + 6 + 1) * 4 }, threadId);
    return { writer: new RingWriter(buffer), reader: new RingReader(buffer), tokens: [] as number[] };
  });
  let time = 1.75e12;
  const write = (sub: SubBuffer | null) => {
    if (sub === null) return;
    sub.time = time += 0.25 + random();
    trace.writeSubBuffer(sub);
  };
  for (let step = 0; step < steps; step++) {
    const ring = rings[Math.floor(random() * 2)];
    const r = random();
    // Calls and returns about even, stacks up to 24 deep.
    if (r < 0.44 && ring.tokens.length < 24) ring.tokens.push(ring.writer.enter(Math.floor(random() * 40)));
    else if (r < 0.85) {
      if (ring.tokens.length > 0) ring.writer.exit(ring.tokens.pop()!);
    } else if (r < 0.93) ring.reader.requestSwitch({ keyframe: random() < 0.2 });
    else if (r < 0.98) {
      // A reader that sometimes stalls: it takes only now and then.
      for (const sub of ring.reader.takeAll()) write(sub);
    } else if (r < 0.995) write(ring.reader.readLive());
    else {
      // Back to the event loop, which waits: the agent's live copy, marked idle.
      while (ring.tokens.length > 0) ring.writer.exit(ring.tokens.pop()!);
      ring.reader.requestSwitch();
      const live = ring.reader.readLive();
      if (live !== null) live.reason |= SwitchReason.IDLE;
      write(live);
    }
  }
  for (const ring of rings) {
    while (ring.tokens.length > 0) ring.writer.exit(ring.tokens.pop()!);
    ring.writer.flush();
    for (const sub of ring.reader.takeAll()) write(sub);
  }
  trace.close();
}

describe('round trip through a real trace file', () => {
  const path = join(dir, 'app.trace');
  recordTrace(path, 3, 20_000);
  let profile: Profile;

  it('profileFromTrace (streaming) equals profileFromSamples over the decoded trace', async () => {
    profile = await profileFromTrace(path);
    const contents = readTraceFileSync(path);
    const reference = profileFromSamples(traceSamples(contents.chunks), functions, [
      { threadId: 0, name: 'main' },
      { threadId: 1, name: 'worker;1' },
    ]);
    expect(profile.threads.map((t) => [t.threadId, t.name, t.length])).toEqual(reference.threads.map((t) => [t.threadId, t.name, t.length]));
    for (let i = 0; i < profile.threads.length; i++) {
      expect(profile.threads[i].times).toEqual(reference.threads[i].times);
      expect(profile.threads[i].weights).toEqual(reference.threads[i].weights);
      expect(profile.threads[i].flags).toEqual(reference.threads[i].flags);
    }
    const counts = sampleCounts(profile);
    expect(counts.samples).toBeGreaterThan(500);
    expect(counts.unknown, 'the stalled reader lost data').toBeGreaterThan(0);
    expect(counts.live).toBeGreaterThan(0);
    expect(counts.idle, 'idle live copies').toBeGreaterThan(0);
    expect(profile.meta.process?.pid).toBe(4242);
    // The same function seen by both threads under different ids is one frame.
    expect(profile.frames.filter((f) => f.name === 'handler;9 ✓')).toHaveLength(1);
    expect(profile.frames.filter((f) => f.name.startsWith('(function'))).toEqual([]);
  });

  it("exports to every format with totals that agree", async () => {
    const counts = sampleCounts(profile);
    const written = new Map<string, string[]>();
    for (const format of EXPORT_FORMATS) written.set(format, await exportProfile(profile, format, join(dir, `out.${format}`)));
    const read = (format: string, i = 0) => fs.readFileSync(written.get(format)![i], 'utf8');

    // Folded weighs by time by default (whole milliseconds adding up to the rounded total).
    expect(checkFolded(read('folded')).total).toBe(Math.round(counts.timeMs));
    const [bySamples] = await exportProfile(profile, 'folded', join(dir, 'out.samples.folded'), { weight: 'samples' });
    expect(checkFolded(fs.readFileSync(bySamples!, 'utf8')).total).toBe(counts.samples);
    const speedscope = checkSpeedscope(JSON.parse(read('speedscope')));
    expect(speedscope.reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    expect(speedscope.reduce((s, t) => s + t.timeMs, 0)).toBeCloseTo(counts.timeMs, 6);
    expect(written.get('cpuprofile')).toEqual([join(dir, 'out.thread-0.cpuprofile'), join(dir, 'out.thread-1.cpuprofile')]);
    const cpu = [0, 1].map((i) => checkCpuProfile(JSON.parse(read('cpuprofile', i))));
    expect(cpu[0].samples + cpu[1].samples).toBe(counts.samples);
    expect(Math.abs(cpu[0].timeMs + cpu[1].timeMs - counts.timeMs)).toBeLessThan(0.003);
    const chrome = checkChromeTrace(JSON.parse(read('chrome')));
    expect([...chrome.values()].reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    const pprof = checkPprof(fs.readFileSync(written.get('pprof')![0])).byThread;
    expect([...pprof.values()].reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    expect([...pprof.keys()].sort()).toEqual(['main (thread 0)', 'worker;1 (thread 1)']);
    expect(checkHtml(read('html')).reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    expect(checkSvg(read('svg')).samples).toBe(counts.samples);
    // Nothing but the outputs: no temporary file left behind.
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a truncated trace (a crash mid-write) still exports, with a warning', async () => {
    const cut = join(dir, 'cut.trace');
    const bytes = fs.readFileSync(path);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const warnings: string[] = [];
    const partial = await profileFromTrace(cut, { onWarning: (w) => warnings.push(w.kind) });
    expect(warnings).toContain('truncated');
    expect(partial.meta.traceWarnings).toBeGreaterThan(0);
    const n = sampleCounts(partial).samples;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(sampleCounts(profile).samples);
    const [out] = await exportProfile(partial, 'folded', join(dir, 'cut.folded'), { weight: 'samples' });
    expect(checkFolded(fs.readFileSync(out!, 'utf8')).total).toBe(n);
  });

  it('a damaged trace fails with the file named', async () => {
    const bad = join(dir, 'bad.trace');
    const bytes = fs.readFileSync(path);
    bytes[100] ^= 0xff;
    fs.writeFileSync(bad, bytes);
    await expect(profileFromTrace(bad)).rejects.toThrow(bad);
  });
});
