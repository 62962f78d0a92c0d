// A reference model of the ring at the level of the design notes, used as the oracle of the
// property-based tests. It knows nothing of words and offsets: a stack of frames, each tagged
// with the sub-buffer its record went into, and the fate of every sub-buffer (sealed or
// discarded). A frame is known to a reader exactly when its record reached it.

import { SwitchReason, UNKNOWN_FRAME } from '../src/layout.js';

interface Frame {
  id: number;
  /** Model sub-buffer holding this frame's record. */
  sub: number;
}

export interface ExpectedSample {
  frames: number[];
  lostSubBuffers: number;
  lostEntries: number;
  keyframe: boolean;
  /** SwitchReason bits REQUEST, FULL and FLUSH the header must carry. */
  reason: number;
  /** Serial of the request the switch answered (0: none). */
  request: number;
  /** `step` when the switch happened: the test knows when that was. */
  step: number;
}

export class RingModel {
  readonly stack: Frame[] = [];
  /** Model sub-buffer ids: a new one at every start, including a restart in place. */
  private sub = 0;
  private readonly fate = new Map<number, 'sealed' | 'discarded'>();
  private floor = 0;
  private limit: number;
  private keyframe = false;
  /** Sealed sub-buffers the reader has not taken. */
  pending = 0;
  /** 0: none, 1: switch, 2: switch with keyframe. */
  requested = 0;
  /** Serial of the pending request. */
  serial = 0;
  /** Set by the test before each operation; recorded with every switch. */
  step = 0;
  lost = 0;
  lostEntries = 0;
  totalLost = 0;
  totalLostEntries = 0;
  /** Samples sealed and not yet checked, in order. */
  readonly expected: ExpectedSample[] = [];

  constructor(
    readonly capacity: number,
    readonly subBufferCount: number,
  ) {
    this.limit = capacity;
  }

  get depth(): number {
    return this.stack.length;
  }

  ids(): number[] {
    return this.stack.map((f) => f.id);
  }

  enter(id: number): number {
    const d = this.depth;
    if (d >= this.limit || this.requested !== 0) this.switch(d >= this.limit ? SwitchReason.FULL : 0);
    this.stack.push({ id, sub: this.sub });
    return d;
  }

  exit(token: number): void {
    if (token >= this.depth) return;
    // A pending request is answered with the stack before the return.
    if (this.requested !== 0) this.switch(0);
    const d = Math.max(0, token);
    if (d < this.floor) {
      this.floor = d;
      this.limit = d + this.capacity;
    }
    this.stack.length = d;
  }

  request(keyframe: boolean, serial = 0): void {
    this.requested = keyframe ? 2 : 1;
    this.serial = serial;
  }

  flush(): void {
    this.switch(SwitchReason.FLUSH);
  }

  /** What a reader sees of the stack: frames whose record it got, UNKNOWN_FRAME for the others. */
  private visible(currentKnown: boolean): number[] {
    return this.stack.map((f) =>
      (f.sub === this.sub && currentKnown) || this.fate.get(f.sub) === 'sealed' ? f.id : UNKNOWN_FRAME,
    );
  }

  /** The live view: the current sub-buffer's records are part of the copy. */
  liveView(): number[] {
    return this.visible(true);
  }

  private switch(reason: number): void {
    const wantKeyframe = this.requested === 2;
    const request = this.requested !== 0 ? this.serial : 0;
    if (this.requested !== 0) reason |= SwitchReason.REQUEST;
    this.requested = 0;
    const depth = this.depth;
    if (this.pending >= this.subBufferCount - 1) {
      // No free sub-buffer: drop-newest.
      this.fate.set(this.sub, 'discarded');
      this.lost++;
      this.lostEntries += depth - this.floor;
      this.totalLost++;
      this.totalLostEntries += depth - this.floor;
      this.start(depth <= this.capacity >> 1);
      return;
    }
    this.fate.set(this.sub, 'sealed');
    this.expected.push({
      frames: this.visible(false),
      lostSubBuffers: this.lost,
      lostEntries: this.lostEntries,
      keyframe: this.keyframe,
      reason,
      request,
      step: this.step,
    });
    const hadLosses = this.lost > 0;
    this.lost = 0;
    this.lostEntries = 0;
    this.pending++;
    this.start((wantKeyframe || hadLosses) && depth <= this.capacity >> 1);
  }

  private start(keyframe: boolean): void {
    this.sub++;
    this.keyframe = keyframe;
    if (keyframe) {
      for (const f of this.stack) f.sub = this.sub;
      this.floor = 0;
    } else {
      this.floor = this.depth;
    }
    this.limit = this.floor + this.capacity;
  }
}
