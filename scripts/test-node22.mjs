// `npm run test:node22`: every test again, run by Node 22 (the current LTS; this machine and CI
// run Node 20). Node 22 is on PATH first, so vitest, its workers and every child a test starts
// with process.execPath or `node` are Node 22. Run after `npm test`, which builds.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { ensureNode22, node22Supported } from './node22.mjs';

if (!node22Supported) {
  console.log(`test:node22: no Node 22 binary for ${process.platform}-${process.arch} on the npm registry; skipped`);
  process.exit(0);
}
const node = await ensureNode22();
const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH}` };
const version = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
console.log(`test:node22: vitest on Node ${version}`);
const run = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], { env, stdio: 'inherit' });
process.exit(run.status ?? 1);
