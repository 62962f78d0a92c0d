// The CommonJS require hook: wraps Module.prototype._compile, which every CommonJS file goes
// through. All of CommonJS on Node without module.registerHooks; beside it, what other loaders
// compile themselves.

import Module from 'node:module';
import { instrumentCached, isTransforming, sniffModuleFormat } from './transform.js';
import { formatOfExtension, pluginOptionsFromEnv, shouldInstrumentPath } from './filter.js';

interface CompilableModule {
  /** `format`: Node >= 20.19 passes 'module' (or leaves it undefined to detect) for require(esm). */
  _compile(code: string, filename: string, format?: string): unknown;
}

export function installRequireHook(): void {
  // Module.prototype._compile is where every CommonJS file ends up: Node's own compilers for
  // .js and .cjs (Node 20 also uses the .js one for .ts and .cts), and those other loaders
  // register (tsx, ts-node, @babel/register), which compile first and then call it with
  // JavaScript. Wrapping it, rather than Node's compilers, instruments all of them.
  const proto = Module.prototype as unknown as CompilableModule & { _compile: CompilableModule['_compile'] & { stackring?: boolean } };
  const compile = proto._compile;
  if (compile.stackring) return;
  const hooked = function (this: CompilableModule, code: string, file: string, format?: string) {
    if (isTransforming() || typeof code !== 'string' || !shouldInstrumentPath(file) || instrumentedAlready(code, file)) return compile.call(this, code, file, format);
    const frameRuntime = pluginOptionsFromEnv('commonjs').runtime as string;
    // require() of an ES module (Node >= 20.19): told by Node, or else by the extension, or
    // detected by its syntax, as Node does when `format` is left undefined. Never by the
    // package's "type": what other loaders (tsx, ts-node) hand over without a format is the
    // CommonJS they compiled, even in a "type": "module" package.
    const kind =
      format === 'module' || format === 'commonjs'
        ? format
        : (formatOfExtension(file) ?? sniffModuleFormat(code, file, frameRuntime));
    // This hook runs in the app's thread: show a cache miss's time as instrumenting.
    const instrumented = instrumentCached(code, file, { format: kind, plugin: pluginOptionsFromEnv(kind), frameRuntime });
    return compile.call(this, instrumented, file, format ?? (kind === 'module' ? 'module' : undefined));
  } as typeof compile;
  hooked.stackring = true;
  proto._compile = hooked;
}

/** What the load step (module.registerHooks) instrumented, per file, on its way to _compile. */
const handedOver = new Map<string, string>();

/**
 * Notes `code`, which the load step instrumented for `file`: Node's CommonJS compiler passes it
 * on to Module.prototype._compile, where it must not be instrumented a second time. The
 * plugin's marker says so only for a file with functions; a file without any comes out
 * unmarked.
 */
export function handedToCompile(file: string, code: string): string {
  handedOver.set(file, code);
  return code;
}

/**
 * Code the hooks' load step has instrumented already: handed over for this file, or headed by
 * the plugin's marker (after a shebang line and leading comments). Checked here so that such a
 * file is not parsed a second time for nothing.
 */
function instrumentedAlready(code: string, file: string): boolean {
  if (handedOver.get(file) === code) {
    handedOver.delete(file);
    return true;
  }
  // Anywhere: Babel keeps a file's leading comments (a licence block) above the marker.
  return code.includes('/* @stackring instrumented */');
}
