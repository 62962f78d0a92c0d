// Parse and stringify a large stylesheet (a CSS parser).
const postcss = require('postcss');
let css = '';
for (let i = 0; i < 3000; i++) css += `.c${i} > a:hover, #i${i % 97} [data-x="${i}"] { color: #${((i * 40503) % 0xffffff).toString(16).padStart(6, '0')}; margin: ${i % 13}px ${i % 7}em; }\n`;
module.exports = () => postcss.parse(css).toString().length;
