// How threads tell the agent about themselves. Every thread's runtime posts on one
// BroadcastChannel: its ring when the ring is created, its function tables as files register
// them, its exit. The agent says hello when it starts, and runtimes answer by announcing again,
// so an agent started late still learns every thread that is not stuck. Messages already
// posted reach the agent even while the posting thread is blocked: that is the point.

import { BroadcastChannel } from 'node:worker_threads';

export const CHANNEL_NAME = 'stackring.agent.v1';

export interface RingAnnouncement {
  type: 'ring';
  threadId: number;
  /** Kernel thread id (Linux), to read the thread's state from /proc; 0 when unknown. */
  tid: number;
  name: string;
  buffer: SharedArrayBuffer;
  /** Thread status words (see thread-status.ts). */
  status: SharedArrayBuffer;
}

export interface FunctionsAnnouncement {
  type: 'functions';
  threadId: number;
  /** Global id of the first function of the table in that thread. */
  base: number;
  file: string;
  /** Flat triples: name, line, column. */
  table: ReadonlyArray<string | number>;
}

export interface ThreadExit {
  type: 'thread-exit';
  threadId: number;
}

export interface AgentHello {
  type: 'hello';
}

export type ChannelMessage = RingAnnouncement | FunctionsAnnouncement | ThreadExit | AgentHello;

/** A channel that never keeps a thread alive. */
export function openChannel(): BroadcastChannel {
  const channel = new BroadcastChannel(CHANNEL_NAME);
  channel.unref();
  return channel;
}
