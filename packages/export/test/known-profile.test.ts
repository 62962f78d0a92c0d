// One small profile whose every sample is known (a frame name with ';', a live copy, a lost
// frame, an idle and a stack-less sample), checked exactly in each format: the frames carry
// their positions where the format has room, ';' is escaped in folded stacks, and idle, live
// and unknown samples show as the brief and docs/formats.md say (not only in the totals).

import { describe, expect, it } from 'vitest';
import type { StackSample } from '@stackring/ring';
import {
  chromeTraceEvents,
  cpuProfiles,
  frameColour,
  htmlFlameGraph,
  pprofBytes,
  profileFromSamples,
  speedscopeText,
  svgFlameGraph,
  foldedText,
} from '../src/index.js';
import { checkChromeTrace, checkCpuProfile, checkFolded, checkPprof, checkSpeedscope, checkSvg, embeddedViewerData } from './validators.js';

const functions = [
  { name: 'main', file: '/srv/app/src/main.js', line: 1, column: 1 },
  { name: 'parse;json', file: '/srv/app/src/parse.js', line: 40, column: 3 },
  { name: 'merge', file: '/srv/app/node_modules/lodash/merge.js', line: 99, column: 1 },
];

// [frames (outermost first, -1 a lost frame), live, idle], one millisecond apart.
const shape: Array<[number[], boolean, boolean]> = [
  [[0, 1], false, false],
  [[0, 1], true, false], // the same stack, copied live
  [[0, -1, 2], false, false], // a lost frame between main and merge
  [[], true, true], // idle (the agent's live copy while the event loop waits)
  [[], false, false], // busy with no instrumented frame: (program)
  [[0], false, false],
];
const T0 = 1.75e12;

function knownProfile() {
  const samples: StackSample[] = shape.map(([frames, live, idle], i) => ({
    threadId: 0,
    time: T0 + i,
    seq: i,
    frames: Int32Array.from(frames),
    unknownFrames: frames.filter((f) => f < 0).length,
    live,
    idle,
    reason: 0,
    missedSubBuffers: 0,
    lostSubBuffers: 0,
    lostEntries: 0,
    request: 0,
  }));
  return profileFromSamples(samples, functions, [{ threadId: 0, name: 'main' }]);
}

const profile = knownProfile();
const names = (stack: number[], frames: Array<{ name: string }>) => stack.map((i) => frames[i].name);

