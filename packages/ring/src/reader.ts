// The reader side of one ring, used from another thread (the agent): asks for switches, takes
// sealed sub-buffers in order (copying them out and freeing them) and, when the writer does not
// answer, takes a validated live copy of the sub-buffer being written.

import { epochMillis } from './clock.js';
import { ringGeometry } from './create-ring.js';
import { Ctrl, HEADER_WORDS, Hdr, KEYFRAME_REQUEST_BIT, SlotState, SwitchReason, subBufferOffset } from './layout.js';
import type { SubBuffer } from './sub-buffer.js';
import { forceSlowPaths } from './writer-slow-path.js';

const SERIAL_MASK = KEYFRAME_REQUEST_BIT - 1;
const timeScratch = new Float64Array(1);
const timeWords = new Int32Array(timeScratch.buffer);

export class RingReader {
  readonly buffer: SharedArrayBuffer;
  readonly threadId: number;
  readonly capacity: number;
  private readonly words: Int32Array;
  private readonly subBufferCount: number;
  private readonly subBufferWords: number;
  /** The sub-buffer that will be sealed next, in ring order. */
  private nextSlot: number;
  private serial = 0;
  private sealedSeen: number;

  /**
   * Attaches to a ring. One reader per ring at a time. A reader that attaches after the writer
   * has already sealed sub-buffers starts at the oldest one still in the ring; ask for a keyframe
   * (`requestSwitch({ keyframe: true })`) to learn the frames below it.
   */
  constructor(buffer: SharedArrayBuffer) {
    const g = ringGeometry(buffer);
    this.buffer = buffer;
    this.words = g.words;
    this.threadId = g.threadId;
    this.capacity = g.capacity;
    this.subBufferCount = g.subBufferCount;
    this.subBufferWords = g.subBufferWords;
    this.sealedSeen = Atomics.load(this.words, Ctrl.SEALED_COUNT);
    this.nextSlot = this.findOldestSlot();
  }

  private stateOf(slot: number): number {
    return Atomics.load(this.words, subBufferOffset(this.subBufferWords, slot) + Hdr.STATE);
  }

  /** Sealed sub-buffers form a run that ends just before the current one: find its start. */
  private findOldestSlot(): number {
    for (;;) {
      const current = Atomics.load(this.words, Ctrl.CURRENT);
      let slot = current;
      for (let i = 1; i < this.subBufferCount; i++) {
        const s = (current + i) % this.subBufferCount;
        if (this.stateOf(s) === SlotState.SEALED) {
          slot = s;
          break;
        }
      }
      if (Atomics.load(this.words, Ctrl.CURRENT) === current) return slot;
    }
  }

  /** True once the writer closed the ring; take() still returns what is left. */
  get closed(): boolean {
    return Atomics.load(this.words, Ctrl.CLOSED) === 1;
  }

  /** Totals of discarded sub-buffers and entries since the ring was created. */
  get totalLosses(): { subBuffers: number; entries: number } {
    return {
      subBuffers: Atomics.load(this.words, Ctrl.TOTAL_LOST_SUB_BUFFERS),
      entries: Atomics.load(this.words, Ctrl.TOTAL_LOST_ENTRIES),
    };
  }

  /**
   * Asks the writer to switch at its next call or return. Returns the request serial; the
   * sealed sub-buffer that answers it carries it in `request`.
   */
  requestSwitch(options: { keyframe?: boolean } = {}): number {
    this.serial = (this.serial % SERIAL_MASK) + 1;
    const value = options.keyframe ? this.serial | KEYFRAME_REQUEST_BIT : this.serial;
    Atomics.store(this.words, Ctrl.SWITCH_REQUEST, value);
    forceSlowPaths(this.words);
    return this.serial;
  }

  /** Whether the writer has taken request `serial` (sealed, or discarded with no free sub-buffer). */
  answered(serial: number): boolean {
    return (
      Atomics.load(this.words, Ctrl.SWITCH_REQUEST) === 0 &&
      Atomics.load(this.words, Ctrl.ANSWERED_REQUEST) === serial
    );
  }

  /** The next sealed sub-buffer, copied out and freed for the writer; null if none is sealed. */
  take(): SubBuffer | null {
    const words = this.words;
    const base = subBufferOffset(this.subBufferWords, this.nextSlot);
    if (Atomics.load(words, base + Hdr.STATE) !== SlotState.SEALED) return null;
    const sub = this.copy(base, words[base + Hdr.ENTRIES], words[base + Hdr.REASON]);
    Atomics.store(words, base + Hdr.STATE, SlotState.FREE);
    this.nextSlot = (this.nextSlot + 1) % this.subBufferCount;
    return sub;
  }

