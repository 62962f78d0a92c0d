// Instruments one file's source with the Babel plugin (TypeScript compiled in the same pass),
// through an on-disk cache keyed by everything that can change the output: the source, the
// plugin's version and options, Babel's and the TypeScript preset's versions, and a revision of
// what this file does with Babel's output. Used by the loading hooks and `stackring instrument`.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as SourceMapCodec from '@jridgewell/sourcemap-codec';
import type * as Babel from '@babel/core';
import { isTypeScriptPath } from './filter.js';

const require = createRequire(import.meta.url);
const pluginVersion: string = require('@stackring/babel-plugin/package.json').version;
const babelVersion: string = require('@babel/core/package.json').version;

// Babel and the plugin load only on a cache miss: loading Babel costs more than a warm start
// of most apps.
let babel: { transformSync: typeof Babel.transformSync; plugin: Babel.PluginItem } | null = null;
let presetTypescript: Babel.PluginItem | undefined;
function typescriptPreset(): Babel.PluginItem {
  presetTypescript ??= require('@babel/preset-typescript') as Babel.PluginItem;
  return presetTypescript;
}

/** @babel/preset-typescript's options (part of the cache key: they change the output). */
const TYPESCRIPT_OPTIONS = { allowDeclareFields: true, onlyRemoveTypeImports: true };

function loadBabel() {
  babel ??= {
    transformSync: (require('@babel/core') as typeof Babel).transformSync,
    plugin: (require('@stackring/babel-plugin') as { default: Babel.PluginItem }).default,
  };
  return babel;
}

/**
 * Runs `work` (a cache miss: loading Babel, instrumenting a file) inside a frame named
 * "(stackring: instrumenting)" on this thread's shadow stack, through the runtime the
 * instrumented code uses (`runtime`: its CommonJS location). Only for hooks that run in the
 * app's own thread (the CommonJS hook, module.registerHooks): there the first start of a big
 * dependency spends seconds in Babel, which samples would otherwise show as "(program)".
 */
export function inInstrumentingFrame<T>(runtime: string, work: () => T): T {
  const frame = instrumentingFrame(runtime);
  if (frame === null) return work();
  const token = frame.writer.enter(frame.id);
  try {
    return work();
  } finally {
    frame.writer.exit(token);
  }
}

let instrumenting: { writer: { enter(id: number): number; exit(token: number): void }; id: number } | null | undefined;
function instrumentingFrame(runtime: string) {
  if (instrumenting === undefined) {
    try {
      const rt = require(runtime) as { writer: { enter(id: number): number; exit(token: number): void }; register(file: string, table: Array<string | number>): number };
      // No file: like V8's "(program)", it has no source, so exports give it no location (and
      // a .cpuprofile an empty url, not a name DevTools would take for a script's URL).
      instrumenting = { writer: rt.writer, id: rt.register('', ['(stackring: instrumenting)', 0, 0]) };
    } catch {
      instrumenting = null; // no runtime: no frame, the transform runs all the same
    }
  }
  return instrumenting;
}

export interface InstrumentOptions {
  /** Options passed to @stackring/babel-plugin (include, exclude, runtime, ...). */
  plugin?: Record<string, unknown>;
  /** 'module' or 'commonjs' when the loader knows it; otherwise the plugin decides. */
  format?: 'module' | 'commonjs';
  /** Source maps: 'inline' for loading hooks (Node reads them), 'separate' for builds. */
  sourceMaps?: 'inline' | 'separate' | false;
  /**
   * For hooks that run in the app's thread: the runtime's CommonJS location, whose shadow stack
   * gets the "(stackring: instrumenting)" frame during a cache miss (see inInstrumentingFrame).
   */
  frameRuntime?: string;
  /** Compile TypeScript in the same pass (default: by the file name's extension). */
  typescript?: boolean;
  /**
   * The map from the original source to `source`, when an earlier step compiled it (vite);
   * false to ignore the map a file names (positions then stay those of `source`).
   */
  inputSourceMap?: object | false;
}

export interface InstrumentResult {
  code: string;
  map: object | null;
}

let transforming = false;

/**
 * True while a transform runs. Babel requires parts of itself lazily during its first
 * transform; the require hook must load those plainly, or it would re-enter Babel half-loaded
 * (with node_modules instrumentation on, @babel/* files are otherwise candidates).
 */
export function isTransforming(): boolean {
  return transforming;
}

