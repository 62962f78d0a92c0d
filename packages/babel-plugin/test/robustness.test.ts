// Robustness: instrument every .js/.mjs/.cjs file in the workspace's node_modules (every fourth
// also with skipTrivialLeaves). None may crash the plugin and every output must parse again. Files over 3.5 MB are left out to keep
// the run short on 2 cores: playwright's coreBundle.js (3.6 MB, 11 s of CPU), TypeScript's
// _tsc.js and typescript.js (15 MB, 35 s and 2 GB of memory for the two). vite's 1.4 MB chunk
// and playwright's 3.3 MB utilsBundle.js are in: 15 s of CPU, 8 to 13 s more on 2 cores.
// The largest files are dealt out first, one per worker in turn. node_modules/.cache holds
// tools' outputs (transform caches, a downloaded Node), not packages: left out. Counts are printed.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { thirdPartyFiles } from '../../../test/third-party-files.js';
import { packageDir } from './helpers.js';

const MAX_BYTES = 3_500_000;


interface Summary { files: number; unparsable: number; instrumented: number; functions: number; bytes: number; skipping: number; failures: { file: string; stage: string; message: string }[] }

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
    const all = [...thirdPartyFiles(join(packageDir, '..', '..', 'node_modules'), (name) => /\.(c|m)?js$/.test(name))];
    const sized = all.map((f) => ({ f, size: statSync(f).size }));
    // Largest first: the workers take every n-th file, so the big ones are spread among them.
    const files = sized.filter(({ size }) => size <= MAX_BYTES).sort((a, b) => b.size - a.size).map(({ f }) => f);
    const shares = Math.max(2, Math.min(4, availableParallelism()));
    const started = Date.now();
    const parts = await Promise.all(Array.from({ length: shares }, (_, i) => runWorker(files, i, shares)));
    const total = parts.reduce((a, b) => ({
      files: a.files + b.files, unparsable: a.unparsable + b.unparsable, instrumented: a.instrumented + b.instrumented,
      functions: a.functions + b.functions, bytes: a.bytes + b.bytes, skipping: a.skipping + b.skipping, failures: [...a.failures, ...b.failures],
    }));
    console.log(
      `robustness: ${all.length} files found, ${all.length - files.length} over ${MAX_BYTES / 1e6} MB left out; ${total.files} instrumented and re-parsed ` +
        `(${(total.bytes / 1e6).toFixed(1)} MB, ${total.instrumented} with functions, ${total.functions} functions; ${total.skipping} also with skipTrivialLeaves), ` +
        `${total.unparsable} not parsable by Babel, ${total.failures.length} failures, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    expect(total.failures).toEqual([]);
    expect(total.files).toBeGreaterThan(1000);
    expect(total.skipping).toBeGreaterThan(250);
  }, 600_000);
});
