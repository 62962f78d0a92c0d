// The writer side alone (`@stackring/ring/writer`): what every instrumented thread loads, kept
// apart from the reader, the reconstructor and the trace codec so that start-up stays cheap.
export * from './layout.js';
export { createRingBuffer, ringGeometry, type RingGeometry } from './create-ring.js';
export { RingWriter } from './writer.js';
export * from './area-layout.js';
export { AreaWriter } from './area-writer.js';
