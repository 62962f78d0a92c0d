// toString of an instrumented TypeScript function gives the function's text as Node's type
// stripping leaves it: the plugin finds what stripping blanks and what it refuses
// (babel-plugin: type-blanks.ts), the runtime applies it to the .ts file's text (runtime:
// function-source.ts, strippedText). Checked here against Node 22's own stripping
// (module.stripTypeScriptTypes, the code Node runs .ts files with) on every function and class
// of real TypeScript files: the .ts sources shipped in node_modules and this repository's own.
import { parseSync, types } from '@babel/core';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childNodes } from '../packages/babel-plugin/src/child-nodes.js';
import { typeBlanks } from '../packages/babel-plugin/src/type-blanks.js';
import { strippedText } from '../packages/runtime/src/function-source.js';
import { ensureNode22, node22Supported } from './node22.js';
import { thirdPartyFiles } from './third-party-files.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const isTypeScript = (name: string) => /\.[cm]?ts$/.test(name) && !/\.d\.[cm]?ts$/.test(name);

function ownSources(): string[] {
  const files: string[] = [];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    for (const sub of ['src', 'test']) {
      const dir = join(root, 'packages', pkg, sub);
      let entries: string[] = [];
      try {
        entries = readdirSync(dir, { recursive: true }) as string[];
      } catch {
        continue;
      }
      for (const entry of entries.sort()) if (isTypeScript(entry) && !entry.includes('fixtures')) files.push(join(dir, entry));
    }
  }
  return files;
}

/** Node 22's stripping of each file: its code, or null where Node refuses the file. */
function strippedByNode(node22: string, files: string[]): Record<string, string | null> {
  const script = `
    const { stripTypeScriptTypes } = require('node:module');
    const { readFileSync } = require('node:fs');
    const out = {};
    for (const file of JSON.parse(readFileSync(0, 'utf8'))) {
      try { out[file] = stripTypeScriptTypes(readFileSync(file, 'utf8')); } catch { out[file] = null; }
    }
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(execFileSync(node22, ['--no-warnings', '-e', script], { input: JSON.stringify(files), encoding: 'utf8', maxBuffer: 256 << 20 })) as Record<string, string | null>;
}

function functionsAndClasses(node: types.Node, out: types.Node[] = []): types.Node[] {
  if (types.isFunction(node) || types.isClass(node)) out.push(node);
  for (const child of childNodes(types, node)) if (child && typeof child.type === 'string') functionsAndClasses(child, out);
  return out;
}

describe("the plugin's type stripping", () => {
  it.runIf(node22Supported)("gives every function and class of real TypeScript files the text of Node 22's stripping", async () => {
    const node22 = await ensureNode22();
    const files = [...thirdPartyFiles(join(root, 'node_modules'), isTypeScript), ...ownSources()];
    const stripped = strippedByNode(node22, files);
    const preset = require.resolve('@babel/preset-typescript');
    let compared = 0;
    let refused = 0;
    let unparsed = 0;
    let givenUp = 0;
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      let ast;
      try {
        ast = parseSync(code, { filename: file, babelrc: false, configFile: false, sourceType: 'unambiguous', presets: [preset] });
      } catch {
        unparsed++; // Babel's TypeScript parser is stricter in places (an `override` without `extends`)
        continue;
      }
      const { blanks, opaque } = typeBlanks(types, ast!.program, code);
      const expected = stripped[file];
      if (expected == null) {
        // Node refused the file: the plugin must have seen why.
        refused++;
        expect(opaque.length, `${file}: Node's stripping refuses it, the plugin found nothing it refuses`).toBeGreaterThan(0);
        continue;
      }
      expect(expected.length, file).toBe(code.length);
      for (const node of functionsAndClasses(ast!.program)) {
        const ours = strippedText(code, node.start!, node.end!, blanks, opaque);
        if (ours === undefined) {
          // Given up on in a file Node takes: only an arrow whose return type has a line break before `=>`.
          givenUp++;
          const where = `${file}:${node.loc!.start.line}`;
          expect(opaque.some((start, i) => i % 2 === 0 && start >= node.start! && opaque[i + 1]! <= node.end!), where).toBe(true);
          continue;
        }
        expect(ours, `${file}:${node.loc!.start.line}`).toBe(expected.slice(node.start!, node.end!).trim());
        compared++;
      }
    }
    console.log(`type stripping: ${compared} functions and classes of ${files.length} TypeScript files as Node 22 strips them; ${refused} files Node refuses (the plugin saw why in each), ${givenUp} functions given up on, ${unparsed} files Babel does not parse`);
    expect(files.length).toBeGreaterThan(150);
    expect(compared).toBeGreaterThan(2500);
  }, 120_000);
});
