// Real npm packages instrumented in full (every .js/.mjs/.cjs file of the package, copied to a
// temp dir): the same driver runs them plain and instrumented on real inputs; outputs must be
// identical, and probes called from inside the packages (callbacks) compare snapshot() with
// V8's stack frame by frame (differential-run.ts).
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import type { TransformOptions } from '@babel/core';
import { afterAll, describe, expect, it } from 'vitest';
import { differentialRun } from './differential-run.js';
import { instrument, packageDir, tmpDir, tmpRoot } from './helpers.js';

const require = createRequire(import.meta.url);
// Babel accepts `inputSourceMap: false`; @types/babel__core only knows the object form.
const noInputMap = { inputSourceMap: false } as unknown as TransformOptions;
const workspaceRoot = join(packageDir, '..', '..');

function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!readdirSync(dir).includes('package.json') || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) dir = dirname(dir);
  return dir;
}

function* jsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (entry !== 'node_modules') yield* jsFiles(full);
    } else if (/\.(c|m)?js$/.test(entry)) yield full;
  }
}

function markdownInput(): string {
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (entry.toLowerCase() === 'readme.md') files.push(full);
      else if (depth < 3 && !entry.startsWith('.') && statSync(full).isDirectory()) walk(full, depth + 1);
    }
  };
  walk(join(workspaceRoot, 'node_modules'), 0);
  let text = '';
  for (const f of files) if (text.length < 600_000) text += readFileSync(f, 'utf8') + '\n\n';
  return text;
}

const cases: { pkg: string; driver: string; minProbes: number }[] = [
  { pkg: 'acorn', driver: 'acorn.cjs', minProbes: 10 },
  { pkg: 'marked', driver: 'marked.mjs', minProbes: 10 },
  { pkg: 'js-yaml', driver: 'js-yaml.cjs', minProbes: 5 },
  { pkg: 'postcss', driver: 'postcss.cjs', minProbes: 5 },
  { pkg: '@babel/parser', driver: 'babel-parser.cjs', minProbes: 0 },
];

describe('real npm packages, instrumented in full', () => {
  const inputs = join(tmpRoot, 'real', 'inputs');
  afterAll(() => rmSync(join(tmpRoot, 'real'), { recursive: true, force: true }));
  // Also with skipTrivialLeaves: trivial functions left out, the others' frames pushed lazily.
  for (const { pkg, driver, minProbes } of cases) for (const options of [{}, { skipTrivialLeaves: true }]) {
    const variant = options.skipTrivialLeaves ? ' (skipTrivialLeaves)' : '';
    it(`${pkg} behaves the same and its stacks match V8's${variant}`, async () => {
      tmpDir('real/inputs');
      writeFileSync(join(inputs, 'readmes.md'), markdownInput());
      const env = {
        REAL_INPUT_ACORN: join(packageRoot('acorn'), 'dist', 'acorn.js'),
        REAL_INPUT_MARKDOWN: join(inputs, 'readmes.md'),
        REAL_INPUT_JSON: join(workspaceRoot, 'package-lock.json'),
      };
      Object.assign(process.env, env);
      const name = pkg.replace('/', '+') + (variant ? '-skip' : '');
      const plainDir = tmpDir(`real/${name}/plain`);
      const instDir = tmpDir(`real/${name}/inst`);
      const source = packageRoot(pkg);
      const table = new Map<string, string>();
      let files = 0;
      let bytes = 0;
      for (const dir of [plainDir, instDir]) cpSync(source, join(dir, 'node_modules', pkg), { recursive: true, dereference: true });
      for (const file of jsFiles(join(instDir, 'node_modules', pkg))) {
        const code = readFileSync(file, 'utf8');
        // The packages ship source maps to their TypeScript; V8 reports JS positions, so compare those.
        const out = instrument(code, file, options, { sourceMaps: false, ...noInputMap });
        writeFileSync(file, out.code);
        for (const f of out.functions) table.set(`${relative(instDir, f.file)}:${f.line}:${f.column}`, f.name);
        files++;
        bytes += code.length;
      }
      for (const dir of [plainDir, instDir]) cpSync(join(packageDir, 'test', 'real', driver), join(dir, driver));
      const result = await differentialRun(plainDir, instDir, driver, table);
      console.log(`${pkg}${variant}: ${files} files, ${(bytes / 1024).toFixed(0)} KiB, ${table.size} functions instrumented, ${result.probes} probes compared`);
      expect(result.stderr).toEqual(['', '']);
      expect(result.plainOutput.length).toBeGreaterThan(0);
      expect(result.instOutput).toBe(result.plainOutput);
      expect(result.labelsMatch).toBe(true);
      expect(result.mismatches).toEqual([]);
      expect(result.probes).toBeGreaterThanOrEqual(minProbes);
    }, 240_000);
  }
});
