// Which files the loading hooks instrument: the app's own code by default. node_modules only
// when asked (STACKRING_NODE_MODULES=1), never stackring itself, never Node's built-ins.

import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// stackring itself, and what it instruments with (Babel and its helpers), are never instrumented.
const SELF = /[\\/](?:node_modules[\\/](?:@stackring|stackring|@babel|@jridgewell|picomatch|gensync|yargs)[\\/]|packages[\\/](?:ring|runtime|babel-plugin|export|cli)[\\/](?:dist|src)[\\/])/;

export function shouldInstrument(url: string): boolean {
  if (!url.startsWith('file:')) return false;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    return false;
  }
  return shouldInstrumentPath(path);
}

/** TypeScript the hooks compile as they instrument (the files Node's type stripping runs). */
export function isTypeScriptPath(path: string): boolean {
  return /\.[cm]?ts$/.test(path) && !/\.d\.[cm]?ts$/.test(path);
}

/**
 * A TypeScript file another loader compiles for require() (ts-node, @babel/register): it has
 * registered require.extensions for the extension, which Node never does for TypeScript (its
 * '.js' compiler takes those files). Such a loader calls Node's compiler to read the file, and
 * the source must reach it as written: its JavaScript comes to the require hook.
 */
export function requireExtensionOfAnotherLoader(path: string): boolean {
  const extensions = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
  return isTypeScriptPath(path) && Object.hasOwn(extensions, extname(path));
}

/** What the extension alone says: .mjs/.mts are ES modules, .cjs/.cts CommonJS. */
export function formatOfExtension(path: string): 'module' | 'commonjs' | undefined {
  if (/\.m[jt]s$/.test(path)) return 'module';
  if (/\.c[jt]s$/.test(path)) return 'commonjs';
  return undefined;
}

/**
 * The format Node gives a file by its extension and the nearest package.json's "type" (what
 * Node 20's default loader leaves undefined for `.ts`). Undefined when neither decides (no
 * "type" field, or no package.json): Node then detects the format from the syntax, an ES module
 * if the file has import or export statements (see detectModuleFormat in transform.ts).
 */
export function moduleFormatOfPath(path: string): 'module' | 'commonjs' | undefined {
  return formatOfExtension(path) ?? packageTypeOf(dirname(path));
}

/** The "type" of the nearest package.json above `dir`, remembered per directory (read once). */
const packageTypes = new Map<string, 'module' | 'commonjs' | undefined>();
function packageTypeOf(dir: string): 'module' | 'commonjs' | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: 'module' | 'commonjs' | undefined;
  let found = false;
  try {
    const declared = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type;
    type = declared === 'module' || declared === 'commonjs' ? declared : undefined;
    found = true;
  } catch {
    // no package.json here (or not JSON): look further up, as Node does
  }
  if (!found) type = dirname(dir) === dir ? undefined : packageTypeOf(dirname(dir));
  packageTypes.set(dir, type);
  return type;
}

export function shouldInstrumentPath(path: string): boolean {
  if (!/\.(?:[cm]?js)$/.test(path) && !isTypeScriptPath(path)) return false;
  if (SELF.test(path)) return false;
  if (!/[\\/]node_modules[\\/]/.test(path)) return true;
  // Packages Babel itself uses (debug, semver) are instrumented like any other: Babel loads
  // its own instances of them, apart from the app's (inTransform in transform.ts).
  return process.env.STACKRING_NODE_MODULES === '1';
}

/**
 * Where instrumented code loads the runtime from: this installation's own copy, by absolute
 * location, so that an app that does not depend on @stackring/runtime itself runs too. A file
 * URL for ES modules, a path for CommonJS (both builds share one state per thread).
 */
const runtimeFor = (() => {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@stackring/runtime/package.json');
  const exported = JSON.parse(readFileSync(manifest, 'utf8')).exports['.'] as { import: string };
  // (import.meta.resolve is not available on the ES module hooks' thread in Node 20.)
  return { module: pathToFileURL(join(dirname(manifest), exported.import)).href, commonjs: require.resolve('@stackring/runtime') };
})();

/**
 * Plugin options: the runtime's location, STACKRING_INCLUDE / STACKRING_EXCLUDE globs, and
 * STACKRING_SKIP_TRIVIAL_LEAVES=1 for the plugin's skipTrivialLeaves.
 */
export function pluginOptionsFromEnv(format: 'module' | 'commonjs'): Record<string, unknown> {
  const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const options: Record<string, unknown> = { runtime: runtimeFor[format] };
  const include = list(process.env.STACKRING_INCLUDE);
  const exclude = list(process.env.STACKRING_EXCLUDE);
  if (include) options.include = include;
  if (exclude) options.exclude = exclude;
  if (process.env.STACKRING_SKIP_TRIVIAL_LEAVES === '1') options.skipTrivialLeaves = true;
  return options;
}
