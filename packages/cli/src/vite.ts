// stackring/vite: a Vite plugin that instruments the code Vite serves to Node (Vitest's tests and
// the app code they import, SSR in the dev server). The loading hooks never see that code: Vite's
// module runner evaluates it itself instead of going through Node's loader. Dependencies Vite
// leaves to Node (node_modules) go through the hooks as usual under `stackring run`/`record`.
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instrumentSource } from './hooks/transform.js';
import { pluginOptionsFromEnv, shouldInstrumentPath } from './hooks/filter.js';

/** The part of Vite's plugin interface this plugin uses (no dependency on Vite's types). */
export interface StackringVitePlugin {
  name: string;
  enforce: 'post';
  apply: 'serve';
  transform(this: TransformContext, code: string, id: string, options?: { ssr?: boolean }): { code: string; map: object | null } | null;
}

interface TransformContext {
  environment?: { config?: { consumer?: string } };
  getCombinedSourcemap?: () => object;
}

/** Source files Vite serves: ids without a query, on disk, JavaScript or what compiles to it. */
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

export default function stackring(): StackringVitePlugin {
  return {
    name: 'stackring',
    // After Vite's own transforms: the code is JavaScript, and the combined source map leads
    // back to the file as written, so function tables give its positions.
    enforce: 'post',
    apply: 'serve',
    transform(code, id, options) {
      const consumer = this.environment?.config?.consumer;
      const toNode = consumer === undefined ? options?.ssr === true : consumer === 'server';
      if (!toNode || id.includes('?') || id.startsWith('\0') || !isAbsolute(id) || !SOURCE.test(id)) return null;
      // The hooks' filter (not node_modules unless STACKRING_NODE_MODULES=1, never stackring
      // itself), with .jsx/.tsx judged as .js/.ts.
      if (!shouldInstrumentPath(id.replace(/x$/, ''))) return null;
      const plugin = pluginOptionsFromEnv('module');
      const { code: out, map } = instrumentSource(code, id, {
        format: 'module',
        // Vite imports the runtime by its path, which it can resolve (not a file: URL).
        plugin: { ...plugin, runtime: fileURLToPath(plugin.runtime as string) },
        typescript: false,
        inputSourceMap: this.getCombinedSourcemap?.(),
        sourceMaps: 'separate',
      });
      return { code: out, map };
    },
  };
}
