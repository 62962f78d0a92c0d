// Preload for bench/anatomy.mjs: another alternative to the writer answering switch requests,
// measured and not shipped (docs/design.md#the-fast-path): "running reads". A worker copies the
// main thread's stack every millisecond while it runs, asking the writer nothing, so neither
// slow path is ever taken. The copy is proven consistent by marks: the reader sets a bit in
// each record (Atomics.or) before it reads the depth, the writer's next push at that depth
// stores a bare id and so clears it; a record still marked afterwards has not changed. The leaf
// is read first and taken whatever it holds (with stores seen in program order, as on x86, a
// later call at that depth was pushed while the frames below were still there); every frame
// below it must still be marked, or the read is retried.
// It leaves marks in the records, which the shipped ring would have to mask wherever it reads
// them; nothing reads them here. With ANATOMY_REPORT=1, prints how often reads had to be retried.
const { Worker } = require('node:worker_threads');
const { writer } = require('../packages/runtime/dist/cjs/index.js');

const counts = new Int32Array(new SharedArrayBuffer(16));
const worker = new Worker(
  `const { workerData } = require('node:worker_threads');
  const { Ctrl, HEADER_WORDS, subBufferOffset } = require(workerData.ring);
  const MARK = 0x40000000;
  const AHEAD = 8; // records marked above the depth first seen, for calls made meanwhile
  const words = new Int32Array(workerData.buffer);
  const records = subBufferOffset(words[Ctrl.SUB_BUFFER_WORDS], 0) + HEADER_WORDS; // no switch happens
  const mark = (at) => { if ((words[at] & MARK) === 0) Atomics.or(words, at, MARK); };
  const counts = new Int32Array(workerData.counts); // samples, reads, first-read samples, missed ticks
  function read() {
    const seen = Atomics.load(words, Ctrl.DEPTH);
    for (let i = seen; i < seen + AHEAD; i++) mark(records + i);
    for (let i = 0; i < seen; i++) mark(records + i); // outermost first: the leaf's parent last
    const depth = Atomics.load(words, Ctrl.DEPTH);
    if (depth > seen + AHEAD) return null;
    const copy = new Int32Array(depth);
    if (depth > 0) copy[depth - 1] = Atomics.load(words, records + depth - 1) & ~MARK;
    for (let i = depth - 2; i >= 0; i--) {
      const word = Atomics.load(words, records + i);
      if ((word & MARK) === 0) return null;
      copy[i] = word & ~MARK;
    }
    return copy;
  }
  setInterval(() => {
    let copy = null;
    let attempt = 0;
    while (copy === null && attempt < 64) (attempt++, (copy = read()));
    Atomics.add(counts, 1, attempt);
    if (copy === null) Atomics.add(counts, 3, 1);
    else (Atomics.add(counts, 0, 1), attempt === 1 && Atomics.add(counts, 2, 1));
  }, 1);`,
  { eval: true, execArgv: [], workerData: { buffer: writer.buffer, counts: counts.buffer, ring: require.resolve('../packages/ring/dist/cjs/index.js') } },
);
worker.unref();
if (process.env.ANATOMY_REPORT) {
  process.on('exit', () => {
    const [samples, reads, first, missed] = counts;
    console.error(`anatomy-running: ${samples} samples, ${first} of them at the first read, ${(reads / Math.max(1, samples + missed)).toFixed(1)} reads a tick, ${missed} ticks missed`);
  });
}
