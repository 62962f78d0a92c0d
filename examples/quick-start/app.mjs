// The quick-start app: a little "order service" that parses orders, prices them, renders a
// report, and once blocks its event loop on a slow synchronous export. Plain code: stackring
// instruments it as it loads.

function parseOrder(line) {
  const [id, customer, items] = line.split('|');
  return { id: Number(id), customer, items: items.split(',').map(parseItem) };
}

function parseItem(text) {
  const [sku, qty, price] = text.split(':');
  return { sku, qty: Number(qty), price: Number(price) };
}

function priceOrder(order) {
  let total = 0;
  for (const item of order.items) total += lineTotal(item);
  return { ...order, total: applyDiscount(order.customer, total) };
}

function lineTotal(item) {
  return Math.round(item.qty * item.price * 100) / 100;
}

function applyDiscount(customer, total) {
  return customer.startsWith('vip') ? total * 0.9 : total;
}

function renderReport(orders) {
  return orders
    .map((o) => `<tr><td>${escapeHtml(o.customer)}</td><td>${o.total.toFixed(2)}</td></tr>`)
    .join('\n');
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function exportArchive(orders) {
  // A slow synchronous export: the event loop is blocked while it runs.
  const end = Date.now() + 1500;
  let checksum = 0;
  while (Date.now() < end) checksum = (checksum + checksumOf(orders)) % 1e9;
  return checksum;
}

function checksumOf(orders) {
  let h = 0;
  for (const o of orders) h = (h * 31 + o.id) | 0;
  return h;
}

function makeLines(n) {
  return Array.from({ length: n }, (_, i) => `${i}|${i % 7 ? 'cust' : 'vip'}${i % 50}|a${i}:${(i % 5) + 1}:${(i % 13) + 0.99},b${i}:2:3.5`);
}

function processBatch(lines) {
  const orders = lines.map(parseOrder).map(priceOrder);
  return renderReport(orders).length;
}

const lines = makeLines(3000);
let batches = 0;
const until = Date.now() + 2500;
const tick = () => {
  processBatch(lines);
  batches++;
  if (batches === 20) {
    console.log(JSON.stringify({ ready: true, pid: process.pid }));
    exportArchive(lines.map(parseOrder));
  }
  if (Date.now() < until) setImmediate(tick);
  else console.log(`processed ${batches} batches`);
};
tick();
