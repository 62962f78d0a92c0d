// The transform cache's key: a cached file must not outlive the plugin or Babel that made it.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cacheKey, TRANSFORM_VERSIONS } from '../src/hooks/transform.js';

const require = createRequire(import.meta.url);

describe('transform cache key', () => {
  it('is made of the installed plugin and Babel versions', () => {
    expect(TRANSFORM_VERSIONS.plugin).toMatch(new RegExp(`^${require('@stackring/babel-plugin/package.json').version.replace(/\./g, '\\.')}\\+\\d+$`)); // + the hooks' output revision
    expect(TRANSFORM_VERSIONS.babel).toBe(require('@babel/core/package.json').version);
  });

  it("holds for TypeScript the preset's version and options, which change the output", () => {
    expect(TRANSFORM_VERSIONS.typescript).toBe(`${require('@babel/preset-typescript/package.json').version} {"allowDeclareFields":true,"onlyRemoveTypeImports":true}`);
    const base = cacheKey('f()', '/a.ts', {});
    expect(cacheKey('f()', '/a.ts', {}, { ...TRANSFORM_VERSIONS, typescript: `${TRANSFORM_VERSIONS.typescript} ` })).not.toBe(base);
    expect(cacheKey('f()', '/a.js', {}, { ...TRANSFORM_VERSIONS, typescript: `${TRANSFORM_VERSIONS.typescript} ` })).toBe(cacheKey('f()', '/a.js', {}));
  });

  it('changes with the plugin version, the Babel version, the options, the file name and the source', () => {
    const base = cacheKey('f()', '/a.js', { plugin: { include: ['**'] } });
    const keys = [
      cacheKey('f()', '/a.js', { plugin: { include: ['**'] } }, { ...TRANSFORM_VERSIONS, plugin: `${TRANSFORM_VERSIONS.plugin}-next` }),
      cacheKey('f()', '/a.js', { plugin: { include: ['**'] } }, { ...TRANSFORM_VERSIONS, babel: '8.0.0' }),
      cacheKey('f()', '/a.js', { plugin: { include: ['src/**'] } }),
      cacheKey('f()', '/b.js', { plugin: { include: ['**'] } }),
      cacheKey('g()', '/a.js', { plugin: { include: ['**'] } }),
    ];
    expect(cacheKey('f()', '/a.js', { plugin: { include: ['**'] } })).toBe(base);
    expect(new Set([base, ...keys]).size).toBe(keys.length + 1);
  });
});
