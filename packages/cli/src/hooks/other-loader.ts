// TypeScript that another loader compiles (ts-node, @babel/register: they claim its extension
// in require.extensions, where Node 22 has no .ts of its own). Node 20's hooks leave such a
// CommonJS file to the CommonJS loader, so the loader compiles it and the require hook
// instruments what it compiled; module.registerHooks must do the same, or the app runs our
// compilation instead of its loader's (ts-node never sees the file, and fails).

import Module from 'node:module';
import { extname } from 'node:path';
import { moduleFormatOfPath } from './filter.js';

type Extensions = Record<string, unknown>;

/** True when `path` is CommonJS and another loader handles its extension. */
export function otherLoaderCompiles(path: string): boolean {
  const extensions = (Module as unknown as { _extensions: Extensions })._extensions;
  return Object.hasOwn(extensions, extname(path)) && moduleFormatOfPath(path) === 'commonjs';
}

/**
 * What the load hook answers for such a file: from require() (the CommonJS loader's load
 * step), Node's own load, whose source the other loader's compile step gets; from import (an
 * entry point run through the ES module loader, as --import makes it), no source, which sends
 * the file to the CommonJS loader and so to the other loader.
 */
export function leaveToOtherLoader<R>(context: { conditions?: readonly string[] }, nextLoad: () => R): R | { format: 'commonjs'; source: null; shortCircuit: true } {
  if (context.conditions?.includes('require')) return nextLoad();
  return { format: 'commonjs', source: null, shortCircuit: true };
}
