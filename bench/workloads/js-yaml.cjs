// Dump and load a real document (a serializer and a parser): this repository's package-lock.json
// as it was on 2026-11-26 (commit f0f360c), kept as a file so that the workload does not grow
// with the repository's dependencies (the live lockfile grew by 60 % with jest and ts-node,
// and js-yaml's plain time with it, from 7.6 to 13.5 ms).
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('js-yaml');
const lock = JSON.parse(fs.readFileSync(path.join(__dirname, 'js-yaml-input.json'), 'utf8'));
module.exports = () => yaml.load(yaml.dump(lock)).packages !== undefined;
