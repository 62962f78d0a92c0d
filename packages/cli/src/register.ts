// `node --import stackring/register app.js`: instruments the app's modules as they load and
// starts the agent (when STACKRING_AGENT=1, as `stackring run` and `record` set it).
// Worker threads inherit --import through execArgv, so they are instrumented too.

import * as nodeModule from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { handedToCompile, installRequireHook } from './hooks/cjs-hook.js';

// Source maps stay as the app has them (--enable-source-maps, or a loader such as tsx turning
// them on): Node formats mapped frames its own way (an ES module's frames as paths instead of
// file: URLs, `<anonymous>` for its top-level code), so turning them on would change the app's
// error stacks. The instrumented files keep their lines (retainLines) and carry inline maps
// for when they are on.

/** Longest the app waits for a sampling agent to start (see below). */
const AGENT_WAIT_MS = 3000;

type RegisterHooks = (hooks: { load?: (url: string, context: { format?: string; conditions?: string[] }, next: (url: string, context?: object) => { format?: string; source?: string | Uint8Array | null }) => unknown }) => void;
const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;

if (typeof registerHooks === 'function') {
  // Node >= 22.15: synchronous hooks in the loading thread, for import and require alike.
  const { detectModuleFormat, instrumentCached, isTransforming, nextLoaderOr, sniffModuleFormat } = await import('./hooks/transform.js');
  const { readFileSync } = await import('node:fs');
  const { isTypeScriptPath, moduleFormatOfPath, pluginOptionsFromEnv, requireExtensionOfAnotherLoader, shouldInstrument } = await import('./hooks/filter.js');
  const { fileURLToPath } = await import('node:url');
  registerHooks({
    load(url, context, nextLoad) {
      const required = context.conditions?.includes('require') === true;
      // What Node's CommonJS compiler loads (all that require() does, and CommonJS imported)
      // it passes on to Module.prototype._compile: the require hook is told it is done.
      const handedOver = (path: string, format: string, code: string) => (required || format === 'commonjs' ? handedToCompile(path, code) : code);
      if (shouldInstrument(url) && isTypeScriptPath(fileURLToPath(url)) && !isTransforming() && !(required && requireExtensionOfAnotherLoader(fileURLToPath(url)))) {
        // TypeScript: compiled here in the same pass as instrumentation, rather than stripped
        // by Node (which 22.18+ does; older versions cannot load it at all).
        const path = fileURLToPath(url);
        const frameRuntime = pluginOptionsFromEnv('commonjs').runtime as string;
        const original = readFileSync(path, 'utf8');
        // No "type" to go by: Node's syntax detection decides, as it would for the stripped file.
        const format = moduleFormatOfPath(path) ?? detectModuleFormat(original, path, { frameRuntime });
        // CommonJS imported (the entry point, under --import): to Node's CommonJS loader, as on
        // Node 20 (esm-hooks.ts). There another loader's compiler takes it (ts-node's
        // require.extensions['.ts']), or else the require hook; given a source here, Node's
        // ESM loader would compile it itself, past both.
        if (format === 'commonjs' && !required) return { format, source: null, shortCircuit: true };
        try {
          return { format, source: handedOver(path, format, instrumentCached(original, path, { format, plugin: pluginOptionsFromEnv(format), frameRuntime })), shortCircuit: true };
        } catch (error) {
          // Another loader (tsx), or Node's own stripping, may take what Babel cannot.
          return nextLoaderOr(error, path, () => nextLoad(url, context));
        }
      }
      const result = nextLoad(url, context);
      if ((result.format != null && result.format !== 'module' && result.format !== 'commonjs') || !shouldInstrument(url) || isTransforming()) return result;
      const path = fileURLToPath(url);
      // For require(), Node's default load may leave the source to the CommonJS loader.
      const raw = result.source ?? readFileSync(path);
      const source = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
      // These hooks run in the loading thread: show a cache miss's time as instrumenting.
      const frameRuntime = pluginOptionsFromEnv('commonjs').runtime as string;
      // require() of a .js file its package.json gives no "type" leaves the format undefined:
      // Node's CommonJS loader detects it from the syntax (require(esm)), and so do we, to parse
      // it as Node will run it. The format stays Node's to decide on the instrumented code.
      const format = result.format ?? sniffModuleFormat(source, path, frameRuntime);
      return { ...result, source: handedOver(path, format, instrumentCached(source, path, { format, plugin: pluginOptionsFromEnv(format), frameRuntime })) };
    },
  });
} else {
  nodeModule.register('./hooks/esm-hooks.js', import.meta.url);
}
// CommonJS without registerHooks; and with it, what loaders that compile CommonJS themselves
// (tsx's .cts, ts-node) hand to Module.prototype._compile without a load step.
installRequireHook();

// The runtime starts the agent itself when STACKRING_AGENT=1 (with the STACKRING_* options);
// loading it here makes the agent available before the first instrumented module.
if (isMainThread && process.env.STACKRING_AGENT === '1') {
  await import('@stackring/runtime');
  // When it samples, hold the app until the agent runs: its worker boots on the same cores as
  // the app and the hooks, and a program busy from its first line lost its first 200 ms or
  // more (all of an 800 ms program on a loaded machine). Never more than AGENT_WAIT_MS.
  // The agent the runtime started (one per process, kept on the node:worker_threads module
  // object: the runtime's thread-holder.ts), with its resolved options.
  type Agent = { options: { interval: number }; socket: Promise<unknown> };
  const holder = nodeModule.createRequire(import.meta.url)('node:worker_threads') as { [key: symbol]: Agent | null | undefined };
  const agent = holder[Symbol.for('stackring.runtime.agent')];
  if (agent && agent.options.interval > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([agent.socket, new Promise((resolve) => (timer = setTimeout(resolve, AGENT_WAIT_MS)))]);
    clearTimeout(timer);
  }
}
