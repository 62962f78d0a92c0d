// The third-party files in a node_modules tree, for the robustness sweeps (every .js file
// through the plugin, every .ts file through the hooks): sorted, so runs are comparable.

/** Directories that are not third-party packages: our workspace symlinks and tools' outputs. */
const NOT_PACKAGES = new Set(['@stackring', 'stackring', '.stackring-test', '.stackring-bench', '.cache']);

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir` whose name `accept` takes, depth first, skipping NOT_PACKAGES. */
export function* thirdPartyFiles(dir: string, accept: (name: string) => boolean): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const entry of entries) {
    if (NOT_PACKAGES.has(entry)) continue;
    const full = join(dir, entry);
    let st;
    try {
      st = statSync(full);
    } catch {
      continue;
    }
    if (st.isDirectory()) yield* thirdPartyFiles(full, accept);
    else if (accept(entry)) yield full;
  }
}
