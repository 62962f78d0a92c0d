// The plugin as Babel users meet it: options, config names, source maps, markers, errors.
import { transformSync } from '@babel/core';
import { parse } from '@babel/parser';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { existsSync, writeFileSync } from 'node:fs';
import { instrument, packageDir, runNode, tmpDir } from './helpers.js';

const workspaceRoot = join(packageDir, '..', '..');
const bare = { babelrc: false, configFile: false } as const;

describe('options', () => {
  const run = (options: unknown) => () => transformSync('function f() {}', { ...bare, filename: '/x/a.js', plugins: [[plugin, options]] });
  it('accepts the documented options', () => {
    expect(run({ include: ['**/*.js'], exclude: '**/vendor/**', runtime: 'rt', skipTrivialLeaves: false })).not.toThrow();
  });
  it('names an unknown option and lists the known ones', () => {
    expect(run({ includes: ['x'] })).toThrow(/unknown option "includes"; known options: include, exclude, runtime, skipTrivialLeaves/);
  });
  it('names a bad option and the type it expects', () => {
    expect(run({ runtime: 3 })).toThrow(/option "runtime" must be a non-empty module specifier string, got number 3/);
    expect(run({ include: [1] })).toThrow(/option "include" must be a glob string or an array of glob strings/);
    expect(run({ skipTrivialLeaves: 'yes' })).toThrow(/option "skipTrivialLeaves" must be a boolean, got string "yes"/);
  });
  it('include and exclude match the absolute or cwd-relative file name', () => {
    const code = 'function f() {}';
    expect(instrument(code, '/p/src/a.js', { include: ['**/src/**'] }).functions).toHaveLength(1);
    expect(instrument(code, '/p/lib/a.js', { include: ['**/src/**'] }).functions).toHaveLength(0);
    expect(instrument(code, '/p/src/vendor/a.js', { exclude: ['**/vendor/**'] }).functions).toHaveLength(0);
  });
  it('imports the runtime from the `runtime` option', () => {
    expect(instrument('export function f() {}', '/p/a.mjs', { runtime: 'my-rt' }).code).toMatch(/import \{ writer as _w, register as _r \} from "my-rt"/);
  });
});

describe('loading by name, as Babel configs and babel-loader do (require)', () => {
  for (const name of ['@stackring/babel-plugin', '@stackring']) {
    it(`plugins: ["${name}"]`, () => {
      const out = transformSync('function f() { return 1; }', { ...bare, cwd: workspaceRoot, filename: join(workspaceRoot, 'x.cjs'), plugins: [name] });
      expect(out?.code).toMatch(/_w\.enter\(_b\$[0-9a-f]{10} \+ 0\)/);
      expect(out?.code).toMatch(/require\("@stackring\/runtime"\)/);
    });
  }
});

