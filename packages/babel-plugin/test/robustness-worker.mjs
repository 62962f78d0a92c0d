// Instruments a share of the files listed on stdin (one path a line): every file Babel can
// parse must be instrumented without a crash and the output must parse again; every fourth
// file also with skipTrivialLeaves (frames pushed lazily: lazy-entry.ts). Prints a JSON summary. Run by robustness.test.ts, several at once.
import { transformFromAstSync } from '@babel/core';
import { parse } from '@babel/parser';
import { readFileSync } from 'node:fs';
import plugin from '@stackring/babel-plugin';

const [share, shares] = process.argv.slice(2).map(Number);
const files = readFileSync(0, 'utf8').split('\n').filter(Boolean).filter((_, i) => i % shares === share);
const parserOpts = { sourceType: 'unambiguous', allowReturnOutsideFunction: true, allowHashBang: true, allowImportExportEverywhere: false, errorRecovery: false, plugins: [] };
const summary = { files: 0, unparsable: 0, instrumented: 0, functions: 0, bytes: 0, skipping: 0, failures: [] };
for (const [index, file] of files.entries()) {
  const code = readFileSync(file, 'utf8');
  let ast;
  try {
    ast = parse(code, parserOpts);
  } catch {
    summary.unparsable++; // not JavaScript Babel reads (Flow, JSX, broken fixtures): nothing to test
    continue;
  }
  summary.files++;
  summary.bytes += code.length;
  const variants = index % 4 === 0 ? [{}, { skipTrivialLeaves: true }] : [{}];
  for (const options of variants) {
    const stage = options.skipTrivialLeaves ? ' (skipTrivialLeaves)' : '';
    if (stage) summary.skipping++;
    try {
      const out = transformFromAstSync(ast, code, { filename: file, babelrc: false, configFile: false, plugins: [[plugin, options]], sourceMaps: false, inputSourceMap: false, compact: false, code: true, ast: false, cloneInputAst: options !== variants[variants.length - 1] });
      const fns = out.metadata.stackring?.functions.length ?? 0;
      if (!stage && fns > 0) summary.instrumented++;
      if (!stage) summary.functions += fns;
      try {
        parse(out.code, { ...parserOpts, sourceType: 'unambiguous' });
      } catch (e) {
        summary.failures.push({ file, stage: 'reparse' + stage, message: String(e.message).slice(0, 300) });
      }
    } catch (e) {
      summary.failures.push({ file, stage: 'transform' + stage, message: String(e.message).slice(0, 300) });
    }
  }
}
process.stdout.write(JSON.stringify(summary));
