// Facts about another process: whether it exists and when it started, to tell its agent's
// socket from one left by an earlier process with the same pid (pids are reused; a SIGKILLed
// agent never removes its socket).

import { lstatSync, readFileSync } from 'node:fs';

// /proc reports start times in USER_HZ ticks, which Linux fixes at 100 on every architecture
// Node supports, whatever the kernel's own HZ.
const USER_HZ = 100;

let bootTimeMs: number | null | undefined;

function bootTime(): number | null {
  if (bootTimeMs === undefined) {
    try {
      const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      bootTimeMs = line ? Number(line[1]) * 1000 : null;
    } catch {
      bootTimeMs = null;
    }
  }
  return bootTimeMs;
}

/** Wall-clock start of `pid` in ms (to within a second), or null where /proc cannot tell. */
export function processStartTime(pid: number): number | null {
  if (process.platform !== 'linux') return null;
  const boot = bootTime();
  if (boot === null) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]); // field 22, starttime
  return Number.isFinite(ticks) ? boot + (ticks * 1000) / USER_HZ : null;
}

// btime is whole seconds and moves with clock adjustments: allow for both.
const START_TIME_SLACK_MS = 2000;

/** True when the socket at `path` predates process `pid`: an earlier process with its pid left it. */
export function socketPredatesProcess(path: string, pid: number): boolean {
  const start = processStartTime(pid);
  if (start === null) return false;
  try {
    return lstatSync(path).mtimeMs < start - START_TIME_SLACK_MS;
  } catch {
    return false; // gone meanwhile
  }
}

/** True when `pid` names a live process (one of another user's counts: EPERM). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
