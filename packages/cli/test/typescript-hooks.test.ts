// TypeScript under the loading hooks, as Node's own type stripping runs it: a .ts file in a
// package without "type" is an ES module or CommonJS by its syntax (Node's detection), and an
// import goes only when it says `type` (an unused import keeps its module's side effects).
// The app in fixtures/apps/ts-typeless runs plain on Node 22 and under the hooks on Node 20
// and 22: the same output, `this` parameters left out of `length`, .ts lines in error stacks
// (columns move: source maps stay off unless the app turns them on).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureNode22, node22, node22Supported } from '../../../test/node22.js';
import { moduleFormatOfPath } from '../src/hooks/filter.js';
import { detectModuleFormat, instrumentSource } from '../src/hooks/transform.js';

const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/apps/', import.meta.url));
const app = join(fixtures, 'ts-typeless', 'app.ts');
const dir = mkdtempSync(join(tmpdir(), 'stackring-ts-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the app prints under Node 22's type stripping (checked below) and must under the hooks. */
const OUTPUT = { effects: ['effects.ts ran'], length: 1, n: 12, thrown: '26:9', legacy: '6:9' };
/** The output with the error positions' columns dropped: under the hooks only lines are kept. */
const linesOnly = (o: typeof OUTPUT) => ({ ...o, thrown: o.thrown.split(':')[0], legacy: o.legacy.split(':')[0] });

describe('the format of a .ts file', () => {
  it('comes from the extension or "type"; none without "type", where Node detects it', () => {
    expect(moduleFormatOfPath(app)).toBeUndefined();
    expect(moduleFormatOfPath(join(fixtures, 'ts', 'shapes.ts'))).toBe('module');
    expect(moduleFormatOfPath(join(fixtures, 'ts-typeless', 'x.mts'))).toBe('module');
    expect(moduleFormatOfPath(join(fixtures, 'ts', 'legacy.cts'))).toBe('commonjs');
  });

  it('is detected from the syntax as Node does: module syntax makes an ES module', () => {
    const detect = (source: string) => detectModuleFormat(source, '/nowhere/a.ts', {});
    const before = process.env.STACKRING_CACHE;
    process.env.STACKRING_CACHE = '0';
    try {
      expect(detect("import { a } from './b.ts';\nconst x: number = a;")).toBe('module');
      expect(detect('export type T = number;\nexport const x: T = 1;')).toBe('module');
      expect(detect('const u: string = import.meta.url;')).toBe('module');
      expect(detect('const v: number = await Promise.resolve(1);')).toBe('module');
      expect(detect("const { a } = require('./b') as { a: number };\nmodule.exports = a;")).toBe('commonjs');
      expect(detect('if (process.argv.length > 9) return;\nconsole.log(1 as number);')).toBe('commonjs');
      expect(detect('const n: number = 1;')).toBe('commonjs');
      expect(detect('const n: number = ;')).toBe('commonjs'); // a syntax error: left to the transform to report
    } finally {
      if (before === undefined) delete process.env.STACKRING_CACHE;
      else process.env.STACKRING_CACHE = before;
    }
  });

  it('is cached with the transforms', () => {
    const env = process.env.STACKRING_CACHE_DIR;
    process.env.STACKRING_CACHE_DIR = join(dir, 'detect-cache');
    try {
      expect(detectModuleFormat('export const a: number = 1;', '/nowhere/c.ts')).toBe('module');
      expect(readdirSync(join(dir, 'detect-cache')).filter((f) => f.endsWith('.format'))).toHaveLength(1);
      expect(detectModuleFormat('export const a: number = 1;', '/nowhere/c.ts')).toBe('module');
    } finally {
      if (env === undefined) delete process.env.STACKRING_CACHE_DIR;
      else process.env.STACKRING_CACHE_DIR = env;
    }
  });
});

describe('imports, as type stripping leaves them', () => {
  it('keeps an import whose bindings go unused or serve as types, without `type`', () => {
    const source = [
      "import { unused } from './effects.ts';",
      "import { Shape } from './shapes.ts';",
      "import { type Only } from './inline.ts';",
      "import type { Gone } from './gone.ts';",
      'let s: Shape | Only | Gone | null = null;',
    ].join('\n');
    const { code } = instrumentSource(source, '/nowhere/app.ts', { format: 'module', sourceMaps: false });
    expect(code).toContain("import { unused } from './effects.ts';");
    expect(code).toContain("import { Shape } from './shapes.ts';");
    expect(code).toContain("'./inline.ts'"); // `import {} from` or `import`: the module runs, as in Node
    expect(code).not.toContain('gone.ts');
  });
});

describe('a TypeScript app in a package without "type"', () => {
  const run = (node: string) =>
    spawnSync(node, ['--import', register, app], { encoding: 'utf8', env: { ...process.env, STACKRING_CACHE_DIR: join(dir, 'cache') } });

  it('runs under the hooks on Node 20 as Node 22 strips it', () => {
    for (let i = 0; i < 2; i++) {
      // the second run from the cache
      const hooked = run(process.execPath);
      expect(hooked.stderr).toBe('');
      expect(linesOnly(JSON.parse(hooked.stdout))).toEqual(linesOnly(OUTPUT));
    }
  });

  it.runIf(node22Supported)('gives the same output plain on Node 22 and under its hooks', async () => {
    await ensureNode22();
    const plain = spawnSync(node22, ['--no-warnings', app], { encoding: 'utf8' });
    expect(JSON.parse(plain.stdout)).toEqual(OUTPUT);
    const hooked = run(node22);
    expect(hooked.stderr).toBe('');
    expect(linesOnly(JSON.parse(hooked.stdout))).toEqual(linesOnly(JSON.parse(plain.stdout)));
  }, 300_000);
});
