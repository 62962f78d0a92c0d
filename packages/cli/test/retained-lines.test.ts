// The loading hooks keep every function on its line (retainLines), so that error stacks keep
// their line numbers with source maps off. Checked on every file of real packages: each
// instrumented function of the output starts on the line the function table (the plugin's
// positions in the input) gives it. Function declarations that moved to the top of a body, in
// the past, pushed everything after them down (acorn's UMD factory: pp.raise from line 3835 to
// 6799).
import { parseSync, traverse, type types as t } from '@babel/core';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instrumentSource } from '../src/hooks/transform.js';

const require = createRequire(import.meta.url);
const PACKAGES = ['acorn', 'marked', 'js-yaml', 'postcss', 'semver', 'yargs', 'commander', 'source-map', 'webpack-sources', 'enhanced-resolve', 'tapable', 'terser'];
const MAX_BYTES = 1_000_000;

function packageRoot(name: string): string {
  let dir = dirname(require.resolve(`${name}/package.json`));
  while (!readdirSync(dir).includes('package.json')) dir = dirname(dir);
  return dir;
}

function* jsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    const stat = statSync(full);
    if (stat.isDirectory()) {
      if (entry !== 'node_modules') yield* jsFiles(full);
    } else if (/\.[cm]?js$/.test(entry) && stat.size <= MAX_BYTES) yield full;
  }
}

/** Per function of the output: its id (`base + K` of its prologue) and the lines it starts on. */
function functionLines(code: string): Map<number, number[]> {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'unambiguous', parserOpts: { allowReturnOutsideFunction: true } })!;
  const lines = new Map<number, number[]>();
  traverse(ast, {
    Function(path) {
      const node = path.node;
      const first = node.body.type === 'BlockStatement' ? node.body.body[0] : undefined;
      const init = first?.type === 'VariableDeclaration' ? first.declarations[0]?.init : undefined;
      if (init?.type !== 'CallExpression' || init.callee.type !== 'MemberExpression' || init.callee.property.type !== 'Identifier' || init.callee.property.name !== 'enter') return;
      const id = init.arguments[0];
      if (id?.type !== 'BinaryExpression' || id.right.type !== 'NumericLiteral') return;
      const at = [node.loc!.start.line];
      if ('key' in node && node.key) at.push((node.key as t.Node).loc!.start.line);
      lines.set(id.right.value, at);
    },
  });
  return lines;
}

describe('the loading hooks keep every line on its line', () => {
  it('every instrumented function of real packages starts on its own line', () => {
    let files = 0;
    let functions = 0;
    const moved: string[] = [];
    for (const pkg of PACKAGES) {
      for (const file of jsFiles(packageRoot(pkg))) {
        const source = readFileSync(file, 'utf8');
        let code: string;
        try {
          code = instrumentSource(source, file, { sourceMaps: false, inputSourceMap: false }).code;
        } catch {
          continue; // not JavaScript Babel reads (a fixture with a syntax error)
        }
        // The table: [name, line, column, ...] of the file's only register call.
        const table = /_r\("[^"]*", (\[[^\]]*\])[,)]/.exec(code);
        if (!table) continue;
        files++;
        const flat = JSON.parse(table[1]!) as Array<string | number>;
        const starts = functionLines(code);
        for (let k = 0; k * 3 < flat.length; k++) {
          const at = starts.get(k);
          if (at === undefined) continue; // an initialiser frame: no function of its own
          functions++;
          if (!at.includes(flat[k * 3 + 1] as number)) moved.push(`${file}: ${flat[k * 3]} from line ${flat[k * 3 + 1]} to ${at[0]}`);
        }
      }
    }
    console.log(`retained lines: ${functions} functions in ${files} files of ${PACKAGES.length} packages`);
    expect(moved.slice(0, 10)).toEqual([]);
    expect(files).toBeGreaterThan(150);
    expect(functions).toBeGreaterThan(4000);
  }, 300_000);
});
