// postcss parses, walks, transforms with a plugin and stringifies a generated stylesheet.
const { createHash } = require('node:crypto');
const postcss = require('postcss');
let css = '';
for (let i = 0; i < 4000; i++) {
  css += `/* rule ${i} */\n.c${i} > a:hover, #id${i % 97} [data-x="${i}"] { color: #${(i * 2654435761 >>> 8).toString(16).padStart(6, '0').slice(0, 6)}; margin: ${i % 13}px ${i % 7}em; }\n`;
  if (i % 50 === 0) css += `@media (min-width: ${i}px) { .m${i} { display: grid; grid-template-columns: repeat(${i % 5 + 1}, 1fr); } }\n`;
}
let decls = 0;
const plugin = { postcssPlugin: 'probe', Declaration(decl) { if (++decls % 2000 === 0) __probe(`postcss plugin declaration ${decls}`); if (decl.prop === 'margin') decl.value = decl.value.replace('0px', '0'); } };
const result = postcss([plugin]).process(css, { from: undefined });
const out = result.css;
let walked = 0;
result.root.walkRules((rule) => { if (++walked % 1000 === 0) __probe(`postcss walkRules ${walked}`); });
console.log(css.length, out.length, decls, walked, createHash('sha256').update(out).digest('hex'));
try { postcss.parse('a { color: red'); } catch (e) { console.log(e.name, e.reason); }
