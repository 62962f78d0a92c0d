// @stackring/runtime: what instrumented code loads. Never instrumented itself, and it never
// calls instrumented code, so the ring cannot be re-entered.

import { isMainThread } from 'node:worker_threads';
import { threadState } from './thread-state.js';
import { agentOptionsFromEnv, claimRecordPath } from './agent/options.js';
import { startAgent } from './agent/start-agent.js';
import { tuneInlining } from './v8-inlining.js';

export { register } from './function-table.js';
export { snapshot, type StackFrame } from './snapshot.js';
export { threadState, type FunctionInfo, type ThreadState } from './thread-state.js';
export { start, stop, snapshotAll, type AgentOptions, type AgentHandle, type ThreadDump } from './api.js';

/** This thread's ring writer. Instrumented code calls `writer.enter(id)` and `writer.exit(token)`. */
export const writer = threadState().writer;

// STACKRING_AGENT=1 (set by `stackring run` and `stackring record`) starts the agent with the
// first instrumented module of the main thread.
// A bad setting must not keep the app from starting: warn, and run without the agent.
let agentStarting: Promise<unknown> | null = null;
if (isMainThread && process.env.STACKRING_AGENT === '1') {
  try {
    agentStarting = startAgent(agentOptionsFromEnv(process.env)).socket;
    claimRecordPath(process.env, process.pid);
  } catch (error) {
    process.emitWarning(`stackring: the agent is not started: ${(error as Error).message}`);
  }
}
// V8's inlining budgets for instrumented code (v8-inlining.ts): once the agent's worker has
// started, whose start-up would otherwise lose Node's code cache. The loading hooks hold the
// app until then (register.ts); code instrumented ahead of time gets them a little later.
if (agentStarting === null) tuneInlining();
else void agentStarting.then(() => tuneInlining());
export type { DumpAnswer, InfoAnswer } from './agent/protocol.js';
