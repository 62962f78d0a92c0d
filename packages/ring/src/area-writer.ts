// The writer of an area ring: what every instrumented call and return runs when a sampler
// reads the thread (docs/design.md "Areas switched from outside"). A call records its function
// in the current area at its depth; the reader moves the writer to the next area with one atomic
// add, so nothing here ever reacts to a reader: no branch a sampler could make V8 compile in.

import { AREA_COUNT, AreaCtrl, IMAGE_OFFSET, SEQLOCK_SPINS, areaOffset, areaRingGeometry } from './area-layout.js';
import { UNKNOWN_FRAME } from './layout.js';

// enter and exit spell their word offsets as number literals: a module constant costs four
// bytes of bytecode per use (a context load and a hole check), and V8 inlines functions of at
// most 110 bytes (as the runtime sets max-inlined-bytecode-size-small) at every call site.
// w[16] is AreaCtrl.DEPTH, w[17] AreaCtrl.GEN, w[18 + area] AreaCtrl.AREA_DEPTH, w[22]
// AreaCtrl.LIMIT, and the record of depth d in area a is w[32 + (a << 14) + d]
// (AREA_CONTROL_WORDS + a * AREA_STRIDE + d); area-ring.test.ts checks the two agree.
const DEPTH = AreaCtrl.DEPTH;
const GEN = AreaCtrl.GEN;
const AREA_DEPTH = AreaCtrl.AREA_DEPTH;

export class AreaWriter {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly threadId: number;
  /** Area rings are never warmed: there is no slow path to warm (see RingWriter.warmSlowPaths). */
  readonly warmed = false;

  constructor(buffer: SharedArrayBuffer) {
    const g = areaRingGeometry(buffer);
    this.buffer = buffer;
    this.words = g.words;
    this.threadId = g.threadId;
  }

  /** Pushes a frame; returns the depth before the push, the token for `exit`. */
  enter(functionId: number): number {
    const w = this.words;
    const d = w[16];
    if (d >= w[22]) return enterDeep(w, d);
    const area = w[17] & 3;
    // Records are function id + 1: a cleared area holds zeros, "no call at this depth".
    w[32 + (area << 14) + d] = functionId + 1;
    w[16] = d + 1;
    w[18 + area] = d + 1;
    return d;
  }

  /**
   * Restores the depth `token` (from `enter`). Idempotent and never growing: a token at or
   * above the current depth does nothing, which heals the stack after abrupt exits.
   */
  exit(token: number): void {
    const w = this.words;
    if (token < w[16]) {
      w[16] = token;
      w[18 + (w[17] & 3)] = token;
    }
  }

  /** `exit(token)`, then returns `value` (see RingWriter.exitWith). */
  exitWith<T>(token: number, value: T): T {
    this.exit(token);
    return value;
  }

  /** Nothing to warm: the reader never makes this writer take a slow path. */
  warmSlowPaths(): void {}

  /** Nothing to seal: the reader switches areas itself. */
  flush(): void {}

  /** Current depth of the stack. */
  get depth(): number {
    return this.words[DEPTH];
  }

  get closed(): boolean {
    return this.words[AreaCtrl.CLOSED] === 1;
  }

  /** Tells the reader that no more calls come (thread exit); its last sample follows. */
  close(): void {
    // Sequentially consistent: every record stored before is visible once this is.
    Atomics.store(this.words, AreaCtrl.CLOSED, 1);
  }

  /** The current stack as function ids, outermost first: exact, with or without a reader. */
  stack(): Int32Array {
    return areaStack(this.words);
  }
}

/** A call deeper than the areas hold: counted, not recorded (the reader shows an unknown frame). */
function enterDeep(w: Int32Array, d: number): number {
  Atomics.add(w, AreaCtrl.DEEP_CALLS, 1);
  w[DEPTH] = d + 1;
  w[AREA_DEPTH + (w[GEN] & 3)] = d + 1;
  return d;
}

/**
 * The stack of the thread that owns the ring, from that thread: for each depth, the record of
 * the newest area that has one; below them, the image the reader published for the oldest area
 * it has not cleared. The reader publishes and clears under a seqlock (IMAGE_SEQ odd), in an
 * order that leaves a consistent state at every step (image, its depth, its generation, then
 * the old area cleared): so when the seqlock stays odd (the agent's thread was terminated while
 * publishing), reading after a bounded wait is still right. It never hangs the thread.
 */
function areaStack(w: Int32Array): Int32Array {
  for (let attempt = 0; ; attempt++) {
    const seq = Atomics.load(w, AreaCtrl.IMAGE_SEQ);
    if ((seq & 1) !== 0 && attempt < SEQLOCK_SPINS) continue; // the reader is publishing: microseconds
    const gen = w[GEN];
    const imageGen = w[AreaCtrl.IMAGE_GEN];
    const imageDepth = w[AreaCtrl.IMAGE_DEPTH];
    const depth = w[DEPTH];
    const limit = w[AreaCtrl.LIMIT];
    const out = new Int32Array(depth);
    for (let d = 0; d < depth; d++) {
      let record = 0; // past the limit there are no records (and the index would leave the area)
      for (let g = gen, n = 0; d < limit && record === 0 && ((g - imageGen) | 0) >= 0 && n < AREA_COUNT; g = (g - 1) | 0, n++) {
        record = w[areaOffset(g & 3) + d];
      }
      out[d] = record !== 0 ? record - 1 : d < imageDepth ? w[IMAGE_OFFSET + d] : UNKNOWN_FRAME;
    }
    if (Atomics.load(w, AreaCtrl.IMAGE_SEQ) === seq || attempt >= SEQLOCK_SPINS) return out;
  }
}
