import {
  CONTROL_WORDS,
  Ctrl,
  HEADER_WORDS,
  Hdr,
  RING_LAYOUT_VERSION,
  RING_MAGIC,
  SlotState,
  type RingConfig,
  resolveRingConfig,
  ringByteLength,
} from './layout.js';

/**
 * Allocates and initialises the shared memory of one ring. The writer thread attaches a
 * RingWriter to it; another thread attaches a RingReader (send it the SharedArrayBuffer).
 */
export function createRingBuffer(
  options: Partial<RingConfig> = {},
  threadId = 0,
): SharedArrayBuffer {
  const config = resolveRingConfig(options);
  const buffer = new SharedArrayBuffer(ringByteLength(config));
  const words = new Int32Array(buffer);
  words[Ctrl.MAGIC] = RING_MAGIC;
  words[Ctrl.VERSION] = RING_LAYOUT_VERSION;
  words[Ctrl.SUB_BUFFER_COUNT] = config.subBufferCount;
  words[Ctrl.SUB_BUFFER_WORDS] = config.subBufferBytes / 4;
  words[Ctrl.RECORD_WORDS] = 1 + config.payloadWords;
  words[Ctrl.THREAD_ID] = threadId;
  // Sub-buffer 0 is the first one written: it starts at depth 0, so it is a keyframe.
  words[CONTROL_WORDS + Hdr.STATE] = SlotState.WRITING;
  words[CONTROL_WORDS + Hdr.RECORD_WORDS] = 1 + config.payloadWords;
  return buffer;
}

/** The geometry of an existing ring, checked: throws on a buffer that is not a ring. */
export interface RingGeometry {
  words: Int32Array;
  subBufferCount: number;
  subBufferWords: number;
  recordWords: number;
  /** Records per sub-buffer. */
  capacity: number;
  threadId: number;
}

export function ringGeometry(buffer: SharedArrayBuffer): RingGeometry {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError('stackring ring: expected a SharedArrayBuffer');
  }
  if (buffer.byteLength < CONTROL_WORDS * 4) {
    throw new RangeError(`stackring ring: buffer of ${buffer.byteLength} bytes is too small`);
  }
  const words = new Int32Array(buffer);
  if (words[Ctrl.MAGIC] !== RING_MAGIC) {
    throw new TypeError('stackring ring: buffer does not hold a ring (bad magic)');
  }
  if (words[Ctrl.VERSION] !== RING_LAYOUT_VERSION) {
    throw new TypeError(
      `stackring ring: layout version ${words[Ctrl.VERSION]} is not supported (expected ${RING_LAYOUT_VERSION})`,
    );
  }
  const subBufferCount = words[Ctrl.SUB_BUFFER_COUNT];
  const subBufferWords = words[Ctrl.SUB_BUFFER_WORDS];
  const recordWords = words[Ctrl.RECORD_WORDS];
  if (CONTROL_WORDS + subBufferCount * subBufferWords !== words.length || recordWords < 1 || subBufferWords < HEADER_WORDS + 2 * recordWords) {
    throw new RangeError('stackring ring: control block does not match the buffer size');
  }
  return {
    words,
    subBufferCount,
    subBufferWords,
    recordWords,
    // Less the scratch slot (see recordCapacity).
    capacity: Math.floor((subBufferWords - HEADER_WORDS) / recordWords) - 1,
    threadId: words[Ctrl.THREAD_ID],
  };
}
