// A sub-buffer as it leaves the ring: a copy the reader took, owned by nobody else. This is the
// unit the reconstructor replays and the trace file stores.

export interface SubBuffer {
  /** Writer thread (worker_threads.threadId; 0 for the main thread). */
  threadId: number;
  /** Sequence number (uint32, wraps); a live copy carries the sequence number it will be sealed with. */
  seq: number;
  /** SwitchReason bit set; SwitchReason.LIVE for a live copy. */
  reason: number;
  /** Depth when the sub-buffer began. */
  startDepth: number;
  /** Coalesced return markers: frames below startDepth popped before any entry was pushed. */
  pops: number;
  /** Entry records, `recordWords` words each, outermost first. */
  records: Int32Array;
  /** Words per record (1: the function id alone). */
  recordWords: number;
  /** Sub-buffer contents discarded just before this one (no free sub-buffer). */
  lostSubBuffers: number;
  /** Entry records discarded with them. */
  lostEntries: number;
  /** With losses: lowest depth reached in the lost stretch (frames below are still known). */
  lostLowDepth: number;
  /** Reader request serial this switch answered (0: none). */
  request: number;
  /** Milliseconds since the Unix epoch (fractional), taken at the switch or the live read. */
  time: number;
}

export function entryCount(sub: SubBuffer): number {
  return sub.records.length / sub.recordWords;
}

/** Depth of the writer's stack at the end of this sub-buffer. */
export function endDepth(sub: SubBuffer): number {
  return sub.startDepth - sub.pops + entryCount(sub);
}
