import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  chromeTraceChunks,
  cpuProfilePath,
  cpuProfiles,
  diffFoldedEntries,
  diffViewerData,
  fileUrl,
  foldedText,
  htmlFlameGraph,
  pprofBytes,
  sampleCounts,
  speedscopeText,
  svgFlameGraph,
  syntheticProfile,
  type Profile,
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
  embeddedViewerData,
  pprofStacks,
  speedscopeStacks,
} from './validators.js';
import { foldedEntries } from '../src/index.js';

const profile = syntheticProfile({ samples: 6000, threads: 3, seed: 7 });
const counts = sampleCounts(profile);
const perThread = (p: Profile) => p.threads.map((t) => sampleCounts(p, t));

describe('synthetic profile', () => {
  it('has idle, live and lost-frame samples in every thread', () => {
    expect(counts.samples).toBe(6000);
    for (const c of perThread(profile)) {
      expect(c.idle).toBeGreaterThan(0);
      expect(c.live).toBeGreaterThan(0);
      expect(c.unknown).toBeGreaterThan(0);
    }
  });
});

// The folded stacks with a thread frame first: what every format's stacks must read back as.
const expectedStacks = new Map(foldedEntries(profile, { threadRoot: true }));

describe('every format holds the same stacks, root first, with the same counts', () => {
  it('speedscope, cpuprofile and pprof', () => {
    expect(speedscopeStacks(JSON.parse(speedscopeText(profile)))).toEqual(expectedStacks);
    const cpu = new Map<string, number>();
    for (const { threadId, name, profile: p } of cpuProfiles(profile)) {
      for (const [k, v] of cpuProfileStacks(p, `${name} (thread ${threadId})`)) cpu.set(k, v);
    }
    expect(cpu).toEqual(expectedStacks);
    expect(pprofStacks(checkPprof(pprofBytes(profile)).profile)).toEqual(expectedStacks);
  });
});

describe('folded', () => {
  it('lines match "stack count" and add up to the samples; thread roots with several threads', () => {
    const { total, lines } = checkFolded(foldedText(profile));
    expect(total).toBe(counts.samples);
    expect(lines.every(([stack]) => /^.+ \(thread \d+\);/.test(stack))).toBe(true);
    expect(lines.some(([stack]) => stack.endsWith(';(idle)'))).toBe(true);
    expect(lines.some(([stack]) => stack.includes('(unknown)'))).toBe(true);
  });
  it('by milliseconds: integer counts adding up to the rounded total', () => {
    const { total } = checkFolded(foldedText(profile, { weight: 'ms', threadRoot: false }));
    expect(total).toBe(Math.round(counts.timeMs));
  });
});

describe('speedscope', () => {
  it('follows the file format schema, one profile per thread, weights sum to each thread time', () => {
    const file = JSON.parse(speedscopeText(profile));
    const totals = checkSpeedscope(file);
    expect(totals.map((t) => t.samples)).toEqual(perThread(profile).map((c) => c.samples));
    totals.forEach((t, i) => expect(t.timeMs).toBeCloseTo(perThread(profile)[i].timeMs, 6));
    expect(file.shared.frames.some((f: any) => f.name === '(idle)')).toBe(true);
    expect(file.name).toMatch(/live/);
  });
  it('in nanoseconds: integer weights', () => {
    const totals = checkSpeedscope(JSON.parse(speedscopeText(profile, { unit: 'nanoseconds' })));
    totals.forEach((t, i) => expect(Math.abs(t.timeMs - perThread(profile)[i].timeMs)).toBeLessThan(1e-5));
  });
  it('merging repeats keeps the time', () => {
    const totals = checkSpeedscope(JSON.parse(speedscopeText(profile, { mergeRepeats: true })));
    totals.forEach((t, i) => expect(t.timeMs).toBeCloseTo(perThread(profile)[i].timeMs, 6));
  });
});

describe('cpuprofile', () => {
  it('one consistent tree per thread, 0-based positions and file:// urls', () => {
    const profiles = cpuProfiles(profile);
    expect(profiles.map((p) => p.threadId)).toEqual([0, 1, 2]);
    profiles.forEach(({ profile: p }, i) => {
      const t = checkCpuProfile(p);
      expect(t.samples).toBe(perThread(profile)[i].samples);
      expect(Math.abs(t.timeMs - perThread(profile)[i].timeMs)).toBeLessThan(0.002);
    });
    const frame = profile.frames.find((f) => f.file.startsWith('/srv/app/src'))!;
    const node = profiles[0].profile.nodes.find((n) => n.callFrame.functionName === frame.name);
    expect(node, frame.name).toBeDefined();
    expect(node!.callFrame.url).toBe(`file://${frame.file}`);
    expect(node!.callFrame.lineNumber).toBe(frame.line - 1);
    expect(node!.callFrame.columnNumber).toBe(frame.column - 1);
  });
  it('names one file per thread', () => {
    expect(cpuProfilePath('/x/out.cpuprofile', 3, 2)).toBe('/x/out.thread-3.cpuprofile');
    expect(cpuProfilePath('/x/out.cpuprofile', 0, 1)).toBe('/x/out.cpuprofile');
    expect(fileUrl('node:fs')).toBe('node:fs');
    expect(fileUrl('/a b/c.js')).toBe('file:///a%20b/c.js');
  });
});

