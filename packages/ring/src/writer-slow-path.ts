// The writer's slow paths: sub-buffer switches, return markers below the current sub-buffer,
// discarding when no sub-buffer is free, keyframes. Runs on the writer thread, rarely: at a
// switch (about once per sampling interval, or when a sub-buffer is full) or when a return pops
// below the frames of the current sub-buffer.

import { epochMillis } from './clock.js';
import { growInt32 } from './grow.js';
import {
  Ctrl,
  HEADER_WORDS,
  Hdr,
  KEYFRAME_REQUEST_BIT,
  SlotState,
  SwitchReason,
  subBufferOffset,
} from './layout.js';
import type { RingWriter } from './writer.js';

const timeScratch = new Float64Array(1);
const timeWords = new Int32Array(timeScratch.buffer);

function writeTime(words: Int32Array, at: number, time: number): void {
  timeScratch[0] = time;
  words[at] = timeWords[0];
  words[at + 1] = timeWords[1];
}

/** Sets up the writer on a freshly created ring (sub-buffer 0, depth 0). */
export function beginRing(w: RingWriter): void {
  const words = w.words;
  w.current = Atomics.load(words, Ctrl.CURRENT);
  w.seq = 0;
  startSubBuffer(w, w.current, words[Ctrl.DEPTH], false);
}

/** Points the fast path at sub-buffer `slot`, starting at `depth` (or at 0 with a keyframe). */
function startSubBuffer(w: RingWriter, slot: number, depth: number, keyframe: boolean): void {
  const words = w.words;
  const base = subBufferOffset(w.subBufferWords, slot);
  const records = base + HEADER_WORDS;
  let start = depth;
  if (keyframe) {
    // The sub-buffer begins with the whole stack, so a reader can rebuild it from here alone.
    words.set(w.image.subarray(0, depth), records);
    start = 0;
  }
  words[base + Hdr.SEQ] = w.seq;
  words[base + Hdr.REASON] = keyframe ? SwitchReason.KEYFRAME : 0;
  words[base + Hdr.START_DEPTH] = start;
  words[base + Hdr.POPS] = 0;
  words[base + Hdr.ENTRIES] = 0;
  words[base + Hdr.RECORD_WORDS] = w.recordWords;
  words[base + Hdr.REQUEST] = 0;
  writeLosses(w, base);
  w.floor = start;
  w.recordBase = records - start;
  w.limit = start + w.capacity;
  publishLimit(w);
}

/**
 * Publishes the fast path's bounds. A reader asks for a switch by storing its request, then
 * bounds that no depth passes (RingReader.requestSwitch); re-checking the request after these
 * stores (all sequentially consistent) makes sure a request that raced with them still wins.
 */
function publishLimit(w: RingWriter): void {
  const words = w.words;
  Atomics.store(words, Ctrl.ENTER_LIMIT, w.limit);
  Atomics.store(words, Ctrl.EXIT_FLOOR, w.floor);
  if (Atomics.load(words, Ctrl.SWITCH_REQUEST) !== 0) forceSlowPaths(words);
}

/** Sends the writer's next enter or exit to its slow path. */
export function forceSlowPaths(words: Int32Array): void {
  Atomics.store(words, Ctrl.ENTER_LIMIT, -1);
  Atomics.store(words, Ctrl.EXIT_FLOOR, 0x7fffffff);
}

function writeLosses(w: RingWriter, base: number): void {
  const words = w.words;
  words[base + Hdr.LOST_SUB_BUFFERS] = w.lostSubBuffers;
  words[base + Hdr.LOST_ENTRIES] = w.lostEntries;
  words[base + Hdr.LOST_LOW_DEPTH] = w.lostSubBuffers > 0 ? w.lostLowDepth : 0;
}

/**
 * A keyframe costs a copy of the whole stack; only write one when it leaves at least half the
 * sub-buffer free, so that a writer with a stalled reader cannot end up copying on every call.
 */
function keyframeFits(w: RingWriter, depth: number): boolean {
  return depth <= w.capacity >> 1;
}

