// Babel 8 (which needs Node >= 22.18): the fixture inputs, the differential programs and real
// packages' files go through @babel/core 8 (the babel-core-8 alias) with the plugin, in a Node 22
// process (test/node22.ts fetches it). The function tables must equal Babel 7's, and each
// fixture's Babel 8 output, run here, must behave exactly like its Babel 7 output. Fixtures
// compiled with other Babel 7 plugins (babel.json) are left out: those plugins refuse Babel 8.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNode22, node22Supported } from '../../../test/node22.js';
import { parseSync, types } from '@babel/core';
import { typeBlanks } from '../src/type-blanks.js';
import { instrument, normalise, packageDir, runNode, tmpDir, withInlineMap, type Instrumented } from './helpers.js';

const require = createRequire(import.meta.url);
const fixturesDir = join(packageDir, 'test', 'fixtures');

interface Job { name: string; code: string; filename: string; options: object; typeBlanks?: boolean }
type Result = { name: string; version: string; code: string; map: unknown; functions: Instrumented['functions'] } | { name: string; version: string; blanks: number[]; opaque: number[] } | { name: string; error: string };

function babel8(node: string, jobs: Job[], dir: string): Promise<Map<string, Result>> {
  const jobsFile = join(dir, 'jobs.json');
  writeFileSync(jobsFile, JSON.stringify(jobs));
  return new Promise((resolve, reject) => {
    const child = spawn(node, [join(packageDir, 'test', 'babel8-transform.mjs'), jobsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`Babel 8 runner exited with ${code}: ${err}`));
      resolve(new Map((JSON.parse(out) as Result[]).map((r) => [r.name, r])));
    });
  });
}

const fixtures = readdirSync(fixturesDir)
  .sort()
  .filter((name) => !existsSync(join(fixturesDir, name, 'babel.json')))
  .map((name) => {
    const dir = join(fixturesDir, name);
    const input = existsSync(join(dir, 'input.mjs')) ? 'input.mjs' : 'input.js';
    const options = existsSync(join(dir, 'options.json')) ? JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8')) : {};
    return { name, input, code: readFileSync(join(dir, input), 'utf8'), options };
  });

function packageFile(name: string, rel: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) dir = dirname(dir);
  return join(dir, rel);
}

// TypeScript whose type-stripping ranges (type-blanks.ts) must not depend on the Babel version:
// the syntax tree's shape for types changed in Babel 8 (typeArguments, TSClassImplements...).
const root = join(packageDir, '..', '..');
const typeScriptFiles = [
  join(root, 'test', 'fixtures', 'function-source', 'kinds.mts'),
  packageFile('@jridgewell/trace-mapping', 'src/trace-mapping.ts'),
  join(packageDir, 'src', 'visitor.ts'),
  join(packageDir, 'src', 'type-blanks.ts'),
  join(root, 'packages', 'ring', 'src', 'area-reader.ts'),
];

// Tables only (not run): the differential programs and whole files of real packages.
const tableOnly = [
  ...readdirSync(join(packageDir, 'test', 'differential'))
    .filter((f) => /\.m?js$/.test(f))
    .map((f) => join(packageDir, 'test', 'differential', f)),
  packageFile('acorn', 'dist/acorn.js'),
  packageFile('marked', 'lib/marked.esm.js'),
  packageFile('js-yaml', 'dist/js-yaml.mjs'),
  packageFile('postcss', 'lib/container.js'),
];

describe.runIf(node22Supported)('Babel 8', () => {
  const work = join(packageDir, 'node_modules', '.stackring-test', 'babel8');
  let results = new Map<string, Result>();
  beforeAll(async () => {
    const node = await ensureNode22();
    // The directories first: whether a .js file is a module depends on the package.json above it.
    const jobs: Job[] = [
      ...fixtures.map(({ name, input, code, options }) => ({ name, code, options, filename: join(tmpDir(`babel8/${name}/babel8`), input) })),
      ...tableOnly.map((file) => ({ name: file, code: readFileSync(file, 'utf8'), options: {}, filename: file })),
      ...typeScriptFiles.map((file) => ({ name: `blanks:${file}`, code: readFileSync(file, 'utf8'), options: {}, filename: file, typeBlanks: true })),
    ];
    results = await babel8(node, jobs, tmpDir('babel8'));
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('is really Babel 8', () => {
    const any = [...results.values()].find((r) => 'version' in r);
    expect(any && 'version' in any ? any.version : '').toMatch(/^8\./);
  });

  it('gives the same function tables as Babel 7 (differential programs, real packages)', () => {
    for (const file of tableOnly) {
      const r = results.get(file)!;
      expect('error' in r ? r.error : '', file).toBe('');
      const seven = instrument(readFileSync(file, 'utf8'), file);
      expect((r as { functions: unknown }).functions, file).toEqual(seven.functions);
      expect(seven.functions.length).toBeGreaterThan(0);
    }
  });

  it("finds what TypeScript's type stripping blanks and refuses exactly as with Babel 7", () => {
    for (const file of typeScriptFiles) {
      const r = results.get(`blanks:${file}`)!;
      expect('error' in r ? r.error : '', file).toBe('');
      const code = readFileSync(file, 'utf8');
      const ast = parseSync(code, { filename: file, babelrc: false, configFile: false, sourceType: 'module', parserOpts: { plugins: ['typescript'] } })!;
      const seven = typeBlanks(types, ast.program, code);
      expect(seven.blanks.length, file).toBeGreaterThan(10);
      expect(r, file).toMatchObject(seven);
    }
  });

  for (const { name, input, code, options } of fixtures) {
    it(`fixture ${name}: Babel 8's output behaves like Babel 7's`, async () => {
      const r = results.get(name)!;
      expect('error' in r ? r.error : '').toBe('');
      if (!('code' in r)) return;
      const dir7 = tmpDir(`babel8/${name}/babel7`);
      const dir8 = tmpDir(`babel8/${name}/babel8`);
      const seven = instrument(code, join(dir7, input), options);
      expect(r.functions.map((f) => ({ ...f, file: f.file.replace(dir8, '') }))).toEqual(seven.functions.map((f) => ({ ...f, file: f.file.replace(dir7, '') })));
      writeFileSync(join(dir7, input), withInlineMap(seven.code, seven.map));
      writeFileSync(join(dir8, input), withInlineMap(r.code, r.map));
      const [run7, run8] = await Promise.all([runNode(join(dir7, input)), runNode(join(dir8, input))]);
      expect(run7.stdout.length).toBeGreaterThan(0);
      expect(normalise(run8.stdout, dir8)).toBe(normalise(run7.stdout, dir7));
      expect(run8.code).toBe(run7.code);
      expect(normalise(run8.stderr, dir8)).toBe(normalise(run7.stderr, dir7));
    });
  }
});
