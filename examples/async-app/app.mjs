// An async-heavy program: an async generator produces batches of records, a `for await` loop
// consumes them, each batch fans out with Promise.all, and every record goes through async
// steps with real awaits (timers stand in for I/O) and CPU work after each resumption.
// `node app.mjs [batches]` (default 80).
import { setTimeout as sleep } from 'node:timers/promises';

const batches = Number(process.argv[2] ?? 80);

// Produces batches lazily: each one is built after a simulated fetch.
async function* readBatches(count) {
  for (let b = 0; b < count; b++) {
    await sleep(1); // "network"
    yield Array.from({ length: 16 }, (_, i) => makeRecord(b * 16 + i));
  }
}

function makeRecord(id) {
  const words = [];
  for (let w = 0; w < 600; w++) words.push(`Word${(id * 31 + w * 17) % 997}!`);
  return { id, text: words.join(' ') };
}

// One record: look something up (await), then do CPU work on the answer. The CPU part runs
// after a resumption, so stackring shows it under enrichRecord, not under processBatch.
async function enrichRecord(record) {
  const rate = await lookupRate(record.id);
  return { id: record.id, score: tokenize(record.text).length * rate };
}

async function lookupRate(id) {
  await sleep(0); // "database"
  return 1 + (id % 7) / 10;
}

function tokenize(text) {
  // Deliberately wasteful: split and normalise the same text many times.
  let tokens = [];
  for (let i = 0; i < 3; i++) tokens = text.trim().toLowerCase().split(/\s+/).map((t) => t.replace(/\W/g, ''));
  return tokens;
}

// Fan-out: every record of the batch at once, then a synchronous summary of the results.
async function processBatch(batch) {
  const enriched = await Promise.all(batch.map(enrichRecord));
  return summarizeBatch(enriched);
}

function summarizeBatch(items) {
  // A report per batch: sort, serialise, parse back (a stand-in for writing it somewhere).
  let total = 0;
  for (let round = 0; round < 200; round++) {
    const sorted = [...items].sort((a, b) => b.score - a.score);
    total = JSON.parse(JSON.stringify(sorted)).reduce((sum, item) => sum + item.score, 0);
  }
  return total;
}

// Runs in main after each resumption: a synchronous call, so it shows as main;saveCheckpoint.
function saveCheckpoint(totals) {
  let bytes = 0;
  for (let i = 0; i < 200; i++) bytes = JSON.stringify({ totals, at: i }).length;
  return bytes;
}

async function main() {
  let total = 0;
  let count = 0;
  const totals = [];
  for await (const batch of readBatches(batches)) {
    const batchTotal = await processBatch(batch);
    total += batchTotal;
    count += batch.length;
    totals.push(batchTotal);
    saveCheckpoint(totals);
  }
  console.log(JSON.stringify({ done: true, records: count, total: Math.round(total) }));
}

await main();