/** Copies the records of the current sub-buffer into the stack image (before leaving it). */
function updateImage(w: RingWriter, depth: number): void {
  const entries = depth - w.floor;
  w.image = growInt32(w.image, depth, w.floor);
  if (entries > 0) {
    const from = w.recordBase + w.floor;
    w.image.set(w.words.subarray(from, from + entries), w.floor);
  }
}

/**
 * Seals the current sub-buffer and moves to the next one. With no free sub-buffer, the policy
 * is drop-newest: the current contents are discarded in place and counted (lost sub-buffers,
 * lost entries, the lowest depth reached), and the next sealed sub-buffer starts with a keyframe
 * when the stack fits, so readers recover the exact stack.
 */
export function switchSubBuffer(w: RingWriter, reason: number): void {
  const words = w.words;
  const depth = words[Ctrl.DEPTH];
  let request = 0;
  if (words[Ctrl.SWITCH_REQUEST] !== 0) {
    request = Atomics.exchange(words, Ctrl.SWITCH_REQUEST, 0);
    if (request !== 0) reason |= SwitchReason.REQUEST;
  }
  updateImage(w, depth);
  const base = subBufferOffset(w.subBufferWords, w.current);
  const entries = depth - w.floor;
  const next = (w.current + 1) % w.subBufferCount;
  const nextBase = subBufferOffset(w.subBufferWords, next);
  const wantKeyframe = (request & KEYFRAME_REQUEST_BIT) !== 0;

  if (Atomics.load(words, nextBase + Hdr.STATE) !== SlotState.FREE) {
    // No free sub-buffer: discard what the current one holds and start it again.
    if (w.lostSubBuffers === 0 || w.floor < w.lostLowDepth) w.lostLowDepth = w.floor;
    w.lostSubBuffers++;
    w.lostEntries += entries;
    Atomics.add(words, Ctrl.TOTAL_LOST_SUB_BUFFERS, 1);
    Atomics.add(words, Ctrl.TOTAL_LOST_ENTRIES, entries);
    if (request !== 0) Atomics.store(words, Ctrl.ANSWERED_REQUEST, request & ~KEYFRAME_REQUEST_BIT);
    startSubBuffer(w, w.current, depth, keyframeFits(w, depth));
    return;
  }

  // Seal the current sub-buffer: header first, then publish its state.
  words[base + Hdr.REASON] |= reason;
  words[base + Hdr.ENTRIES] = entries;
  words[base + Hdr.REQUEST] = request & ~KEYFRAME_REQUEST_BIT;
  writeTime(words, base + Hdr.TIME, epochMillis());
  const hadLosses = w.lostSubBuffers > 0;
  w.lostSubBuffers = 0;
  w.lostEntries = 0;
  w.lostLowDepth = 0;

  // Open the next one before publishing, so a live reader never sees a sealed current one.
  Atomics.store(words, nextBase + Hdr.STATE, SlotState.WRITING);
  w.seq = (w.seq + 1) >>> 0;
  w.current = next;
  startSubBuffer(w, next, depth, (wantKeyframe || hadLosses) && keyframeFits(w, depth));
  Atomics.store(words, Ctrl.CURRENT, next);

  Atomics.store(words, base + Hdr.STATE, SlotState.SEALED);
  if (request !== 0) Atomics.store(words, Ctrl.ANSWERED_REQUEST, request & ~KEYFRAME_REQUEST_BIT);
  Atomics.add(words, Ctrl.SEALED_COUNT, 1);
  Atomics.notify(words, Ctrl.SEALED_COUNT);
}

/**
 * The fast path of `enter` has already stored the record for depth `d` (in the current
 * sub-buffer, or in its scratch slot when full) and set the depth to d + 1: go back to the
 * stack before the push, so that a switch shows it, then push again where the record belongs.
 */
export function enterSlowAfterPush(w: RingWriter, functionId: number, d: number): void {
  w.words[Ctrl.DEPTH] = d;
  enterSlow(w, functionId);
}

/**
 * The fast path of `exit` has already set the depth to `token`, down from `depth`: go back to
 * the stack before the pop, so that a switch shows the function that was running, then pop.
 */
