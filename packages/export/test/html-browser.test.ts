// The HTML flame graph in real headless Chromium: zoom, reset, search share, tooltip, thread
// selector, icicle and callers views, what is drawn (window.__stackringFlame and the canvas
// pixels), no console error, and a million-sample page rendering in bounded time.

import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { StackSample } from '@stackring/ring';
import { diffHtml, frameColour, profileFromSamples, syntheticProfile, writeHtml, writeSvg } from '../src/index.js';
import { chromiumForTests } from './browser.js';
import { profileOfShape, type Shape } from './shaped-profile.js';

const { dir, context: browserContext } = chromiumForTests('stackring-html-');

// A small program with known shares. Function ids: 0 main, 1 handleRequest, 2 parseJSON,
// 3 renderTemplate, 4 lodash.merge (a dependency), 5 fs.readFile (Node), 6 crunch (worker).
const functions = [
  { name: 'main', file: '/srv/app/src/main.js', line: 1, column: 1 },
  { name: 'handleRequest', file: '/srv/app/src/server.js', line: 12, column: 3 },
  { name: 'parseJSON', file: '/srv/app/src/parse.js', line: 40, column: 1 },
  { name: 'renderTemplate', file: '/srv/app/src/views.js', line: 7, column: 1 },
  { name: 'merge', file: '/srv/app/node_modules/lodash/merge.js', line: 99, column: 1 },
  { name: 'readFile', file: 'node:fs', line: 300, column: 1 },
  { name: 'crunch', file: '/srv/app/src/worker.js', line: 5, column: 1 },
];
// [thread, stack, how many samples]
const shape: Array<[number, number[], number]> = [
  [0, [0, 1, 2], 30],
  [0, [0, 1, 3], 20],
  [0, [0, 1, 3, 4], 10],
  [0, [0, 5], 15],
  [0, [], 5], // idle
  [0, [0, -1, 2], 4], // a lost frame
  [1, [6], 12],
  [1, [6, 2], 4],
];

function knownProfile(stacks: Shape = shape) {
  return profileOfShape(stacks, functions, [
    { threadId: 0, name: 'main' },
    { threadId: 1, name: 'worker' },
  ]);
}

interface DrawnRect {
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  depth: number;
  dim: boolean;
  match: boolean;
}

async function open(page: Page, file: string) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Offline: the page loads nothing but itself.
  page.on('request', (r) => r.url() !== `file://${file}` && problems.push(`request: ${r.url()}`));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => (window as any).__stackringFlame !== undefined);
  return problems;
}

/** The canvas pixel inside a drawn frame, and the colour `css` as the same canvas paints it. */
async function pixels(page: Page, r: DrawnRect, css?: string): Promise<{ drawn: number[]; expected?: number[] }> {
  return page.evaluate(
    ([x, y, css]) => {
      // Read from a copy (a canvas made for reading), not the page's: repeated readbacks of
      // the page's canvas make Chromium log a warning, which the tests count as a problem.
      const copy = (width: number, height: number) => {
        const c = document.createElement('canvas');
        c.width = width;
        c.height = height;
        return c.getContext('2d', { willReadFrequently: true })!;
      };
      const flame = document.getElementById('flame') as HTMLCanvasElement;
      const page = copy(flame.width, flame.height);
      page.drawImage(flame, 0, 0);
      const drawn = Array.from(page.getImageData(Math.floor(x * devicePixelRatio), Math.floor(y * devicePixelRatio), 1, 1).data);
      if (css === undefined) return { drawn };
      const swatch = copy(1, 1);
      swatch.fillStyle = css;
      swatch.fillRect(0, 0, 1, 1);
      return { drawn, expected: Array.from(swatch.getImageData(0, 0, 1, 1).data) };
    },
    [r.x + 2, r.y + 2, css] as [number, number, string | undefined],
  );
}

const rects = (page: Page): Promise<DrawnRect[]> => page.evaluate(() => (window as any).__stackringFlame.rects());
const state = (page: Page): Promise<any> => page.evaluate(() => (window as any).__stackringFlame.state());

async function pointAt(page: Page, r: DrawnRect) {
  const box = (await page.locator('#flame').boundingBox())!;
  return { x: box.x + r.x + Math.min(r.w / 2, 40), y: box.y + r.y + r.h / 2 };
}

