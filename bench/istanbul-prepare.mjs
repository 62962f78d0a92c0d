// Prepares the istanbul variant of a bench, before any timing, in the bench's own process (so
// that Babel is never loaded into a measured process):
//   1. discovery: runs the app once under bench/istanbul-hook.mjs in discover mode, which lists
//      every module file it loads;
//   2. selection: keeps the files stackring's loading hooks would instrument, by asking their
//      own filter (packages/cli/dist/hooks/filter.js) with the same STACKRING_NODE_MODULES as
//      the stackring variant: the app's files and, with node_modules on, the npm packages it
//      loads, except those Babel itself uses (picocolors, say) and stackring's own;
//   3. instrumentation: each file through Babel with babel-plugin-istanbul, the way nyc
//      instruments (babel-plugin-istanbul and @babel/core are resolved from
//      packages/babel-plugin, whose devDependencies they are), into a content-keyed cache in
//      node_modules/.cache/stackring-bench-istanbul, and a manifest {path: instrumented copy}.
// The measured process then runs with `--import bench/istanbul-hook.mjs` and
// BENCH_ISTANBUL_MANIFEST=<manifest> (see that file).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const istanbulHook = here('./istanbul-hook.mjs');
const cache = here('../node_modules/.cache/stackring-bench-istanbul');
const requireFromPlugin = createRequire(here('../packages/babel-plugin/package.json'));
const { shouldInstrumentPath } = await import(here('../packages/cli/dist/hooks/filter.js'));

let babel = null;
function loadBabel() {
  babel ??= {
    transformSync: requireFromPlugin('@babel/core').transformSync,
    istanbul: requireFromPlugin('babel-plugin-istanbul').default,
    versions: [requireFromPlugin('@babel/core/package.json').version, requireFromPlugin('babel-plugin-istanbul/package.json').version],
  };
  return babel;
}

/** The files stackring would instrument among those discovered, with STACKRING_* from `env`. */
function select(discovered, env) {
  const saved = process.env.STACKRING_NODE_MODULES;
  if (env.STACKRING_NODE_MODULES === undefined) delete process.env.STACKRING_NODE_MODULES;
  else process.env.STACKRING_NODE_MODULES = env.STACKRING_NODE_MODULES;
  try {
    return discovered.filter(({ path }) => shouldInstrumentPath(path));
  } finally {
    if (saved === undefined) delete process.env.STACKRING_NODE_MODULES;
    else process.env.STACKRING_NODE_MODULES = saved;
  }
}

/** One file through babel-plugin-istanbul, cached by content; returns [copy, statements]. */
function instrument({ path, format }) {
  const { transformSync, istanbul, versions } = loadBabel();
  const source = readFileSync(path, 'utf8');
  const key = createHash('sha256').update(JSON.stringify([versions, path, format])).update('\0').update(source).digest('hex').slice(0, 40);
  const copy = join(cache, `${key}.js`);
  let statements = 0;
  try {
    const code = readFileSync(copy, 'utf8');
    statements = Number(/^\/\/ statements: (\d+)$/m.exec(code)?.[1] ?? 0);
    return [copy, statements];
  } catch {
    // not cached yet
  }
  const options = { cwd: '/', include: [], exclude: [], excludeNodeModules: false, useInlineSourceMaps: false, onCover: (_file, coverage) => { statements = Object.keys(coverage.statementMap).length; } };
  const { code } = transformSync(source, {
    filename: path,
    babelrc: false,
    configFile: false,
    browserslistConfigFile: false,
    sourceType: format === 'module' ? 'module' : 'script',
    parserOpts: { allowReturnOutsideFunction: format !== 'module' },
    plugins: [[istanbul, options]],
    sourceMaps: false,
    inputSourceMap: false,
    compact: false,
    comments: true,
  });
  mkdirSync(cache, { recursive: true });
  const tmp = `${copy}.${process.pid}.tmp`;
  writeFileSync(tmp, `${code}\n// statements: ${statements}\n`);
  renameSync(tmp, copy); // atomic: another bench running at the same time sees all or nothing
  return [copy, statements];
}

/**
 * Discovers, selects and instruments the files of one app. `run(env)` runs the app once with
 * `--import istanbulHook` and the given extra environment (sync or async). `stackringEnv` is
 * the stackring variant's environment (for STACKRING_NODE_MODULES). Returns the manifest's
 * path, the instrumented files and their statement count.
 */
export async function prepareIstanbul(tag, stackringEnv, run) {
  mkdirSync(cache, { recursive: true });
  const list = join(cache, `discover-${tag}-${process.pid}.jsonl`);
  rmSync(list, { force: true });
  await run({ BENCH_ISTANBUL_DISCOVER: list });
  let discovered = [];
  try {
    discovered = readFileSync(list, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } finally {
    rmSync(list, { force: true });
  }
  const unique = [...new Map(discovered.map((d) => [d.path, d])).values()];
  const manifest = {};
  let statements = 0;
  for (const file of select(unique, stackringEnv)) {
    const [copy, n] = instrument(file);
    manifest[file.path] = copy;
    statements += n;
  }
  if (Object.keys(manifest).length === 0) throw new Error(`istanbul variant of ${tag}: no file to instrument was loaded`);
  const manifestFile = join(cache, `manifest-${tag}-${process.pid}.json`);
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 1));
  return { manifestFile, files: Object.keys(manifest), statements };
}

/**
 * The coverage summary a measured istanbul process printed (see istanbul-hook.mjs); throws
 * when the variant counted nothing, so that it can never be a silent no-op.
 */
export function checkCoverage(tag, lines) {
  const summary = lines.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((o) => o.istanbul)?.istanbul;
  if (!summary) throw new Error(`istanbul variant of ${tag}: the process printed no coverage summary`);
  if (summary.files === 0 || summary.covered === 0) throw new Error(`istanbul variant of ${tag}: no coverage counted (${JSON.stringify(summary)})`);
  if (summary.files < summary.expected) console.warn(`istanbul variant of ${tag}: only ${summary.files} of ${summary.expected} instrumented files ran`);
  return summary;
}
