// @babel/parser parses acorn's source and a TypeScript snippet.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const parser = require('@babel/parser');
const ast = parser.parse(readFileSync(process.env.REAL_INPUT_ACORN, 'utf8'), { sourceType: 'script', tokens: true });
console.log(ast.tokens.length, createHash('sha256').update(JSON.stringify(ast)).digest('hex'));
console.log(JSON.stringify(parser.parseExpression('a satisfies T as unknown as number', { plugins: ['typescript'] }).type));
try { parser.parse('class { '); } catch (e) { console.log(e.name, e.message); }
