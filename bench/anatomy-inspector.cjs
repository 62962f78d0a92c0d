// Preload for bench/anatomy.mjs: an alternative to the writer answering switch requests in its
// slow paths, measured and not shipped (docs/design.md#the-fast-path). A worker interrupts the
// main thread every millisecond through the inspector (Runtime.evaluate over a session
// connected to the main thread; V8 runs it at the next stack check, even inside a loop) and the
// evaluated function seals the sub-buffer with a keyframe, so no return markers follow it and
// neither slow-path call is ever taken: the instrumented code stays as compiled without a sampler.
const { Worker } = require('node:worker_threads');
const { writer } = require('../packages/runtime/dist/cjs/index.js');

const answer = Symbol.for('stackring.anatomy.answer');
Object.defineProperty(globalThis, answer, { value: () => writer.flush() });
const worker = new Worker(
  `const { workerData } = require('node:worker_threads');
  const { Session } = require('node:inspector');
  const { RingReader, Ctrl, KEYFRAME_REQUEST_BIT } = require(workerData.ring);
  const session = new Session();
  session.connectToMainThread();
  const reader = new RingReader(workerData.buffer);
  const words = new Int32Array(workerData.buffer);
  const expression = 'globalThis[Symbol.for("stackring.anatomy.answer")]()';
  let serial = 0;
  setInterval(() => {
    reader.takeAll();
    if (Atomics.load(words, Ctrl.SWITCH_REQUEST) !== 0) return; // the last one is not answered yet
    serial = (serial % 0xffff) + 1;
    Atomics.store(words, Ctrl.SWITCH_REQUEST, serial | KEYFRAME_REQUEST_BIT); // no forced slow paths
    session.post('Runtime.evaluate', { expression, silent: true }, () => {});
  }, 1);`,
  { eval: true, execArgv: [], workerData: { buffer: writer.buffer, ring: require.resolve('../packages/ring/dist/cjs/index.js') } },
);
worker.unref();
if (process.env.ANATOMY_REPORT) process.on('exit', () => console.error(`anatomy-inspector: ${writer.seq} sub-buffers sealed`));
