// A small CPU-heavy HTTP server: every route does real work on the main thread, so a recording
// shows where request time goes. Plain JavaScript: `stackring run` / `record` instrument it as
// it loads, nothing in here knows about stackring.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';

// Some data to work on, built once at startup.
const products = Array.from({ length: 400 }, (_, i) => ({
  id: i,
  name: `Product ${i}`,
  price: Math.round(((i * 7919) % 10000) / 3) / 100,
  tags: ['red', 'green', 'blue', 'large', 'small'].filter((_, k) => (i + k) % 3 === 0),
}));
const catalogJson = JSON.stringify(products);

// GET /json: parse a JSON document, filter and reshape it, serialize the answer.
function routeJson() {
  const parsed = JSON.parse(catalogJson);
  const cheap = parsed.filter((p) => p.price < 20).map(summarize);
  return { type: 'application/json', body: JSON.stringify({ count: cheap.length, items: cheap }) };
}

function summarize(p) {
  return { id: p.id, label: `${p.name} (${p.tags.join(', ') || 'plain'})`, price: p.price.toFixed(2) };
}

// GET /render: fill an HTML template row by row, escaping every value.
function routeRender() {
  const rows = products.map((p) => renderRow(p)).join('\n');
  return { type: 'text/html', body: `<table>\n${rows}\n</table>` };
}

function renderRow(p) {
  return `<tr><td>${escapeHtml(p.name)}</td><td>${escapeHtml(p.tags.join(' & '))}</td><td>${p.price}</td></tr>`;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// GET /hash: a deliberately slow key derivation (many rounds of SHA-256), the kind of loop
// that should show up as the widest box in a flame graph.
function routeHash() {
  return { type: 'text/plain', body: slowHash('secret', 2000) };
}

function slowHash(input, rounds) {
  let digest = input;
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

const routes = { '/json': routeJson, '/render': routeRender, '/hash': routeHash };

// The request callback: a named function, so it is the root of every request's stack.
function handleRequest(req, res) {
  const route = routes[new URL(req.url, 'http://localhost').pathname];
  if (!route) {
    res.writeHead(404).end('not found\n');
    return;
  }
  const { type, body } = route();
  res.writeHead(200, { 'content-type': type }).end(body);
}

// Loopback only, on a port the system picks; the first line of output says where it listens
// (tests and scripts wait for it instead of sleeping).
const server = createServer(handleRequest);
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ ready: true, pid: process.pid, port: server.address().port }));
});
