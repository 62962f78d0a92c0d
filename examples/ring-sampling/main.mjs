// A hand-instrumented program sampled from a second thread through @stackring/ring: what the
// Babel plugin and the agent will automate. Prints the hottest stacks as folded lines.
//
//   node examples/ring-sampling/main.mjs [milliseconds]
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { createRingBuffer, RingWriter } from '@stackring/ring';

const writer = new RingWriter(createRingBuffer());
const functions = ['main', 'parseAll', 'tokenize', 'readNumber', 'render', 'escape', 'sortRows', 'compare'];
const id = Object.fromEntries(functions.map((name, i) => [name, i]));

// Each function saves the depth and pushes its id on entry, and restores the depth on the way
// out: exactly the code the plugin inserts.
function tokenize(text) {
  const d = writer.enter(id.tokenize);
  try {
    const tokens = [];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        const [value, end] = readNumber(text, i);
        tokens.push(value);
        i = end - 1;
      }
    }
    return tokens;
  } finally {
    writer.exit(d);
  }
}
function readNumber(text, start) {
  const d = writer.enter(id.readNumber);
  try {
    let end = start;
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    return [Number(text.slice(start, end)), end];
  } finally {
    writer.exit(d);
  }
}
function parseAll(lines) {
  const d = writer.enter(id.parseAll);
  try {
    return lines.map(tokenize);
  } finally {
    writer.exit(d);
  }
}
function compare(a, b) {
  const d = writer.enter(id.compare);
  try {
    return a[0] - b[0] || a.length - b.length;
  } finally {
    writer.exit(d);
  }
}
function sortRows(rows) {
  const d = writer.enter(id.sortRows);
  try {
    return [...rows].sort(compare);
  } finally {
    writer.exit(d);
  }
}
function escape(s) {
  const d = writer.enter(id.escape);
  try {
    return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
  } finally {
    writer.exit(d);
  }
}
function render(rows) {
  const d = writer.enter(id.render);
  try {
    return rows.map((r) => `<td>${escape(r.join(' < '))}</td>`).join('\n');
  } finally {
    writer.exit(d);
  }
}
function main(ms) {
  const d = writer.enter(id.main);
  try {
    const lines = Array.from({ length: 2000 }, (_, i) => `row ${i}: ${(i * 7919) % 1000} & ${i * 31} > ${i % 97}`);
    const end = Date.now() + ms;
    let html = '';
    while (Date.now() < end) html = render(sortRows(parseAll(lines)));
    return html.length;
  } finally {
    writer.exit(d);
  }
}

const ms = Number(process.argv[2] ?? 1000);
const sampler = new Worker(new URL('./sampler.mjs', import.meta.url), { workerData: { buffer: writer.buffer, functions } });
const report = once(sampler, 'message');
await new Promise((r) => setTimeout(r, 50));
main(ms);
writer.close();
const [{ folded, samples, live, lost }] = await report;
console.log(`${samples} samples (${live} taken live), ${lost} sub-buffers lost; hottest stacks (folded):`);
for (const [stack, count] of folded.slice(0, 12)) console.log(`${stack} ${count}`);
