// Function.prototype.toString of instrumented functions gives the plain program's text: V8's own
// toString of the uninstrumented program is the oracle, for every kind of function and class
// (fixtures/function-source/kinds.*) and for every function reachable from the exports of real
// packages instrumented in full (walk.mjs). Each run also checks, through V8's toString of
// another realm (which stackring leaves alone), that the functions really were instrumented.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureNode22, node22Supported } from './node22.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const fixtures = join(root, 'test/fixtures/function-source');
const dir = mkdtempSync(join(tmpdir(), 'stackring-function-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STACKRING_'))), STACKRING_CACHE_DIR: join(dir, 'cache'), NO_COLOR: '1' };

function node(args: string[], stderr = '', extra: Record<string, string> = {}, binary = process.execPath) {
  const r = spawnSync(binary, args, { cwd: root, encoding: 'utf8', env: { ...env, ...extra }, maxBuffer: 64 << 20 });
  expect(r.stderr).toBe(stderr);
  expect(r.status).toBe(0);
  return r.stdout;
}

const plain = (file: string, ...args: string[]) => node([file, ...args]);
const hooked = (file: string, ...args: string[]) => node([bin, 'run', '--node-modules', '--', process.execPath, file, ...args]);

describe('Function.prototype.toString of instrumented functions', () => {
  it('gives every kind of function and class its own text, and the text runs elsewhere (a worker, new Function)', () => {
    const file = join(fixtures, 'kinds.cjs');
    const expected = plain(file);
    const result = JSON.parse(expected) as { fromWorker: number; evaluated: number; texts: Record<string, string> };
    expect(result.fromWorker).toBe(6765);
    expect(result.evaluated).toBe(4);
    expect(Object.keys(result.texts).length).toBeGreaterThan(30);
    expect(hooked(file)).toBe(expected);
    // What was compared was instrumented (all but the bound, native and built-in ones).
    const count = (run: string[]) => Number(node(run, '', { COUNT_INSTRUMENTED: '1' }).trim());
    expect(count([file])).toBe(0);
    expect(count([bin, 'run', '--', process.execPath, file])).toBeGreaterThanOrEqual(25);
  });

  it('does so in ES modules too', () => {
    const file = join(fixtures, 'kinds.mjs');
    const expected = plain(file);
    expect(JSON.parse(expected).dflt).toBe("function () { return 'default'; }");
    expect(hooked(file)).toBe(expected);
  });

  it.runIf(node22Supported)("gives TypeScript functions and classes the text Node 22's own type stripping runs", async () => {
    // The oracle: Node 22 running the .mts file itself (types blanked out by Node); instrumented,
    // the hooks compile it with Babel, on Node 20 and on Node 22.
    const node22 = await ensureNode22();
    const file = join(fixtures, 'kinds.mts');
    const nodeOptions = { NODE_OPTIONS: '--no-warnings' };
    const expected = node([file], '', nodeOptions, node22);
    const result = JSON.parse(expected) as { texts: Record<string, string>; evaluated: unknown[] };
    expect(Object.keys(result.texts).length).toBeGreaterThanOrEqual(33);
    expect(result.evaluated).toEqual([7, '1b1', null]);
    expect(result.texts.genericArrow).toBe('(x   )    => x');
    expect(hooked(file)).toBe(expected);
    expect(node([bin, 'run', '--', node22, file], '', nodeOptions)).toBe(expected);
    const count = Number(node([bin, 'run', '--', process.execPath, file], '', { COUNT_INSTRUMENTED: '1' }).trim());
    expect(count).toBeGreaterThanOrEqual(33);
    // CommonJS TypeScript, with `import type` (which Babel must parse in a script).
    const cts = join(fixtures, 'kinds.cts');
    const ctsExpected = node([cts], '', nodeOptions, node22);
    expect(JSON.parse(ctsExpected).size).toBe('(s       )       => s.size');
    expect(hooked(cts)).toBe(ctsExpected);
  });

  it.runIf(node22Supported)("lets Chromium run a TypeScript script's functions (Playwright's page.evaluate sends their text)", async () => {
    // Before the plugin gave .ts functions their stripped text: "page.evaluate: ReferenceError: _w is not defined".
    const node22 = await ensureNode22();
    const file = join(fixtures, 'evaluate.mts');
    const expected = node([file], '', { NODE_OPTIONS: '--no-warnings' }, node22);
    expect(expected).toBe('[42,"page: typed",2]\n');
    expect(node([bin, 'run', '--', process.execPath, file])).toBe(expected); // the script instrumented, not node_modules
  });

  it('gives up on a TypeScript function with syntax type stripping refuses, and only on it', () => {
    const file = join(fixtures, 'opaque.ts');
    const texts = JSON.parse(hooked(file)) as Record<string, string>;
    for (const name of ['withEnum', 'Point', 'pointConstructor', 'asserted', 'lineBreakBeforeArrow']) expect(texts[name], name).toContain('.enter(');
    expect(texts.plain).toBe('function plain(a        )         { return a; }');
    expect(texts.Plain).toBe('class Plain {\n          x         = 1;\n  get()         { return this.x; }\n}');
    expect(texts.outer).toBe('() => { const inner = (x        ) => x; return inner; }');
    expect(texts.inner).toBe('(x        ) => x');
  });

  it('shows the instrumented text when the file changed after it was loaded, and the right text again once it is as it was', () => {
    // Compiled ahead of time into another directory; the source stays where the plugin read it.
    // Under the workspace's node_modules, where the output finds @stackring/runtime by name.
    const aot = join(root, 'node_modules', '.stackring-test', `function-source-${process.pid}`);
    const src = join(aot, 'src');
    const out = join(aot, 'out');
    mkdirSync(src, { recursive: true });
    cpSync(join(fixtures, 'kinds.cjs'), join(src, 'kinds.cjs'));
    const original = readFileSync(join(src, 'kinds.cjs'), 'utf8');
    node([bin, 'instrument', src, '--out-dir', out], `1 instrumented, 0 copied, 0 failed -> ${out}\n`);
    const run = () => JSON.parse(node([join(out, 'kinds.cjs')])).texts as Record<string, string>;
    expect(run().declared).toBe('function   declared (a,   b = () => a) { return a + b(); }');
    writeFileSync(join(src, 'kinds.cjs'), original.replace('return a + b();', 'return a + b() ;'));
    const changed = run();
    expect(changed.declared).toContain('.enter(');
    expect(changed.arrow).toContain('.enter(');
    writeFileSync(join(src, 'kinds.cjs'), original);
    expect(run().declared).toBe('function   declared (a,   b = () => a) { return a + b(); }');
    rmSync(aot, { recursive: true, force: true });
  });

  it('gives the plain text of every function reachable from the exports of real packages', () => {
    const packages = ['acorn', 'acorn-walk', 'js-yaml', 'marked', 'postcss', 'semver', 'yargs-parser', 'ajv', 'commander', 'esprima', 'source-map', 'terser', 'minimatch', 'debug', 'diff', 'json5', 'pretty-format', 'jest-diff', 'chalk', 'enhanced-resolve', 'tapable', 'webpack-sources', 'graceful-fs'];
    const walk = join(fixtures, 'walk.mjs');
    type Walked = Record<string, { texts: Record<string, string>; instrumented: number }>;
    const expected = JSON.parse(plain(walk, ...packages)) as Walked;
    const actual = JSON.parse(hooked(walk, ...packages)) as Walked;
    let functions = 0;
    let instrumented = 0;
    for (const name of packages) {
      expect(expected[name]!.instrumented, name).toBe(0);
      expect(actual[name]!.texts, name).toEqual(expected[name]!.texts);
      functions += Object.keys(expected[name]!.texts).length;
      instrumented += actual[name]!.instrumented;
    }
    console.log(`function-source: ${functions} functions of ${packages.length} packages, ${instrumented} of them instrumented, all with their plain text`);
    expect(functions).toBeGreaterThan(1000);
    expect(instrumented / functions).toBeGreaterThan(0.8);
  }, 120_000);
});
