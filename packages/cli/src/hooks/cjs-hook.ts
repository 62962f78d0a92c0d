// The CommonJS require hook for Node versions without module.registerHooks: wraps the '.js'
// and '.cjs' compilers of Module._extensions, the way pirates and nyc do.

import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { detectModuleFormat, instrumentCached, isTransforming } from './transform.js';
import { moduleFormatOfPath, pluginOptionsFromEnv, shouldInstrumentPath } from './filter.js';

interface CompilableModule {
  /** `format`: Node >= 20.19 passes 'module' (or leaves it undefined to detect) for require(esm). */
  _compile(code: string, filename: string, format?: string): unknown;
}
type Loader = (module: CompilableModule, filename: string) => void;

export function installRequireHook(): void {
  const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
  // Node 20 loads .ts and .cts with the '.js' compiler (no other is registered for them); a
  // Node with type stripping has its own, which the hook wraps the same way.
  for (const ext of ['.js', '.cjs', '.ts', '.cts']) {
    const original = extensions[ext];
    if (original === undefined || (original as { stackring?: boolean }).stackring) continue;
    const hooked: Loader = (module, filename) => {
      if (isTransforming() || !shouldInstrumentPath(filename)) return original(module, filename);
      const compile = module._compile;
      module._compile = function (this: CompilableModule, code: string, file: string, format?: string) {
        module._compile = compile;
        const frameRuntime = pluginOptionsFromEnv('commonjs').runtime as string;
        // require() of an ES module (Node >= 20.19): told by Node, or detected by its syntax
        // in a package without "type", as Node does when `format` is left undefined.
        const kind =
          format === 'module' || format === 'commonjs'
            ? format
            : (moduleFormatOfPath(file) ?? (/\b(?:import|export)\b/.test(code) ? detectModuleFormat(code, file, { frameRuntime }) : 'commonjs'));
        // This hook runs in the app's thread: show a cache miss's time as instrumenting.
        const instrumented = instrumentCached(code, file, { format: kind, plugin: pluginOptionsFromEnv(kind), frameRuntime });
        return compile.call(this, instrumented, file, format ?? (kind === 'module' ? 'module' : undefined));
      };
      return original(module, filename);
    };
    (hooked as { stackring?: boolean }).stackring = true;
    extensions[ext] = hooked;
  }
}

/** Reads a file the way Node's CommonJS loader does (for registerHooks' load). */
export function readSource(path: string): string {
  return readFileSync(path, 'utf8');
}
