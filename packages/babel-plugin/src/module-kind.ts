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
/** package.json of each directory looked at (null: none there, or not JSON). */
const packageJsonCache = new Map<string, PackageInfo | null>();

function packageJsonIn(dir: string): PackageInfo | null {
  let pkg = packageJsonCache.get(dir);
  if (pkg === undefined) {
    try {
      pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageInfo;
    } catch {
      pkg = null;
    }
    packageJsonCache.set(dir, pkg);
  }
  return pkg;
}

/** The nearest package.json (Node uses its `type` for `.js` files). */
export function nearestPackage(dir: string): PackageInfo | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = packageJsonIn(d);
    if (pkg !== null) return { ...pkg, type: pkg.type ?? 'commonjs' };
    if (dirname(d) === d) return undefined;
  }
}

/**
 * The name of the package a file in `dir` belongs to: the nearest package.json with a name.
 * Builds nest name-less ones (`dist/cjs/package.json` with only `"type": "commonjs"`), which
 * say how Node loads the files below but not whose they are.
 */
export function owningPackageName(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const name = packageJsonIn(d)?.name;
    if (typeof name === 'string' && name !== '') return name;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * `declared`: the sourceType Babel was given. "script" is the caller saying so (the loading
 * hooks for a CommonJS file, another loader's CommonJS output in a "type": "module" package):
 * a script cannot import, whatever package.json says.
 */
export function isEsModule(program: NodePath<t.Program>, filename: string | undefined, declared?: string, callerSupportsStaticESM?: boolean): boolean {
  const node = program.node;
  if (declared === 'script') return false;
  for (const stmt of node.body) {
    if (stmt.type === 'ImportDeclaration' || stmt.type === 'ExportNamedDeclaration' || stmt.type === 'ExportDefaultDeclaration' || stmt.type === 'ExportAllDeclaration') {
      return true;
    }
  }
  // A caller that runs the output as CommonJS says so (babel-jest: supportsStaticESM false):
  // a file without import or export must not gain an import, whatever package.json says.
  // (A file with them needs a module transform in that setup anyway, which converts ours too.)
  if (callerSupportsStaticESM === false) return false;
  if (filename && /\.m[jt]sx?$/.test(filename)) return true;
  if (filename && /\.c[jt]sx?$/.test(filename)) return false;
  // A .js file: Node follows the nearest package.json.
  const type = filename && /\.[jt]sx?$/.test(filename) ? nearestPackage(dirname(filename))?.type : undefined;
  if (type !== undefined) return type === 'module';
  const scope = program.scope as unknown as { hasGlobal(name: string): boolean };
  if (scope.hasGlobal('require') || scope.hasGlobal('module') || scope.hasGlobal('exports')) return false;
  return node.sourceType !== 'script';
}
