// A CommonJS module among the ES modules: the plugin gives it `require` of the runtime.
'use strict';

function report(inventory) {
  const total = inventory.total();
  return `${inventory.items.length} items, ${total.toFixed(2)}`;
}

module.exports = { report };
