// Starting and stopping the agent from the main thread: the worker, the exit handshake that
// finishes the trace, the heartbeat for the watchdog, and the in-process dump API.

import { hostProcess, hostTime, setThreadSingleton, threadSingleton } from '../thread-holder.js';
import { MessageChannel, Worker, isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join, sep } from 'node:path';
import { constants } from 'node:os';
import { announcements, threadState } from '../thread-state.js';
import { Status } from '../thread-status.js';
import { Control, ControlState, CONTROL_BYTES } from './control.js';
import { resolveAgentOptions, type AgentOptions } from './options.js';
import type { AgentWorkerData } from './agent-worker.js';
import type { DumpAnswer } from './protocol.js';
import { threadName } from '../thread-name.js';

/** How long process exit waits for the agent to finish the trace. */
const EXIT_WAIT_MS = 2000;

export interface AgentHandle {
  readonly options: AgentOptions;
  /** The dump socket's path, once listening (null: no socket). */
  readonly socket: Promise<string | null>;
  dump(): Promise<DumpAnswer>;
  stop(): Promise<void>;
}

// One agent per process even when several copies of the runtime are loaded (both builds, or
// Jest's copy per test file): the handle is kept with the main thread's state (thread-holder.ts).
const AGENT_KEY = Symbol.for('stackring.runtime.agent');

/**
 * This file's own path, in either build: V8's call sites name the file that runs, ESM (a URL)
 * or CommonJS (a path), without import.meta, which the CommonJS build cannot contain.
 */
function ownFile(): string {
  const saved = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const file = sites[0]!.getFileName() ?? '';
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } finally {
    Error.prepareStackTrace = saved;
  }
}

/** The ES module build of the agent worker, whichever build this is. */
function agentWorkerPath(): string {
  const here = dirname(ownFile());
  const esmDir = here.replace(`${sep}dist${sep}cjs${sep}`, `${sep}dist${sep}`);
  return join(esmDir, 'agent-worker.js');
}

export function currentAgent(): AgentHandle | null {
  return threadSingleton<AgentHandle | null>(AGENT_KEY) ?? null;
}

