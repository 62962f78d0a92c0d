// The main thread and three worker threads, each doing a different, named kind of work, so a
// dump shows four stacks and a recording shows each thread's own functions.
// `node main.mjs [seconds]` (default 3).
import { Worker } from 'node:worker_threads';

const seconds = Number(process.argv[2] ?? 3);
const jobs = ['resizeImages', 'compressLogs', 'scoreMatches'];

// `stackringThreadName` in workerData names the thread in dumps and traces (Node 20 has no
// API to read a worker's name from inside it).
const workers = jobs.map(
  (job) => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { job, seconds, stackringThreadName: job } }),
);

// Each worker posts 'started', then its result. Listen from the start so no message is missed.
const started = workers.map((w) => new Promise((resolve) => w.once('message', resolve)));
const finished = workers.map((w) => new Promise((resolve) => w.on('message', (m) => m !== 'started' && resolve(m))));

// Wait until every worker has started its work loop, then say so (tests and scripts wait for
// this line rather than sleeping).
await Promise.all(started);
console.log(JSON.stringify({ ready: true, pid: process.pid, workers: jobs }));

// The main thread's own work, in slices so that its event loop keeps turning (it has to
// receive the workers' results): merging statistics.
function mergeStats(n) {
  const counts = new Map();
  for (let i = 0; i < n; i++) {
    const key = `k${i % 97}`;
    counts.set(key, (counts.get(key) ?? 0) + i);
  }
  return counts.size;
}

const end = Date.now() + seconds * 1000;
const mainDone = new Promise((resolve) => {
  (function mainLoop() {
    mergeStats(50_000);
    if (Date.now() < end) setImmediate(mainLoop);
    else resolve();
  })();
});

const results = await Promise.all(finished);
await mainDone;
console.log(JSON.stringify({ done: true, results }));
