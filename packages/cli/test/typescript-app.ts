// The TypeScript fixture app (fixtures/apps/ts: a .ts ES module importing another, and a .cts
// CommonJS file) run under the loading hooks, for the tests on Node 20 and on Node 22.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTraceFileSync } from '@stackring/ring';

export const tsApp = fileURLToPath(new URL('./fixtures/apps/ts/app.ts', import.meta.url));
const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));

/** What the app prints: sums, and the .ts line its error stack names (`where`). */
export const TS_APP_OUTPUT = { total: 15708, pair: 5, where: '25', spun: true };

/** Runs the app with the hooks, recording to `trace`; returns its output and the function table. */
export function runTsApp(node: string, trace: string, cacheDir: string, nodeArgs: string[] = []) {
  const run = spawnSync(node, ['--import', register, ...nodeArgs, tsApp, '30'], {
    encoding: 'utf8',
    env: { ...process.env, STACKRING_AGENT: '1', STACKRING_RECORD: trace, STACKRING_SOCKET: '0', STACKRING_CACHE_DIR: cacheDir },
  });
  const functions = readTraceFileSync(trace).chunks.flatMap((c) => (c.type === 'functions' ? c.functions : []));
  const positions = functions.map((f) => `${f.name} ${f.file.slice(join(tsApp, '..').length + 1)}:${f.line}:${f.column}`);
  return { run, positions };
}

/** Functions of the app with their .ts positions (1-based, where V8 puts each function's start). */
export const TS_APP_FUNCTIONS = [
  'spin app.ts:7:1',
  '<anonymous> app.ts:8:41', // (r) => new Circle(r)
  'Circle shapes.ts:10:3', // the constructor: V8's frame for `new Circle`
  'Circle.area shapes.ts:13:3',
  'total shapes.ts:18:8',
  'fail shapes.ts:24:8',
  'addPair legacy.cts:3:1',
];
