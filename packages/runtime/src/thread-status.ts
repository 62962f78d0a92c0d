// A few words a thread shares with the agent besides its ring: when its event loop last
// turned (the watchdog's heartbeat). Float64 words.

export const Status = {
  /** Epoch milliseconds of the last heartbeat; 0 while no heartbeat runs. */
  HEARTBEAT: 0,
  /** Heartbeat interval in milliseconds (0: none). */
  HEARTBEAT_INTERVAL: 1,
} as const;

export const STATUS_BYTES = 4 * 8;

/** The kernel thread id of the calling thread (Linux), or 0 where /proc is not available. */
export function kernelThreadId(readlink: (path: string) => string): number {
  try {
    // "/proc/thread-self" -> "<pid>/task/<tid>"
    const tid = Number(readlink('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}
