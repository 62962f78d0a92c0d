// The plugin in a real webpack 5 build through babel-loader, named in the loader's options as
// users write it (issue 3). The app in test/webpack-app (ES modules, a CommonJS module, a class
// method, arrows; not under test/fixtures, whose every directory fixtures.test.ts runs as an
// input.js case) is bundled, then run: it must print what it prints when run plain, and the
// probe's snapshot() must show the app's functions at their original files and positions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import webpack, { type Configuration, type Stats } from 'webpack';
import { afterAll, describe, expect, it } from 'vitest';
import { packageDir, runNode } from './helpers.js';

const workspaceRoot = join(packageDir, '..', '..');
const appDir = join(packageDir, 'test', 'webpack-app');
const outDir = mkdtempSync(join(tmpdir(), 'stackring-webpack-'));

interface Seen {
  snapshot: { name: string; file: string; line: number; column: number }[];
  v8: { file: string; line: number | null; column: number | null }[];
}

// At the probe (priceOf, for the pear), outermost first; positions are the ones docs/plugin.md
// gives (V8's function starts): `function` after `export `, the arrow's parameter list, the
// method's name. main.mjs's top level is not a function, so it has no frame.
const expected = [
  { name: 'run', file: join(appDir, 'main.mjs'), line: 7, column: 1 },
  { name: 'report', file: join(appDir, 'format.cjs'), line: 4, column: 1 },
  { name: 'Inventory.total', file: join(appDir, 'inventory.mjs'), line: 13, column: 3 },
  { name: '<anonymous>', file: join(appDir, 'inventory.mjs'), line: 14, column: 30 },
  { name: 'priceOf', file: join(appDir, 'inventory.mjs'), line: 3, column: 24 },
  { name: 'probe', file: join(appDir, 'probe.mjs'), line: 8, column: 8 },
];

function config(plugins: string[]): Configuration {
  return {
    context: appDir,
    entry: './main.mjs',
    target: 'node',
    mode: 'none',
    devtool: false,
    output: { path: outDir, filename: 'bundle.cjs' },
    // Not bundled: the runtime must be the process's one copy, loaded from its package. It starts
    // the agent from its own agent-worker.js file (gone from a bundle), and the loading hooks or
    // `stackring record` load it too: a copy frozen into the bundle could be another version than
    // the one the agent reads the ring with. So `require("@stackring/runtime")` at run time.
    externals: { '@stackring/runtime': 'node-commonjs @stackring/runtime' },
    module: {
      rules: [
        {
          test: /\.[cm]?js$/,
          exclude: /node_modules/,
          use: {
            loader: 'babel-loader',
            // cwd: where Babel resolves plugin names from (the process's cwd by default).
            options: { babelrc: false, configFile: false, cacheDirectory: false, cwd: workspaceRoot, plugins },
          },
        },
      ],
    },
  };
}

function build(plugins: string[]): Promise<Stats> {
  return new Promise((resolve, reject) => {
    webpack(config(plugins), (err, stats) => (err || !stats ? reject(err ?? new Error('no stats')) : resolve(stats)));
  });
}

function parseSeen(stderr: string): Seen {
  return JSON.parse(stderr.trim()) as Seen;
}

describe('webpack 5 with babel-loader and plugins: ["@stackring/babel-plugin"]', () => {
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('the bundle runs like the app and snapshot() shows the original files and positions', async () => {
    const [stats, plain] = await Promise.all([build(['@stackring/babel-plugin']), runNode(join(appDir, 'main.mjs'))]);
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    expect(info.errors ?? []).toEqual([]);
    expect(info.warnings ?? []).toEqual([]);

    // Run plain, the app prints its result and stackring sees nothing; V8's own stack at the
    // probe has the function starts the table must hold.
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('3 items, 5.00\n');
    const plainSeen = parseSeen(plain.stderr);
    expect(plainSeen.snapshot).toEqual([]);
    const v8 = plainSeen.v8
      .filter((s) => s.file.includes('webpack-app'))
      .map((s) => ({ file: s.file.startsWith('file:') ? fileURLToPath(s.file) : s.file, line: s.line, column: s.column }))
      .filter((s) => !(s.file.endsWith('main.mjs') && s.line === 1 && s.column === 1)) // the module's top level
      .reverse();
    expect(v8).toEqual(expected.map(({ file, line, column }) => ({ file, line, column })));

    // The bundle: the runtime resolves from the workspace's node_modules.
    const bundled = await runNode(join(outDir, 'bundle.cjs'), [], 20_000, { NODE_PATH: join(workspaceRoot, 'node_modules') });
    expect(bundled.stderr.startsWith('{'), bundled.stderr).toBe(true);
    expect(bundled.code).toBe(0);
    expect(bundled.stdout).toBe(plain.stdout);
    expect(parseSeen(bundled.stderr).snapshot).toEqual(expected);
  });
});
