// The in-process API: start and stop the agent (sampling, recording, dumps, watchdog) from
// code, and ask it for every thread's stack.

import { currentAgent, startAgent, type AgentHandle } from './agent/start-agent.js';
import type { AgentOptions } from './agent/options.js';
import type { ThreadDump } from './agent/protocol.js';

export type { AgentOptions, AgentHandle, ThreadDump };

/** Starts the agent with these options (once; later calls return the running agent). */
export function start(options: Partial<AgentOptions> = {}): AgentHandle {
  return startAgent(options);
}

/** Stops the agent: sampling ends, the trace is finished, the socket removed. */
export async function stop(): Promise<void> {
  await currentAgent()?.stop();
}

/**
 * Every thread's current stack, through the agent (started without sampling if it is not
 * running). Threads that do not answer at once (busy in a loop, idle) are read live.
 */
export async function snapshotAll(): Promise<ThreadDump[]> {
  const agent = currentAgent() ?? startAgent({ interval: 0, socket: false });
  return (await agent.dump()).threads;
}
