// Parse acorn's own source repeatedly (a parser: many small, hot functions).
const fs = require('node:fs');
const acorn = require('acorn');
const source = fs.readFileSync(require.resolve('acorn'), 'utf8'); // acorn's own source (dist/acorn.js)
module.exports = () => acorn.parse(source, { ecmaVersion: 'latest' }).body.length;
