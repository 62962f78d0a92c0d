import { probe } from './probe.mjs';

export const priceOf = (item) => {
  if (item.name === 'pear') probe();
  return item.count * item.unit;
};

export class Inventory {
  constructor(rows) {
    this.items = rows.map(([name, count, unit]) => ({ name, count, unit }));
  }

  total() {
    return this.items.reduce((sum, item) => sum + priceOf(item), 0);
  }
}
