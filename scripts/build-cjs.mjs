// Builds the CommonJS copies of the packages that instrumented CommonJS code loads with
// require() (Node 20 cannot require an ES module). Each package has a tsconfig.cjs.json that
// writes dist/cjs/, marked as CommonJS by its own package.json.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
for (const pkg of ['ring', 'runtime', 'babel-plugin']) {
  const config = join(root, 'packages', pkg, 'tsconfig.cjs.json');
  if (!existsSync(config)) continue;
  execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit' });
  writeFileSync(join(root, 'packages', pkg, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
}
