// The writer's fast path: what every instrumented call and return runs. Plain typed-array
// loads and stores only: no Atomics, no clock, no allocation. Everything else (switching
// sub-buffers, discarding, keyframes) lives in writer-slow-path.ts.

import { ringGeometry } from './create-ring.js';
import { CONTROL_WORDS, HEADER_WORDS, SwitchReason } from './layout.js';
import { beginRing, exitSlowAfterPop, enterSlowAfterPush, stackSnapshot, switchSubBuffer, closeRing, warmSlowPaths } from './writer-slow-path.js';

// Control words used on the fast path, as literals so that TurboFan folds them.
const DEPTH = 5; // Ctrl.DEPTH
const ENTER_LIMIT = 14; // Ctrl.ENTER_LIMIT
const EXIT_FLOOR = 15; // Ctrl.EXIT_FLOOR

export class RingWriter {
  readonly buffer: SharedArrayBuffer;
  /** The whole ring as words (control block and sub-buffers). */
  readonly words: Int32Array;
  readonly subBufferCount: number;
  readonly subBufferWords: number;
  readonly recordWords: number;
  /** Records per sub-buffer. */
  readonly capacity: number;
  readonly threadId: number;

  // Hot state, changed only by the slow path.
  /** Word index of the record for depth d in the current sub-buffer is `recordBase + d`. */
  recordBase = 0;
  /** Depth at which the current sub-buffer is full (Ctrl.ENTER_LIMIT holds it, or -1 on a request). */
  limit = 0;
  /** Lowest depth reached in the current sub-buffer (its start depth minus its pops). */
  floor = 0;
  // Ctrl.ENTER_LIMIT and Ctrl.EXIT_FLOOR mirror `limit` and `floor` for the fast path, except
  // while a reader's switch request is pending: then they send both enter and exit to the slow path.

  // Slow-path state.
  /** Index of the sub-buffer being written. */
  current = 0;
  /** Sequence number the current sub-buffer will be sealed with. */
  seq = 0;
  /** The stack below the current sub-buffer's records, maintained at every switch. */
  image: Int32Array = new Int32Array(64);
  /** Losses since the last sealed sub-buffer (no free sub-buffer). */
  lostSubBuffers = 0;
  lostEntries = 0;
  lostLowDepth = 0;
  closed = false;
  /** warmSlowPaths() has run. */
  warmed = false;

  constructor(buffer: SharedArrayBuffer) {
    const g = ringGeometry(buffer);
    if (g.recordWords !== 1) {
      // The format keeps room for payload words; the writer that fills them comes with argument capture.
      throw new RangeError('stackring ring: this writer writes one-word records (payloadWords: 0)');
    }
    this.buffer = buffer;
    this.words = g.words;
    this.subBufferCount = g.subBufferCount;
    this.subBufferWords = g.subBufferWords;
    this.recordWords = g.recordWords;
    this.capacity = g.capacity;
    this.threadId = g.threadId;
    this.recordBase = CONTROL_WORDS + HEADER_WORDS;
    beginRing(this);
  }

  /** Pushes a frame; returns the depth before the push, the token for `exit`. */
  enter(functionId: number): number {
    // Store first, check after: the slow path's call then sits at the end, where optimised code
    // keeps less alive across it than around a call that returns the token (fib 1.6x plain
    // instead of 1.7x once the slow paths are compiled in). A push that finds the sub-buffer
    // full lands in its scratch slot (see recordCapacity).
    const w = this.words;
    const d = w[DEPTH];
    w[this.recordBase + d] = functionId;
    w[DEPTH] = d + 1;
    if (d >= w[ENTER_LIMIT]) enterSlowAfterPush(this, functionId, d);
    return d;
  }

  /**
   * Restores the depth `token` (from `enter`). Idempotent and never growing: a token at or
   * above the current depth does nothing, which heals the stack after abrupt exits.
   */
  exit(token: number): void {
    const w = this.words;
    const d = w[DEPTH];
    if (token < d) {
      w[DEPTH] = token;
      if (token < w[EXIT_FLOOR]) exitSlowAfterPop(this, token, d);
    }
  }

  /**
   * `exit(token)`, then returns `value`: lets an expression (a default parameter initialiser)
   * run inside a frame, `exitWith(enter(id), initialiser)`, without a closure.
   */
  exitWith<T>(token: number, value: T): T {
    this.exit(token);
    return value;
  }

  /**
   * Takes both slow paths a few dozen times so that V8 compiles them into optimised code; call
   * it when a reader is going to request switches (a sampler). Until the slow paths have run,
   * V8 compiles their calls as deoptimisation points, which keeps the fast path quicker (recursive
   * fib: 1.5x plain instead of 1.7x) for as long as nothing asks for a switch, but then every
   * optimised function deoptimises at its first switch. Idempotent.
   */
  warmSlowPaths(): void {
    if (this.warmed) return;
    this.warmed = true;
    warmSlowPaths(this);
  }

  /** Current depth of the stack. */
  get depth(): number {
    return this.words[DEPTH];
  }

  /** The current stack as function ids, outermost first: exact, with or without a reader. */
  stack(): Int32Array {
    return stackSnapshot(this);
  }

  /** Seals the current sub-buffer now (e.g. before a trace is closed). */
  flush(): void {
    if (!this.closed) switchSubBuffer(this, SwitchReason.FLUSH);
  }

  /** Seals the last sub-buffer and tells readers that no more follow (thread exit). */
  close(): void {
    closeRing(this);
  }
}
