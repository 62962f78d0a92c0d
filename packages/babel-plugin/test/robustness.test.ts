// Robustness: instrument every .js/.mjs/.cjs file in the workspace's node_modules. None may
// crash the plugin and every output must parse again. Files over 1 MB (a handful of bundles:
// TypeScript's compiler, vite's and playwright's chunks, 60% of the bytes) are left out to keep
// the run within a few minutes on 2 cores; the count is printed.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir } from './helpers.js';

const MAX_BYTES = 1_000_000;

function* walk(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = join(dir, entry);
    let st;
    try {
      st = statSync(full);
    } catch {
      continue;
    }
    // Workspace packages are symlinks: not third-party code, and the runtime must stay untouched.
    if (entry === '@stackring' || entry === '.stackring-test' || entry === '.stackring-bench') continue;
    if (st.isDirectory()) yield* walk(full);
    else if (/\.(c|m)?js$/.test(entry)) yield full;
  }
}

interface Summary { files: number; unparsable: number; instrumented: number; functions: number; bytes: number; failures: { file: string; stage: string; message: string }[] }

function runWorker(files: string[], share: number, shares: number): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=3072', join(packageDir, 'test', 'robustness-worker.mjs'), String(share), String(shares)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited with ${code}`))));
    child.stdin.end(files.join('\n'));
  });
}

describe('robustness on node_modules', () => {
  it('every file instruments without a crash and the output parses', async () => {
    const all = [...walk(join(packageDir, '..', '..', 'node_modules'))];
    const files = all.filter((f) => statSync(f).size <= MAX_BYTES);
    const shares = Math.max(2, Math.min(4, availableParallelism()));
    const started = Date.now();
    const parts = await Promise.all(Array.from({ length: shares }, (_, i) => runWorker(files, i, shares)));
    const total = parts.reduce((a, b) => ({
      files: a.files + b.files, unparsable: a.unparsable + b.unparsable, instrumented: a.instrumented + b.instrumented,
      functions: a.functions + b.functions, bytes: a.bytes + b.bytes, failures: [...a.failures, ...b.failures],
    }));
    console.log(
      `robustness: ${all.length} files found, ${all.length - files.length} over 1 MB left out; ${total.files} instrumented and re-parsed ` +
        `(${(total.bytes / 1e6).toFixed(1)} MB, ${total.instrumented} with functions, ${total.functions} functions), ` +
        `${total.unparsable} not parsable by Babel, ${total.failures.length} failures, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect(total.failures).toEqual([]);
    expect(total.files).toBeGreaterThan(1000);
  }, 600_000);
});
