// js-yaml dumps and loads the workspace's package-lock.json, then loads a document whose
// custom tag's resolver probes from inside the loader.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const yaml = require('js-yaml');
const data = JSON.parse(readFileSync(process.env.REAL_INPUT_JSON, 'utf8'));
const text = yaml.dump(data);
const back = yaml.load(text);
console.log(text.length, createHash('sha256').update(text).digest('hex'), JSON.stringify(back) === JSON.stringify(data));
let resolved = 0;
const probeTag = yaml.defineScalarTag('!probe', { resolve(s) { if (++resolved % 200 === 0) __probe(`yaml tag resolve ${resolved}`); return s.length; }, identify: () => false });
const schema = new yaml.Schema([...yaml.CORE_SCHEMA.tags, probeTag]);
let doc = '';
for (let i = 0; i < 2000; i++) doc += `k${i}:\n  - !probe value${i}\n  - { nested: [!probe x, ${i}] }\n`;
const loaded = yaml.load(doc, { schema });
console.log(resolved, createHash('sha256').update(JSON.stringify(loaded)).digest('hex'));
try { yaml.load('a: [1, 2\nb: 3'); } catch (e) { console.log(e.name, e.message.split('\n')[0]); }
console.log(yaml.dump(yaml.load('anchors: &a {x: 1}\nref: *a\nlist: [!!str 1, 2.5, ~, true]\n')));
