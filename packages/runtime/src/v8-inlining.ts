// V8's inliner budgets in bytes of bytecode, and instrumentation spends them. Each instrumented
// function is about 80 bytes bigger (the enter call, the try/finally, the exit call), and
// wherever it is inlined, enter and exit are inlined with it (about 150 bytes more). So an
// instrumented program inlines far less than the plain one: a tiny function stops being a
// "small" one that V8 always inlines (27 bytes or less), and a caller's cumulative budget runs
// out after a third as many callees. On acorn, whose hot functions are tiny, that was a third
// of instrumentation's cost. The runtime raises the four budgets by what instrumentation adds,
// so that the instrumented program inlines about what the plain one does; the plain program's
// code is not what this changes (run plain with these values, acorn is no faster).
//
// Flags are process-wide and read whenever TurboFan starts a job, so setting them before the
// program's functions are hot is in time. Node allows changing V8 flags at run time
// (v8.setFlagsFromString); these four have existed, with these defaults, from Node 12 to 24.
// The main thread sets them, once per process: a flag the user gave on its command line is
// left alone (a worker's execArgv says nothing about that), and STACKRING_V8_INLINING=0 leaves
// all four alone.
//
// The price: V8 keys code caches by its flags, so Node's built-in modules loaded after the
// change compile from source instead of from the cache in Node's binary (about 0.5 ms for each
// such module), and so does a worker thread's start (about 30 ms). The runtime therefore sets
// the flags after its agent's worker has started (index.ts), not before.

import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';
import { setThreadSingleton, threadSingleton } from './thread-holder.js';

const TUNED_KEY = Symbol.for('stackring.runtime.v8-inlining');

/** V8's defaults and the values the runtime sets (bytes of bytecode). */
export const INLINING_BUDGETS = [
  // Functions up to this size are inlined at every call site, outside the budget below.
  { flag: 'max-inlined-bytecode-size-small', v8Default: 27, instrumented: 110 },
  // The largest function considered for inlining at all.
  { flag: 'max-inlined-bytecode-size', v8Default: 460, instrumented: 540 },
  // What one optimised function may inline in all, beyond its small callees.
  { flag: 'max-inlined-bytecode-size-cumulative', v8Default: 920, instrumented: 2760 },
  // The hard cap, small callees included.
  { flag: 'max-inlined-bytecode-size-absolute', v8Default: 4600, instrumented: 13800 },
] as const;

/**
 * The flags to set for an instrumented program: none when `STACKRING_V8_INLINING=0`, and none
 * of those that `execArgv` already sets (in either spelling, `-` or `_`).
 */
export function inliningFlags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): string[] {
  if (env.STACKRING_V8_INLINING === '0') return [];
  const given = new Set(execArgv.map((arg) => arg.replace(/^--/, '').split('=')[0]!.replace(/_/g, '-')));
  return INLINING_BUDGETS.filter((b) => !given.has(b.flag)).map((b) => `--${b.flag}=${b.instrumented}`);
}

/**
 * Sets the inlining budgets for this process (see above), from the main thread and once (the
 * first copy of the runtime to get here does it); returns the flags it set.
 */
export function tuneInlining(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string[] {
  if (!isMainThread || threadSingleton(TUNED_KEY) === true) return [];
  setThreadSingleton(TUNED_KEY, true);
  const flags = inliningFlags(env, execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