type ModuleCache = Record<string, unknown>;
const loader = Module as unknown as { _cache: ModuleCache };
/** Babel's and the plugin's own CommonJS module instances, apart from the app's (inTransform). */
const babelModules: ModuleCache = Object.create(null) as ModuleCache;

/**
 * Runs `work`, which uses Babel, with the require hook standing aside and Babel loading its
 * modules into a module cache of its own. A cache miss can come half-way through the app's
 * loading of a package Babel also uses: the app's `debug` asks for `supports-color`, whose
 * instrumentation is the first miss; with one shared cache, Babel would get that half-loaded
 * `debug` (its exports still empty), fail to load, leave its other half-loaded modules cached
 * for the next miss, and the app's `try { require('supports-color') }` would swallow why.
 * Node's CommonJS loader reads `Module._cache` on every require, so swapping it for the call
 * keeps the two apart; the app keeps seeing its own instances, Babel its own.
 */
function inTransform<T>(work: () => T): T {
  const outer = transforming;
  const appModules = loader._cache;
  transforming = true;
  loader._cache = babelModules;
  try {
    return work();
  } finally {
    loader._cache = appModules;
    transforming = outer;
  }
}

/** Instruments `source` of `filename`; throws Babel's error (with file and place) on bad syntax. */
export function instrumentSource(source: string, filename: string, options: InstrumentOptions = {}): InstrumentResult {
  return inTransform(() => transform(source, filename, options));
}

/**
 * TypeScript's type-only imports and exports (`import type`, `export interface`), which
 * stripping removes, blanked out (spaces, so positions stay); and whether any import or export
 * of a value is left (module syntax, as Node sees it). Null when the file does not parse.
 */
function typeOnlyModuleSyntaxBlanked(code: string, filename: string): { code: string; valueModuleSyntax: boolean } | null {
  const { parseSync } = require('@babel/core') as typeof Babel;
  let ast;
  try {
    ast = parseSync(code, { filename, babelrc: false, configFile: false, browserslistConfigFile: false, sourceType: 'module', presets: [typescriptPreset()] });
  } catch {
    return null;
  }
  let blanked = code;
  let valueModuleSyntax = false;
  for (const stmt of ast?.program.body ?? []) {
    const kind = moduleSyntaxOf(stmt);
    if (kind === 'value') valueModuleSyntax = true;
    if (kind === 'type') blanked = blanked.slice(0, stmt.start!) + blanked.slice(stmt.start!, stmt.end!).replace(/[^\n]/g, ' ') + blanked.slice(stmt.end!);
  }
  return { code: blanked, valueModuleSyntax };
}

/** Whether a top-level TypeScript statement is module syntax Node sees ('value') or a type that stripping removes. */
function moduleSyntaxOf(stmt: Babel.types.Statement): 'value' | 'type' | undefined {
  const node = stmt as Babel.types.Statement & { importKind?: string; exportKind?: string; declaration?: { type: string; declare?: boolean } | null };
  if (stmt.type === 'ImportDeclaration') return node.importKind === 'type' || node.importKind === 'typeof' ? 'type' : 'value';
  if (stmt.type === 'ExportAllDeclaration') return node.exportKind === 'type' ? 'type' : 'value';
  if (stmt.type === 'ExportNamedDeclaration') {
    const d = node.declaration;
    const typeOnly = node.exportKind === 'type' || (d != null && (/^TS(?:Interface|TypeAlias|DeclareFunction)Declaration$/.test(d.type) || d.declare === true));
    return typeOnly ? 'type' : 'value';
  }
  if (stmt.type === 'ExportDefaultDeclaration') return node.declaration?.type === 'TSInterfaceDeclaration' ? 'type' : 'value';
  return undefined;
}

/**
 * After Babel failed on a TypeScript file (`error`, naming the file and place): what the next
 * loader makes of it (tsx, with a tsconfig that allows legacy decorators, say), uninstrumented
 * and said on stderr; Babel's error when there is no next loader that can (`next` throws or
 * rejects). For the synchronous and the asynchronous load hooks alike.
 */
export function nextLoaderOr<T>(error: unknown, path: string, next: () => T): T {
  const say = () => process.stderr.write(`stackring: ${path} is left uninstrumented, for the next loader: ${String((error as Error)?.message ?? error).split('\n')[0]}\n`);
  let result: T;
  try {
    result = next();
  } catch {
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (loaded) => (say(), loaded),
      () => {
        throw error;
      },
    ) as T;
  }
  say();
  return result;
}

