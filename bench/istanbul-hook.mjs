// The istanbul variant's loading hook, for the measured process: `node --import
// bench/istanbul-hook.mjs app`. It never loads Babel or istanbul: the files were instrumented
// ahead of time by bench/istanbul-prepare.mjs, and this hook only swaps in their cached copies,
// as nyc does with its cache (CommonJS through Module._extensions, like nyc and stackring's own
// require hook; ES modules through a module.register load hook, bench/istanbul-loader.mjs).
// Coverage counters are live: instrumented code increments global.__coverage__ as with nyc.
//
// Two modes, chosen by the environment:
//   BENCH_ISTANBUL_DISCOVER=<file>  record every module the app loads (one JSON line each:
//                                   {"format": "commonjs" | "module", "path": ...}), instrument
//                                   nothing. bench/istanbul-prepare.mjs then picks the files
//                                   stackring would instrument and instruments them.
//   BENCH_ISTANBUL_MANIFEST=<file>  serve the instrumented copies listed in the manifest
//                                   ({path: copy}); at exit (and on SIGTERM, which the HTTP
//                                   bench sends) print one stdout line
//                                   {"istanbul": {"expected", "files", "statements", "covered"}}
//                                   from global.__coverage__ (files: instrumented files that
//                                   ran, of `expected` in the manifest), so that the bench can
//                                   check the variant really counted coverage.
import Module, { register } from 'node:module';
import { appendFileSync, readFileSync } from 'node:fs';

const discover = process.env.BENCH_ISTANBUL_DISCOVER;
const manifestFile = process.env.BENCH_ISTANBUL_MANIFEST;
const manifest = manifestFile ? JSON.parse(readFileSync(manifestFile, 'utf8')) : {};

register('./istanbul-loader.mjs', import.meta.url, { data: { discover, manifest: manifestFile } });

const extensions = Module._extensions;
for (const ext of ['.js', '.cjs']) {
  const original = extensions[ext];
  if (original === undefined) continue; // Node 20 compiles .cjs with the '.js' compiler
  extensions[ext] = (module, filename) => {
    if (discover) appendFileSync(discover, JSON.stringify({ format: 'commonjs', path: filename }) + '\n');
    const copy = manifest[filename];
    if (copy === undefined) return original(module, filename);
    const compile = module._compile;
    module._compile = function (_code, file) {
      module._compile = compile;
      return compile.call(this, readFileSync(copy, 'utf8'), file);
    };
    return original(module, filename);
  };
}

if (manifestFile) {
  process.on('exit', () => {
    const coverage = globalThis.__coverage__ ?? {};
    let statements = 0;
    let covered = 0;
    for (const file of Object.values(coverage)) {
      for (const hits of Object.values(file.s)) {
        statements++;
        if (hits > 0) covered++;
      }
    }
    const summary = { expected: Object.keys(manifest).length, files: Object.keys(coverage).length, statements, covered };
    process.stdout.write(JSON.stringify({ istanbul: summary }) + '\n');
  });
  // A server stopped with SIGTERM would otherwise die without running 'exit' handlers.
  process.once('SIGTERM', () => process.exit(0));
}
