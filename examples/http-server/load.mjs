// A tiny load generator for the example server: `node load.mjs <port> [requests] [seconds]`.
// It sends a bounded number of requests to 127.0.0.1 only, spread evenly over the given time,
// cycling through the routes. (Any HTTP client works: curl, autocannon, a browser.)
import { get } from 'node:http';

const [port, total = 200, seconds = 2] = process.argv.slice(2).map(Number);
const paths = ['/json', '/render', '/hash'];

function request(path) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume(); // drain the body
      res.on('end', () => resolve(res.statusCode)).on('error', reject);
    }).on('error', reject);
  });
}

const gap = (seconds * 1000) / total;
const pending = [];
for (let i = 0; i < total; i++) {
  pending.push(request(paths[i % paths.length]));
  await new Promise((r) => setTimeout(r, gap));
}
const codes = await Promise.all(pending);
console.log(JSON.stringify({ requests: codes.length, ok: codes.filter((c) => c === 200).length }));