describe('chrome trace events', () => {
  it('named threads, B/E nesting per thread, non-decreasing ts, time and samples per thread', () => {
    const file = JSON.parse([...chromeTraceChunks(profile)].join(''));
    const totals = checkChromeTrace(file);
    for (const t of profile.threads) {
      const c = sampleCounts(profile, t);
      expect(totals.get(t.threadId)!.samples).toBe(c.samples);
      expect(Math.abs(totals.get(t.threadId)!.timeMs - c.timeMs)).toBeLessThan(0.002);
    }
    expect(file.otherData.liveSamples).toBe(counts.live);
  });
  it('consecutive samples sharing a prefix extend the same slice', () => {
    const file = JSON.parse([...chromeTraceChunks(profile)].join(''));
    const begins = file.traceEvents.filter((e: any) => e.ph === 'B').length;
    // Fewer slices than frames over all samples: shared prefixes were not reopened.
    let framesOverSamples = 0;
    for (const t of profile.threads) for (let i = 0; i < t.length; i++) framesOverSamples += profile.stacks.depth[t.stacks[i]];
    expect(begins).toBeLessThan(framesOverSamples / 2);
  });
  it("each slice's args.samples, on B and on E alike, is the number of samples from its B to its E", () => {
    const file = JSON.parse([...chromeTraceChunks(profile)].join(''));
    let slices = 0;
    for (const t of profile.threads) {
      // Sample times as the trace has them (µs since the start), distinct in this profile.
      const ts = Array.from(t.times.subarray(0, t.length), (ms) => Math.round((ms - profile.startTime) * 1000));
      for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]);
      const firstAtOrAfter = (x: number) => {
        let lo = 0;
        let hi = ts.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ts[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      const within = (from: number, to: number) => firstAtOrAfter(to) - firstAtOrAfter(from);
      const open: any[] = [];
      for (const e of file.traceEvents) {
        if (e.tid !== t.threadId || (e.ph !== 'B' && e.ph !== 'E')) continue;
        if (e.ph === 'B') open.push(e);
        else {
          const b = open.pop();
          expect(b.args).toEqual(e.args);
          expect(e.args.samples).toBe(within(b.ts, e.ts));
          slices++;
        }
      }
    }
    expect(slices).toBeGreaterThan(1000);
  });
});

describe('pprof', () => {
  it('gunzips and decodes; every id exists; one value per sample type; totals per thread label', () => {
    const bytes = pprofBytes(profile);
    expect(gunzipSync(bytes).length).toBeGreaterThan(0);
    const { byThread, strings } = checkPprof(bytes);
    for (const t of profile.threads) {
      const c = sampleCounts(profile, t);
      const got = byThread.get(`${t.name} (thread ${t.threadId})`)!;
      expect(got.samples).toBe(c.samples);
      expect(Math.abs(got.timeMs - c.timeMs)).toBeLessThan(0.001 * profile.stacks.length);
    }
    expect(strings).toContain('(idle)');
    expect(strings).toContain('(unknown)');
    expect(strings).toContain('live');
  });
});

describe('HTML and SVG flame graphs', () => {
  it('HTML is self-contained and embeds per-thread trees whose totals match', () => {
    const html = htmlFlameGraph(profile);
    const totals = checkHtml(html);
    totals.forEach((t, i) => {
      expect(t.samples).toBe(perThread(profile)[i].samples);
      expect(Math.abs(t.timeMs - perThread(profile)[i].timeMs)).toBeLessThan(0.001 * profile.stacks.length);
    });
    expect(html.length).toBeLessThan(2_000_000);
  });
  it('names with </script> cannot break out of the data', () => {
    const p = syntheticProfile({ samples: 50, threads: 1 });
    (p.frames[5] as { name: string }).name = '</script><script>alert(1)</script>';
    const html = htmlFlameGraph(p);
    expect(embeddedViewerData(html).frames.name[5]).toBe('</script><script>alert(1)</script>');
  });
  it('SVG is well formed, with a title per frame and the totals at the root', () => {
    const t = checkSvg(svgFlameGraph(profile));
    expect(t.samples).toBe(counts.samples);
    expect(t.timeMs).toBeCloseTo(counts.timeMs, 0);
    expect(checkSvg(svgFlameGraph(profile, { threadId: 1, weight: 'samples' })).samples).toBe(perThread(profile)[1].samples);
  });
});

describe('differential', () => {
  const after = syntheticProfile({ samples: 6000, threads: 3, seed: 8 });
  it('two-column folded stacks add up to both profiles', () => {
    const rows = diffFoldedEntries(profile, after);
    expect(rows.reduce((s, r) => s + r[1], 0)).toBe(counts.samples);
    expect(rows.reduce((s, r) => s + r[2], 0)).toBe(sampleCounts(after).samples);
    for (const [stack, b, a] of rows) expect(`${stack} ${b} ${a}`).toMatch(/^(.+) (\d+) (\d+)$/);
  });
  it('the diff tree carries both weights', () => {
    const data = diffViewerData(profile, after);
    const [tree] = data.threads;
    expect(tree.samples.reduce((a, b) => a + b, 0)).toBe(sampleCounts(after).samples);
    expect(tree.baseSamples!.reduce((a, b) => a + b, 0)).toBe(counts.samples);
  });
});
