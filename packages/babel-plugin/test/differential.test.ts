// Differential test against V8: the same program runs plain (V8's own stack at each probe,
// through the CallSite API) and instrumented (stackring's snapshot() at each probe). V8's
// frames are restricted to instrumented functions (file + enclosing line/column found in the
// plugin's function table); the two stacks must then agree frame by frame, in name and place.
import { transformSync, type PluginItem } from '@babel/core';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import type { StackringOptions } from '../src/options.js';
import { differentialRun } from './differential-run.js';
import { instrument, packageDir, tmpDir } from './helpers.js';
import { ensureNode22, node22Supported } from '../../../test/node22.js';

/**
 * `compile`: other Babel plugins both runs need (the instrumented one has the plugin first in
 * the same pass); V8's positions in the plain run are then mapped back to the source.
 */
async function differential(files: Record<string, string>, entry: string, name: string, compile: PluginItem[] = [], options: StackringOptions = {}, node = process.execPath) {
  const plainDir = tmpDir(`differential/${name}/plain`);
  const instDir = tmpDir(`differential/${name}/inst`);
  const table = new Map<string, string>();
  const maps = new Map<string, TraceMap>();
  for (const [file, code] of Object.entries(files)) {
    if (compile.length > 0) {
      const plain = transformSync(code, { filename: join(plainDir, file), babelrc: false, configFile: false, plugins: compile, sourceMaps: true })!;
      writeFileSync(join(plainDir, file), plain.code!);
      maps.set(file, new TraceMap(plain.map as ConstructorParameters<typeof TraceMap>[0]));
    } else {
      writeFileSync(join(plainDir, file), code);
    }
    const out = instrument(code, join(instDir, file), options, compile.length > 0 ? { plugins: [[plugin, options], ...compile] } : {});
    writeFileSync(join(instDir, file), out.code);
    for (const f of out.functions) {
      table.set(`${relative(instDir, f.file)}:${f.line}:${f.column}`, f.name);
      // A class's initialisers are where V8 11, 12 or 13 puts them, whichever runs: V8's frames
      // are kept at any of them, and the ring's must then be at the same one.
      for (const at of f.otherPlaces ? [f.otherPlaces.body, f.otherPlaces.member] : []) table.set(`${relative(instDir, f.file)}:${at.line}:${at.column}`, f.name);
    }
  }
  const plainPosition = (file: string, line: number, column: number) => {
    const map = maps.get(file);
    if (!map) return { line, column };
    const o = originalPositionFor(map, { line, column: column - 1 });
    return o.line === null ? undefined : { line: o.line, column: o.column + 1 };
  };
  const result = await differentialRun(plainDir, instDir, entry, table, [], plainPosition, node);
  expect(result.stderr).toEqual(['', '']);
  expect(result.labelsMatch).toBe(true);
  expect(result.instOutput).toBe(result.plainOutput);
  return result;
}

describe('differential: snapshot() equals V8 stack restricted to instrumented frames', () => {
  it('every kind of function, defaults, exceptions, overflow, generators, async', async () => {
    const code = readFileSync(join(packageDir, 'test', 'differential', 'program.js'), 'utf8');
    const { probes, mismatches } = await differential({ 'program.js': code }, 'program.js', 'program');
    console.log(`differential: ${probes} probes compared`);
    expect(mismatches).toEqual([]);
    expect(probes).toBeGreaterThan(40);
  });

  it('ES modules, callbacks through native code and other modules, delegation, for await variants', async () => {
    const read = (f: string) => readFileSync(join(packageDir, 'test', 'differential', f), 'utf8');
    const { probes, mismatches } = await differential({ 'program2.mjs': read('program2.mjs'), 'lib.mjs': read('lib.mjs') }, 'program2.mjs', 'program2');
    console.log(`differential (ESM): ${probes} probes compared`);
    expect(mismatches).toEqual([]);
    expect(probes).toBeGreaterThan(15);
  });

  it('using and await using, compiled by Babel\'s transform in the same pass', async () => {
    const code = readFileSync(join(packageDir, 'test', 'differential', 'program4.js'), 'utf8');
    const { probes, mismatches } = await differential({ 'program4.js': code }, 'program4.js', 'program4', ['@babel/plugin-transform-explicit-resource-management']);
    console.log(`differential (using): ${probes} probes compared`);
    expect(mismatches).toEqual([]);
    expect(probes).toBeGreaterThan(25);
  });

  it('class field initialisers, suspension in computed keys, exceptions caught outside any function', async () => {
    const code = readFileSync(join(packageDir, 'test', 'differential', 'program3.js'), 'utf8');
    const { probes, mismatches } = await differential({ 'program3.js': code }, 'program3.js', 'program3');
    console.log(`differential (classes): ${probes} probes compared`);
    expect(mismatches).toEqual([]);
    expect(probes).toBeGreaterThan(40);
  });
});

// With skipTrivialLeaves, functions that cannot call anything are left out (V8's frames of
// them are then not compared) and the others push their frame where they first can call
// (src/lazy-entry.ts): every probe must still see exactly the instrumented frames V8 sees.
describe('differential with skipTrivialLeaves: lazily pushed frames are there whenever code can see them', () => {
  const read = (f: string) => readFileSync(join(packageDir, 'test', 'differential', f), 'utf8');
  const skip = { skipTrivialLeaves: true };
  it('functions that run trivial code before they call', async () => {
    const { probes, mismatches } = await differential({ 'program5.js': read('program5.js') }, 'program5.js', 'lazy-program5', [], skip);
    console.log(`differential (lazy frames): ${probes} probes compared`);
    expect(mismatches).toEqual([]);
    expect(probes).toBeGreaterThan(15);
  });

  it('every kind of function, ES modules, classes and using, as in the tests above', async () => {
    const runs = [
      differential({ 'program.js': read('program.js') }, 'program.js', 'lazy-program', [], skip),
      differential({ 'program2.mjs': read('program2.mjs'), 'lib.mjs': read('lib.mjs') }, 'program2.mjs', 'lazy-program2', [], skip),
      differential({ 'program3.js': read('program3.js') }, 'program3.js', 'lazy-program3', [], skip),
      differential({ 'program4.js': read('program4.js') }, 'program4.js', 'lazy-program4', ['@babel/plugin-transform-explicit-resource-management'], skip),
    ];
    for (const { probes, mismatches } of await Promise.all(runs)) {
      expect(mismatches).toEqual([]);
      expect(probes).toBeGreaterThan(15);
    }
  });
});

// V8 12 (Node 22) places a class's initialisers elsewhere than V8 11 (the runtime's
// initializer-positions.ts): the programs with classes, run on Node 22.
describe.runIf(node22Supported)('differential on Node 22', () => {
  const read = (f: string) => readFileSync(join(packageDir, 'test', 'differential', f), 'utf8');
  it('every kind of function, and class field initialisers, static blocks and their exceptions', async () => {
    const node = await ensureNode22();
    const runs = [
      differential({ 'program.js': read('program.js') }, 'program.js', 'node22-program', [], {}, node),
      differential({ 'program3.js': read('program3.js') }, 'program3.js', 'node22-program3', [], {}, node),
      differential({ 'program3.js': read('program3.js') }, 'program3.js', 'node22-lazy-program3', [], { skipTrivialLeaves: true }, node),
    ];
    for (const { probes, mismatches } of await Promise.all(runs)) {
      expect(mismatches).toEqual([]);
      expect(probes).toBeGreaterThan(40);
    }
  });
});
