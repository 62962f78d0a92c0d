// Differential test against V8: the same program runs plain (V8's own stack at each probe,
// through the CallSite API) and instrumented (stackring's snapshot() at each probe). V8's
// frames are restricted to instrumented functions (file + enclosing line/column found in the
// plugin's function table); the two stacks must then agree frame by frame, in name and place.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { differentialRun } from './differential-run.js';
import { instrument, packageDir, tmpDir } from './helpers.js';

async function differential(files: Record<string, string>, entry: string, name: string) {
  const plainDir = tmpDir(`differential/${name}/plain`);
  const instDir = tmpDir(`differential/${name}/inst`);
  const table = new Map<string, string>();
  for (const [file, code] of Object.entries(files)) {
    writeFileSync(join(plainDir, file), code);
    const out = instrument(code, join(instDir, file));
    writeFileSync(join(instDir, file), out.code);
    for (const f of out.functions) table.set(`${relative(instDir, f.file)}:${f.line}:${f.column}`, f.name);
  }
  const result = await differentialRun(plainDir, instDir, entry, table);
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

  it('class field initialisers, suspension in computed keys, exceptions caught outside any function', async () => {
    const code = readFileSync(join(packageDir, 'test', 'differential', 'program3.js'), 'utf8');
    const { probes, mismatches } = await differential({ 'program3.js': code }, 'program3.js', 'program3');
    console.log(`differential (classes): ${probes} probes compared`);
    expect(mismatches).toEqual([]);
    expect(probes).toBeGreaterThan(40);
  });
});
