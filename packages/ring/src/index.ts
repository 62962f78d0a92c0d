export * from './layout.js';
export { createRingBuffer, ringGeometry, type RingGeometry } from './create-ring.js';
export { RingWriter } from './writer.js';
export { RingReader } from './reader.js';
export { type SubBuffer, entryCount, endDepth } from './sub-buffer.js';
export { Reconstructor, ThreadStack, MAX_RECONSTRUCTED_DEPTH, type StackSample } from './reconstructor.js';
export { epochMillis } from './clock.js';
export * from './trace/index.js';
