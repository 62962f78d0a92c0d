// One process of bench/anatomy.mjs: loads one variant of acorn, warms up, times 30 parses of
// acorn's own source, prints {"ms": median}.
const { readFileSync } = require('node:fs');
const [file, sourceFile] = process.argv.slice(2);
const acorn = require(file);
const source = readFileSync(sourceFile, 'utf8');
for (let i = 0; i < 10; i++) acorn.parse(source, { ecmaVersion: 'latest' });
const times = [];
for (let i = 0; i < 30; i++) {
  const t = process.hrtime.bigint();
  acorn.parse(source, { ecmaVersion: 'latest' });
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ ms: times[times.length >> 1] }));
