// acorn parses its own source (CommonJS and ES module builds); probes from its onToken callback.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const source = readFileSync(process.env.REAL_INPUT_ACORN, 'utf8');
const hash = (v) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
(async () => {
  for (const [kind, acorn] of [['cjs', require('acorn')], ['esm', await import('acorn')]]) {
    let tokens = 0;
    const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true, onToken() { if (++tokens % 5000 === 0) __probe(`acorn ${kind} token ${tokens}`); } });
    console.log(kind, tokens, hash(ast));
    const walked = [];
    require('acorn').tokenizer('function f(a) { return a + 1 }', { ecmaVersion: 'latest' });
    for (const tok of acorn.tokenizer('let x = `t${1}` / 2;', { ecmaVersion: 'latest' })) walked.push(tok.type.label);
    console.log(walked.join(' '));
    try { acorn.parse('let = 1 +', { ecmaVersion: 'latest' }); } catch (e) { console.log(e.name, e.message); }
  }
})();
