// Dump and load this repository's package-lock.json (a serializer and a parser).
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');
const lock = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package-lock.json'), 'utf8'));
module.exports = () => yaml.load(yaml.dump(lock)).packages !== undefined;