/** Node drops a leading byte order mark before compiling; so must the transform, or columns on line 1 shift. */
function withoutBom(source: string): string {
  return source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
}

function transform(original: string, filename: string, options: InstrumentOptions): InstrumentResult {
  const typescript = options.typescript ?? isTypeScriptPath(filename);
  const source = withoutBom(original);
  // A CommonJS .ts file may still say `import type`, which Babel parses in a script only when
  // allowed anywhere; TypeScript's plugin then removes it, as Node's stripping does. (Blanking
  // it before the parse would do too, but the text would no longer be the file's, whose hash
  // is how the runtime gives functions their source text back.) Only when nothing but types
  // is imported or exported: a value import gets Babel's error, naming the file and place.
  const importsInScript = options.format === 'commonjs' && typescript && typeOnlyModuleSyntaxBlanked(source, filename)?.valueModuleSyntax === false;
  const sourceMaps = options.sourceMaps ?? 'inline';
  const { transformSync, plugin } = loadBabel();
  // TypeScript: the types go in the same pass, so the plugin reads the .ts syntax tree (its
  // positions and names) and one source map leads back to the .ts file.
  // onlyRemoveTypeImports: as Node's type stripping does, an import goes only with `type`; one
  // whose bindings are unused (or used as types only) stays, with its module's side effects.
  const presets = typescript ? [[typescriptPreset(), TYPESCRIPT_OPTIONS]] : [];
  const result = transformSync(source, {
    filename,
    babelrc: false,
    configFile: false,
    browserslistConfigFile: false,
    sourceType: options.format === 'module' ? 'module' : options.format === 'commonjs' ? 'script' : 'unambiguous',
    parserOpts: { allowReturnOutsideFunction: options.format !== 'module', allowImportExportEverywhere: importsInScript, errorRecovery: false },
    plugins: [[plugin, options.plugin ?? {}]],
    presets,
    inputSourceMap: (options.inputSourceMap ?? true) as never,
    sourceMaps: sourceMaps !== false,
    compact: false,
    comments: true,
    // Every line of the input stays on its line: error stacks keep their line numbers without
    // our source map, as mapped by another loader's (ts-node's source-map-support reads the map
    // of the JavaScript it compiled, not of what runs after we instrumented it).
    retainLines: true,
  });
  if (result === null || result.code == null) throw new Error(`${filename}: Babel returned no code`);
  const map = (result.map as SourceMap | undefined) ?? null;
  if (map === null) return { code: result.code, map };
  // Node's mapped error stacks take a frame's function name from the map when it has one (the
  // identifier at the call site: `call` for `boom.call()`); without names they keep V8's own
  // (`Object.boom`), as the program shows without the hooks.
  const mapped = withoutNames(map);
  if (sourceMaps !== 'inline') return { code: result.code, map: mapped };
  return { code: `${result.code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(mapped)).toString('base64')}`, map: mapped };
}

interface SourceMap {
  names: string[];
  mappings: string;
}

function withoutNames<T extends SourceMap>(map: T): T {
  // Loaded here, on a cache miss, like Babel: a start from the cache loads neither.
  const { decode, encode } = require('@jridgewell/sourcemap-codec') as typeof SourceMapCodec;
  const lines = decode(map.mappings).map((line) => line.map((segment) => (segment.length === 5 ? segment.slice(0, 4) : segment)) as SourceMapCodec.SourceMapSegment[]);
  return { ...map, names: [], mappings: encode(lines) };
}

/**
 * The format Node's syntax detection gives a file its extension and package.json leave open (a
 * `.ts` file in a package without "type"): an ES module when it does not parse as CommonJS (a
 * script, with `return` allowed) but does as a module (import, export, import.meta, top-level
 * await), else CommonJS. Through the cache, as instrumentCached: only a miss loads Babel.
 */
export function detectModuleFormat(source: string, filename: string, options: Pick<InstrumentOptions, 'typescript' | 'frameRuntime'> = {}): 'module' | 'commonjs' {
  const { frameRuntime, ...keyed } = options;
  const key = cacheKey(source, filename, { ...keyed, detect: true } as InstrumentOptions);
  return throughCache(key, '.format', frameRuntime, () => detectUncached(source, filename, keyed)) === 'module' ? 'module' : 'commonjs';
}

/**
 * detectModuleFormat for a JavaScript file that neither its extension nor Node decided (Node
 * then detects by the syntax): a file that never says import or export is CommonJS without
 * loading Babel, as most are.
 */