export function exitSlowAfterPop(w: RingWriter, token: number, depth: number): void {
  w.words[Ctrl.DEPTH] = depth;
  exitSlow(w, token);
}

/** `enter` when the sub-buffer is full or a reader asked for a switch. */
export function enterSlow(w: RingWriter, functionId: number): number {
  const words = w.words;
  const d = words[Ctrl.DEPTH];
  if (w.closed) {
    // Nothing is published after close, but the stack stays exact for in-process snapshots.
    if (words[Ctrl.SWITCH_REQUEST] !== 0) Atomics.store(words, Ctrl.SWITCH_REQUEST, 0);
    if (d >= w.limit) {
      updateImage(w, d);
      startSubBuffer(w, w.current, d, false);
    } else publishLimit(w);
  } else if (d >= w.limit || Atomics.load(words, Ctrl.SWITCH_REQUEST) !== 0) {
    switchSubBuffer(w, d >= w.limit ? SwitchReason.FULL : 0);
  } else {
    publishLimit(w); // a limit lowered by a request that was answered meanwhile
  }
  words[w.recordBase + d] = functionId;
  words[Ctrl.DEPTH] = d + 1;
  return d;
}

/**
 * `exit` below the current sub-buffer's records (a return marker), or with a switch request:
 * the switch comes first, so the sample shows the function that was running when asked.
 */
export function exitSlow(w: RingWriter, token: number): void {
  const words = w.words;
  const d = token > 0 ? token | 0 : 0;
  if (Atomics.load(words, Ctrl.SWITCH_REQUEST) !== 0) {
    if (w.closed) Atomics.store(words, Ctrl.SWITCH_REQUEST, 0);
    else switchSubBuffer(w, 0);
  }
  if (d < w.floor) {
    // The frames between d and the floor were pushed before this sub-buffer began: count them
    // as coalesced return markers. By the stack invariant no record of this sub-buffer is left.
    const base = subBufferOffset(w.subBufferWords, w.current);
    words[base + Hdr.POPS] += w.floor - d;
    w.recordBase += w.floor - d;
    w.limit -= w.floor - d;
    w.floor = d;
  }
  words[Ctrl.DEPTH] = d;
  publishLimit(w);
}

/** The current stack, outermost first: the image below the floor plus the current records. */
export function stackSnapshot(w: RingWriter): Int32Array {
  const depth = w.words[Ctrl.DEPTH];
  const out = new Int32Array(depth);
  out.set(w.image.subarray(0, w.floor));
  out.set(w.words.subarray(w.recordBase + w.floor, w.recordBase + depth), w.floor);
  return out;
}

export function closeRing(w: RingWriter): void {
  if (w.closed) return;
  switchSubBuffer(w, SwitchReason.FLUSH | SwitchReason.CLOSE);
  w.closed = true;
  Atomics.store(w.words, Ctrl.CLOSED, 1);
  Atomics.add(w.words, Ctrl.SEALED_COUNT, 1);
  Atomics.notify(w.words, Ctrl.SEALED_COUNT);
}

/** Enough calls for V8 to allocate feedback vectors and then record the slow calls in them. */
const WARM_ROUNDS = 32;

/**
 * Takes both slow paths, recording nothing (RingWriter.warmSlowPaths). enter and exit are
 * inlined into every instrumented function, and V8 compiles a call it has never seen taken as a
 * deoptimisation point: without this, the first switch inside each optimised function would
 * deoptimise it, and a sampler would keep causing such deoptimisations all over a program.
 */
export function warmSlowPaths(w: RingWriter): void {
  const words = w.words;
  // V8 allocates a function's feedback vector only after several calls (8 in Node 20-24):
  // until then calls record no feedback, so a couple of rounds would warm nothing.
  for (let i = 0; i < WARM_ROUNDS; i++) {
    forceSlowPaths(words);
    const token = w.enter(0); // enterSlow: no request, so it only republishes the bounds
    forceSlowPaths(words);
    w.exit(token); // exitSlow: back to the depth before, nothing left in the sub-buffer
  }
  publishLimit(w);
}
