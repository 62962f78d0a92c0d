// One worker: runs the job named in workerData for the given time, then posts a result.
// Each job is a plain function with a helper below it, so stacks are two frames deep.
import { parentPort, workerData } from 'node:worker_threads';

// "Image" work: a box blur over a small grey-scale buffer.
function resizeImages() {
  const size = 128;
  const pixels = new Uint8Array(size * size).map((_, i) => (i * 31) % 256);
  return blurPixels(pixels, size).reduce((a, b) => a + b, 0);
}

function blurPixels(pixels, size) {
  const out = new Uint8Array(pixels.length);
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      out[i] = (pixels[i - 1] + pixels[i] + pixels[i + 1] + pixels[i - size] + pixels[i + size]) / 5;
    }
  }
  return out;
}

// "Log" work: run-length encoding of a repetitive text.
function compressLogs() {
  const text = 'GET /index.html 200\n'.repeat(200) + 'POST /api 500\n'.repeat(100);
  return runLengthEncode(text).length;
}

function runLengthEncode(text) {
  let out = '';
  for (let i = 0; i < text.length; ) {
    let j = i;
    while (j < text.length && text[j] === text[i]) j++;
    out += `${j - i}${text[i]}`;
    i = j;
  }
  return out;
}

// "Matching" work: edit distances between pairs of words.
function scoreMatches() {
  const words = ['kitten', 'sitting', 'saturday', 'sunday', 'rosettacode', 'raisethysword'];
  let total = 0;
  for (const a of words) for (const b of words) total += editDistance(a, b);
  return total;
}

function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

const jobs = { resizeImages, compressLogs, scoreMatches };
const job = jobs[workerData.job];

// Keep this thread busy for the given time, in slices of about 20 ms with a turn of the
// worker's own event loop in between (a worker has its own event loop; blocking it does not
// block the main thread). The turns matter: a worker that never yields cannot receive
// messages, and stackring's agent finds threads through messages: a worker stuck in a loop
// from its very first moment, before the agent was listening, may be missing from a trace.
const end = Date.now() + workerData.seconds * 1000;
let runs = 0;
function slice() {
  const until = Math.min(end, Date.now() + 20);
  while (Date.now() < until) {
    job();
    runs++;
  }
  if (Date.now() < end) setImmediate(slice);
  else parentPort.postMessage({ job: workerData.job, runs });
}
parentPort.postMessage('started'); // the main thread waits for all three before saying "ready"
slice();