/** Starts the agent (once per process, from the main thread). */
export function startAgent(options: Partial<AgentOptions> = {}): AgentHandle {
  const existing = currentAgent();
  if (existing !== null) {
    // Asking for what the running agent does is fine; asking for something else must not
    // silently record nothing (say, after snapshotAll() started one without sampling).
    const differ = (Object.keys(options) as Array<keyof AgentOptions>).filter((k) => options[k] !== undefined && options[k] !== existing.options[k]);
    if (differ.length > 0) {
      const wanted = differ.map((k) => `${k}: ${JSON.stringify(options[k])} (running: ${JSON.stringify(existing.options[k])})`).join(', ');
      throw new Error(`stackring: an agent is already running with other options (${wanted}); await stop() before starting another`);
    }
    return existing;
  }
  if (!isMainThread) throw new Error('stackring: the agent is started from the main thread');
  const resolved = resolveAgentOptions(options);
  const state = threadState();
  if (resolved.interval > 0) state.writer.warmSlowPaths(); // see RingWriter.warmSlowPaths
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const controlWords = new Int32Array(control);
  const { port1, port2 } = new MessageChannel();
  const data: AgentWorkerData = {
    options: resolved,
    main: {
      type: 'ring',
      threadId: state.threadId,
      tid: process.platform === 'linux' ? process.pid : 0,
      name: threadName(),
      buffer: state.writer.buffer,
      status: state.status.buffer as SharedArrayBuffer,
    },
    control,
    port: port2,
    known: announcements(state),
    startTime: Date.now() - process.uptime() * 1000,
    argv: [...process.argv],
  };
  // execArgv: [] so that loading hooks (`--import stackring/register`) never instrument the agent.
  const worker = new Worker(agentWorkerPath(), {
    workerData: data,
    transferList: [port2],
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  worker.unref();

  let heartbeat: NodeJS.Timeout | null = null;
  if (resolved.watchdog > 0) {
    const every = Math.max(1, Math.min(50, Math.floor(resolved.watchdog / 4)));
    state.status[Status.HEARTBEAT_INTERVAL] = every;
    // The host's clock and timers (thread-holder.ts): Jest's fake ones would stop the beat.
    const { Date: HostDate, setInterval: hostSetInterval } = hostTime;
    state.status[Status.HEARTBEAT] = HostDate.now();
    heartbeat = hostSetInterval(() => {
      state.status[Status.HEARTBEAT] = HostDate.now();
    }, every);
    heartbeat.unref();
  }

  const socket = new Promise<string | null>((resolve) => {
    worker.once('message', (m: { type: string; socket: string | null; error?: string }) => {
      if (m.error) process.emitWarning(`stackring: agent socket not available: ${m.error}`);
      resolve(m.socket);
    });
    worker.once('error', (error) => {
      process.emitWarning(`stackring: agent stopped: ${error.message}`);
      resolve(null);
    });
  });

  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  port1.on('message', (m: { id: number; answer?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (pending.size === 0) port1.unref();
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.answer);
  });
  port1.unref(); // after on('message'), which refs the port again
  state.agentPort = port1;
  state.peers.length = 0;
  const call = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      port1.ref(); // keep the process alive until the answer arrives
      port1.postMessage({ type, id });
    });

  // Process exit: close the main ring, then wait (synchronously: nothing else can run now)
  // for the agent to take the last sub-buffers and finish the trace.
  const finishOnExit = () => {
    if (Atomics.load(controlWords, Control.STATE) !== ControlState.RUNNING) return;
    state.writer.close();
    Atomics.store(controlWords, Control.STATE, ControlState.CLOSING);
    Atomics.notify(controlWords, Control.STATE); // a sampling agent sleeps on this word between ticks
    Atomics.wait(controlWords, Control.STATE, ControlState.CLOSING, EXIT_WAIT_MS);
  };
  hostProcess.on('exit', finishOnExit);
  const onSignal = (signal: NodeJS.Signals) => {
    const appHandles = hostProcess.listeners(signal).some((listener) => listener !== onSignal);
    hostProcess.removeListener(signal, onSignal);
    if (!appHandles) {
      // No handler of the app's: stand in for Node's default behaviour, finish the trace, then
      // die of the signal.
      finishOnExit();
      hostProcess.kill(hostProcess.pid, signal);
      return;
    }
    // The app's handlers decide, and must see the listeners they would see without stackring:
    // signal-exit (behind execa, foreground-child, write-file-atomic...) raises the signal
    // again only when its own listeners are all there are, and otherwise leaves it to the
    // others; with ours counted, neither acted and Ctrl-C left the app running. So this one
    // steps aside while they run (it runs first), and a handler that raises the signal again
    // at this process finishes the trace first. If the app exits, the exit handler finishes
    // it; if it goes on, so does the recording, and this listener comes back.
    const kill = hostProcess.kill;
    const number = constants.signals[signal];
    hostProcess.kill = function (pid: number, sig?: string | number) {
      if (Number(pid) === hostProcess.pid && (sig === signal || sig === number)) finishOnExit();
      return Reflect.apply(kill, this, arguments) as true;
    };
    hostProcess.nextTick(() => {
      hostProcess.kill = kill;
      if (Atomics.load(controlWords, Control.STATE) === ControlState.RUNNING) hostProcess.prependListener(signal, onSignal);
    });
  };
  if (resolved.record !== null) {
    hostProcess.prependListener('SIGINT', onSignal);
    hostProcess.prependListener('SIGTERM', onSignal);
  }

  const handle: AgentHandle = {
    options: resolved,
    socket,
    dump: () => call<DumpAnswer>('dump'),
    stop: async () => {
      if (currentAgent() !== handle) return;
      setThreadSingleton(AGENT_KEY, null);
      if (heartbeat) hostTime.clearInterval(heartbeat);
      hostProcess.removeListener('exit', finishOnExit);
      hostProcess.removeListener('SIGINT', onSignal);
      hostProcess.removeListener('SIGTERM', onSignal);
      state.writer.flush();
      await call('stop');
      state.agentPort = null;
      port1.close();
      await worker.terminate();
    },
  };
  setThreadSingleton(AGENT_KEY, handle);
  return handle;
}
