// The CommonJS require hook for Node versions without module.registerHooks: wraps the '.js'
// and '.cjs' compilers of Module._extensions, the way pirates and nyc do.

import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { instrumentCached, isTransforming } from './transform.js';
import { pluginOptionsFromEnv, shouldInstrumentPath } from './filter.js';

interface CompilableModule {
  _compile(code: string, filename: string): unknown;
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
      module._compile = function (this: CompilableModule, code: string, file: string) {
        module._compile = compile;
        const plugin = pluginOptionsFromEnv('commonjs');
        // This hook runs in the app's thread: show a cache miss's time as instrumenting.
        return compile.call(this, instrumentCached(code, file, { format: 'commonjs', plugin, frameRuntime: plugin.runtime as string }), file);
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
