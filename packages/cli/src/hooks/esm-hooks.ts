// ES module loading hooks (module.register, Node 20.6 to 22.14; they run on Node's loader
// thread): instrument the source of ES modules as they load. CommonJS goes through the
// require hook (cjs-hook.ts) on the loading thread.

import type { LoadHook } from 'node:module';
import { fileURLToPath } from 'node:url';
import { instrumentCached } from './transform.js';
import { pluginOptionsFromEnv, shouldInstrument } from './filter.js';

export const load: LoadHook = async (url, context, nextLoad) => {
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || !shouldInstrument(url) || result.source == null) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  const code = instrumentCached(source, fileURLToPath(url), { format: 'module', plugin: pluginOptionsFromEnv('module') });
  return { ...result, source: code };
};
