// Jest with babel-jest: the user puts @stackring/babel-plugin in the Babel config, and
// `stackring record -- jest` records the tests. Jest evaluates every test file in a vm context
// of its own and loads the runtime anew into each, while `record`'s loading hooks have loaded it
// in the real one: all copies must share the thread's one ring and the process's one agent (two
// agents wrote the same trace file and corrupted it), and the plugin must emit require() for
// files babel-jest runs as CommonJS, although this fixture sits in a "type": "module" package.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceFileSync } from '@stackring/ring';

const require = createRequire(import.meta.url);
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const project = fileURLToPath(new URL('./fixtures/apps/jest/', import.meta.url));
const jest = join(require.resolve('jest/package.json'), '..', 'bin', 'jest.js');
const dir = mkdtempSync(join(tmpdir(), 'stackring-jest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a child: not this Vitest's variables, nor Jest's or stackring's from outside. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('JEST') && !k.startsWith('STACKRING_'));
  return { ...Object.fromEntries(inherited), NO_COLOR: '1', ...extra };
}

/** Plain `jest --runInBand` (no stackring record) of a fixture project, with `env` added. */
function runJestInBand(projectDir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [jest, '--config', join(projectDir, 'jest.config.cjs'), '--no-cache', '--runInBand'], {
    encoding: 'utf8',
    env: childEnv(env),
    timeout: 120_000,
  });
}

/** `stackring record -f speedscope` of a Jest run of the fixture; the frames of the fixture's files seen. */
function recordJest(name: string, jestArgs: string[], nodeArgs: string[] = []) {
  const out = join(dir, name);
  const trace = join(out, 'jest.srt');
  mkdirSync(out);
  const run = spawnSync(
    process.execPath,
    [bin, 'record', '-o', trace, '-f', 'speedscope', '--', process.execPath, ...nodeArgs, jest, '--config', join(project, 'jest.config.cjs'), '--no-cache', ...jestArgs],
    { encoding: 'utf8', env: childEnv({ STACKRING_CACHE_DIR: join(dir, 'cache') }), timeout: 120_000 },
  );
  expect(run.status, run.stderr + run.stdout).toBe(0);
  const speedscope = JSON.parse(readFileSync(join(out, 'jest.speedscope.json'), 'utf8'));
  const frames = speedscope.shared.frames
    .filter((f: { file?: string }) => f.file?.startsWith(project))
    .map((f: { name: string; file: string; line: number; col: number }) => `${f.name} ${f.file.slice(project.length)}:${f.line}:${f.col}`);
  // Sampled stacks (weights per profile) that end in fib, called by spin, called by a test.
  const names = speedscope.shared.frames.map((f: { name: string }) => f.name);
  const spinning = speedscope.profiles.flatMap((p: { samples: number[][] }) =>
    p.samples.filter((s) => s.length >= 3 && names[s[s.length - 1]!] === 'fib' && s.some((i) => names[i] === 'spin')),
  ).length;
  return { run, frames: frames as string[], spinning, traces: readdirSync(out).filter((f) => f.endsWith('.srt')) };
}

describe('Jest with babel-jest and @stackring/babel-plugin', () => {
  it('records the tests in band: one ring and one agent for every copy of the runtime, and no test file\'s context kept alive', () => {
    // --detectLeaks fails a test file whose context outlives it: the shared ring must keep
    // nothing made in it (the function tables each file's copy of the runtime registers).
    const { run, frames, spinning, traces } = recordJest('in-band', ['--runInBand', '--detectLeaks'], ['--expose-gc']);
    expect(run.stderr).not.toContain('leaking memory');
    // Jest's own report: every test passed, including the one that checks snapshot() in Jest's context.
    expect(run.stderr).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(run.stderr).not.toMatch(/already running|not a valid stackring trace|no instrumented code ran/);
    expect(traces).toEqual(['jest.srt']);
    expect(frames).toEqual(expect.arrayContaining(['fib work.js:2:1', 'spin work.js:5:1', '<anonymous> spin-a.test.js:4:15', '<anonymous> spin-b.test.js:3:19']));
    expect(spinning).toBeGreaterThan(100); // 800 ms of spinning at 1 kHz
  });

  it('records tests run by Jest\'s worker processes, one valid trace each', () => {
    const { run, frames, spinning, traces } = recordJest('workers', ['--maxWorkers=2']);
    expect(run.stderr).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(run.stderr).not.toMatch(/already running|not a valid stackring trace/);
    expect(traces.length).toBeGreaterThanOrEqual(2); // Jest's own process and its workers
    expect(run.stderr).toContain('child processes recorded their own traces');
    expect(frames).toEqual(expect.arrayContaining(['fib work.js:2:1', 'spin work.js:5:1']));
    expect(spinning).toBeGreaterThan(100);
  });

  it('finishes the trace when the runtime first loads inside a test file (plain jest, STACKRING_AGENT=1)', () => {
    // No hooks: the runtime, its ring and its agent start in the first test file's context, whose
    // `process` never emits exit; the trace must still get its trailer, and the other test file
    // must find the same ring and agent (one trace, no second agent).
    const trace = join(dir, 'plain.srt');
    const run = runJestInBand(project, { STACKRING_AGENT: '1', STACKRING_RECORD: trace, STACKRING_SOCKET: '0' });
    expect(run.stderr).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(run.status, run.stderr).toBe(0);
    const contents = readTraceFileSync(trace);
    expect(contents.warnings).toEqual([]);
    expect(contents.chunks.some((c) => c.type === 'trailer')).toBe(true);
    // Both test files' tables were registered on the one ring: their tests' functions are there.
    const files = new Set(contents.chunks.flatMap((c) => (c.type === 'functions' ? c.functions.map((f) => f.file.slice(project.length)) : [])));
    expect([...files].sort()).toEqual(['spin-a.test.js', 'spin-b.test.js', 'work.js']);
    expect(readdirSync(dir).filter((f) => f.startsWith('plain.') && f.endsWith('.srt'))).toEqual(['plain.srt']);
  });

  it('keeps the watchdog honest under Jest\'s fake timers (the runtime first loaded in a test file)', () => {
    // The heartbeat the watchdog watches must use the thread's own clock and timers: with the
    // test file's fakes it never beat, and a test that idled 600 ms was reported blocked.
    const fakeTimers = fileURLToPath(new URL('./fixtures/apps/jest-fake-timers/', import.meta.url));
    const run = runJestInBand(fakeTimers, { STACKRING_AGENT: '1', STACKRING_WATCHDOG: '100', STACKRING_SOCKET: '0', STACKRING_INTERVAL: '0' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Tests:\s+1 passed, 1 total/);
    expect(run.stderr).not.toContain('blocked');
  });
});
