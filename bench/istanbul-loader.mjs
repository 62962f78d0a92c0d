// ES module load hook of the istanbul variant (registered by bench/istanbul-hook.mjs; on Node
// 20 it runs on the loader thread). Discover mode records each ES module loaded from a file;
// serve mode replaces the source of those listed in the manifest with their pre-instrumented
// copy. CommonJS is left to the require hook in istanbul-hook.mjs.
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let discover;
let manifest = {};

export function initialize(data) {
  discover = data.discover;
  if (data.manifest) manifest = JSON.parse(readFileSync(data.manifest, 'utf8'));
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || !url.startsWith('file:')) return result;
  const path = fileURLToPath(url);
  if (discover) appendFileSync(discover, JSON.stringify({ format: 'module', path }) + '\n');
  const copy = manifest[path];
  return copy === undefined ? result : { ...result, source: readFileSync(copy, 'utf8') };
}
