// The reader of an area ring (docs/design.md "Areas switched from outside"), with the same
// interface as RingReader's, so that the agent samples both kinds alike: requestSwitch moves the
// writer to the next area; take() returns the sample once the writer has called or returned in
// the new area (from then on the old area is final); readLive() returns it before that, for a
// thread that neither calls nor returns. Samples come out as sub-buffers (start depth, pops,
// records), so the reconstructor and the trace file take them as they take sealed ones.

import { epochMillis } from './clock.js';
import { AREA_COUNT, AREA_STRIDE, AreaCtrl, IMAGE_OFFSET, NO_DEPTH, SEQLOCK_SPINS, areaOffset, areaRingGeometry } from './area-layout.js';
import { KEYFRAME_REQUEST_BIT, SwitchReason, UNKNOWN_FRAME } from './layout.js';
import type { SubBuffer } from './sub-buffer.js';

const SERIAL_MASK = KEYFRAME_REQUEST_BIT - 1;
// The generation is the high half of the 64-bit word whose low half is the depth.
const ONE_GENERATION = 1n << 32n;

interface PendingSwitch {
  serial: number;
  /** The generation the writer left. */
  gen: number;
}

export class AreaReader {
  readonly buffer: SharedArrayBuffer;
  readonly threadId: number;
  /** Depths that get a record. */
  readonly capacity: number;
  private readonly words: Int32Array;
  private readonly pair: BigInt64Array;
  /**
   * The stack at the start of the writer's current area: the last sample taken (what the next
   * one's pops and records continue), or the image a previous reader published.
   */
  private base: Int32Array = new Int32Array(0);
  private pending: PendingSwitch | null = null;
  private serial = 0;
  private answeredSerial = 0;
  /** Sequence number of the next sample taken. */
  private seq = 0;

  /**
   * Attaches to an area ring. One reader per ring at a time; a reader that attaches after another
   * takes over from the image that one published (and its switch, if it left one pending).
   */
  constructor(buffer: SharedArrayBuffer) {
    const g = areaRingGeometry(buffer);
    this.buffer = buffer;
    this.words = g.words;
    this.pair = new BigInt64Array(buffer, 0, AreaCtrl.DEPTH / 2 + 1);
    this.threadId = g.threadId;
    this.capacity = g.limit;
    this.attach();
  }

  private attach(): void {
    const words = this.words;
    let gen = 0;
    let imageGen = 0;
    for (let attempt = 0; ; attempt++) {
      const seq = Atomics.load(words, AreaCtrl.IMAGE_SEQ);
      // Odd for good: the previous reader's thread ended while publishing (see areaStack).
      if ((seq & 1) !== 0 && attempt < SEQLOCK_SPINS) continue;
      gen = Atomics.load(words, AreaCtrl.GEN);
      imageGen = Atomics.load(words, AreaCtrl.IMAGE_GEN);
      const depth = Atomics.load(words, AreaCtrl.IMAGE_DEPTH);
      this.base = words.slice(IMAGE_OFFSET, IMAGE_OFFSET + depth);
      // A previous reader switched and did not take the sample: take it first.
      this.pending = imageGen === gen ? null : { serial: 0, gen: (gen - 1) | 0 };
      if (Atomics.load(words, AreaCtrl.IMAGE_SEQ) === seq) break;
    }
    if (gen === 0 && imageGen === 0) return; // a fresh ring: the areas the writer has not used are clear
    // Another reader was here and may have stopped before clearing an area: clear every area
    // the writer is not using, all of it (it is not known how deep its records went).
    const current = gen & (AREA_COUNT - 1);
    const old = this.pending === null ? -1 : this.pending.gen & (AREA_COUNT - 1);
    for (let a = 0; a < AREA_COUNT; a++) {
      if (a === current || a === old) continue;
      words.fill(0, areaOffset(a), areaOffset(a) + this.capacity);
      Atomics.store(words, AreaCtrl.AREA_DEPTH + a, NO_DEPTH);
    }
    // Left odd by a reader that ended mid-publication: even again, and new (a snapshot that
    // began before that publication must not take the two reads for one).
    const seq = Atomics.load(words, AreaCtrl.IMAGE_SEQ);
    if ((seq & 1) !== 0) Atomics.store(words, AreaCtrl.IMAGE_SEQ, (seq + 1) | 0);
  }

  get closed(): boolean {
    return Atomics.load(this.words, AreaCtrl.CLOSED) === 1;
  }

  /** Calls deeper than the areas hold (shown as unknown frames), since the ring was created. */
  get totalLosses(): { subBuffers: number; entries: number } {
    return { subBuffers: 0, entries: Atomics.load(this.words, AreaCtrl.DEEP_CALLS) };
  }

  /**
   * Moves the writer to the next area, now: the sample it returns (through take or readLive)
   * shows the stack just before the writer's next call or return. A switch still waiting to be
   * taken is not repeated; its serial is returned.
   */
  requestSwitch(_options: { keyframe?: boolean } = {}): number {
    if (this.pending !== null) {
      if (this.pending.serial === 0) this.pending.serial = this.nextSerial();
      return this.pending.serial;
    }
    const serial = this.nextSerial();
    // The area the writer moves to was cleared when it was last taken (or never used).
    const before = Atomics.add(this.pair, AreaCtrl.DEPTH / 2, ONE_GENERATION);
    this.pending = { serial, gen: Number(BigInt.asIntN(32, before >> 32n)) };
    return serial;
  }

