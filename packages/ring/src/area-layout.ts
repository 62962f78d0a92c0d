// The memory layout of an area ring: the ring a thread gets when a sampler will read it from
// the start (docs/design.md "Areas switched from outside"). Instead of sub-buffers that the
// writer seals when asked, it has four areas of records, one record per depth, and the reader
// moves the writer to the next area by itself, so the writer never has to answer anything.
//
//   [ control block (32 words) | area 0 | area 1 | area 2 | area 3 | image ]
//
// Every area and the image are AREA_STRIDE words apart (a constant, so that the fast path finds
// an area with a shift); `limit` of them hold records (the deepest stack recorded).

import { RING_MAGIC } from './layout.js';

/** Tells an area ring from a sub-buffer ring (layout.ts RING_LAYOUT_VERSION). */
export const AREA_RING_LAYOUT_VERSION = 101;

export const AREA_COUNT = 4;
/** log2 of the words between two areas. */
export const AREA_SHIFT = 14;
export const AREA_STRIDE = 1 << AREA_SHIFT;
export const AREA_CONTROL_WORDS = 32;

/** Control block word offsets. MAGIC, VERSION, CLOSED and THREAD_ID are where a sub-buffer ring has them. */
export const AreaCtrl = {
  MAGIC: 0,
  VERSION: 1,
  /**
   * The image (the frames below the current area's records, published by the reader) is being
   * written while this is odd: a seqlock for the writer thread's own snapshot.
   */
  IMAGE_SEQ: 3,
  /** The generation whose area the image is the base of. */
  IMAGE_GEN: 4,
  /** Frames in the image. */
  IMAGE_DEPTH: 5,
  /** Calls made deeper than LIMIT (no record), since the ring was created. */
  DEEP_CALLS: 6,
  /** 1 once the writer has closed the ring (thread exit). */
  CLOSED: 12,
  THREAD_ID: 13,
  /**
   * The writer's stack depth. With GEN, one aligned 64-bit pair: the reader's 64-bit
   * Atomics.add on GEN returns the depth of that very moment along with the generation.
   */
  DEPTH: 16,
  /** The generation, advanced by the reader only; the writer records into area GEN & 3. */
  GEN: 17,
  /** Four words: the depth the last call or return in each area left (NO_DEPTH: none yet). */
  AREA_DEPTH: 18,
  /**
   * Depths that get a record (at most AREA_STRIDE); deeper calls are counted, not recorded.
   * In the same cache line as DEPTH, which every call reads anyway.
   */
  LIMIT: 22,
} as const;

/** AREA_DEPTH of an area no call or return has used since it was cleared. */
export const NO_DEPTH = -1;

/**
 * How long a reader of the image waits for a publication in progress (IMAGE_SEQ odd) before
 * reading anyway: a reader whose thread ended mid-publication leaves it odd for good, and what
 * it left is consistent (see areaStack in area-writer.ts).
 */
export const SEQLOCK_SPINS = 1 << 20;

/** Word offset of area `index` (0-3). */
export function areaOffset(index: number): number {
  return AREA_CONTROL_WORDS + index * AREA_STRIDE;
}

/** Word offset of the image. */
export const IMAGE_OFFSET = AREA_CONTROL_WORDS + AREA_COUNT * AREA_STRIDE;

export interface AreaRingConfig {
  /** Depths that get a record; calls deeper than this are counted and shown as unknown frames. */
  limit: number;
}

export const DEFAULT_AREA_RING_CONFIG: Readonly<AreaRingConfig> = Object.freeze({ limit: AREA_STRIDE });

/**
 * Allocates an area ring: 5 x 64 KiB of address space per thread, of which only the pages the
 * stack's depths reach are ever touched.
 */
export function createAreaRingBuffer(options: Partial<AreaRingConfig> = {}, threadId = 0): SharedArrayBuffer {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_AREA_RING_CONFIG)) throw new TypeError(`stackring ring: unknown option "${key}"`);
  }
  const { limit } = { ...DEFAULT_AREA_RING_CONFIG, ...options };
  if (!Number.isInteger(limit) || limit < 1 || limit > AREA_STRIDE) {
    throw new RangeError(`stackring ring: option "limit" must be an integer in [1, ${AREA_STRIDE}], got ${String(limit)}`);
  }
  const buffer = new SharedArrayBuffer((IMAGE_OFFSET + AREA_STRIDE) * 4);
  const words = new Int32Array(buffer);
  words[AreaCtrl.MAGIC] = RING_MAGIC;
  words[AreaCtrl.VERSION] = AREA_RING_LAYOUT_VERSION;
  words[AreaCtrl.LIMIT] = limit;
  words[AreaCtrl.THREAD_ID] = threadId;
  for (let a = 0; a < AREA_COUNT; a++) words[AreaCtrl.AREA_DEPTH + a] = NO_DEPTH;
  return buffer;
}

/** Whether `buffer` holds an area ring (rather than a sub-buffer ring). */
export function isAreaRing(buffer: SharedArrayBuffer): boolean {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < AREA_CONTROL_WORDS * 4) return false;
  const words = new Int32Array(buffer, 0, 2);
  return words[0] === RING_MAGIC && words[1] === AREA_RING_LAYOUT_VERSION;
}

/** The checked words and limit of an area ring; throws on anything else. */
export function areaRingGeometry(buffer: SharedArrayBuffer): { words: Int32Array; limit: number; threadId: number } {
  if (!isAreaRing(buffer)) throw new TypeError('stackring ring: buffer does not hold an area ring');
  const words = new Int32Array(buffer);
  const limit = words[AreaCtrl.LIMIT];
  if (words.length !== IMAGE_OFFSET + AREA_STRIDE || !(limit >= 1 && limit <= AREA_STRIDE)) {
    throw new RangeError('stackring ring: area ring control block does not match the buffer size');
  }
  return { words, limit, threadId: words[AreaCtrl.THREAD_ID] };
}

/**
 * Whether the area protocol's proof holds on this machine: the reader knows an area is final
 * when a later store of the writer is visible, which needs stores to become visible in program
 * order (x86's total store order). Elsewhere threads get sub-buffer rings.
 */
export const AREA_RINGS_SUPPORTED = process.arch === 'x64' || process.arch === 'ia32';
