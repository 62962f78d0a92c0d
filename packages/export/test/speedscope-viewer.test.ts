// A differential test against a real viewer: the files our exporters write are opened in
// speedscope (the `speedscope` npm package's built web app, run in headless Chromium) and what
// speedscope's own importers made of them is compared with the profile we wrote.
//
// How a file gets in: exactly as `npx speedscope <file>` does it (bin/cli.mjs in the package):
// index.html#localProfilePath=<a .js file calling speedscope.loadFileFromBase64(name, base64)>,
// so speedscope sniffs the format from the bytes and the name like a dropped file.
// What it made of it: speedscope's *Export* button saves its parsed profile group as speedscope
// JSON (profile names, units, total weights, frames with file/line/col, open/close events),
// which we replay into stack -> weight maps. The page also must not log an error, alert
// ("Unrecognized format!"), show "Something went wrong" or warn (WebGL driver chatter aside).
//
// What each format looks like through speedscope's importers (jlfwong/speedscope src/import/):
// - speedscope JSON: one profile per thread with our names and weights in ms, frames with positions.
// - folded: one profile (the file's name), unit none; threads are the first frame of each stack.
// - cpuprofile (one file per thread): speedscope drops `(idle)` nodes and charges every sample
//   the time until the next one, closing the last sample at its own time, so the last sample's
//   weight is not shown (it is still in endValue: endTime - startTime). `(program)` is put on
//   top of the previous stack, so the known profile has no (program) sample.
// - chrome trace events: one profile per thread named `<process> (pid P), <thread> (tid T)`.
//   speedscope names a slice `name + ' ' + JSON.stringify(args)` (not `cat`) and compares that
//   key of `B` and `E`: a slice's `B` and `E` carry the same args, so it must not warn
//   ("Tried to end ... instead").
// - pprof: one profile (the file's name) with the default sample type (wall, nanoseconds); pprof
//   has no threads (they are labels), so the threads' stacks add up.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportProfile, type ExportFormat } from '../src/index.js';
import { chromiumForTests } from './browser.js';
import { profileOfShape } from './shaped-profile.js';

const require = createRequire(import.meta.url);
const speedscopePackage = dirname(require.resolve('speedscope/package.json'));
const speedscopeIndex = join(speedscopePackage, 'dist', 'release', 'index.html');
const SPEEDSCOPE_VERSION: string = JSON.parse(fs.readFileSync(join(speedscopePackage, 'package.json'), 'utf8')).version;

const { dir, context: browserContext } = chromiumForTests('stackring-speedscope-');

const functions = [
  { name: 'main', file: '/srv/app/src/main.js', line: 1, column: 1 },
  { name: 'handleRequest', file: '/srv/app/src/server.js', line: 12, column: 3 },
  { name: 'parseJSON', file: '/srv/app/src/parse.js', line: 40, column: 7 },
  { name: 'render «view» ✓', file: '/srv/app/src/views.js', line: 9, column: 2 },
  { name: 'crunch', file: '/srv/app/src/worker.js', line: 5, column: 1 },
];
const threads = [
  { threadId: 0, name: 'main' },
  { threadId: 1, name: 'worker' },
];
// [thread, stack (outermost first; -1 a lost frame; [] idle), samples]; samples are 1 ms apart,
// so every sample weighs 1 ms (a thread's last one too: the median interval).
const shape: Array<[number, number[], number]> = [
  [0, [0, 1, 2], 30],
  [0, [0, 1], 20],
  [0, [0, 1, 3], 6],
  [0, [0, -1, 2], 4],
  [0, [], 5],
  [0, [0], 3],
  [1, [4], 12],
  [1, [4, 2], 4],
];

function knownProfile() {
  return profileOfShape(shape, functions, threads);
}

const threadName = (t: number) => `${threads[t].name} (thread ${threads[t].threadId})`;
const threadMs = (t: number) => shape.filter(([th]) => th === t).reduce((s, [, , n]) => s + n, 0);

/** What the profile holds, straight from `shape`: stack (names joined by ';') -> milliseconds. */
function expectedStacks(
  which: number[],
  options: { threadRoot?: boolean; dropIdle?: boolean; dropLastSample?: boolean } = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of which) {
    const rows = shape.filter(([th]) => th === t);
    rows.forEach(([, stack, count], r) => {
      if (options.dropLastSample && r === rows.length - 1) count--;
      if (stack.length === 0 && options.dropIdle) return;
      const names = stack.length === 0 ? ['(idle)'] : stack.map((f) => (f < 0 ? '(unknown)' : functions[f].name));
      if (options.threadRoot) names.unshift(threadName(t));
      const key = names.join(';');
      if (count > 0) out.set(key, (out.get(key) ?? 0) + count);
    });
  }
  return out;
}

interface ExportedFrame {
  name: string;
  file?: string;
  line?: number;
  col?: number;
}
interface ExportedProfile {
  type: string;
  name: string;
  unit: string;
  startValue: number;
  endValue: number;
  events: Array<{ type: 'O' | 'C'; frame: number; at: number }>;
}
interface Seen {
  title: string;
  toolbar: string;
  file: { exporter: string; name: string; shared: { frames: ExportedFrame[] }; profiles: ExportedProfile[] };
  warnings: string[];
}

