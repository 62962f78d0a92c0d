// An app that loads a few real dependencies and does a little work: for start-up timing.
const acorn = require('acorn');
const yaml = require('js-yaml');
const postcss = require('postcss');
acorn.parse('let x = 1', { ecmaVersion: 'latest' });
yaml.load('a: 1');
postcss.parse('a{b:c}').toString();
