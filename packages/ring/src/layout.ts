// The memory layout of one ring, shared by its writer (the profiled thread) and its reader
// (another thread). Everything is an Int32 word of one SharedArrayBuffer:
//
//   [ control block | sub-buffer 0 | sub-buffer 1 | ... | sub-buffer N-1 ]
//   sub-buffer = [ header (HEADER_WORDS) | records ... ]
//
// A record is `recordWords` words: the function id, then optional payload words (room left for
// argument capture; the writer currently writes one-word records).

/** "SRNG" little-endian: lets a reader check that a buffer really is a ring. */
export const RING_MAGIC = 0x474e5253;
export const RING_LAYOUT_VERSION = 1;

/** Control block word offsets. */
export const Ctrl = {
  MAGIC: 0,
  VERSION: 1,
  SUB_BUFFER_COUNT: 2,
  SUB_BUFFER_WORDS: 3,
  RECORD_WORDS: 4,
  /** Current stack depth of the writer. Plain stores on the fast path, so a live reader can see it. */
  DEPTH: 5,
  /** Non-zero: a reader asks for a switch. The value is the reader's request serial. */
  SWITCH_REQUEST: 6,
  /** Index of the sub-buffer the writer is filling (changed only at a switch, with Atomics). */
  CURRENT: 7,
  /** Number of sub-buffers sealed so far; the reader waits on this word (Atomics.wait/notify). */
  SEALED_COUNT: 8,
  /** Last request serial the writer answered. */
  ANSWERED_REQUEST: 9,
  /** Totals since the ring was created (written by the writer at switches). */
  TOTAL_LOST_SUB_BUFFERS: 10,
  TOTAL_LOST_ENTRIES: 11,
  /** 1 once the writer has closed the ring (thread exit); a reader drains and stops. */
  CLOSED: 12,
  /** Thread id of the writer (worker_threads.threadId; 0 for the main thread). */
  THREAD_ID: 13,
  /**
   * The depth at which `enter` leaves the fast path: the end of the current sub-buffer, or -1
   * when a reader asks for a switch. One word serves both, so the fast path checks once.
   */
  ENTER_LIMIT: 14,
  /**
   * The depth below which `exit` leaves the fast path: the floor of the current sub-buffer, or
   * INT32_MAX when a reader asks for a switch (a return then answers with the stack before it).
   */
  EXIT_FLOOR: 15,
} as const;
export const CONTROL_WORDS = 16;

/** Sub-buffer header word offsets, relative to the start of the sub-buffer. */
export const Hdr = {
  /** SlotState, always accessed with Atomics: the hand-off between writer and reader. */
  STATE: 0,
  /** Sequence number of the sealed sub-buffer (uint32, wraps). */
  SEQ: 1,
  /** SwitchReason bit set. */
  REASON: 2,
  /** Stack depth when the sub-buffer began (after a keyframe reset: 0). */
  START_DEPTH: 3,
  /** Coalesced return markers: frames popped that were pushed before this sub-buffer began. */
  POPS: 4,
  /** Number of entry records in the sub-buffer. */
  ENTRIES: 5,
  /** Sub-buffer contents discarded (no free sub-buffer) since the previous sealed one. */
  LOST_SUB_BUFFERS: 6,
  /** Entry records discarded with them. */
  LOST_ENTRIES: 7,
  /** Lowest stack depth reached during the lost stretch: frames below it are still known. */
  LOST_LOW_DEPTH: 8,
  /** Words per record (1 + payload words). */
  RECORD_WORDS: 9,
  /** The reader request serial this switch answered (0: none). */
  REQUEST: 10,
  /** Timestamp of the switch: float64 milliseconds since the Unix epoch, in words 12..13. */
  TIME: 12,
} as const;
export const HEADER_WORDS = 16;

export const SlotState = {
  FREE: 0,
  WRITING: 1,
  SEALED: 2,
} as const;

/** Why a sub-buffer was sealed (a bit set: a full sub-buffer can also answer a request). */
export const SwitchReason = {
  /** A reader asked (sampling or an on-demand snapshot). */
  REQUEST: 1,
  /** The sub-buffer had no room for the next record. */
  FULL: 2,
  /** Explicit flush by the writer (e.g. at thread exit). */
  FLUSH: 4,
  /** The sub-buffer starts with the whole stack (start depth 0): a reader can resynchronise. */
  KEYFRAME: 8,
  /** Not sealed: a validated copy of the sub-buffer being written, taken by a reader. */
  LIVE: 16,
  /** The writer closed the ring (thread exit); no sub-buffer follows. */
  CLOSE: 32,
  /** With LIVE: the thread was waiting in its event loop (idle), as its reader observed. */
  IDLE: 64,
} as const;

/** Request serials use the low 30 bits; this bit asks for a keyframe as well. */
export const KEYFRAME_REQUEST_BIT = 0x40000000;

export interface RingConfig {
  /** Number of sub-buffers (at least 2). */
  subBufferCount: number;
  /** Bytes per sub-buffer, header included (a multiple of 4). */
  subBufferBytes: number;
  /** Payload words per record, after the function id (0 today; room for argument capture). */
  payloadWords: number;
}

/**
 * Defaults: 16 sub-buffers of 4 KiB, 64 KiB per thread. A sub-buffer only holds the net growth of
 * the stack between two switches (returns discard), so 1008 records cover even deep recursion
 * between 1 ms samples; 16 of them leave a reader 15 sealed sub-buffers of slack before anything
 * is lost. See docs/design.md.
 */
export const DEFAULT_RING_CONFIG: Readonly<RingConfig> = Object.freeze({
  subBufferCount: 16,
  subBufferBytes: 4096,
  payloadWords: 0,
});

export function resolveRingConfig(options: Partial<RingConfig> = {}): RingConfig {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_RING_CONFIG)) {
      throw new TypeError(`stackring ring: unknown option "${key}"`);
    }
  }
  const config: RingConfig = { ...DEFAULT_RING_CONFIG, ...options };
  const int = (name: keyof RingConfig, min: number, max: number) => {
    const v = config[name];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(
        `stackring ring: option "${name}" must be an integer in [${min}, ${max}], got ${String(v)}`,
      );
    }
  };
  int('subBufferCount', 2, 65536);
  int('payloadWords', 0, 255);
  int('subBufferBytes', (HEADER_WORDS + 2 * (1 + config.payloadWords)) * 4, 1 << 26); // one record and the scratch slot
  if (config.subBufferBytes % 4 !== 0) {
    throw new RangeError(
      `stackring ring: option "subBufferBytes" must be a multiple of 4, got ${config.subBufferBytes}`,
    );
  }
  return config;
}

/**
 * Records one sub-buffer holds. The last record slot is the writer's scratch slot: its fast path
 * stores a push before it checks the bound, so the push that finds the sub-buffer full lands
 * there, and the slow path moves it into the next sub-buffer.
 */
export function recordCapacity(config: RingConfig): number {
  return Math.floor((config.subBufferBytes / 4 - HEADER_WORDS) / (1 + config.payloadWords)) - 1;
}

export function ringByteLength(config: RingConfig): number {
  return (CONTROL_WORDS + config.subBufferCount * (config.subBufferBytes / 4)) * 4;
}

/** Word offset of sub-buffer `index`. */
export function subBufferOffset(subBufferWords: number, index: number): number {
  return CONTROL_WORDS + index * subBufferWords;
}

/** Marks a frame the reconstructor cannot know (lost data); never a valid function id. */
export const UNKNOWN_FRAME = -1;