describe('a known profile, exactly, in every format', () => {
  it('folded: ";" in a name is escaped, one line per stack, idle/program/unknown frames', () => {
    const { lines, total } = checkFolded(foldedText(profile));
    expect(total).toBe(6);
    expect(new Map(lines)).toEqual(
      new Map([
        ['main', 1],
        ['main;parse:json', 2],
        ['main;(unknown);merge', 1],
        ['(idle)', 1],
        ['(program)', 1],
      ]),
    );
  });

  it('speedscope: frames with file, 1-based line and col; samples in time order; live counted in the name', () => {
    const file = JSON.parse(speedscopeText(profile));
    checkSpeedscope(file);
    const frames: Array<Record<string, unknown>> = file.shared.frames;
    expect(frames.find((f) => f.name === 'parse;json')).toEqual({ name: 'parse;json', file: '/srv/app/src/parse.js', line: 40, col: 3 });
    expect(frames.find((f) => f.name === 'merge')).toEqual({ name: 'merge', file: '/srv/app/node_modules/lodash/merge.js', line: 99, col: 1 });
    expect(frames.find((f) => f.name === '(idle)')).toEqual({ name: '(idle)' });
    expect(file.profiles).toHaveLength(1);
    const [p] = file.profiles;
    expect(p.name).toBe('main (thread 0)');
    expect(p.samples.map((s: number[]) => names(s, file.shared.frames))).toEqual([
      ['main', 'parse;json'],
      ['main', 'parse;json'],
      ['main', '(unknown)', 'merge'],
      ['(idle)'],
      ['(program)'],
      ['main'],
    ]);
    expect(p.weights).toEqual([1, 1, 1, 1, 1, 1]);
    expect(file.name).toBe('stackring profile: 6 samples, 1 idle, 2 live, 1 with lost frames');
  });

  it('cpuprofile: 0-based positions, file:// urls, leaf node per sample, deltas in microseconds', () => {
    const [{ profile: p }] = cpuProfiles(profile);
    checkCpuProfile(p);
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parse = p.nodes.find((n) => n.callFrame.functionName === 'parse;json')!;
    expect(parse.callFrame).toMatchObject({ url: 'file:///srv/app/src/parse.js', lineNumber: 39, columnNumber: 2 });
    expect(parse.hitCount).toBe(2);
    expect(p.samples.map((id) => byId.get(id)!.callFrame.functionName)).toEqual(['parse;json', 'parse;json', 'merge', '(idle)', '(program)', 'main']);
    expect(p.timeDeltas).toEqual([0, 1000, 1000, 1000, 1000, 1000]);
    expect(p.endTime - p.startTime).toBe(6000);
  });

  it('chrome: slices named and categorised, a live leaf its own slice marked args.live, B and E with the same args', () => {
    const events = [...chromeTraceEvents(profile)];
    checkChromeTrace({ traceEvents: events });
    const main = { location: '/srv/app/src/main.js:1' };
    const parse = { location: '/srv/app/src/parse.js:40' };
    const merge = { location: '/srv/app/node_modules/lodash/merge.js:99' };
    expect(events.filter((e) => e.ph !== 'M').map((e) => [e.ph, e.name, e.ts, e.cat, e.args])).toEqual([
      ['B', 'main', 0, 'app', { ...main, samples: 3 }],
      ['B', 'parse;json', 0, 'app', { ...parse, samples: 1 }],
      ['E', 'parse;json', 1000, undefined, { ...parse, samples: 1 }],
      ['B', 'parse;json', 1000, 'app', { ...parse, samples: 1, live: true }],
      ['E', 'parse;json', 2000, undefined, { ...parse, samples: 1, live: true }],
      ['B', '(unknown)', 2000, 'unknown', { samples: 1 }],
      ['B', 'merge', 2000, 'dependency', { ...merge, samples: 1 }],
      ['E', 'merge', 3000, undefined, { ...merge, samples: 1 }],
      ['E', '(unknown)', 3000, undefined, { samples: 1 }],
      ['E', 'main', 3000, undefined, { ...main, samples: 3 }],
      ['B', '(idle)', 3000, 'idle', { samples: 1, live: true }],
      ['E', '(idle)', 4000, undefined, { samples: 1, live: true }],
      ['B', '(program)', 4000, 'other', { samples: 1 }],
      ['E', '(program)', 5000, undefined, { samples: 1 }],
      ['B', 'main', 5000, 'app', { ...main, samples: 1 }],
      ['E', 'main', 6000, undefined, { ...main, samples: 1 }],
    ]);
    expect(events.filter((e) => e.ph === 'M').map((e) => [e.name, e.args!.name])).toEqual([
      ['process_name', 'stackring profile'],
      ['thread_name', 'main (thread 0)'],
    ]);
  });

  it('pprof: live samples carry live=true, idle/program/unknown are functions, leaf first', () => {
    const { profile: p, strings } = checkPprof(pprofBytes(profile));
    const fn = new Map(p.function.map((f) => [Number(f.id), strings[Number(f.name)]]));
    const loc = new Map(p.location.map((l) => [Number(l.id), fn.get(Number(l.line[0].functionId))!]));
    const rows = p.sample.map((s) => {
      const live = s.label.some((l) => strings[Number(l.key)] === 'live' && strings[Number(l.str)] === 'true');
      return [s.locationId.map((id) => loc.get(Number(id))).join('<'), live, Number(s.value[0]), Number(s.value[1])];
    });
    expect(rows.sort()).toEqual(
      [
        ['parse;json<main', false, 1, 1e6],
        ['parse;json<main', true, 1, 1e6],
        ['merge<(unknown)<main', false, 1, 1e6],
        ['(idle)', true, 1, 1e6],
        ['(program)', false, 1, 1e6],
        ['main', false, 1, 1e6],
      ].sort(),
    );
    const fnOf = p.function.find((f) => strings[Number(f.name)] === 'parse;json')!;
    expect([strings[Number(fnOf.filename)], Number(fnOf.startLine)]).toEqual(['/srv/app/src/parse.js', 40]);
    expect(p.comment.map((c) => strings[Number(c)])).toContain('stackring: 6 samples, 1 idle, 2 live, 1 with lost frames');
  });

  it('HTML: the subtitle counts idle, live and lost-frame samples; the tree has the synthetic frames', () => {
    const data = embeddedViewerData(htmlFlameGraph(profile));
    expect(data.subtitle).toContain('6 samples, 6 ms, 1 thread(s) · 1 idle · 2 live');
    expect(data.subtitle).toContain('1 with lost frames');
    const [tree] = data.threads;
    const drawnNames = tree.frame.slice(1).map((f: number) => data.frames.name[f]);
    expect(drawnNames.sort()).toEqual(['(idle)', '(program)', '(unknown)', 'main', 'merge', 'parse;json'].sort());
    expect(data.frames.category[data.frames.name.indexOf('(unknown)')]).toBe('unknown');
    expect(data.frames.category[data.frames.name.indexOf('(idle)')]).toBe('idle');
  });

  it('SVG: idle, program and unknown frames drawn in their colours, with tooltips; live samples counted in the header', () => {
    const svg = svgFlameGraph(profile, { weight: 'samples' });
    expect(checkSvg(svg).samples).toBe(6);
    expect(svg).toContain('6 samples, width by samples · 1 idle · 2 live · 1 with lost frames</text>');
    const box = (name: string) => {
      const m = new RegExp(`<title>${name.replace(/[()]/g, '\\$&')}[^<]*</title><rect [^>]*fill="([^"]+)"`).exec(svg);
      expect(m, name).not.toBeNull();
      return m![1];
    };
    expect(box('(idle)')).toBe(frameColour('idle', '(idle)'));
    expect(box('(unknown)')).toBe(frameColour('unknown', '(unknown)'));
    expect(box('(program)')).toBe(frameColour('other', '(program)'));
    expect(box('merge')).toBe(frameColour('dependency', 'merge'));
  });

  it('colours by category: app warm, dependencies blue, Node green, idle grey, unknown lavender, all distinct', () => {
    const hsl = (c: string) => {
      const m = /^hsl\((\d+), (\d+)%, (\d+)%\)$/.exec(c);
      expect(m, c).not.toBeNull();
      return { h: Number(m![1]), s: Number(m![2]), l: Number(m![3]) };
    };
    const sample = ['main', 'parse;json', 'merge', 'x', 'handleRequest', 'readFile'];
    for (const name of sample) {
      const app = hsl(frameColour('app', name));
      expect(app.h >= 0 && app.h <= 50 && app.s >= 50, `app ${name}`).toBe(true);
      const dep = hsl(frameColour('dependency', name));
      expect(dep.h >= 190 && dep.h <= 230 && dep.s >= 40, `dependency ${name}`).toBe(true);
      const node = hsl(frameColour('node', name));
      expect(node.h >= 90 && node.h <= 140 && node.s >= 30, `node ${name}`).toBe(true);
      // The same name, the same colour, every time (stable across views and files).
      expect(frameColour('app', name)).toBe(frameColour('app', name));
    }
    expect(hsl(frameColour('idle', '(idle)')).s).toBe(0);
    const unknown = hsl(frameColour('unknown', '(unknown)'));
    expect(unknown.h >= 260 && unknown.h <= 300 && unknown.s >= 30).toBe(true);
    const all = ['app', 'dependency', 'node', 'idle', 'unknown', 'other'].map((c) => frameColour(c, '(x)'));
    expect(new Set(all).size).toBe(all.length);
  });
});
