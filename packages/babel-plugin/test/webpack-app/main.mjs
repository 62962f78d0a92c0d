// Entry of test/webpack.test.ts's app: bundled by webpack with babel-loader and the plugin, and
// run plain with `node main.mjs`. stdout is the same either way; stderr is what the probe saw.
import format from './format.cjs';
import { Inventory } from './inventory.mjs';
import { seen } from './probe.mjs';

function run() {
  const inventory = new Inventory([['apple', 3, 0.5], ['pear', 2, 0.75], ['plum', 10, 0.2]]);
  return format.report(inventory);
}

console.log(run());
process.stderr.write(`${JSON.stringify(seen)}\n`);
