// Random profiles (unknown frames, idle and live samples, many threads, names with ';', line
// breaks and unicode) exported to every format: each format's own totals, read back from its
// output, agree with the profile's (samples and time, per thread where the format keeps threads).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNKNOWN_FRAME, type StackSample } from '@stackring/ring';
import {
  chromeTraceChunks,
  cpuProfiles,
  diffFoldedEntries,
  foldedText,
  htmlFlameGraph,
  pprofBytes,
  profileFromSamples,
  sampleCounts,
  speedscopeText,
  svgFlameGraph,
} from '../src/index.js';
import {
  checkChromeTrace,
  checkCpuProfile,
  checkFolded,
  checkHtml,
  checkPprof,
  checkSpeedscope,
  checkSvg,
  cpuProfileStacks,
  pprofStacks,
  speedscopeStacks,
  stackMap,
} from './validators.js';
import { foldedEntries } from '../src/index.js';

const nameArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('a;b', 'x;;y', 'λ→🚀', 'line\nbreak', '</script>', '"q" & <t>', 'Class.method', ''),
);

const fileArb = fc.constantFrom('', '/srv/app/src/a.ts', '/srv/app/node_modules/dep/index.js', 'node:fs', '/tmp/weird; name/ü.js');

const sampleArb = (threads: number, functions: number) =>
  fc.record({
    thread: fc.nat(threads - 1),
    dt: fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 20, noNaN: true })),
    frames: fc.array(fc.integer({ min: -1, max: functions - 1 }), { maxLength: 8 }),
    live: fc.boolean(),
    idle: fc.boolean(),
  });

const scenarioArb = fc
  .record({ threads: fc.integer({ min: 1, max: 5 }), functions: fc.integer({ min: 1, max: 12 }) })
  .chain(({ threads, functions }) =>
    fc.record({
      threadNames: fc.array(nameArb, { minLength: threads, maxLength: threads }),
      functions: fc.array(fc.record({ name: nameArb, file: fileArb, line: fc.nat(500), column: fc.nat(80) }), {
        minLength: functions,
        maxLength: functions,
      }),
      samples: fc.array(sampleArb(threads, functions), { minLength: 1, maxLength: 120 }),
    }),
  );

function toStackSamples(samples: Array<{ thread: number; dt: number; frames: number[]; live: boolean; idle: boolean }>): StackSample[] {
  const clock = new Map<number, number>();
  return samples.map((s, i) => {
    const time = (clock.get(s.thread) ?? 1.75e12 + s.thread * 3.3) + s.dt;
    clock.set(s.thread, time);
    const frames = Int32Array.from(s.frames);
    return {
      threadId: s.thread * 7,
      time,
      seq: i,
      frames,
      unknownFrames: s.frames.filter((f) => f === UNKNOWN_FRAME).length,
      live: s.live,
      reason: 0,
      missedSubBuffers: 0,
      lostSubBuffers: 0,
      lostEntries: 0,
      request: 0,
      // The agent marks samples taken while the event loop waits; the default isIdle reads it.
      idle: s.idle,
    };
  });
}

describe('every format agrees with the profile', () => {
  it('samples and time per thread, in folded, speedscope, cpuprofile, chrome, pprof, html and svg', () => {
    fc.assert(
      fc.property(scenarioArb, ({ threadNames, functions, samples }) => {
        const profile = profileFromSamples(
          toStackSamples(samples),
          functions,
          threadNames.map((name, i) => ({ threadId: i * 7, name })),
        );
        const threads = profile.threads.filter((t) => t.length > 0);
        const expected = threads.map((t) => sampleCounts(profile, t));
        const all = sampleCounts(profile);
        expect(all.samples).toBe(samples.length);
        const near = (a: number, b: number, tolerance: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(tolerance);

        expect(checkFolded(foldedText(profile)).total).toBe(all.samples);
        expect(checkFolded(foldedText(profile, { weight: 'ms' })).total).toBe(Math.round(all.timeMs));

        const speedscope = checkSpeedscope(JSON.parse(speedscopeText(profile)));
        const byThread = new Map(profile.threads.map((t, i) => [t.threadId, speedscope[i]]));
        threads.forEach((t, i) => {
          expect(byThread.get(t.threadId)!.samples).toBe(expected[i].samples);
          near(byThread.get(t.threadId)!.timeMs, expected[i].timeMs, 1e-6);
        });

        for (const { threadId, profile: cpu } of cpuProfiles(profile)) {
          const t = checkCpuProfile(cpu);
          const thread = profile.threads.find((x) => x.threadId === threadId)!;
          const want = sampleCounts(profile, thread);
          expect(t.samples).toBe(want.samples);
          near(t.timeMs, want.timeMs, 0.0011);
          if (thread.length > 0) near(t.spanMs!, thread.times[thread.length - 1] - thread.times[0], 0.0011);
        }

        const chrome = checkChromeTrace(JSON.parse([...chromeTraceChunks(profile)].join('')));
        threads.forEach((t, i) => {
          expect(chrome.get(t.threadId)!.samples).toBe(expected[i].samples);
          near(chrome.get(t.threadId)!.timeMs, expected[i].timeMs, 0.0011);
        });

        const pprof = checkPprof(pprofBytes(profile)).byThread;
        threads.forEach((t, i) => {
          const got = pprof.get(`${t.name} (thread ${t.threadId})`)!;
          expect(got.samples).toBe(expected[i].samples);
          near(got.timeMs, expected[i].timeMs, 1e-6 * profile.stacks.length + 1e-9);
        });

        const html = checkHtml(htmlFlameGraph(profile));
        profile.threads.forEach((t, i) => {
          const want = sampleCounts(profile, t);
          expect(html[i].samples).toBe(want.samples);
          near(html[i].timeMs, want.timeMs, 0.0006 * profile.stacks.length);
        });

        const svg = checkSvg(svgFlameGraph(profile, { minWidth: 0 }));
        expect(svg.samples).toBe(all.samples);
        // The root's title shows one decimal; the tree's self times are kept to the microsecond.
        near(svg.timeMs, all.timeMs, 0.05 + 0.0005 * profile.stacks.length + 1e-9);

        // The same stacks, root first, with the same counts, in every format that keeps stacks.
        const stacks = stackMap(foldedEntries(profile, { threadRoot: true }));
        expect(speedscopeStacks(JSON.parse(speedscopeText(profile)))).toEqual(stacks);
        expect(pprofStacks(checkPprof(pprofBytes(profile)).profile)).toEqual(stacks);
        const cpuStacks = new Map<string, number>();
        for (const { threadId, name, profile: p } of cpuProfiles(profile)) {
          for (const [k, v] of cpuProfileStacks(p, `${name} (thread ${threadId})`)) cpuStacks.set(k, (cpuStacks.get(k) ?? 0) + v);
        }
        expect(cpuStacks).toEqual(stacks);

        const diff = diffFoldedEntries(profile, profile);
        expect(diff.reduce((s, r) => s + r[1], 0)).toBe(all.samples);
        expect(diff.every((r) => r[1] === r[2])).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
