// The agent's view of one thread: the only reader of its ring. Each tick it takes what the
// writer sealed, asks for the next switch, and when the writer has not answered the previous
// request (a loop without calls, native code, an idle event loop) takes a live copy instead.
// Both kinds of ring have that reader interface (openReader): for an area ring, "asks for a
// switch" is the reader switching it, and "sealed" the sample once the writer has moved since.

import { SwitchReason, ThreadStack, endDepth, epochMillis, openReader, type StackReader, type StackSample, type SubBuffer } from '@stackring/ring';
import { releaseThreadActivity, threadActivity } from './idle.js';

export interface SampledSubBuffer {
  sub: SubBuffer;
  sample: StackSample;
}

/** An unchanged live copy is emitted again after this long (see `live`). */
const REPEAT_LIVE_MS = 100;

/** How many times `current` retries a live copy the writer disturbed. */
const LIVE_ATTEMPTS = 10;

export class ThreadSampler {
  readonly reader: StackReader;
  readonly stack: ThreadStack;
  /** The request this sampler is waiting on (0: none). */
  private pending = 0;
  /** When that request was raised. */
  private pendingSince = 0;
  /** A live copy was emitted for it (the answer then repeats the last copy). */
  private pendingCopied = false;
  /** The thread was idle when the request was raised (only looked at for idle threads). */
  private pendingIdle = false;
  /** The last live copy, to skip identical ones (an idle thread would repeat it every tick). */
  private lastLive: { seq: number; depth: number; idle: boolean; time: number } | null = null;
  /** The newest sample, for dumps. */
  latest: StackSample | null = null;
  closed = false;

  constructor(
    readonly threadId: number,
    readonly tid: number,
    public name: string,
    buffer: SharedArrayBuffer,
    /** Receives every sealed sub-buffer and every live copy, with its sample. */
    private readonly emit: (taken: SampledSubBuffer) => void,
  ) {
    this.reader = openReader(buffer);
    this.stack = new ThreadStack(threadId);
  }

  /** Takes every sealed sub-buffer, in order. */
  drain(): void {
    // Check closed first: whatever was sealed before the close is taken below.
    const closing = this.reader.closed;
    for (let sub = this.reader.take(); sub !== null; sub = this.reader.take()) {
      if (sub.request !== 0 && sub.request === this.pending) {
        this.pending = 0;
        this.timeAnswer(sub);
      }
      const sample = this.stack.apply(sub);
      this.latest = sample;
      this.lastLive = null;
      this.emit({ sub, sample });
    }
    if (closing) {
      this.closed = true;
      releaseThreadActivity(this.tid);
    }
  }

  /**
   * A switch answering our request shows the stack at the thread's first call or return after
   * the request; it has not changed since the request was raised (the thread would have
   * answered sooner). So it samples the moment of the request: timed then, samples fall on the
   * sampler's regular ticks and time spreads fairly. Timed at the answer instead, a thread that
   * wakes from idle for a short burst answers at the burst's first call with the stack before
   * it, and that sample would weigh the whole burst.
   */
  private timeAnswer(sub: SubBuffer): void {
    // After live copies, the answer repeats the last one (nothing changed until it came).
    const copy = this.pendingCopied ? this.lastLive : null;
    sub.time = copy !== null ? copy.time : this.pendingSince;
    // Idle when asked (or when last copied), and outside any instrumented function: the wait.
    if ((copy !== null ? copy.idle : this.pendingIdle) && endDepth(sub) === 0) sub.reason |= SwitchReason.IDLE;
  }

  /**
   * Raises a switch request, noting when, and whether the thread is idle: only a thread last
   * seen outside every instrumented function can be (a busy, deep thread costs no /proc read).
   */
  private raise(): void {
    this.pending = this.reader.requestSwitch();
    this.pendingSince = epochMillis();
    this.pendingCopied = false;
    const outside = this.latest !== null && this.latest.frames.length === 0 && this.latest.unknownFrames === 0;
    this.pendingIdle = outside && threadActivity(this.tid) === 'idle';
  }

  /**
   * One sampling step: drain, then either ask for a switch, or, if the last request is still
   * unanswered, take a live copy. `force` takes the live copy even when it equals the last one.
   */
  sample(force = false): void {
    this.drain();
    if (this.closed) return;
    if (this.pending !== 0 && !this.reader.answered(this.pending)) {
      this.live(force);
      return;
    }
    this.raise();
  }

  /** Asks for a switch now (a dump), unless one is already pending. */
  request(): void {
    this.drain();
    if (!this.closed && this.pending === 0) this.raise();
  }

  get answered(): boolean {
    return this.pending === 0 || this.closed;
  }

  /**
   * The thread's stack now, for dumps and the watchdog: the writer's answer to a switch request
   * when it comes within `waitMs` (exact), else a live copy. A live copy fails validation when
   * the writer moves while it is taken, which is also when the writer is about to answer: so
   * drain and retry rather than fall back to an older sample.
   */
  async current(waitMs: number): Promise<StackSample | null> {
    this.request();
    const deadline = Date.now() + waitMs;
    while (!this.answered && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      this.drain();
    }
    for (let attempt = 0; !this.answered && attempt < LIVE_ATTEMPTS; attempt++) {
      if (this.live(true) !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
      this.drain();
    }
    return this.latest;
  }

  /**
   * A validated live copy of the sub-buffer being written, labelled idle when the thread waits.
   * Emitted unless it repeats the previous one (the writer has not moved since: an idle or
   * stuck thread) within REPEAT_LIVE_MS, so a long idle stretch is a few samples weighed by
   * the time they cover.
   */
  live(force = true): StackSample | null {
    // A live copy is only valid under a pending request (none yet when sampling is off).
    if (this.pending === 0 && !this.closed) this.raise();
    const sub = this.reader.readLive();
    if (sub === null) return null;
    const depth = endDepth(sub);
    // Only a thread outside every instrumented function can be waiting in its event loop: a
    // busy thread (in the garbage collector, or in a loop without calls) costs no /proc read.
    const idle = depth === 0 && threadActivity(this.tid) === 'idle';
    if (idle) sub.reason |= SwitchReason.IDLE;
    // The first copy under a request shows the stack the request found (the thread has not
    // called or returned since, or it would have answered): it samples that moment.
    if (this.pending !== 0 && !this.pendingCopied) sub.time = this.pendingSince;
    const last = this.lastLive;
    // A repeat is still emitted now and then: a sample weighs the time until the next one, so
    // a trace that ends abruptly (SIGKILL) keeps all but the last moments of a stuck stretch.
    const repeat = last !== null && last.seq === sub.seq && last.depth === depth && last.idle === idle;
    if (!force && repeat && sub.time - last.time < REPEAT_LIVE_MS) return null;
    this.lastLive = { seq: sub.seq, depth, idle, time: sub.time };
    this.pendingCopied = true;
    const sample = this.stack.peek(sub);
    this.latest = sample;
    this.emit({ sub, sample });
    return sample;
  }
}
