// Run by babel8.test.ts with Node 22 (Babel 8 needs it): transforms the jobs in the JSON file
// named by its argument ([{ name, code, filename, options }]) with @babel/core 8 (installed as babel-core-8) and the
// plugin's built ES module, and prints [{ name, version, code, functions } | { name, error }].
// A job with `typeBlanks: true` is TypeScript: parsed by Babel 8 and given to the plugin's
// type-blanks.ts (what type stripping blanks and refuses), which reads the syntax tree's shape.
import { parseSync, transformSync, types, version } from 'babel-core-8';
import { readFileSync } from 'node:fs';
import plugin from '@stackring/babel-plugin';
import { typeBlanks } from '../dist/type-blanks.js';

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = jobs.map(({ name, code, filename, options, typeBlanks: blanksJob }) => {
  try {
    if (blanksJob) {
      const ast = parseSync(code, { filename, babelrc: false, configFile: false, sourceType: 'module', parserOpts: { plugins: ['typescript'] } });
      return { name, version, ...typeBlanks(types, ast.program, code) };
    }
    const out = transformSync(code, { filename, babelrc: false, configFile: false, sourceType: 'unambiguous', plugins: [[plugin, options]], sourceMaps: true });
    return { name, version, code: out.code, map: out.map, functions: out.metadata.stackring?.functions ?? [] };
  } catch (e) {
    return { name, error: String(e.stack ?? e) };
  }
});
process.stdout.write(JSON.stringify(results));
