// ES module or CommonJS script: decides whether the runtime is loaded with `import` or
// `require`. Babel parses with sourceType "module" by default, which says little about what
// Node will do with the file, so the file's own syntax and Node's rules decide.
import type { NodePath, types as t } from '@babel/core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface PackageInfo {
  name?: string;
  type?: string;
}
const packageCache = new Map<string, PackageInfo | undefined>();

/** The nearest package.json (Node uses its `type` for `.js` files). */
export function nearestPackage(dir: string): PackageInfo | undefined {
  if (packageCache.has(dir)) return packageCache.get(dir);
  let result: PackageInfo | undefined;
  try {
    result = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageInfo;
    result.type ??= 'commonjs';
  } catch {
    const parent = dirname(dir);
    result = parent === dir ? undefined : nearestPackage(parent);
  }
  packageCache.set(dir, result);
  return result;
}

/**
 * `declared`: the sourceType Babel was given. "script" is the caller saying so (the loading
 * hooks for a CommonJS file, another loader's CommonJS output in a "type": "module" package):
 * a script cannot import, whatever package.json says.
 */
export function isEsModule(program: NodePath<t.Program>, filename: string | undefined, declared?: string): boolean {
  const node = program.node;
  if (declared === 'script') return false;
  for (const stmt of node.body) {
    if (stmt.type === 'ImportDeclaration' || stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' || stmt.type === 'ExportAllDeclaration') {
      return true;
    }
  }
  if (filename && /\.m[jt]sx?$/.test(filename)) return true;
  if (filename && /\.c[jt]sx?$/.test(filename)) return false;
  // A .js file: Node follows the nearest package.json.
  const type = filename && /\.[jt]sx?$/.test(filename) ? nearestPackage(dirname(filename))?.type : undefined;
  if (type !== undefined) return type === 'module';
  const scope = program.scope as unknown as { hasGlobal(name: string): boolean };
  if (scope.hasGlobal('require') || scope.hasGlobal('module') || scope.hasGlobal('exports')) return false;
  return node.sourceType !== 'script';
}
