// Loaders that compile TypeScript themselves and hand Node's CommonJS compiler the JavaScript:
// ts-node (node -r ts-node/register) and @babel/register. The loading hooks instrument what they
// compile (Module.prototype._compile). Both also map error stacks themselves (source-map-support,
// with the map of the JavaScript they compiled, not of what runs after instrumenting): the hooks
// keep every line on its line, so stacks keep their .ts lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceFileSync } from '@stackring/ring';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackring-loaders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = () => {
  const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STACKRING_')));
  return { ...e, NO_COLOR: '1', STACKRING_CACHE_DIR: join(dir, 'cache') };
};

/** Runs the fixture app plain and under `stackring record`; returns both outputs and the function table. */
function plainAndRecorded(fixture: string, nodeArgs: string[]) {
  const app = fileURLToPath(new URL(`./fixtures/apps/${fixture}/`, import.meta.url));
  const args = [...nodeArgs, 'app.ts', '200'];
  const plain = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', env: env() });
  expect(plain.status, plain.stderr).toBe(0);
  const trace = join(dir, `${fixture}.srt`);
  const recorded = spawnSync(process.execPath, [bin, 'record', '-o', trace, '--', process.execPath, ...args], { cwd: app, encoding: 'utf8', env: env() });
  expect(recorded.status, recorded.stderr).toBe(0);
  const functions = readTraceFileSync(trace).chunks.flatMap((c) => (c.type === 'functions' ? c.functions : []));
  const positions = functions.filter((f) => f.file.startsWith(app)).map((f) => `${f.name} ${f.file.slice(app.length)}:${f.line}:${f.column}`);
  // Each file is the other loader's to compile: nothing for Babel to give up on (the load hook of
  // module.registerHooks sees the files that loader reads through Node's compiler).
  expect(recorded.stderr).not.toContain('left uninstrumented');
  return { plain: plain.stdout, recorded: recorded.stdout, positions: positions.sort() };
}

describe('other loaders that compile TypeScript to CommonJS', () => {
  it('ts-node: runs as without stackring, error stacks at the same .ts lines, every function at its .ts position', () => {
    const { plain, recorded, positions } = plainAndRecorded('ts-node', ['-r', 'ts-node/register']);
    expect(JSON.parse(plain)).toEqual({ spun: true, where: '13' }); // shapes.ts:13, the throw
    expect(recorded).toBe(plain);
    // `export function fail` at 12:1: TypeScript's map puts the function (`function fail` in its
    // CommonJS output) at the start of the export statement.
    expect(positions).toEqual(['<anonymous> app.ts:6:41', 'spin app.ts:5:1', 'Square shapes.ts:6:3', 'Square.area shapes.ts:7:3', 'fail shapes.ts:12:1'].sort());
  });

  it('@babel/register: the same', () => {
    const { plain, recorded, positions } = plainAndRecorded('babel-register', ['-r', './register.cjs']);
    expect(JSON.parse(plain)).toEqual({ spun: true, where: '13' });
    expect(recorded).toBe(plain);
    expect(positions).toEqual(['<anonymous> app.ts:5:33', 'spin app.ts:4:1', 'Square shapes.ts:6:3', 'Square.area shapes.ts:7:3', 'fail shapes.ts:12:1'].sort());
  });
});
