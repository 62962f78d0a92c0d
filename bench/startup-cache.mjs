// First and second start of a real app under the loading hooks: the first start transforms
// every file, the second reads them from the cache. Twice: the app's own code only (the
// default), and with node_modules instrumented too. Alternating runs, medians, against a plain
// start. npm run bench:startup
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const register = here('../packages/cli/dist/register.js');
const app = here('./workloads/start-app.cjs');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const time = (args, env = {}) => {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, [...args, app], { env: { ...process.env, ...env } });
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const rows = { plain: [], 'app code, first start': [], 'app code, second start': [], 'with node_modules, first start': [], 'with node_modules, second start': [] };
for (let r = 0; r < ROUNDS; r++) {
  rows.plain.push(time([]));
  for (const [label, extra] of [['app code', {}], ['with node_modules', { STACKRING_NODE_MODULES: '1' }]]) {
    const cache = mkdtempSync(join(tmpdir(), 'stackring-cache-'));
    const env = { STACKRING_CACHE_DIR: cache, ...extra };
    rows[`${label}, first start`].push(time(['--import', register], env));
    rows[`${label}, second start`].push(time(['--import', register], env));
    rmSync(cache, { recursive: true, force: true });
  }
}
console.log(`start-up of an app loading acorn, js-yaml and postcss: node ${process.version}, ${ROUNDS} rounds, medians`);
for (const [label, xs] of Object.entries(rows)) console.log(`  ${label.padEnd(34)} ${median(xs).toFixed(0).padStart(6)} ms`);