  /** Takes every sealed sub-buffer available now, in order. */
  takeAll(): SubBuffer[] {
    const out: SubBuffer[] = [];
    for (let sub = this.take(); sub !== null; sub = this.take()) out.push(sub);
    return out;
  }

  private copy(base: number, entries: number, reason: number): SubBuffer {
    const words = this.words;
    const recordWords = words[base + Hdr.RECORD_WORDS];
    const from = base + HEADER_WORDS;
    timeWords[0] = words[base + Hdr.TIME];
    timeWords[1] = words[base + Hdr.TIME + 1];
    return {
      threadId: this.threadId,
      seq: words[base + Hdr.SEQ] >>> 0,
      reason,
      startDepth: words[base + Hdr.START_DEPTH],
      pops: words[base + Hdr.POPS],
      records: words.slice(from, from + entries * recordWords),
      recordWords,
      lostSubBuffers: words[base + Hdr.LOST_SUB_BUFFERS],
      lostEntries: words[base + Hdr.LOST_ENTRIES],
      lostLowDepth: words[base + Hdr.LOST_LOW_DEPTH],
      request: words[base + Hdr.REQUEST],
      time: timeScratch[0],
    };
  }

  /**
   * Blocks until a sub-buffer is sealed (or the ring is closed) or `timeoutMs` passes. Only in
   * a thread that may block (a worker). Returns whether something new was published.
   */
  waitSealed(timeoutMs: number): boolean {
    const seen = this.sealedSeen;
    if (Atomics.load(this.words, Ctrl.SEALED_COUNT) === seen) {
      Atomics.wait(this.words, Ctrl.SEALED_COUNT, seen, timeoutMs);
    }
    this.sealedSeen = Atomics.load(this.words, Ctrl.SEALED_COUNT);
    return this.sealedSeen !== seen;
  }

  /** Like waitSealed, without blocking the event loop (Atomics.waitAsync). */
  async waitSealedAsync(timeoutMs: number): Promise<boolean> {
    const seen = this.sealedSeen;
    if (Atomics.load(this.words, Ctrl.SEALED_COUNT) === seen) {
      const result = Atomics.waitAsync(this.words, Ctrl.SEALED_COUNT, seen, timeoutMs);
      if (result.async) await result.value;
    }
    this.sealedSeen = Atomics.load(this.words, Ctrl.SEALED_COUNT);
    return this.sealedSeen !== seen;
  }

  /**
   * A copy of the sub-buffer being written, for a writer that does not answer a switch request
   * (a loop without calls, native code, an idle event loop). Consistent because a pending
   * request stops the writer at its very next call or return: if the request is still pending
   * and the published position unchanged after the copy, the writer did not move during it.
   * Returns null when it moved (then a sealed sub-buffer is on its way) or when no request
   * is pending. Take every sealed sub-buffer first: the copy continues the last one taken.
   */
  readLive(): SubBuffer | null {
    const words = this.words;
    const request = Atomics.load(words, Ctrl.SWITCH_REQUEST);
    if (request === 0 || this.closed) return null;
    const slot = Atomics.load(words, Ctrl.CURRENT);
    if (slot !== this.nextSlot) return null; // sealed sub-buffers are waiting to be taken
    const base = subBufferOffset(this.subBufferWords, slot);
    const depth = Atomics.load(words, Ctrl.DEPTH);
    const start = Atomics.load(words, base + Hdr.START_DEPTH);
    const pops = Atomics.load(words, base + Hdr.POPS);
    const lost = Atomics.load(words, base + Hdr.LOST_SUB_BUFFERS);
    const entries = depth - (start - pops);
    if (entries < 0 || entries > this.capacity) return null;
    const sub = this.copy(base, entries, SwitchReason.LIVE | (words[base + Hdr.REASON] & SwitchReason.KEYFRAME));
    if (
      Atomics.load(words, Ctrl.SWITCH_REQUEST) !== request ||
      Atomics.load(words, Ctrl.CURRENT) !== slot ||
      Atomics.load(words, Ctrl.DEPTH) !== depth ||
      Atomics.load(words, base + Hdr.START_DEPTH) !== start ||
      Atomics.load(words, base + Hdr.POPS) !== pops ||
      Atomics.load(words, base + Hdr.LOST_SUB_BUFFERS) !== lost
    ) {
      return null;
    }
    sub.request = request & SERIAL_MASK;
    sub.time = epochMillis();
    return sub;
  }
}
