// Fixture directories in the style of Babel's own plugins: test/fixtures/<case>/input.js (a
// CommonJS script) or input.mjs (an ES module), optional options.json (plugin options),
// babel.json ({ "plugins": [...] }: other plugins both runs are compiled with, the instrumented
// one with the plugin first in the same pass) and expect.json ({ "untouched": true }). The instrumented
// program must behave exactly like the plain one: same stdout, same exit code, same stderr
// (paths normalised, line:column dropped: the inserted code moves lines, and
// --enable-source-maps would rename frames from the map's `names`, a presentation artefact).
import { transformSync } from '@babel/core';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { instrument, normalise, packageDir, runNode, tmpDir, withInlineMap } from './helpers.js';

const fixturesDir = join(packageDir, 'test', 'fixtures');
const cases = readdirSync(fixturesDir).sort();

describe('fixtures: instrumented output behaves like the input', () => {
  afterAll(() => rmSync(join(packageDir, 'node_modules', '.stackring-test', 'fixtures'), { recursive: true, force: true }));
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));
  for (const name of cases) {
    it(name, async () => {
      const dir = join(fixturesDir, name);
      const input = existsSync(join(dir, 'input.mjs')) ? 'input.mjs' : 'input.js';
      const code = readFileSync(join(dir, input), 'utf8');
      const options = existsSync(join(dir, 'options.json')) ? JSON.parse(readFileSync(join(dir, 'options.json'), 'utf8')) : {};
      const expects = existsSync(join(dir, 'expect.json')) ? JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) : {};
      const compile = existsSync(join(dir, 'babel.json')) ? JSON.parse(readFileSync(join(dir, 'babel.json'), 'utf8')).plugins : [];
      const plainDir = tmpDir(`fixtures/${name}/plain`);
      const instDir = tmpDir(`fixtures/${name}/inst`);
      const out = instrument(code, join(instDir, input), options, compile.length > 0 ? { plugins: [[plugin, options], ...compile] } : {});
      const plainCode = compile.length > 0 ? transformSync(code, { filename: join(plainDir, input), babelrc: false, configFile: false, plugins: compile, sourceMaps: 'inline' })!.code! : code;
      writeFileSync(join(plainDir, input), plainCode);
      writeFileSync(join(instDir, input), withInlineMap(out.code, out.map));
      const [plain, inst] = await Promise.all([runNode(join(plainDir, input)), runNode(join(instDir, input))]);
      expect(plain.stdout.length, 'the fixture prints something').toBeGreaterThan(0);
      expect(normalise(inst.stdout, instDir)).toBe(normalise(plain.stdout, plainDir));
      expect(inst.code).toBe(plain.code);
      expect(normalise(inst.stderr, instDir)).toBe(normalise(plain.stderr, plainDir));
      if (expects.untouched) {
        expect(out.functions).toEqual([]);
        expect(out.code).not.toMatch(/\.enter\(/);
      } else {
        expect(out.functions.length, 'functions were instrumented').toBeGreaterThan(0);
        expect(out.code).toMatch(/@stackring instrumented/);
      }
    });
  }
});
