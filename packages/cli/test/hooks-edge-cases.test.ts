// The loading hooks on what real programs do at the edges: CommonJS TypeScript that imports
// types, CommonJS that tsx compiled in a "type": "module" package, syntax only tsx's tsconfig
// allows, a byte order mark. Each runs with the hooks as it runs without them.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNode22, node22, node22Supported } from '../../../test/node22.js';
import { instrumentSource } from '../src/hooks/transform.js';

const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));
const apps = fileURLToPath(new URL('./fixtures/apps/', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const dir = mkdtempSync(join(tmpdir(), 'stackring-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(node: string, args: string[], cache: string, cwd?: string) {
  return spawnSync(node, args, { encoding: 'utf8', cwd, env: { ...process.env, STACKRING_CACHE_DIR: join(dir, cache) } });
}

describe('the loading hooks at the edges', () => {
  beforeAll(() => (node22Supported ? ensureNode22() : undefined), 300_000);

  it('run a CommonJS .ts file that imports types (a typeless package), as Node 22 strips it', () => {
    const app = join(apps, 'ts-import-type', 'app.ts');
    const expected = 'cjs with import type 1 b object\n';
    const hooked = run(process.execPath, ['--import', register, app], 'import-type-20');
    expect(hooked.stderr).toBe('');
    expect(hooked.stdout).toBe(expected);
    if (node22Supported) {
      expect(run(node22, [app], 'plain').stdout).toBe(expected);
      expect(run(node22, ['--import', register, app], 'import-type-22').stdout).toBe(expected);
    }
  });

  it('keep what tsx compiles to CommonJS CommonJS, in a "type": "module" package', () => {
    const main = join(apps, 'tsx-esm-helper', 'main.mts');
    const plain = run(process.execPath, ['--import', tsx, main], 'none');
    expect(plain.stdout).toBe('helper says hi x h string\n');
    const hooked = run(process.execPath, ['--import', register, '--import', tsx, main], 'tsx-helper');
    expect(hooked.stderr).toBe('');
    expect(hooked.stdout).toBe(plain.stdout);
  });

  it('leave to tsx what only its tsconfig allows (legacy decorators), and say so', () => {
    // tsx reads the tsconfig.json of the working directory.
    const project = join(apps, 'tsx-decorators');
    const app = join(project, 'app.ts');
    const plain = run(process.execPath, ['--import', tsx, app], 'none', project);
    expect(plain.stdout).toBe('logged:hi x\n');
    const hooked = run(process.execPath, ['--import', register, '--import', tsx, app], 'tsx-decorators', project);
    expect(hooked.stdout).toBe(plain.stdout);
    expect(hooked.stderr).toContain(`stackring: ${app} is left uninstrumented, for the next loader`);
    expect(hooked.stderr).toContain("'decorators'");
  });

  it('keep Babel apart from the app\'s modules when the first miss comes half-way through loading one Babel uses', () => {
    // The app's own file is cached, so Babel is first needed for supports-color, which `debug`
    // requires (in a try) while the app loads it. Sharing the app's module cache, Babel got the
    // half-loaded `debug`, failed silently, and the next miss (the fresh module) then crashed
    // the app on Babel's half-loaded leftovers ("Requires Babel ... loaded with undefined").
    const app = join(apps, 'shared-deps', 'app.cjs');
    const fresh = join(dir, 'fresh.cjs');
    const env = { ...process.env, FRESH_MODULE: fresh, STACKRING_NODE_MODULES: '1' };
    const hooked = (cache: string) => spawnSync(process.execPath, ['--import', register, app], { encoding: 'utf8', env: { ...env, STACKRING_CACHE_DIR: join(dir, cache) } });
    writeFileSync(fresh, 'module.exports = () => "fresh 1";\n');
    const plain = spawnSync(process.execPath, [app], { encoding: 'utf8', env });
    expect(plain.stdout).toBe('function function true fresh 1\n');
    const first = hooked('shared-full');
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(plain.stdout);
    // The same cache, less everything but the app's own file.
    cpSync(join(dir, 'shared-full'), join(dir, 'shared-app-only'), { recursive: true });
    const entries = readdirSync(join(dir, 'shared-app-only')).filter((f) => f.endsWith('.js'));
    const appEntries = entries.filter((f) => readFileSync(join(dir, 'shared-app-only', f), 'utf8').includes('FRESH_MODULE'));
    expect(appEntries).toHaveLength(1);
    expect(entries.length, 'supports-color and has-flag were instrumented too').toBeGreaterThan(1);
    for (const f of entries) if (!appEntries.includes(f)) rmSync(join(dir, 'shared-app-only', f));
    writeFileSync(fresh, 'module.exports = () => "fresh 2";\n');
    const second = hooked('shared-app-only');
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('function function true fresh 2\n');
  });

  it('leave error stacks as the app has them, apart from columns: caught, uncaught, ES module and CommonJS', () => {
    // Source maps stay off unless the app turns them on: Node formats mapped frames its own
    // way (paths for file: URLs, `<anonymous>`), and mapping every stack costs the app time.
    // The line Node prints for an uncaught exception is the app's own (retainLines, and the
    // inserted `finally` on the body's closing line), give or take its indentation.
    const app = join(apps, 'error-stacks', 'app.mjs');
    const plain = spawnSync(process.execPath, [app], { encoding: 'utf8' });
    const hooked = run(process.execPath, ['--import', register, app], 'error-stacks');
    const normal = (text: string) =>
      text
        .split('\n')
        .map((line) => line.replace(/:(\d+):\d+/g, ':$1').trim())
        .filter((line) => !/^\^$/.test(line))
        .join('\n');
    expect(plain.status).toBe(1);
    expect(plain.stdout).toContain(`at outer (${pathToFileURL(app).href}:`);
    expect(plain.stderr).toMatch(/app\.mjs:22\n {4}throw new Error\('uncaught'\);\n/);
    expect(hooked.status).toBe(1);
    expect(normal(hooked.stdout)).toBe(normal(plain.stdout));
    expect(normal(hooked.stderr)).toBe(normal(plain.stderr));
  });

  it('drop a byte order mark as Node does, so line 1 keeps its columns', () => {
    const { code } = instrumentSource('\uFEFFconst x = 1; function f() { return x; }\n', '/app/bom.js', { format: 'commonjs', sourceMaps: false });
    expect(code).toContain('"f", 1, 14');
    expect(code.charCodeAt(0)).not.toBe(0xfeff);
  });
});
