// Blocked event loop watchdog. The main thread beats (an unref'd timer writes the time into its
// status words); when the beat is older than the threshold, the event loop has not turned: the
// agent takes the main thread's stack where it is *now* (a live copy) and reports it once per
// episode, then reports how long the episode lasted when the beat resumes.

import { writeSync, openSync, closeSync } from 'node:fs';
import type { AgentOptions } from './options.js';
import type { ThreadDump } from './protocol.js';
import { Status } from '../thread-status.js';

export class Watchdog {
  private readonly status: Float64Array;
  private episodeStart = 0;
  /** The report being written (reports go out in order). */
  private reporting: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: AgentOptions,
    status: SharedArrayBuffer,
    private readonly mainStack: () => Promise<ThreadDump | null>,
  ) {
    this.status = new Float64Array(status);
  }

  check(now = Date.now()): void {
    const beat = this.status[Status.HEARTBEAT]!;
    const every = this.status[Status.HEARTBEAT_INTERVAL]!;
    if (beat === 0) return;
    // The beat is late by more than the threshold (beyond its own period).
    const blockedFor = now - beat - every;
    if (this.episodeStart === 0) {
      if (blockedFor >= this.options.watchdog) {
        const start = (this.episodeStart = beat + every);
        // The stack takes a moment (the thread answers a switch request, or is copied live);
        // the unblocked report waits for this one so that they come out in order.
        this.reporting = this.mainStack()
          .catch(() => null)
          .then((dump) => this.report(formatBlocked(now - start, dump)));
      }
    } else if (blockedFor < this.options.watchdog / 2) {
      const text = `stackring: event loop of pid ${process.pid} unblocked after ${Math.round(beat - this.episodeStart)} ms\n`;
      this.episodeStart = 0;
      this.reporting = this.reporting.then(() => this.report(text));
    }
  }

  private report(text: string): void {
    // Straight to the file descriptor: a worker's process.stderr goes through the main thread,
    // which is exactly the thread that is stuck.
    if (this.options.watchdogFile === null) {
      writeSync(2, text);
      return;
    }
    try {
      const fd = openSync(this.options.watchdogFile, 'a');
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      // The report is not lost, and the agent keeps running.
      writeSync(2, `stackring: cannot write the watchdog file ${this.options.watchdogFile}: ${(error as Error).message}\n${text}`);
    }
  }
}

/** A report in the shape of a Node stack trace, innermost frame first. */
export function formatBlocked(ms: number, dump: ThreadDump | null): string {
  const lines = [`stackring: event loop of pid ${process.pid} blocked for ${Math.round(ms)} ms, in:`];
  const frames = dump?.frames ?? [];
  if (frames.length === 0) lines.push('    (no instrumented function on the stack)');
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    lines.push(f.file ? `    at ${f.name} (${f.file}:${f.line}:${f.column})` : `    at ${f.name}`);
  }
  return lines.join('\n') + '\n';
}
