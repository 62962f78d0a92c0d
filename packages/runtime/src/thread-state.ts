// One state per thread, shared by every copy of the runtime loaded in that thread (its ES
// module and CommonJS builds, two installed versions, copies in other vm contexts such as
// Jest's): see thread-holder.ts. Worker threads have their own state and ring.

import { readlinkSync } from 'node:fs';
import { isMainThread, threadId, threadName } from './thread-name.js';
import { AreaWriter, createAreaRingBuffer, createRingBuffer, RingWriter } from '@stackring/ring/writer';
import { openChannel, type ChannelMessage, type RingAnnouncement } from './channel.js';
import { kernelThreadId, STATUS_BYTES } from './thread-status.js';
import { areaRingsFromEnv, samplingFromEnv } from './agent/options.js';
import { hostProcess, setThreadSingleton, threadSingleton } from './thread-holder.js';

export interface FunctionInfo {
  /** The name V8 would show in a stack trace (`Class.method`, `get x`, `<anonymous>`). */
  name: string;
  /** The original source file (after input source maps). */
  file: string;
  /** 1-based line and column of the function's start, where V8 puts it. */
  line: number;
  column: number;
}

export interface ThreadState {
  /** Layout version of this object: a newer runtime finding an older state must not misuse it. */
  readonly version: 2;
  readonly threadId: number;
  readonly isMainThread: boolean;
  /**
   * This thread's ring writer: what instrumented code calls on every call and return. An
   * AreaWriter when a sampler reads the thread from the start (areaRingsFromEnv), else a
   * RingWriter; both have the same methods.
   */
  readonly writer: RingWriter | AreaWriter;
  /** Function table: global function id -> where and what the function is. */
  readonly functions: FunctionInfo[];
  /** Registered tables, to announce them again to an agent that starts late. */
  readonly tables: Array<{ base: number; file: string; table: ReadonlyArray<string | number> }>;
  /** Heartbeat and other words shared with the agent. */
  readonly status: Float64Array;
  /** Posts to the agent: on the channel, and straight to the agent's port once one runs here. */
  post(message: ChannelMessage): void;
  /** The running agent's port (main thread): messages to it are queued, never lost. */
  agentPort: { postMessage(message: ChannelMessage): void } | null;
  /**
   * Main thread only: what other threads announced before an agent ran, handed to the agent
   * when it starts (a worker stuck in a loop could not answer its hello).
   */
  readonly peers: ChannelMessage[];
  /**
   * register() of function-table.ts, made by the copy of the runtime that created this state:
   * what it keeps is then allocated in that copy's context. Kept objects made by a copy in a
   * vm context (Jest's, one per test file) would keep that whole context alive.
   */
  register(file: string, table: ReadonlyArray<string | number>): number;
}

const STATE_VERSION = 2;

const STATE_KEY = Symbol.for('stackring.runtime.thread-state');

/** Everything this thread has announced, for an agent that starts now. */
export function announcements(state: ThreadState): ChannelMessage[] {
  return [
    ...state.peers,
    ...state.tables.map((t): ChannelMessage => ({ type: 'functions', threadId: state.threadId, ...t })),
  ];
}

export function threadState(): ThreadState {
  const state = threadSingleton<ThreadState>(STATE_KEY);
  return state !== undefined && state.version === STATE_VERSION ? state : createThreadState();
}

function createThreadState(): ThreadState {
  const channel = openChannel();
  // A sampler that reads the thread from the start gets an area ring, which it switches from
  // outside: no slow path to compile in (docs/design.md "Areas switched from outside").
  // Otherwise a sub-buffer ring, whose fast path is quickest while nothing samples it.
  const writer = areaRingsFromEnv(process.env)
    ? new AreaWriter(createAreaRingBuffer({}, threadId))
    : new RingWriter(createRingBuffer({}, threadId));
  // A sampler that asks a sub-buffer ring for switches does so from the start: compile the
  // slow paths in now rather than deoptimise each function at its first switch.
  if (samplingFromEnv(process.env)) writer.warmSlowPaths();
  const status = new Float64Array(new SharedArrayBuffer(STATUS_BYTES));
  const state: ThreadState = {
    version: STATE_VERSION,
    threadId,
    isMainThread,
    writer,
    // Id 0 is a placeholder: a function called before its file registered its table (a
    // cyclic import) computes its id from an undefined base, which the ring stores as 0.
    functions: [{ name: '(unregistered)', file: '', line: 0, column: 0 }],
    tables: [],
    status,
    post: (message) => {
      channel.postMessage(message);
      state.agentPort?.postMessage(message);
    },
    agentPort: null,
    peers: [],
    register: (name, table) => {
      const base = state.functions.length;
      const file = String(name);
      const copy = Array.from(table);
      for (let i = 0; i < copy.length; i += 3) {
        state.functions.push({ name: String(copy[i]), file, line: Number(copy[i + 1]), column: Number(copy[i + 2]) });
      }
      state.tables.push({ base, file, table: copy });
      state.post({ type: 'functions', threadId, base, file, table: copy });
      return base;
    },
  };
  setThreadSingleton(STATE_KEY, state);

  const announcement: RingAnnouncement = {
    type: 'ring',
    threadId,
    tid: kernelThreadId(readlinkSync),
    name: threadName(),
    buffer: writer.buffer,
    status: status.buffer as SharedArrayBuffer,
  };
  state.post(announcement);
  channel.onmessage = (event: unknown) => {
    const message = (event as { data?: ChannelMessage }).data;
    if (message?.type === 'hello') {
      // An agent that started after this thread: tell it everything again.
      state.post(announcement);
      for (const t of state.tables) state.post({ type: 'functions', threadId, ...t });
    } else if (isMainThread && message !== undefined) {
      // Other threads' announcements: kept for an agent that starts later, and passed on to a
      // running one through its port (it may not have been listening on the channel yet).
      if (state.agentPort === null) state.peers.push(message);
      else state.agentPort.postMessage(message);
    }
  };
  hostProcess.once('exit', () => {
    writer.close();
    state.post({ type: 'thread-exit', threadId });
  });
  return state;
}
