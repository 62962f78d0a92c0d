// A program that keeps its event loop busy with small timers, and every few hundred
// milliseconds blocks it for a while in one synchronous function, `rebuildIndex`: the kind of
// stall a watchdog should catch and name. `node app.mjs [rounds] [blockMs]`.
const rounds = Number(process.argv[2] ?? 5);
const blockMs = Number(process.argv[3] ?? 500);

const documents = Array.from({ length: 2000 }, (_, i) => `document ${i}: ${'lorem ipsum dolor '.repeat((i % 5) + 1)}`);

// The culprit: rebuilds a word index from scratch, over and over, until `blockMs` have passed.
// While it runs no timer, I/O callback or promise can run: the event loop is blocked.
function rebuildIndex() {
  const end = Date.now() + blockMs;
  let index;
  while (Date.now() < end) index = indexWords(documents);
  return index.size;
}

function indexWords(docs) {
  const index = new Map();
  for (const doc of docs) {
    for (const word of doc.split(' ')) index.set(word, (index.get(word) ?? 0) + 1);
  }
  return index;
}

// The well-behaved part: a heartbeat every 10 ms that does a little work and yields.
let beats = 0;
const heartbeat = setInterval(function beat() {
  beats++;
}, 10);

let round = 0;
function scheduleRebuild() {
  setTimeout(function onRebuildTimer() {
    round++;
    // Announce the stall before it starts (stdout to a pipe or file is synchronous in Node),
    // so a script can run `stackring dump <pid>` while the loop is blocked.
    console.log(JSON.stringify({ blocking: true, pid: process.pid, round }));
    const words = rebuildIndex();
    console.log(JSON.stringify({ unblocked: true, round, words, beats }));
    if (round < rounds) scheduleRebuild();
    else clearInterval(heartbeat);
  }, 300);
}

console.log(JSON.stringify({ ready: true, pid: process.pid }));
scheduleRebuild();
