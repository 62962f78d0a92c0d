// Whether a thread is waiting in its event loop, read from outside the thread: on Linux the
// kernel shows each thread's current system call in /proc/self/task/<tid>/syscall. libuv waits
// for events in epoll_wait / epoll_pwait / epoll_pwait2; a thread running JavaScript shows
// "running", and one blocked in a synchronous call shows that call (futex, read, ...).

import { readFileSync } from 'node:fs';

const EPOLL_WAIT_SYSCALLS: Record<string, number[]> = {
  x64: [232, 281, 441], // epoll_wait, epoll_pwait, epoll_pwait2
  arm64: [22, 441], // epoll_pwait, epoll_pwait2 (arm64 has no epoll_wait)
};

const waits = new Set(EPOLL_WAIT_SYSCALLS[process.arch] ?? []);
const supported = process.platform === 'linux' && waits.size > 0;

export type ThreadActivity = 'idle' | 'running' | 'blocked' | 'unknown';

/** What the thread with kernel id `tid` is doing right now. */
export function threadActivity(tid: number): ThreadActivity {
  if (!supported || tid <= 0) return 'unknown';
  let text: string;
  try {
    text = readFileSync(`/proc/self/task/${tid}/syscall`, 'latin1');
  } catch {
    return 'unknown'; // the thread is gone, or /proc is not readable here
  }
  if (text.startsWith('running')) return 'running';
  const nr = Number.parseInt(text, 10);
  return Number.isNaN(nr) ? 'unknown' : waits.has(nr) ? 'idle' : 'blocked';
}