describe('HTML flame graph in Chromium', () => {
  it('zooms, resets, searches, shows tooltips, switches threads and views, logs no error', async () => {
    const file = join(dir, 'known.html');
    writeHtml(knownProfile(), file);
    const page = await browserContext().newPage();
    const problems = await open(page, file);
    await page.selectOption('#weight', 'samples');

    const s0 = await state(page);
    expect(s0.threads).toEqual(['All threads', 'main (thread 0)', 'worker (thread 1)']);
    let drawn = await rects(page);
    const names = drawn.map((r) => r.name);
    for (const n of ['All threads', 'main (thread 0)', 'worker (thread 1)', 'handleRequest', 'parseJSON', 'merge', 'readFile', 'crunch', '(idle)', '(unknown)']) {
      expect(names, n).toContain(n);
    }
    const width = drawn[0].w;
    // Flame orientation: the root at the bottom.
    expect(drawn[0].y).toBe(s0.canvasHeight - 18);

    // The canvas really has colour where a frame is drawn.
    const handle = drawn.find((r) => r.name === 'handleRequest')!;
    const pixel = await page.evaluate(
      ([x, y]) => Array.from((document.getElementById('flame') as HTMLCanvasElement).getContext('2d')!.getImageData(x * devicePixelRatio, y * devicePixelRatio, 1, 1).data),
      [handle.x + 2, handle.y + 2],
    );
    expect(pixel[3]).toBe(255);
    expect(pixel.slice(0, 3)).not.toEqual([255, 255, 255]);

    // Colours by category, on the canvas: app code warm, dependencies blue, Node internals
    // green, idle grey, lost frames lavender; each exactly the palette's colour for its frame.
    const colours = new Map<string, number[]>();
    for (const [name, category] of [['handleRequest', 'app'], ['merge', 'dependency'], ['readFile', 'node'], ['(idle)', 'idle'], ['(unknown)', 'unknown']]) {
      const r = drawn.find((d) => d.name === name)!;
      const { drawn: got, expected } = await pixels(page, r, frameColour(category, name));
      expect(got, name).toEqual(expected);
      colours.set(category, got);
    }
    const [ar, ag, ab] = colours.get('app')!;
    expect(ar > ab + 60 && ag > ab, 'app: warm').toBe(true);
    const [dr, , db] = colours.get('dependency')!;
    expect(db > dr + 40, 'dependency: blue').toBe(true);
    const [nr, ng, nb] = colours.get('node')!;
    expect(ng > nr && ng > nb + 20, 'node: green').toBe(true);
    const [ir, ig, ib] = colours.get('idle')!;
    expect(ir === ig && ig === ib, 'idle: grey').toBe(true);
    const [ur, ug, ub] = colours.get('unknown')!;
    expect(ur > ug + 20 && ub > ug + 20, 'unknown: lavender').toBe(true);

    // Click to zoom: handleRequest spans the width, its ancestors are dimmed, siblings gone.
    let p = await pointAt(page, handle);
    await page.mouse.click(p.x, p.y);
    drawn = await rects(page);
    const zoomed = drawn.find((r) => r.name === 'handleRequest')!;
    expect(zoomed.x).toBe(0);
    expect(zoomed.w).toBeCloseTo(width, 5);
    expect(drawn.filter((r) => r.dim).map((r) => r.name)).toEqual(['All threads', 'main (thread 0)', 'main']);
    expect(drawn.map((r) => r.name)).not.toContain('readFile');
    expect(await page.textContent('#status')).toContain('zoomed to handleRequest');

    // Reset.
    await page.click('#reset');
    expect((await state(page)).zoom).toBe(0);
    expect((await rects(page)).map((r) => r.name)).toContain('readFile');
    // Escape resets too.
    await page.mouse.click(p.x, p.y);
    expect((await state(page)).zoom).not.toBe(0);
    await page.keyboard.press('Escape');
    expect((await state(page)).zoom).toBe(0);
    expect((await rects(page)).find((r) => r.name === 'handleRequest')!.w).toBeLessThan(width);

    // Search: the share of samples with a matching frame on the stack.
    const total = shape.reduce((s, [, , n]) => s + n, 0);
    const withParse = shape.filter(([, stack]) => stack.includes(2)).reduce((s, [, , n]) => s + n, 0);
    await page.fill('#search', 'parse');
    const expectedShare = withParse / total;
    expect((await state(page)).matchShare).toBeCloseTo(expectedShare, 10);
    expect(await page.textContent('#status')).toContain(`Matched: ${(expectedShare * 100).toFixed(2)}%`);
    drawn = await rects(page);
    expect(drawn.filter((r) => r.match).map((r) => r.name).sort()).toEqual(['parseJSON', 'parseJSON', 'parseJSON']);
    await page.fill('#search', '/^(merge|readFile)$/');
    expect((await state(page)).matchShare).toBeCloseTo(25 / total, 10);
    await page.fill('#search', '');

    // Tooltip: name, file:line, samples and percent.
    const parse = (await rects(page)).filter((r) => r.name === 'parseJSON').sort((a, b) => b.w - a.w)[0];
    p = await pointAt(page, parse);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.isVisible('#tooltip')).toBe(true);
    const tip = (await page.textContent('#tooltip'))!;
    expect(tip).toContain('parseJSON');
    expect(tip).toContain('/srv/app/src/parse.js:40');
    expect(tip).toContain(`30 samples`);
    expect(tip).toContain(`(${((30 / total) * 100).toFixed(2)}%)`);

    // Thread selector.
    await page.selectOption('#thread', { label: 'worker (thread 1)' });
    drawn = await rects(page);
    expect(drawn.map((r) => r.name).sort()).toEqual(['crunch', 'parseJSON', 'worker (thread 1)']);

    // Icicle: the root at the top.
    await page.check('#icicle');
    drawn = await rects(page);
    expect(drawn.find((r) => r.name === 'worker (thread 1)')!.y).toBe(0);
    expect(drawn.find((r) => r.name === 'parseJSON')!.y).toBe(36);

    // Callers (inverted): leaf functions right under the root.
    await page.selectOption('#thread', { label: 'main (thread 0)' });
    await page.check('#callers');
    drawn = await rects(page);
    const firstLevel = drawn.filter((r) => r.depth === 1).map((r) => r.name).sort();
    expect(firstLevel).toEqual(['(idle)', 'merge', 'parseJSON', 'readFile', 'renderTemplate']);
    const parseCallers = drawn.find((r) => r.depth === 1 && r.name === 'parseJSON')!;
    expect(parseCallers.w / drawn[0].w).toBeCloseTo(34 / 84, 5);

    await page.screenshot({ path: join(tmpdir(), 'stackring-known-icicle.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the SVG flame graph renders in Chromium with a tooltip title per frame', async () => {
    const file = join(dir, 'flame.svg');
    writeSvg(syntheticProfile({ samples: 20_000, threads: 2, seed: 5 }), file);
    const page = await browserContext().newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`file://${file}`);
    const { rects, titles, width } = await page.evaluate(() => ({
      rects: document.querySelectorAll('g > g > rect').length,
      titles: document.querySelectorAll('g > g > title').length,
      width: (document.querySelector('g > g > rect') as SVGRectElement).getBBox().width,
    }));
    expect(rects).toBeGreaterThan(100);
    expect(titles).toBe(rects);
    expect(width).toBeGreaterThan(1000);
    await page.screenshot({ path: join(tmpdir(), 'stackring-flame-svg.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a graph deeper than the window with its root in view, and icicle at the top', async () => {
    // 120 frames deep: taller than the 800-pixel window.
    const deep = Array.from({ length: 120 }, (_, i) => i % functions.length);
    const samples: StackSample[] = Array.from({ length: 50 }, (_, i) => ({
      threadId: 0, time: 1.75e12 + i, seq: 0, frames: Int32Array.from(deep.slice(0, 60 + (i % 60))), unknownFrames: 0,
      live: false, idle: false, reason: 0, missedSubBuffers: 0, lostSubBuffers: 0, lostEntries: 0, request: 0,
    }));
    const file = join(dir, 'deep.html');
    writeHtml(profileFromSamples(samples, functions, [{ threadId: 0, name: 'main' }]), file);
    const page = await browserContext().newPage();
    const problems = await open(page, file);
    const bounds = () => page.evaluate(() => ({ bottom: document.getElementById('flame')!.getBoundingClientRect().bottom, top: document.getElementById('flame')!.getBoundingClientRect().top, height: window.innerHeight }));
    expect((await state(page)).canvasHeight).toBeGreaterThan(800);
    const flame = await bounds();
    expect(flame.bottom).toBeLessThanOrEqual(flame.height + 1); // the root row is on screen
    expect(flame.bottom).toBeGreaterThan(flame.height - 40);
    await page.locator('#icicle').check();
    const icicle = await bounds();
    expect(icicle.top).toBeGreaterThanOrEqual(0); // the root row, now at the top, is on screen
    expect(icicle.top).toBeLessThan(icicle.height);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a differential page colours what got slower red and what got faster blue, with the baseline in the tooltip', async () => {
    // After: parseJSON under handleRequest doubles, renderTemplate drops to a quarter.
    const after: typeof shape = shape.map(([t, stack, n]) =>
      [t, stack, stack.join() === '0,1,2' ? 60 : stack.join() === '0,1,3' ? 5 : n] as [number, number[], number],
    );
    const file = join(dir, 'known-diff.html');
    fs.writeFileSync(file, diffHtml(knownProfile(), knownProfile(after)));
    const page = await browserContext().newPage();
    const problems = await open(page, file);
    const drawn = await rects(page);
    const widest = (name: string) => drawn.filter((r) => r.name === name).sort((a, b) => b.w - a.w)[0];
    const slower = widest('parseJSON');
    const faster = widest('renderTemplate');
    // Widths are the after profile's: parseJSON (64 of 115 samples in all) is wider than renderTemplate (15).
    expect(slower.w).toBeGreaterThan(faster.w * 3);
    const [sr, sg, sb] = (await pixels(page, slower)).drawn;
    expect(sr, 'slower: red').toBe(255);
    expect(sg < 200 && sb < 200 && sg === sb).toBe(true);
    const [fr, fg, fb] = (await pixels(page, faster)).drawn;
    expect(fb, 'faster: blue').toBe(255);
    expect(fr < 240 && fr === fg).toBe(true);
    // A frame whose self share did not move (main has no self samples in either) is grey.
    const [gr, gg, gb] = (await pixels(page, widest('main'))).drawn;
    expect([gr, gg, gb]).toEqual([232, 232, 232]);

    const p = await pointAt(page, slower);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.isVisible('#tooltip')).toBe(true);
    const tip = (await page.textContent('#tooltip'))!;
    expect(tip).toContain('parseJSON');
    expect(tip).toContain('60 samples');
    expect(tip).toContain('baseline: 30 samples');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a differential page renders without errors', async () => {
    const file = join(dir, 'diff.html');
    fs.writeFileSync(file, diffHtml(syntheticProfile({ samples: 3000, seed: 1 }), syntheticProfile({ samples: 3000, seed: 2, programSeed: 1 })));
    const page = await browserContext().newPage();
    const problems = await open(page, file);
    expect((await rects(page)).length).toBeGreaterThan(10);
    await page.screenshot({ path: join(tmpdir(), 'stackring-diff.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders a one-million-sample profile quickly', async () => {
    const profile = syntheticProfile({ samples: 1_000_000, threads: 4, seed: 11 });
    const file = join(dir, 'million.html');
    writeHtml(profile, file);
    const page = await browserContext().newPage();
    const started = performance.now();
    const problems = await open(page, file);
    const loaded = performance.now() - started;
    expect((await rects(page)).length).toBeGreaterThan(100);
    // Switching to a thread and searching stay interactive.
    const t0 = performance.now();
    await page.selectOption('#thread', { index: 2 });
    await page.fill('#search', 'parse');
    const interaction = performance.now() - t0;
    console.log(
      `1,000,000-sample HTML: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, first render ${loaded.toFixed(0)} ms, thread switch + search ${interaction.toFixed(0)} ms`,
    );
    expect(loaded).toBeLessThan(10_000);
    expect(interaction).toBeLessThan(5_000);
    await page.screenshot({ path: join(tmpdir(), 'stackring-million.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
