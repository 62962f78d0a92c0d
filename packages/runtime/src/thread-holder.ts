// Where the runtime keeps what there is one of per thread: the thread state (the ring) and the
// agent handle. Every copy of the runtime in a thread must find them: its ES module and
// CommonJS builds, two installed versions, and copies loaded into other vm contexts. Jest runs
// each test file in a context of its own, with its own globalThis, and loads the runtime anew
// for each; a state kept on globalThis gave every test file a second ring and a second agent
// for the same thread (two agents recording one trace file corrupted it). Node's built-in
// modules are shared by all contexts of a thread (Jest hands its sandboxes the real ones) and
// every worker thread has its own: the exports object of node:worker_threads is such a
// per-thread place. Keys are registered symbols (Symbol.for), the same in every context.

import { createRequire } from 'node:module';

type Holder = Record<symbol, unknown>;

// createRequire gives the exports object itself in both builds (an ES module namespace would
// be a different, frozen object); any absolute path does as the base for a built-in module.
const builtin = createRequire(process.execPath);
const workerThreads = builtin('node:worker_threads') as Holder;

/**
 * The thread's own `process`, of its main context. A vm context's `process` can be a stand-in
 * (Jest gives each test file one) that never emits `exit` or signals: listeners that finish
 * the ring and the trace go on this one, whichever copy of the runtime installs them.
 */
const vm = builtin('node:vm') as typeof import('node:vm');
export const hostProcess = vm.runInThisContext('process') as NodeJS.Process;

/**
 * The thread's own clock and timers, for the same reason: a vm context's can be fakes (Jest's
 * fake timers replace Date, setInterval and performance), and a watchdog heartbeat written
 * with them never beats.
 */
export const hostTime = vm.runInThisContext('({ Date, setInterval, clearInterval })') as {
  Date: DateConstructor;
  setInterval: typeof setInterval;
  clearInterval: typeof clearInterval;
};

/** The value kept under `key` for this thread, if any. */
export function threadSingleton<T>(key: symbol): T | undefined {
  return workerThreads[key] as T | undefined;
}

/** Keeps `value` under `key` for this thread (non-enumerable: invisible to the app). */
export function setThreadSingleton<T>(key: symbol, value: T): void {
  Object.defineProperty(workerThreads, key, { value, enumerable: false, configurable: true, writable: true });
}
