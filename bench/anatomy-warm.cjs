// Preload for bench/anatomy.mjs: compiles one of the writer's slow-path calls into optimised
// code and leaves the other a deoptimisation point, as RingWriter.warmSlowPaths does for both,
// to measure what each costs once it is there. ANATOMY_WARM=enter|exit|both. No sampler runs.
const { writer } = require('../packages/runtime/dist/cjs/index.js');
const { Ctrl } = require('../packages/ring/dist/cjs/index.js');

const which = process.env.ANATOMY_WARM ?? 'both';
const words = writer.words;
// Enough rounds for V8 to allocate the feedback vectors and record the calls (as warmSlowPaths).
for (let i = 0; i < 32; i++) {
  if (which !== 'exit') Atomics.store(words, Ctrl.ENTER_LIMIT, -1); // the next enter takes its slow path
  const token = writer.enter(0);
  if (which !== 'enter') Atomics.store(words, Ctrl.EXIT_FLOOR, 0x7fffffff); // and the next exit
  writer.exit(token);
}
// Each slow path republished the bounds; make sure both are the writer's own again.
Atomics.store(words, Ctrl.ENTER_LIMIT, writer.limit);
Atomics.store(words, Ctrl.EXIT_FLOOR, writer.floor);
if (writer.depth !== 0) throw new Error('anatomy-warm: the stack did not come back to depth 0');
