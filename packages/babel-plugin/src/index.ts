// @stackring/babel-plugin: instruments every function for stackring's shadow call stack.
// Uses only the plugin API Babel 8 keeps: a default export, api.assertVersion, api.types.
import type { ConfigAPI, NodePath, PluginObj, PluginPass, types as t } from '@babel/core';
import picomatch from 'picomatch';
import { dirname, relative } from 'node:path';
import { owningPackageName } from './module-kind.js';
import { sourceIdentity } from './function-source.js';
import { resolveOptions, type StackringOptions } from './options.js';
import { PositionMapper } from './positions.js';
import { fileIsExcludedByContent, instrumentProgram, type FunctionEntry, type Instrumentation } from './visitor.js';

export type { StackringOptions } from './options.js';
export type { FunctionEntry } from './visitor.js';

/** What the plugin leaves in Babel's `result.metadata.stackring` for each file it instruments. */
export interface StackringMetadata {
  functions: FunctionEntry[];
}

const PLUGIN_NAME = 'stackring';
/** Babel callers (their `caller.name`) that bundle what the plugin outputs. */
const BUNDLERS = new Set(['babel-loader', '@rollup/plugin-babel', 'rollup-plugin-babel', '@parcel/transformer-babel', 'esbuild-plugin-babel', 'vite-plugin-babel']);

type Api = ConfigAPI & { types: typeof t; template: Parameters<typeof instrumentProgram>[1]; version: string };

function globMatcher(globs: string[]): ((file: string) => boolean) | undefined {
  if (globs.length === 0) return undefined;
  return picomatch(globs, { dot: true });
}

/** Never instrument the runtime: it would record itself on every call it serves. */
function isRuntimeFile(filename: string): boolean {
  const name = owningPackageName(dirname(filename));
  return name === '@stackring/runtime' || name === '@stackring/ring';
}

export default function stackringPlugin(api: Api, rawOptions: StackringOptions): PluginObj {
  // A number means one major (Babel 8 turns 7 into "^7.0.0-0" and refuses itself): a range.
  api.assertVersion('^7.0.0-0 || ^8.0.0-0');
  const options = resolveOptions(rawOptions);
  const include = globMatcher(options.include);
  const exclude = globMatcher(options.exclude);
  const types = api.types;
  // Whether the caller loads the output as an ES module (api.caller also keys Babel's config cache on it).
  const callerSupportsStaticESM = api.caller?.((caller) => (caller as { supportsStaticESM?: boolean } | undefined)?.supportsStaticESM);
  // A bundler rewrites the output again (webpack turns `foo()` of an import into
  // `(0, _mod.foo)()`), so the input is not the text the plain program's functions have.
  const callerBundles = api.caller?.((caller) => BUNDLERS.has(String((caller as { name?: unknown } | undefined)?.name))) === true;

  function wanted(filename: string | undefined, cwd: string): boolean {
    if (!filename) return !include;
    const rel = relative(cwd, filename);
    const test = (m: (f: string) => boolean) => m(filename) || m(rel);
    if (include && !test(include)) return false;
    if (exclude && test(exclude)) return false;
    return !isRuntimeFile(filename);
  }

  const pending = new WeakMap<object, NonNullable<Instrumentation['afterOtherPlugins']>>();

  return {
    name: PLUGIN_NAME,
    visitor: {
      Program: {
        enter(path: NodePath<t.Program>, state: PluginPass) {
          const file = state.file;
          const filename = state.filename ?? file.opts.filename ?? undefined;
          if (!wanted(filename, file.opts.cwd ?? process.cwd())) return;
          if (fileIsExcludedByContent(path.node, file.ast.comments ?? undefined, options.runtime)) return;
          const inputMap = (file as unknown as { inputMap?: { toObject?: () => object; sourcemap?: object } | null }).inputMap;
          const map = inputMap ? (inputMap.toObject?.() ?? inputMap.sourcemap ?? null) : null;
          const mapper = new PositionMapper(file.code, filename ?? 'unknown', map);
          const source = callerBundles ? undefined : sourceIdentity(file.code, filename, file.opts.cwd ?? process.cwd(), (file.opts as { plugins?: [] }).plugins, PLUGIN_NAME, path.node.sourceType === 'script');
          const { functions, afterOtherPlugins } = instrumentProgram(types, api.template, path, options, mapper, filename, file.code, (file.opts as { sourceType?: string }).sourceType, callerSupportsStaticESM, source);
          (file.metadata as unknown as { stackring?: StackringMetadata }).stackring = { functions };
          if (afterOtherPlugins) pending.set(file, afterOtherPlugins);
        },
        exit(_path: NodePath<t.Program>, state: PluginPass) {
          const finish = pending.get(state.file);
          if (!finish) return;
          pending.delete(state.file);
          finish();
        },
      },
    },
  };
}
