// webpack itself as the profiled program: a production build run plain and under
// `stackring record` with node_modules instrumented (webpack, its resolver, tapable: hundreds
// of files nobody here wrote) must write the same bundle. webpack's default minimiser sends its
// minify function's source text to worker threads (serialize-javascript): the runtime gives an
// instrumented function's own source text back, so the workers run it as in the plain build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceFileSync, traceSamples } from '@stackring/ring';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const app = fileURLToPath(new URL('./fixtures/apps/webpack-build/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackring-webpack-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(extra: Record<string, string> = {}) {
  const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STACKRING_')));
  return { ...e, NO_COLOR: '1', STACKRING_CACHE_DIR: join(dir, 'cache'), STACKRING_NODE_MODULES: '1', ...extra };
}

function record(name: string, extra: Record<string, string>) {
  const trace = join(dir, `${name}.srt`);
  const run = spawnSync(process.execPath, [bin, 'record', '-o', trace, '--', process.execPath, 'build.cjs', join(dir, name)], {
    cwd: app,
    encoding: 'utf8',
    env: env(extra),
  });
  return { run, trace };
}

describe('webpack, instrumented in full, as the profiled program', () => {
  it('writes the same production bundle as the plain build, and its own functions are profiled', () => {
    const plain = spawnSync(process.execPath, ['build.cjs', join(dir, 'plain')], { cwd: app, encoding: 'utf8', env: env() });
    expect(plain.status, plain.stderr).toBe(0);
    const { run, trace } = record('recorded', {});
    expect(run.status, run.stderr).toBe(0);
    const bundle = readFileSync(join(dir, 'recorded', 'main.js'), 'utf8');
    expect(bundle).toBe(readFileSync(join(dir, 'plain', 'main.js'), 'utf8'));
    expect(bundle).not.toContain('_w.enter'); // the app's code is bundled as written

    const { chunks, warnings } = readTraceFileSync(trace);
    expect(warnings).toEqual([]);
    const functions = chunks.flatMap((c) => (c.type === 'functions' ? c.functions : []));
    const files = new Set(functions.map((f) => f.file));
    const inPackage = (name: string) => [...files].some((f) => f.includes(`${sep}node_modules${sep}${name}${sep}`));
    expect(inPackage('webpack')).toBe(true);
    expect(inPackage('enhanced-resolve')).toBe(true);
    expect(inPackage('tapable')).toBe(true);
    expect(inPackage('minimizer-webpack-plugin')).toBe(true); // its minify function ran in workers
    const byId = new Map(functions.map((f) => [`${f.threadId}:${f.id}`, f]));
    const sampledWebpack = [...traceSamples(chunks)].some((s) =>
      Array.from(s.frames).some((id) => byId.get(`${s.threadId}:${id}`)?.file.includes(`${sep}webpack${sep}lib${sep}`)),
    );
    expect(sampledWebpack).toBe(true);
  });
});
