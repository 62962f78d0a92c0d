// marked renders the READMEs of the workspace's dependencies; probes from walkTokens and a renderer override.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Marked } from 'marked';
const input = readFileSync(process.env.REAL_INPUT_MARKDOWN, 'utf8');
let tokens = 0;
let codes = 0;
const marked = new Marked({
  walkTokens() { if (++tokens % 3000 === 0) __probe(`marked token ${tokens}`); },
  renderer: { codespan(token) { if (++codes % 300 === 0) __probe(`marked codespan ${codes}`); return false; } },
});
const html = marked.parse(input);
console.log(input.length, html.length, tokens, createHash('sha256').update(html).digest('hex'));
console.log(marked.parseInline('**bold** _em_ `code` [link](http://x)'));
