import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Real programs nobody here wrote, recorded with every file instrumented (dependencies too),
// through the real CLI: the TypeScript compiler (one 9 MB CommonJS file), prettier, eslint
// (which loads its config with import()) and a vite build (ES modules, a native bundler,
// worker threads). Each must produce exactly what it produces
// plain, and a trace that reports cleanly with the program's own functions in it. All of it
// again with --skip-trivial-leaves (frames pushed lazily: packages/babel-plugin/src/lazy-entry.ts).
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'stackring-real-'));
const env = { ...process.env, STACKRING_CACHE_DIR: join(dir, 'cache'), NO_COLOR: '1' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Records `args` under stackring (with `flags`), then reports the trace as folded stacks. */
function record(name: string, args: string[], cwd: string, flags: string[]) {
  const trace = join(dir, `${name}.srt`);
  const run = node([bin, 'record', '--node-modules', ...flags, '-o', trace, '--', 'node', ...args], cwd);
  const folded = join(dir, `${name}.folded`);
  const report = node([bin, 'report', trace, '-f', 'folded', '-o', folded], cwd);
  expect(report.code, report.stderr).toBe(0);
  expect(report.stderr).toBe(''); // no warning: a complete, uncorrupted trace
  return { run, folded: readFileSync(folded, 'utf8') };
}

describe.each([
  { flags: [] as string[], suffix: '' },
  { flags: ['--skip-trivial-leaves'], suffix: '-skip' },
])('real programs, recorded with every file instrumented $flags', ({ flags, suffix }) => {
  it('the TypeScript compiler reports the same errors, and its trace shows the checker', () => {
    const project = join(dir, 'ts-project' + suffix);
    cpSync(join(root, 'packages/ring/src'), join(project, 'src'), { recursive: true });
    // No Node types on purpose: tsc then reports errors, a deterministic output to compare.
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [], skipLibCheck: true, lib: ['ES2022'] }, include: ['src'] }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const plain = node([tsc, '-p', '.', '--noEmit'], project);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toContain('error TS');
    const { run, folded } = record('tsc' + suffix, [tsc, '-p', '.', '--noEmit'], project, flags);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toBe(plain.stdout);
    expect(folded).toMatch(/executeCommandLine;.*performCompilation;/);
    expect(folded).toMatch(/;checkSourceFile/);
  }, 180_000); // the first start instruments tsc's 9 MB file (about 10 s here)

  it('prettier formats a large file the same, and its trace shows the printer', () => {
    const project = join(dir, 'prettier-project' + suffix);
    mkdirSync(project, { recursive: true });
    cpSync(join(root, 'node_modules/acorn/dist/acorn.js'), join(project, 'input.js'));
    const prettier = join(root, 'node_modules/prettier/bin/prettier.cjs');
    const plain = node([prettier, 'input.js'], project);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.length).toBeGreaterThan(100_000);
    const { run, folded } = record('prettier' + suffix, [prettier, 'input.js'], project, flags);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(plain.stdout);
    expect(folded).toMatch(/(^|;)printAstToDoc[; ]/m);
    expect(folded).toMatch(/(^|;)printDocToString[; ]/m);
  }, 120_000);

  it('eslint reports the same problems, and its trace shows the rules running', () => {
    const project = join(dir, 'eslint-project' + suffix);
    mkdirSync(project, { recursive: true });
    cpSync(join(root, 'node_modules/acorn/dist/acorn.js'), join(project, 'input.js'));
    // The recommended rules, with acorn's UMD globals: a few real problems to report.
    writeFileSync(
      join(project, 'eslint.config.cjs'),
      `const js = require(${JSON.stringify(join(root, 'node_modules/@eslint/js'))});\nmodule.exports = [js.configs.recommended, { languageOptions: { ecmaVersion: 2022, sourceType: 'script', globals: { module: 'readonly', exports: 'writable', define: 'readonly', globalThis: 'readonly', self: 'readonly' } } }];\n`,
    );
    const eslint = join(root, 'node_modules/eslint/bin/eslint.js');
    const plain = node([eslint, 'input.js', '-f', 'json'], project);
    expect(plain.code, plain.stderr).toBe(1); // problems found
    expect(JSON.parse(plain.stdout)[0].messages.length).toBeGreaterThan(0);
    const { run, folded } = record('eslint' + suffix, [eslint, 'input.js', '-f', 'json'], project, flags);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe(plain.stdout);
    expect(folded).toMatch(/Linter\.verify[; ].*runRules/m);
  }, 120_000);

  it('vite builds the same files, and its trace shows the build', () => {
    const project = join(dir, 'vite-project' + suffix);
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'index.html'), '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>\n');
    writeFileSync(join(project, 'src/main.js'), "import { greet } from './greet.js';\ndocument.getElementById('app').textContent = greet('vite');\n");
    writeFileSync(join(project, 'src/greet.js'), 'export function greet(name) {\n  return `hello ${name}`;\n}\n');
    // vite comes with vitest (this repository's test runner), wherever npm put it.
    const vite = join(dirname(createRequire(join(root, 'node_modules/vitest/package.json')).resolve('vite/package.json')), 'bin/vite.js');
    const plain = node([vite, 'build', '--outDir', 'dist-plain'], project);
    expect(plain.code, plain.stderr).toBe(0);
    const { run, folded } = record('vite' + suffix, [vite, 'build', '--outDir', 'dist-recorded'], project, flags);
    expect(run.code, run.stderr).toBe(0);
    const files = (out: string) => readdirSync(join(project, out), { recursive: true }).map(String).sort();
    expect(files('dist-recorded')).toEqual(files('dist-plain'));
    for (const file of files('dist-plain').filter((f) => /\.(js|html)$/.test(f))) {
      expect(readFileSync(join(project, 'dist-recorded', file), 'utf8'), file).toBe(readFileSync(join(project, 'dist-plain', file), 'utf8'));
    }
    // vite's own functions, by their names (its build is async: after an await, a frame can be
    // the root of its stack). Most of a small build is the main thread waiting.
    expect(folded).toMatch(/(^|;)(buildApp|build|buildEnvironment|#build|resolveConfig)[; ]/m);
  });
});
