// stackring/vite: Vitest evaluates tests (and the app code they import) in Vite's module runner,
// not through Node's loader, so the loading hooks never see them; the plugin does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import stackring from '../src/vite.js';

const require = createRequire(import.meta.url);
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const project = fileURLToPath(new URL('./fixtures/apps/vitest/', import.meta.url));
const vitest = join(require.resolve('vitest/package.json'), '..', 'vitest.mjs');
const dir = mkdtempSync(join(tmpdir(), 'stackring-vite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `stackring record` of `vitest run` on the fixture project, with the given config; the frames seen. */
function recordVitest(config: string) {
  const trace = join(dir, `${config}.srt`);
  // Not this Vitest's own variables: the inner one would think it runs inside a worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  const run = spawnSync(process.execPath, [bin, 'record', '-o', trace, '-f', 'speedscope', '--', process.execPath, vitest, 'run', '--root', project, '--config', join(project, config)], {
    encoding: 'utf8',
    env: { ...env, NO_COLOR: '1', STACKRING_CACHE_DIR: join(dir, 'cache') },
  });
  expect(run.status, run.stderr + run.stdout).toBe(0);
  const speedscope = JSON.parse(readFileSync(trace.replace(/\.srt$/, '.speedscope.json'), 'utf8'));
  const frames = speedscope.shared.frames.filter((f: { file?: string }) => f.file).map((f: { name: string; file: string; line: number; col: number }) => `${f.name} ${f.file.slice(project.length)}:${f.line}:${f.col}`);
  return { run, frames: frames as string[] };
}

describe('stackring/vite', () => {
  it('instruments the tests Vitest runs and the code they import, at their .ts positions', () => {
    const { frames, run } = recordVitest('vitest.config.mjs');
    expect(frames).toEqual(expect.arrayContaining(['fib math.ts:1:8', '<anonymous> math.spec.ts:4:32']));
    expect(run.stderr).not.toContain('no instrumented code ran');
    // Without the plugin the hooks alone see none of it, and record says what to do.
    const plain = recordVitest('plain.config.mjs');
    expect(plain.frames.filter((f) => f.includes('math'))).toEqual([]);
    expect(plain.run.stderr).toContain('no instrumented code ran');
    expect(plain.run.stderr).toContain('stackring/vite');
  });

  it('leaves alone what does not run in Node, carries a query, is virtual or is a dependency', () => {
    const plugin = stackring();
    const server = { environment: { config: { consumer: 'server' } } };
    const client = { environment: { config: { consumer: 'client' } } };
    const code = 'export function f() { return 1; }';
    const file = join(project, 'math.ts');
    expect(plugin.transform.call(server, code, file)?.code).toContain('.enter(');
    expect(plugin.transform.call({}, code, file, { ssr: true })?.code).toContain('.enter('); // Vite before environments
    expect(plugin.transform.call(client, code, file)).toBeNull();
    expect(plugin.transform.call({}, code, file, { ssr: false })).toBeNull();
    expect(plugin.transform.call(server, code, `${file}?raw`)).toBeNull();
    expect(plugin.transform.call(server, code, '\0virtual:thing.js')).toBeNull();
    expect(plugin.transform.call(server, code, join(project, 'node_modules', 'dep', 'index.js'))).toBeNull();
    expect(plugin.transform.call(server, code, join(project, 'styles.css'))).toBeNull();
  });
});
