// Which files the loading hooks instrument: the app's own code by default. node_modules only
// when asked (STACKRING_NODE_MODULES=1), never stackring itself, never Node's built-ins.

import { fileURLToPath } from 'node:url';

// stackring itself, and what it instruments with (Babel and its helpers), are never instrumented.
const SELF = /[\\/](?:node_modules[\\/](?:@stackring|stackring|@babel|@jridgewell|picomatch|gensync|yargs)[\\/]|packages[\\/](?:ring|runtime|babel-plugin|export|cli)[\\/](?:dist|src)[\\/])/;

export function shouldInstrument(url: string): boolean {
  if (!url.startsWith('file:')) return false;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    return false;
  }
  return shouldInstrumentPath(path);
}

export function shouldInstrumentPath(path: string): boolean {
  if (!/\.(?:[cm]?js)$/.test(path)) return false;
  if (SELF.test(path)) return false;
  if (process.env.STACKRING_NODE_MODULES !== '1' && /[\\/]node_modules[\\/]/.test(path)) return false;
  return true;
}

/** Plugin options from STACKRING_INCLUDE / STACKRING_EXCLUDE (comma-separated globs). */
export function pluginOptionsFromEnv(): Record<string, unknown> {
  const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const options: Record<string, unknown> = {};
  const include = list(process.env.STACKRING_INCLUDE);
  const exclude = list(process.env.STACKRING_EXCLUDE);
  if (include) options.include = include;
  if (exclude) options.exclude = exclude;
  return options;
}
