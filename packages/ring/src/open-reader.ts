// What the agent reads a thread's ring with, whichever kind the thread created.

import { AreaReader } from './area-reader.js';
import { isAreaRing } from './area-layout.js';
import { RingReader } from './reader.js';
import type { SubBuffer } from './sub-buffer.js';

/** The reader interface both kinds of ring share (see RingReader and AreaReader). */
export interface StackReader {
  readonly threadId: number;
  readonly closed: boolean;
  requestSwitch(options?: { keyframe?: boolean }): number;
  answered(serial: number): boolean;
  take(): SubBuffer | null;
  takeAll(): SubBuffer[];
  readLive(): SubBuffer | null;
}

/** A reader for `buffer`: an AreaReader for an area ring, a RingReader for a sub-buffer ring. */
export function openReader(buffer: SharedArrayBuffer): StackReader {
  return isAreaRing(buffer) ? new AreaReader(buffer) : new RingReader(buffer);
}
