// ts-node's require hook compiles .ts files to CommonJS and hands them to Node's CommonJS
// compiler, where the loading hooks instrument them (Module.prototype._compile). ts-node also
// maps error stacks itself (source-map-support, with the map of the JavaScript it compiled, not
// of what runs after instrumenting): the hooks keep every line on its line, so stacks keep
// their .ts lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceFileSync } from '@stackring/ring';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const app = fileURLToPath(new URL('./fixtures/apps/ts-node/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackring-ts-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = () => {
  const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STACKRING_')));
  return { ...e, NO_COLOR: '1', STACKRING_CACHE_DIR: join(dir, 'cache') };
};

describe('ts-node (node -r ts-node/register)', () => {
  it('runs as without stackring, error stacks at the same .ts lines, every function at its .ts position', () => {
    const args = ['-r', 'ts-node/register', 'app.ts', '200'];
    const plain = spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', env: env() });
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toEqual({ spun: true, where: '13' }); // shapes.ts:13, the throw

    const trace = join(dir, 'app.srt');
    const recorded = spawnSync(process.execPath, [bin, 'record', '-o', trace, '--', process.execPath, ...args], { cwd: app, encoding: 'utf8', env: env() });
    expect(recorded.status, recorded.stderr).toBe(0);
    expect(recorded.stdout).toBe(plain.stdout);

    const functions = readTraceFileSync(trace).chunks.flatMap((c) => (c.type === 'functions' ? c.functions : []));
    const positions = functions.filter((f) => f.file.startsWith(app)).map((f) => `${f.name} ${f.file.slice(app.length)}:${f.line}:${f.column}`);
    // `export function fail` at 12:1: TypeScript's map puts the function (`function fail` in its
    // CommonJS output) at the start of the export statement.
    expect(positions.sort()).toEqual(
      ['<anonymous> app.ts:6:41', 'spin app.ts:5:1', 'Square shapes.ts:6:3', 'Square.area shapes.ts:7:3', 'fail shapes.ts:12:1'].sort(),
    );
  });
});