export function sniffModuleFormat(source: string, filename: string, frameRuntime?: string): 'module' | 'commonjs' {
  return /\b(?:import|export)\b/.test(source) ? detectModuleFormat(source, filename, { frameRuntime }) : 'commonjs';
}

function detectUncached(source: string, filename: string, options: Pick<InstrumentOptions, 'typescript'>): 'module' | 'commonjs' {
  return inTransform(() => {
    const { parseSync } = require('@babel/core') as typeof Babel;
    const base = { filename, babelrc: false, configFile: false, browserslistConfigFile: false } as const;
    let code = withoutBom(source);
    const typescript = options.typescript ?? isTypeScriptPath(filename);
    if (typescript) {
      // Node detects on the code with its types stripped: `import type` and `export interface`
      // are not module syntax, an import or export of a value is. The type-only ones are
      // blanked out before the script/module parses below (which see import.meta and
      // top-level await).
      const scanned = typeOnlyModuleSyntaxBlanked(code, filename);
      if (scanned === null) return 'commonjs'; // Babel's own error comes with the transform
      if (scanned.valueModuleSyntax) return 'module';
      code = scanned.code;
    }
    const presets = typescript ? [typescriptPreset()] : [];
    const parses = (sourceType: 'script' | 'module') => {
      try {
        parseSync(code, { ...base, sourceType, presets, parserOpts: { allowReturnOutsideFunction: sourceType === 'script', errorRecovery: false } });
        return true;
      } catch {
        return false;
      }
    };
    return !parses('script') && parses('module') ? 'module' : 'commonjs';
  });
}

/** The cache directory: STACKRING_CACHE_DIR, else node_modules/.cache/stackring under cwd. */
export function cacheDirectory(): string {
  return process.env.STACKRING_CACHE_DIR || join(process.cwd(), 'node_modules', '.cache', 'stackring');
}

/**
 * What this file makes of Babel's output (source maps without names, format detection, ...):
 * bump it when that changes, so that no cache keeps what an older stackring wrote; and when the
 * plugin's output changes before its version does (5: the function source text argument; 6:
 * the inserted `finally` on the body's closing line; 7: function declarations left in place;
 * 14, 15: where V8 12 and V8 13 put class initialisers).
 */
const OUTPUT_REVISION = 15;

/** What a cached transform depends on besides the file: a new plugin or Babel makes new entries. */
export const TRANSFORM_VERSIONS: Readonly<{ plugin: string; babel: string; typescript: string }> = {
  plugin: `${pluginVersion}+${OUTPUT_REVISION}`,
  babel: babelVersion,
  // The preset's version and its options: a cache written with other options must not be read.
  typescript: `${require('@babel/preset-typescript/package.json').version} ${JSON.stringify(TYPESCRIPT_OPTIONS)}`,
};

export function cacheKey(source: string, filename: string, options: InstrumentOptions, versions = TRANSFORM_VERSIONS): string {
  return createHash('sha256')
    .update(JSON.stringify([versions.plugin, versions.babel, isTypeScriptPath(filename) ? versions.typescript : '', options, filename]))
    .update('\0')
    .update(source)
    .digest('hex');
}

/** instrumentSource through the cache; a cache that cannot be written is silently skipped. */
export function instrumentCached(source: string, filename: string, options: InstrumentOptions = {}): string {
  // The cache key and Babel's options: everything but where the instrumenting frame goes.
  const { frameRuntime, ...keyed } = options;
  return throughCache(cacheKey(source, filename, keyed), '.js', frameRuntime, () => instrumentSource(source, filename, keyed).code);
}

/**
 * The cache entry `key` + `extension`, or `compute()` (a miss: inside the instrumenting frame
 * when `frameRuntime` is given), written for next time unless STACKRING_CACHE=0.
 */
function throughCache(key: string, extension: string, frameRuntime: string | undefined, compute: () => string): string {
  const miss = () => (frameRuntime === undefined ? compute() : inInstrumentingFrame(frameRuntime, compute));
  if (process.env.STACKRING_CACHE === '0') return miss();
  const dir = cacheDirectory();
  const file = join(dir, key.slice(0, 40) + extension);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // not cached yet
  }
  const content = miss();
  // A cache that cannot be written is skipped: computed again next time.
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, file); // atomic: a concurrent reader sees the whole file or none
  } catch {
    // read-only tree
  }
  return content;
}
