// Builds src/*.ts into dist/*.js with Babel: the TypeScript preset strips the types, and
// @stackring/babel-plugin instruments every function in the same pass. Both see the original
// .ts syntax tree, so the plugin records each function's position in the .ts file (and names
// the .ts file): stackring's stacks point at your sources, not at the build output.
// Source maps are written too, so Node's own error stacks can point back at the .ts files.
import { transformFileSync } from '@babel/core';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('./src/', import.meta.url));
const dist = fileURLToPath(new URL('./dist/', import.meta.url));
mkdirSync(dist, { recursive: true });

for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
  const out = basename(file, '.ts') + '.js';
  const result = transformFileSync(join(src, file), {
    configFile: false, // only what is written here
    babelrc: false,
    presets: ['@babel/preset-typescript'],
    plugins: ['@stackring/babel-plugin'],
    sourceMaps: true,
    sourceFileName: `../src/${file}`, // the map's "sources" entry, relative to dist/
  });
  writeFileSync(join(dist, out), `${result.code}\n//# sourceMappingURL=${out}.map\n`);
  writeFileSync(join(dist, `${out}.map`), JSON.stringify(result.map));
  console.log(`src/${file} -> dist/${out}`);
}
