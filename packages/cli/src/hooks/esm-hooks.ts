// ES module loading hooks (module.register, Node 20.6 to 22.14; they run on Node's loader
// thread): instrument the source of ES modules as they load. CommonJS goes through the
// require hook (cjs-hook.ts) on the loading thread.

import type { LoadHook } from 'node:module';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { detectModuleFormat, instrumentCached, nextLoaderOr } from './transform.js';
import { isTypeScriptPath, moduleFormatOfPath, pluginOptionsFromEnv, shouldInstrument } from './filter.js';

export const load: LoadHook = async (url, context, nextLoad) => {
  if (shouldInstrument(url) && isTypeScriptPath(fileURLToPath(url))) {
    // TypeScript, which Node 20 cannot load (and 22 would strip itself): compiled here, in the
    // same pass as instrumentation. A CommonJS file is left to the require hook, which reads
    // it itself (this loader's source would be ignored).
    const path = fileURLToPath(url);
    let format = moduleFormatOfPath(path);
    if (format === 'commonjs') return { format, shortCircuit: true };
    const source = await readFile(path, 'utf8');
    // No "type" to go by: Node's syntax detection decides, as it would for the stripped file.
    format ??= detectModuleFormat(source, path);
    if (format === 'commonjs') return { format, shortCircuit: true };
    try {
      return { format, shortCircuit: true, source: instrumentCached(source, path, { format, plugin: pluginOptionsFromEnv(format) }) };
    } catch (error) {
      return nextLoaderOr(error, path, () => nextLoad(url, context));
    }
  }
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || !shouldInstrument(url) || result.source == null) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  const code = instrumentCached(source, fileURLToPath(url), { format: 'module', plugin: pluginOptionsFromEnv('module') });
  return { ...result, source: code };
};
