import { isMainThread, threadId, workerData } from 'node:worker_threads';

export { isMainThread, threadId };

/** A readable name for this thread: "main", or the worker's name option, or "worker N". */
export function threadName(): string {
  if (isMainThread) return 'main';
  // Node 20 has no worker name API; `new Worker(file, { name })` is not visible inside.
  const named = (workerData as { stackringThreadName?: unknown } | undefined)?.stackringThreadName;
  return typeof named === 'string' ? named : `worker ${threadId}`;
}