/** Opens `file` in speedscope as its command does, and returns what speedscope's Export saves. */
async function openInSpeedscope(file: string): Promise<Seen> {
  const page = await browserContext().newPage();
  const problems: string[] = [];
  const warnings: string[] = [];
  let failed: () => void = () => {};
  const failure = new Promise<void>((resolve) => (failed = resolve));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    // An importer that throws is logged (console.log) and the page says "Something went wrong".
    else if (m.text().startsWith('Failed to load format')) problems.push(m.text());
    // Chromium's software WebGL (SwiftShader) reports "GPU stall due to ReadPixels": not speedscope's.
    else if (m.type() === 'warning' && !/^\[\.WebGL-[0-9a-fx]+\]GL Driver Message/.test(m.text())) warnings.push(m.text());
  });
  page.on('pageerror', (e) => {
    problems.push(`page error: ${e.message}`);
    failed();
  });
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`); // "Unrecognized format!", or an empty profile
    failed();
    void d.dismiss();
  });
  page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('blob:') && problems.push(`request: ${r.url()}`));
  try {
    const name = basename(file);
    const loader = join(dir, `${name}.load.js`);
    fs.writeFileSync(loader, `speedscope.loadFileFromBase64(${JSON.stringify(name)}, ${JSON.stringify(fs.readFileSync(file).toString('base64'))})`);
    await page.goto(`${pathToFileURL(speedscopeIndex).href}#localProfilePath=${encodeURIComponent(loader)}`);
    // Success sets the title to `<name> - speedscope`; failure shows an error or an alert.
    await Promise.race([
      page.waitForFunction(
        () => document.title !== 'speedscope' || document.body.innerText.includes('Something went wrong'),
        undefined,
        { timeout: 15_000 },
      ),
      failure,
    ]);
    expect(problems, `${name} in speedscope`).toEqual([]);
    const body = await page.evaluate(() => document.body.innerText);
    expect(body, 'speedscope shows an import error').not.toContain('Something went wrong');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Export').click()]);
    const saved = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    const toolbar = body.split('\n').find((l) => !/Time Order|Export/.test(l)) ?? '';
    expect(problems, `${name} in speedscope`).toEqual([]);
    return { title: await page.title(), toolbar, file: saved, warnings };
  } finally {
    await page.close();
  }
}

/** Replays a profile's open/close events: stack (names joined by ';') -> weight. */
function replay(profile: ExportedProfile, frames: ExportedFrame[], rename = (n: string) => n): Map<string, number> {
  const out = new Map<string, number>();
  const stack: number[] = [];
  let at = profile.startValue;
  for (const e of profile.events) {
    if (e.at < at) throw new Error(`${profile.name}: event at ${e.at} before ${at}`);
    if (e.at > at && stack.length > 0) {
      const key = stack.map((f) => rename(frames[f].name)).join(';');
      out.set(key, (out.get(key) ?? 0) + (e.at - at));
    }
    at = e.at;
    if (e.type === 'O') stack.push(e.frame);
    else expect(frames[stack.pop()!], `${profile.name}: close at ${e.at}`).toBe(frames[e.frame]);
  }
  expect(stack, `${profile.name}: frames left open`).toEqual([]);
  return out;
}

const scaled = (m: Map<string, number>, factor: number) => new Map([...m].map(([k, v]) => [k, v * factor]));
const frameNamed = (seen: Seen, name: string) => seen.file.shared.frames.find((f) => f.name === name);

async function exportAndOpen(format: ExportFormat, name: string): Promise<Seen[]> {
  const files = await exportProfile(knownProfile(), format, join(dir, name));
  const seen: Seen[] = [];
  for (const f of files) seen.push(await openInSpeedscope(f));
  for (const s of seen) expect(s.file.exporter).toBe(`speedscope@${SPEEDSCOPE_VERSION}`);
  return seen;
}