describe('where functions\' source text lies, for Function.prototype.toString', () => {
  const code = 'class A { static m(x) { return x; } get g() { return 1; } }\nconst f = (a = () => 1) => a();\n';
  const sourceOf = (out: string | null | undefined) => {
    const m = /_r\("[^"]*", \[[^\]]*\], (\{[\s\S]*?\})\);/.exec(out ?? '');
    // eslint-disable-next-line no-new-func
    return m ? (new Function(`return ${m[1]}`)() as { name: string; path: string; hash: string; ranges: number[]; classes: number[]; blanks?: number[]; opaque?: number[] }) : undefined;
  };
  it('registers the input\'s path, hash and each function\'s and class\'s text, under a base named after the content', () => {
    const out = transformSync(code, { ...bare, filename: '/p/a.js', plugins: [plugin] })?.code;
    const info = sourceOf(out)!;
    expect(info.path).toBe('/p/a.js');
    expect(info.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(info.name).toBe(`_b$${info.hash.slice(0, 10)}`);
    expect(out).toContain(`_w.enter(${info.name} + 0)`);
    const texts = [];
    for (let i = 0; i < info.ranges.length; i += 2) texts.push(code.slice(info.ranges[i], info.ranges[i + 1]));
    // As V8's toString shows them: a static method without `static`.
    expect(texts).toEqual(['m(x) { return x; }', 'get g() { return 1; }', '(a = () => 1) => a()', '() => 1']);
    expect(code.slice(info.classes[0], info.classes[1])).toBe('class A { static m(x) { return x; } get g() { return 1; } }');
    // Another content, another name.
    expect(sourceOf(transformSync(code + ';', { ...bare, filename: '/p/a.js', plugins: [plugin] })?.code)!.name).not.toBe(info.name);
  });
  it('registers, for TypeScript compiled in the same pass, what type stripping blanks and what it refuses', () => {
    const ts = 'export function f<T>(a: T, b?: number): T { return a as T; }\nenum E { A }\nexport const g = () => E.A!;\n';
    const info = sourceOf(transformSync(ts, { ...bare, filename: '/p/a.ts', plugins: [plugin], presets: [['@babel/preset-typescript', {}]] })?.code)!;
    expect(info.path).toBe('/p/a.ts');
    const pieces = (flat: number[]) => flat.flatMap((_, i) => (i % 2 === 0 ? [ts.slice(flat[i], flat[i + 1])] : []));
    expect(pieces(info.blanks!)).toEqual(['<T>', ': T', '?: number', ': T', ' as T', '!']);
    expect(pieces(info.opaque!)).toEqual(['enum E { A }']);
    // A .cts script: the preset's CommonJS transform changes nothing there; in a module it compiles imports.
    const cts = (sourceType: 'script' | 'module', code: string) => sourceOf(transformSync(code, { ...bare, sourceType, filename: '/p/a.cts', plugins: [plugin], presets: [['@babel/preset-typescript', {}]] })?.code);
    expect(cts('script', 'const f = (a: number) => a;\n')!.blanks).toEqual([12, 20]);
    expect(cts('module', 'import { x } from "y";\nexport const f = (a: number) => a + x;\n')).toBeUndefined();
    // A JavaScript file has neither.
    const js = sourceOf(transformSync(code, { ...bare, filename: '/p/a.js', plugins: [plugin] })?.code)!;
    expect(js.blanks).toBeUndefined();
    expect(js.opaque).toBeUndefined();
  });
  it('registers nothing of it when another plugin of the pass compiles the input, a bundler takes the output, or the file has no name', () => {
    // Any plugin with a visitor but TypeScript's (which type stripping stands for) compiles.
    const another = { name: 'another', visitor: { Identifier() {} } };
    const withAnother = transformSync(code, { ...bare, filename: '/p/a.ts', plugins: [plugin, another], presets: [['@babel/preset-typescript', {}]] })?.code;
    expect(sourceOf(withAnother)).toBeUndefined();
    expect(withAnother).toMatch(/_w\.enter\(_b \+ 0\)/);
    expect(sourceOf(transformSync(code, { ...bare, filename: '/p/a.js', plugins: [plugin, another] })?.code)).toBeUndefined();
    expect(sourceOf(transformSync(code, { ...bare, plugins: [plugin] })?.code)).toBeUndefined();
    // A bundler's loader: the bundler rewrites the output again.
    expect(sourceOf(transformSync(code, { ...bare, filename: '/p/a.js', plugins: [plugin], caller: { name: 'babel-loader' } })?.code)).toBeUndefined();
    expect(sourceOf(transformSync(code, { ...bare, filename: '/p/a.js', plugins: [plugin], caller: { name: '@babel/register' } })?.code)).toBeDefined();
    // A syntax plugin only parses: the input is still what runs.
    expect(sourceOf(transformSync(code, { ...bare, filename: '/p/a.js', plugins: [plugin, '@babel/plugin-syntax-jsx'] })?.code)).toBeDefined();
  });
});

describe('module kind', () => {
  it('import for ES modules, require for scripts', () => {
    expect(instrument('import x from "y"; function f() {}', '/p/a.js').code).toMatch(/^\/\* @stackring instrumented \*\/\nimport \{/);
    expect(instrument('function f() {} module.exports = f;', '/p/a.js').code).toMatch(/= require\("@stackring\/runtime"\)/);
    expect(instrument('function f() {}', '/p/a.mjs').code).toMatch(/import \{/);
    expect(instrument('function f() {}', '/p/a.cjs').code).toMatch(/require\(/);
  });
  it('require when the caller runs the output as CommonJS (babel-jest), even in a "type": "module" package', () => {
    // packages/cli/package.json says "type": "module"; babel-jest says supportsStaticESM: false.
    const file = join(workspaceRoot, 'packages', 'cli', 'test', 'x.js');
    const run = (caller: object) => transformSync('function f() {}', { ...bare, filename: file, plugins: [plugin], caller: caller as { name: string } })?.code;
    expect(run({ name: 'babel-jest', supportsStaticESM: false })).toMatch(/= require\("@stackring\/runtime"\)/);
    expect(run({ name: 'babel-loader', supportsStaticESM: true })).toMatch(/^\/\* @stackring instrumented \*\/\nimport \{/);
    expect(run({ name: 'some-tool' })).toMatch(/import \{/); // says nothing: the package type decides
    // A file with import statements stays an ES module: the caller's module transform converts ours with them.
    expect(transformSync('import x from "y"; function f() {}', { ...bare, filename: file, plugins: [plugin], caller: { name: 'babel-jest', supportsStaticESM: false } as { name: string } })?.code).toMatch(/import \{ writer/);
  });
  it('keeps directives and the hashbang first', () => {
    const out = instrument('#!/usr/bin/env node\n"use strict";\nfunction f() {}', '/p/a.cjs').code;
    expect(out).toMatch(/^#!\/usr\/bin\/env node\n"use strict";\n\n\/\* @stackring instrumented \*\//);
  });
});

describe('markers and skips', () => {
  it('a second pass is a no-op', () => {
    const first = instrument('function f(a = g()) { return async () => { for await (const x of a) await x; }; }', '/p/a.cjs');
    const second = instrument(first.code, '/p/a.cjs');
    expect(second.functions).toEqual([]);
    expect(second.code).toBe(first.code);
  });
  it('never instruments the runtime, in any of its builds', () => {
    // The CommonJS builds sit under a name-less dist/cjs/package.json ({"type": "commonjs"}),
    // as they do in an installed package: the owner is the nearest package.json with a name.
    for (const file of [
      ['runtime', 'dist', 'snapshot.js'],
      ['runtime', 'dist', 'cjs', 'snapshot.js'],
      ['ring', 'dist', 'cjs', 'writer.js'],
    ]) {
      const path = join(workspaceRoot, 'packages', ...file);
      expect(existsSync(path), path).toBe(true);
      expect(instrument('function snapshot() {} module.exports = snapshot;', path).functions, path).toEqual([]);
    }
    // A file beside them that belongs to another package is instrumented.
    expect(instrument('function f() {}', join(workspaceRoot, 'packages', 'babel-plugin', 'test', 'x.js')).functions).toHaveLength(1);
  });
  it('inserted code never mentions `arguments` and every temporary is a fresh uid', () => {
    const code = 'var _w = 1, _b = 2, _d = 3, _t = 4, _x = 5, _r = 6, _xo = 7, _xv = 8; class K { f = () => 1; h = this.m(); static s = K.name.length; static { let _d = 1; } m(a = _w) { return _b; } async *g() { yield _t; } }';
    const out = instrument(code, '/p/a.cjs').code;
    expect(out).not.toMatch(/\barguments\b/);
    expect(out).toMatch(/writer: _w2/);
    expect(() => parse(out, { sourceType: 'script' })).not.toThrow();
  });
  it('skips bodiless TypeScript declarations and `declare` functions', () => {
    const out = transformSync('declare function d(): void; function o(a: number): void; function o(a: any) {} abstract class A { abstract m(): void; n() {} }', {
      ...bare,
      filename: '/p/a.ts',
      plugins: [plugin],
      parserOpts: { plugins: ['typescript'] },
    });
    const names = (out!.metadata as unknown as { stackring: { functions: { name: string }[] } }).stackring.functions.map((f) => f.name);
    expect(names).toEqual(['o', 'A.n']);
  });
  it('syntax errors are Babel\'s own, with file and place', () => {
    expect(() => instrument('function f( {', '/p/broken.js')).toThrow(/\/p\/broken\.js: Unexpected token \(1:13\)/);
  });
});

describe('code outside any function', () => {
  it('its catch and finally blocks heal the stack to the depth the file started at', async () => {
    const dir = tmpDir('top-level-heal');
    const code = [
      "const { writer } = require('@stackring/runtime');",
      'function f() {}',
      'const before = writer.depth;',
      "try { writer.enter(0); throw new Error('x'); } catch (e) { console.log(writer.depth - before); }",
      'try { writer.enter(0); } finally { console.log(writer.depth - before); }',
      'try { writer.enter(0); } catch (e) {} console.log(writer.depth - before);',
      'function g() { try { writer.enter(0); throw 1; } catch (e) { return writer.depth - before; } }',
      'console.log(g());',
    ].join('\n');
    writeFileSync(join(dir, 'plain.js'), code);
    writeFileSync(join(dir, 'inst.js'), instrument(code, join(dir, 'inst.js')).code);
    const [plain, inst] = await Promise.all([runNode(join(dir, 'plain.js')), runNode(join(dir, 'inst.js'))]);
    expect(plain.stdout.split('\n')).toEqual(['1', '2', '3', '4', '']); // what a leaked frame looks like
    // Top level heals to where it started (a try without catch or finally has nothing to heal);
    // a function's catch heals to its own frame (g's, on top of the one leaked before it).
    expect(inst.stdout.split('\n')).toEqual(['0', '0', '1', '2', '']);
  });
});

describe('positions in the original source (input source maps)', () => {
  it('a file compiled from TypeScript reports .ts positions and file', () => {
    const tsSource = [
      'interface Shape { area(): number }', // 1
      'export class Square implements Shape {', // 2
      '  constructor(private readonly side: number) {}', // 3
      '  public area(): number { return this.side ** 2; }', // 4
      '}', // 5
      'export const double = (n: number): number => n * 2;', // 6
      'export function total(shapes: Shape[]): number {', // 7
      '  return shapes.reduce((sum: number, s: Shape) => sum + s.area(), 0);', // 8
      '}', // 9
    ].join('\n');
    const compiled = ts.transpileModule(tsSource, {
      fileName: '/proj/src/shapes.ts',
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true },
    });
    const map = JSON.parse(compiled.sourceMapText!);
    const out = instrument(compiled.outputText.replace(/\/\/# sourceMappingURL=.*/, ''), '/proj/dist/shapes.js', {}, { inputSourceMap: map });
    const simple = out.functions.map((f) => `${f.name}@${f.file}:${f.line}:${f.column}`);
    expect(simple).toEqual([
      'Square@/proj/dist/shapes.ts:3:3',
      'Square.area@/proj/dist/shapes.ts:4:10', // `area`: what V8's position in the JS maps to
      'double@/proj/dist/shapes.ts:6:23',
      'total@/proj/dist/shapes.ts:7:8',
      '<anonymous>@/proj/dist/shapes.ts:8:24',
    ]);
    // The output's map goes back to the .ts.
    expect((out.map as { sources: string[] }).sources).toEqual(['shapes.ts']);
  });
});

describe('import cycles', () => {
  it('a function that runs before its file registered shows the (unregistered) frame, not a wrong one', async () => {
    const dir = tmpDir('cycle', 'module');
    const files: Record<string, string> = {
      // main imports a, a imports b, b calls a's hoisted function before a's body ran (its default
      // parameter runs through the file's helpers before the header that sets them up).
      'main.mjs': `import { snapshot } from '@stackring/runtime';\nglobalThis.snap = snapshot;\nawait import('./a.mjs');\n`,
      'a.mjs': `import './b.mjs';\nexport function early(names = globalThis.snap().map((f) => f.name)) { return names; }\nexport function late() { return globalThis.snap().map((f) => f.name); }\nconsole.log(JSON.stringify(late()));\n`,
      'b.mjs': `import { early } from './a.mjs';\nfunction caller() { return early(); }\nconsole.log(JSON.stringify(caller()));\n`,
    };
    for (const [name, code] of Object.entries(files)) {
      writeFileSync(join(dir, name), name === 'main.mjs' ? code : instrument(code, join(dir, name)).code);
    }
    const run = await runNode(join(dir, 'main.mjs'));
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['["caller","(unregistered)"]', '["late"]']);
  });
});
