// Shared by the tests: transform with the plugin, write plain and instrumented copies next to
// the workspace's node_modules (so that @stackring/runtime resolves), run them with node.
import { transformSync, type TransformOptions } from '@babel/core';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import plugin, { type StackringMetadata, type StackringOptions } from '../src/index.js';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Under node_modules (ignored by git), below the workspace root's node_modules. */
export const tmpRoot = join(packageDir, 'node_modules', '.stackring-test');

export function tmpDir(name: string, type: 'commonjs' | 'module' = 'commonjs'): string {
  const dir = join(tmpRoot, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
  return dir;
}

export interface Instrumented {
  code: string;
  map: unknown;
  functions: StackringMetadata['functions'];
}

export function instrument(code: string, filename: string, options: StackringOptions = {}, extra: TransformOptions = {}): Instrumented {
  const result = transformSync(code, {
    filename,
    babelrc: false,
    configFile: false,
    sourceType: 'unambiguous',
    plugins: [[plugin, options]],
    sourceMaps: true,
    ...extra,
  });
  if (!result?.code) throw new Error('no output');
  const functions = (result.metadata as { stackring?: StackringMetadata }).stackring?.functions ?? [];
  return { code: result.code, map: result.map, functions };
}

/** Output with its source map inline (so `--enable-source-maps` shows original positions). */
export function withInlineMap(code: string, map: unknown): string {
  return `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function runNode(file: string, args: string[] = [], timeout = 60_000, env: Record<string, string> = {}, node = process.execPath): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(node, [...args, file], { cwd: dirname(file), timeout, maxBuffer: 64 << 20, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

/**
 * A run's output with the run's directory replaced and positions in input.js dropped: the
 * inserted code moves lines, and --enable-source-maps would rename frames from the map's
 * `names`, a presentation artefact.
 */
export function normalise(text: string, dir: string): string {
  return text
    .split(dir)
    .join('<dir>')
    .replace(/(<dir>\/input\.m?js):\d+(?::\d+)?/g, '$1')
    // Node prints the source line of an uncaught error first: that line is the instrumented one.
    .replace(/^<dir>\/input\.m?js\n[^\n]*\n[^\n]*\n\n/, '')
    .replace(/file:\/\/<dir>/g, '<dir>')
    .replace(/\n\s+at [^\n]*node:internal[^\n]*/g, '')
    .replace(/\nNode\.js v[\d.]+\n?/, '\n');
}