describe(`speedscope ${SPEEDSCOPE_VERSION} reads what we write`, () => {
  it('speedscope JSON: one profile per thread, our names, weights in ms, frames with file, line and col', async () => {
    const [seen] = await exportAndOpen('speedscope', 'known.speedscope.json');
    expect(seen.warnings).toEqual([]);
    const total = threadMs(0) + threadMs(1);
    const fileName = `stackring profile: ${total} samples, 5 idle, 5 live, 4 with lost frames`;
    expect(seen.title).toBe(`${fileName} - speedscope`);
    expect(seen.file.name).toBe(fileName);
    expect(seen.toolbar).toBe(`${threadName(0)} (1/2)`);
    expect(seen.file.profiles.map((p) => [p.name, p.unit, p.endValue - p.startValue])).toEqual([
      [threadName(0), 'milliseconds', threadMs(0)],
      [threadName(1), 'milliseconds', threadMs(1)],
    ]);
    for (const t of [0, 1]) expect(replay(seen.file.profiles[t], seen.file.shared.frames)).toEqual(expectedStacks([t]));
    expect(frameNamed(seen, 'parseJSON')).toEqual({ name: 'parseJSON', file: '/srv/app/src/parse.js', line: 40, col: 7 });
    expect(frameNamed(seen, 'render «view» ✓')).toEqual({ name: 'render «view» ✓', file: '/srv/app/src/views.js', line: 9, col: 2 });
    expect(frameNamed(seen, '(unknown)')).toEqual({ name: '(unknown)' });
  });

  it('folded (ms): one profile, each stack under its thread frame, weights in ms', async () => {
    const [seen] = await exportAndOpen('folded', 'known.folded');
    expect(seen.warnings).toEqual([]);
    expect(seen.title).toBe('known.folded - speedscope');
    expect(seen.file.profiles.map((p) => [p.name, p.unit, p.endValue - p.startValue])).toEqual([
      ['known.folded', 'none', threadMs(0) + threadMs(1)],
    ]);
    expect(replay(seen.file.profiles[0], seen.file.shared.frames)).toEqual(expectedStacks([0, 1], { threadRoot: true }));
  });

  it('cpuprofile: one file per thread, each read as one profile in µs with 1-based positions', async () => {
    const seen = await exportAndOpen('cpuprofile', 'known.cpuprofile');
    expect(seen).toHaveLength(2);
    for (const t of [0, 1]) {
      const s = seen[t];
      const name = `known.thread-${threads[t].threadId}.cpuprofile`;
      expect(s.warnings).toEqual([]);
      expect(s.title).toBe(`${name} - speedscope`);
      expect(s.file.profiles.map((p) => [p.name, p.unit, p.endValue - p.startValue])).toEqual([[name, 'microseconds', threadMs(t) * 1000]]);
      // speedscope ignores (idle) nodes and does not show the last sample's weight (see the top).
      expect(replay(s.file.profiles[0], s.file.shared.frames)).toEqual(scaled(expectedStacks([t], { dropIdle: true, dropLastSample: true }), 1000));
      expect(frameNamed(s, 'parseJSON')).toEqual({ name: 'parseJSON', file: 'file:///srv/app/src/parse.js', line: 40, col: 7 });
    }
    expect(frameNamed(seen[0], 'render «view» ✓')).toEqual({ name: 'render «view» ✓', file: 'file:///srv/app/src/views.js', line: 9, col: 2 });
  });

  it('chrome trace events: one profile per thread named by the metadata events, slices in µs', async () => {
    const [seen] = await exportAndOpen('chrome', 'known.trace.json');
    // B and E of a slice have the same args, so speedscope ends each slice by its own key.
    expect(seen.warnings).toEqual([]);
    expect(seen.title).toBe('known.trace.json - speedscope');
    const names = [0, 1].map((t) => `stackring profile (pid 1), ${threadName(t)} (tid ${threads[t].threadId})`);
    expect(seen.toolbar).toBe(`${names[0]} (1/2)`);
    expect(seen.file.profiles.map((p) => [p.name, p.unit, p.endValue - p.startValue])).toEqual([
      [names[0], 'microseconds', threadMs(0) * 1000],
      [names[1], 'microseconds', threadMs(1) * 1000],
    ]);
    // speedscope's slice name is the event's name, a space and its args: drop the args.
    const withoutArgs = (n: string) => n.replace(/ \{.*\}$/, '');
    for (const t of [0, 1]) {
      expect(replay(seen.file.profiles[t], seen.file.shared.frames, withoutArgs)).toEqual(scaled(expectedStacks([t]), 1000));
    }
    // parseJSON's slices: 30 samples under handleRequest, 4 under a lost frame, 4 in the worker.
    expect(frameNamed(seen, 'parseJSON {"location":"/srv/app/src/parse.js:40","samples":30}')).toBeDefined();
    expect(frameNamed(seen, 'parseJSON {"location":"/srv/app/src/parse.js:40","samples":4}')).toBeDefined();
    expect(frameNamed(seen, '(idle) {"samples":5,"live":true}')).toBeDefined();
  });

  it('pprof: one profile of wall time in ns, the threads added up, frames with file and line', async () => {
    const [seen] = await exportAndOpen('pprof', 'known.pb.gz');
    expect(seen.warnings).toEqual([]);
    expect(seen.title).toBe('known.pb.gz - speedscope');
    expect(seen.file.profiles.map((p) => [p.name, p.unit, p.endValue - p.startValue])).toEqual([
      ['known.pb.gz', 'nanoseconds', (threadMs(0) + threadMs(1)) * 1e6],
    ]);
    expect(replay(seen.file.profiles[0], seen.file.shared.frames)).toEqual(scaled(expectedStacks([0, 1]), 1e6));
    expect(frameNamed(seen, 'parseJSON')).toEqual({ name: 'parseJSON', file: '/srv/app/src/parse.js', line: 40 });
    expect(frameNamed(seen, 'render «view» ✓')).toEqual({ name: 'render «view» ✓', file: '/srv/app/src/views.js', line: 9 });
  });
});