  private nextSerial(): number {
    this.serial = (this.serial % SERIAL_MASK) + 1;
    return this.serial;
  }

  answered(serial: number): boolean {
    return this.pending === null && this.answeredSerial === serial;
  }

  /**
   * The sample of the pending switch, once the writer has called or returned in its new area
   * (or closed the ring): stores becoming visible in order, everything the writer stored in the
   * old area is visible then. Null while that has not happened.
   */
  take(): SubBuffer | null {
    const pending = this.pending;
    if (pending === null) return null;
    const next = (pending.gen + 1) & (AREA_COUNT - 1);
    if (Atomics.load(this.words, AreaCtrl.AREA_DEPTH + next) === NO_DEPTH && !this.closed) return null;
    return this.sample(pending, false);
  }

  takeAll(): SubBuffer[] {
    const out: SubBuffer[] = [];
    for (let sub = this.take(); sub !== null; sub = this.take()) out.push(sub);
    return out;
  }

  /**
   * The pending switch's sample before the writer has called or returned since (a loop without
   * calls, native code, an idle event loop): the stack has not changed since the switch, and the
   * old area holds it. Marked LIVE; the switch stays pending. Null when none is pending.
   */
  readLive(): SubBuffer | null {
    const pending = this.pending;
    if (pending === null || this.closed) return null;
    return this.sample(pending, true);
  }

  /**
   * The stack at the end of the old area: its records where it has one, the base below and
   * where it has none (no call at that depth during the area's life means the frame is older).
   * Taken for good (live false): publishes it as the image, clears the old area for its next use.
   */
  private sample(pending: PendingSwitch, live: boolean): SubBuffer {
    const words = this.words;
    const old = pending.gen & (AREA_COUNT - 1);
    const area = areaOffset(old);
    const base = this.base;
    const end = Atomics.load(words, AreaCtrl.AREA_DEPTH + old);
    const depth = end === NO_DEPTH ? base.length : end;
    const frames = new Int32Array(depth);
    for (let d = 0; d < depth; d++) {
      const record = d < this.capacity ? Atomics.load(words, area + d) : 0;
      frames[d] = record !== 0 ? record - 1 : d < base.length ? base[d]! : UNKNOWN_FRAME;
    }
    let common = 0;
    while (common < depth && common < base.length && frames[common] === base[common]) common++;
    // This reader's first sample restates the whole stack: the reconstructor behind it is new.
    const first = this.seq === 0;
    const sub: SubBuffer = {
      threadId: this.threadId,
      seq: this.seq,
      reason: (live ? SwitchReason.LIVE : SwitchReason.REQUEST) | (first ? SwitchReason.KEYFRAME : 0),
      startDepth: first ? 0 : base.length,
      pops: first ? 0 : base.length - common,
      records: frames.slice(first ? 0 : common),
      recordWords: 1,
      lostSubBuffers: 0,
      lostEntries: 0,
      lostLowDepth: 0,
      request: pending.serial,
      time: epochMillis(),
    };
    if (live) return sub;
    this.publish(pending.gen, old, frames);
    this.base = frames;
    this.seq = (this.seq + 1) >>> 0;
    this.pending = null;
    this.answeredSerial = pending.serial;
    return sub;
  }

  /**
   * Publishes `frames` as the image (the base of the area after `gen`) for the writer thread's
   * own snapshots, and clears the old area: zero every record its life wrote (they lie below the
   * depth it began at, or in one run from there up) and its end depth.
   */
  private publish(gen: number, old: number, frames: Int32Array): void {
    const words = this.words;
    const area = areaOffset(old);
    const seq = Atomics.load(words, AreaCtrl.IMAGE_SEQ);
    Atomics.store(words, AreaCtrl.IMAGE_SEQ, (seq + 1) | 0);
    // Frames deeper than the image holds have no record either: the writer shows them unknown.
    const imageDepth = Math.min(frames.length, AREA_STRIDE);
    // A loop, not set(subarray()): a small typed array made on the heap gets a buffer of its
    // own allocated the first time one is asked of it, once per sample.
    for (let d = 0; d < imageDepth; d++) words[IMAGE_OFFSET + d] = frames[d]!;
    Atomics.store(words, AreaCtrl.IMAGE_DEPTH, imageDepth);
    Atomics.store(words, AreaCtrl.IMAGE_GEN, (gen + 1) | 0);
    // this.base is still the stack the old area began with.
    let top = Math.min(this.capacity, Math.max(this.base.length, frames.length));
    while (top < this.capacity && words[area + top] !== 0) top++;
    words.fill(0, area, area + top);
    Atomics.store(words, AreaCtrl.AREA_DEPTH + old, NO_DEPTH);
    Atomics.store(words, AreaCtrl.IMAGE_SEQ, (seq + 2) | 0);
  }
}
