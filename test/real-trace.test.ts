import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, exportProfile, profileFromTrace, sampleCounts } from '@stackring/export';
import { checkChromeTrace, checkCpuProfile, checkFolded, checkHtml, checkPprof, checkSpeedscope, checkSvg } from '../packages/export/test/validators.js';

// A real program with two threads, recorded through the real CLI (loading hooks, agent,
// trace file), then exported to every format: the totals agree everywhere, and the frames
// are the program's own functions, in both threads, with idle time labelled.
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const app = fileURLToPath(new URL('./fixtures/two-threads.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackring-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a recorded trace of a real program, in every format', () => {
  it('records two threads and exports totals that agree', async () => {
    const trace = join(dir, 'app.srt');
    const run = spawnSync(process.execPath, [bin, 'record', '-o', trace, '--', 'node', app], {
      encoding: 'utf8',
      env: { ...process.env, STACKRING_CACHE_DIR: join(dir, 'cache'), NO_COLOR: '1' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ worker: true });

    const profile = await profileFromTrace(trace);
    const names = profile.threads.map((t) => t.name);
    expect(names).toHaveLength(2);
    expect(names).toContain('main');
    expect(names.find((n) => n !== 'main')).toMatch(/^worker \d+$/);
    const counts = sampleCounts(profile);
    expect(counts.samples).toBeGreaterThan(100);
    if (process.platform === 'linux') expect(counts.idle).toBeGreaterThan(0);

    const written = new Map<string, string[]>();
    for (const format of EXPORT_FORMATS) written.set(format, await exportProfile(profile, format, join(dir, `out.${format}`)));
    const read = (format: string, i = 0) => readFileSync(written.get(format)![i], 'utf8');
    const folded = checkFolded(read('folded'));
    expect(folded.total).toBe(Math.round(counts.timeMs)); // time, in whole ms, by default
    const [bySamples] = await exportProfile(profile, 'folded', join(dir, 'out.samples.folded'), { weight: 'samples' });
    expect(checkFolded(readFileSync(bySamples!, 'utf8')).total).toBe(counts.samples);
    expect(folded.lines.some(([stack]) => /crunch;fib/.test(stack))).toBe(true);
    expect(folded.lines.some(([stack]) => /workerMain;crunch;fib/.test(stack))).toBe(true);
    const speedscope = checkSpeedscope(JSON.parse(read('speedscope')));
    expect(speedscope.reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    expect(speedscope.reduce((s, t) => s + t.timeMs, 0)).toBeCloseTo(counts.timeMs, 3);
    const cpu = written.get('cpuprofile')!.map((f) => checkCpuProfile(JSON.parse(readFileSync(f, 'utf8'))));
    expect(cpu.reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    const chrome = checkChromeTrace(JSON.parse(read('chrome')));
    expect([...chrome.values()].reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    const pprof = checkPprof(readFileSync(written.get('pprof')![0])).byThread;
    expect([...pprof.values()].reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    expect(checkHtml(read('html')).reduce((s, t) => s + t.samples, 0)).toBe(counts.samples);
    expect(checkSvg(read('svg')).samples).toBe(counts.samples);
  });
});
