// Robustness of the loading hooks' TypeScript path: every .ts, .mts and .cts file (not .d.ts)
// in the workspace's node_modules goes through instrumentSource, as the hooks would compile it
// (the format by extension and "type", else detected from the syntax, as the hooks do). None may
// crash unless @babel/preset-typescript alone cannot compile it either (then the input is not
// TypeScript Babel reads: not our bug, counted apart), and every output must parse again as
// JavaScript of its format. Few packages ship their TypeScript sources (36 files, 117 kB, here
// @babel/core and @jridgewell/*, in about a second): in one process, no workers. Counts are printed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync, transformSync, type PluginItem } from '@babel/core';
import { describe, expect, it } from 'vitest';
import { thirdPartyFiles } from '../../../test/third-party-files.js';
import { isTypeScriptPath, moduleFormatOfPath } from '../src/hooks/filter.js';
import { detectModuleFormat, instrumentSource } from '../src/hooks/transform.js';

const require = createRequire(import.meta.url);
const presetTypescript = require('@babel/preset-typescript') as PluginItem;
const nodeModules = fileURLToPath(new URL('../../../node_modules/', import.meta.url));


/** The preset alone, without our plugin: does Babel compile the file at all? */
function babelAlone(source: string, filename: string, format: 'module' | 'commonjs'): boolean {
  try {
    transformSync(source, {
      filename, babelrc: false, configFile: false, browserslistConfigFile: false,
      sourceType: format === 'module' ? 'module' : 'script',
      parserOpts: { allowReturnOutsideFunction: format !== 'module' },
      presets: [[presetTypescript, { allowDeclareFields: true, onlyRemoveTypeImports: true }]],
    });
    return true;
  } catch {
    return false;
  }
}

describe('TypeScript robustness on node_modules', () => {
  it('every .ts/.mts/.cts file compiles and instruments without a crash and the output parses', () => {
    const started = Date.now();
    const cache = process.env.STACKRING_CACHE;
    process.env.STACKRING_CACHE = '0'; // format detection: no cache files written
    const files = [...thirdPartyFiles(nodeModules, isTypeScriptPath)];
    const formats = { module: 0, commonjs: 0, detected: 0 };
    const notBabel: string[] = [];
    let bytes = 0;
    const failures: { file: string; stage: string; message: string }[] = [];
    try {
      for (const file of files) {
        const source = readFileSync(file, 'utf8');
        bytes += source.length;
        const known = moduleFormatOfPath(file);
        const format = known ?? detectModuleFormat(source, file);
        formats[format]++;
        if (known === undefined) formats.detected++;
        let code: string;
        try {
          code = instrumentSource(source, file, { format, sourceMaps: false }).code;
        } catch (e) {
          if (!babelAlone(source, file, format)) notBabel.push(`${file.slice(nodeModules.length)}: ${String((e as Error).message).split('\n')[0].slice(file.length + 2)}`);
          else failures.push({ file, stage: 'instrument', message: String((e as Error).message).slice(0, 300) });
          continue;
        }
        try {
          parseSync(code, { filename: file.replace(/ts$/, 'js'), babelrc: false, configFile: false, browserslistConfigFile: false, sourceType: format === 'module' ? 'module' : 'script', parserOpts: { allowReturnOutsideFunction: format !== 'module' } });
        } catch (e) {
          failures.push({ file, stage: 'reparse', message: String((e as Error).message).slice(0, 300) });
        }
      }
    } finally {
      if (cache === undefined) delete process.env.STACKRING_CACHE;
      else process.env.STACKRING_CACHE = cache;
    }
    console.log(
      `typescript robustness: ${files.length} TypeScript files in node_modules (${(bytes / 1e3).toFixed(0)} kB; ` +
        `${formats.module} ES modules, ${formats.commonjs} CommonJS, ${formats.detected} of them by syntax), ` +
        `${notBabel.length} not compiled by the preset alone either (module syntax in a "type": "commonjs" package, say), ${failures.length} failures, ${((Date.now() - started) / 1000).toFixed(1)} s` +
        notBabel.map((f) => `\n  invalid input (as Node would find it too): ${f}`).join(''),
    );
    expect(failures).toEqual([]);
    expect(files.length).toBeGreaterThan(20);
  }, 120_000);
});
