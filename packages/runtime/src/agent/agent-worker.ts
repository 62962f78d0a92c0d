// The agent: a worker thread, never instrumented, that reads every thread's ring. It samples
// on a timer, records trace files, answers dump requests on a local socket and watches the main
// thread's event loop. It runs on its own event loop, so it answers while the main thread is
// stuck in a synchronous loop.

import { readlinkSync, stat } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { workerData, parentPort, type MessagePort } from 'node:worker_threads';
import { type StackSample } from '@stackring/ring';
import { openChannel, type ChannelMessage, type RingAnnouncement } from '../channel.js';
import type { FunctionInfo } from '../thread-state.js';
import { type AgentOptions } from './options.js';
import { ThreadSampler, type SampledSubBuffer } from './thread-sampler.js';
import { Recorder } from './recorder.js';
import { DumpServer } from './dump-server.js';
import { Watchdog } from './watchdog.js';
import type { DumpAnswer, FrameJson, InfoAnswer, ThreadDump } from './protocol.js';
import { Control, ControlState } from './control.js';
import { kernelThreadId } from '../thread-status.js';

export interface AgentWorkerData {
  options: AgentOptions;
  main: RingAnnouncement;
  control: SharedArrayBuffer;
  port: MessagePort;
  /** What threads announced before the agent ran (rings, function tables). */
  known: ChannelMessage[];
  startTime: number;
  argv: string[];
}

/** How long a dump waits for threads to answer a switch before taking live copies. */
const DUMP_ANSWER_MS = 20;
/** With sampling off, how often the agent still takes sealed sub-buffers (to stay in sync). */
const DRAIN_INTERVAL_MS = 10;

const data = workerData as AgentWorkerData;
const options = data.options;
const control = new Int32Array(data.control);
yieldToTheApp(options.nice);

const samplers = new Map<number, ThreadSampler>();
const functions = new Map<number, FunctionInfo[]>();
const recorder = options.record !== null ? new Recorder(options.record, data) : null;

/**
 * Lowers this thread's priority by `nice` steps (Linux: setpriority on a thread id applies to
 * that thread alone). With a core free, nothing changes; with every core busy, the agent waits
 * for the app's threads rather than preempting them: postcss on 2 vCPUs, whose garbage
 * collector keeps four helper threads busy, lost 4.8 % to sampling at 1 kHz at the app's
 * priority, 2.1 % at nice 5. The lower, the later its ticks when every core is busy, and a
 * sample taken before a busy stretch the agent could not interrupt weighs that stretch too:
 * nice 5 is where that bias stays small (docs/agent.md "Priority", npm run bench:priority).
 */
function yieldToTheApp(nice: number): void {
  if (nice === 0 || process.platform !== 'linux') return;
  const tid = kernelThreadId(readlinkSync);
  if (tid === 0) return;
  // A thread inherits the nice value of the thread that creates it, and libuv creates its
  // thread pool (the app's fs, dns, crypto and zlib work) at its first use, from whichever
  // thread that is: on Node 22 the agent's, whose pool threads then ran at nice 5 too. One
  // asynchronous fs call creates the pool now, at the app's priority (libuv starts its
  // threads before the call returns).
  stat(process.execPath, () => {});
  try {
    setPriority(tid, Math.min(19, getPriority(tid) + nice));
  } catch {
    // not permitted here (a sandbox): the agent runs at the app's priority
  }
}

function emit(taken: SampledSubBuffer): void {
  recorder?.subBuffer(taken.sub);
}

function addThread(ring: RingAnnouncement): void {
  if (samplers.has(ring.threadId)) return;
  samplers.set(ring.threadId, new ThreadSampler(ring.threadId, ring.tid, ring.name, ring.buffer, emit));
  if (!functions.has(ring.threadId)) functions.set(ring.threadId, []);
  recorder?.thread(ring.threadId, ring.name);
}

function onChannel(message: ChannelMessage): void {
  switch (message.type) {
    case 'ring':
      addThread(message);
      break;
    case 'functions': {
      let table = functions.get(message.threadId);
      if (table === undefined) functions.set(message.threadId, (table = []));
      const added: Array<FunctionInfo & { id: number }> = [];
      for (let i = 0; i < message.table.length; i += 3) {
        const id = message.base + i / 3;
        if (table[id] !== undefined) continue; // announced again after a hello
        const info = { name: String(message.table[i]), file: message.file, line: Number(message.table[i + 1]), column: Number(message.table[i + 2]) };
        table[id] = info;
        added.push({ id, ...info });
      }
      if (added.length > 0) recorder?.functions(message.threadId, added);
      break;
    }
    case 'thread-exit':
      samplers.get(message.threadId)?.drain();
      break;
  }
}

function frameOf(threadId: number, id: number): FrameJson {
  const info = id >= 0 ? functions.get(threadId)?.[id] : undefined;
  return info ? { ...info } : { name: id === 0 ? '(unregistered)' : '(unknown)', file: '', line: 0, column: 0 };
}

export function threadDump(sampler: ThreadSampler, sample: StackSample | null): ThreadDump {
  return {
    threadId: sampler.threadId,
    name: sampler.name,
    frames: sample ? Array.from(sample.frames, (id) => frameOf(sampler.threadId, id)) : [],
    unknownFrames: sample?.unknownFrames ?? 0,
    live: sample?.live ?? false,
    idle: sample?.idle ?? false,
    time: sample?.time ?? Date.now(),
  };
}

/** Every thread's current stack: each answers a switch request or is copied live. */
async function dumpAll(): Promise<DumpAnswer> {
  const live = [...samplers.values()].filter((s) => !s.closed);
  await Promise.all(live.map((s) => s.current(DUMP_ANSWER_MS)));
  return {
    ok: true,
    pid: process.pid,
    time: Date.now(),
    threads: [...samplers.values()].filter((s) => !s.closed).map((s) => threadDump(s, s.latest)),
  };
}

function info(): InfoAnswer {
  // Under --expose-gc (tests), measure what is retained, not garbage not yet collected.
  (globalThis as { gc?: () => void }).gc?.();
  return {
    ok: true,
    pid: process.pid,
    protocol: 1,
    node: process.version,
    argv: data.argv,
    cwd: process.cwd(),
    startTime: data.startTime,
    threads: [...samplers.values()].filter((s) => !s.closed).map((s) => ({ threadId: s.threadId, name: s.name })),
    sampling: options.interval > 0,
    recording: options.record,
    agentHeapUsed: getHeapStatistics().used_heap_size,
    agentUtilization: utilization(),
  };
}

const watchdog =
  options.watchdog > 0
    ? new Watchdog(options, data.main.status, async () => {
        const main = samplers.get(data.main.threadId);
        if (!main) return null;
        return threadDump(main, await main.current(DUMP_ANSWER_MS));
      })
    : null;

/**
 * Sampling keeps time itself: it sleeps until each tick in Atomics.wait, to the microsecond
 * and on the control word (so the main thread's exit wakes it at once), rather than in a libuv
 * timer, which counts whole milliseconds (`setInterval(tick, 1)` ticked every 1.10 ms, about
 * 900 times a second) and runs Node's event-loop machinery around every tick. It never waits
 * there longer than BATCH_MS: between batches the event loop turns (socket, messages, dumps),
 * and a tick further away than that is waited for in a timer, then in Atomics.wait.
 */
const BATCH_MS = 10;

/** When the next tick is due (performance.now()); ticks keep to the grid of the interval. */
let nextTick = performance.now();
/** Time spent asleep in Atomics.wait: the event loop counts it as busy. */
let waitedMs = 0;

/** The share of its time the agent's thread was busy, 0..1. */
function utilization(): number {
  const { active, idle } = performance.eventLoopUtilization();
  return active + idle > 0 ? Math.max(0, active - waitedMs) / (active + idle) : 0;
}

function sampleBatch(): void {
  if (finished) return;
  const interval = options.interval;
  const batchEnd = performance.now() + BATCH_MS;
  for (;;) {
    let now = performance.now();
    // Late by more than a tick (the agent was not scheduled, or a dump ran): start again from
    // now rather than catch up with a burst of samples, each of which weighs its own time.
    if (now - nextTick > interval) nextTick = now;
    if (nextTick > batchEnd) break;
    while (nextTick > now) {
      const outcome = Atomics.wait(control, Control.STATE, ControlState.RUNNING, nextTick - now);
      const woke = performance.now();
      waitedMs += woke - now;
      now = woke;
      if (outcome === 'not-equal') break;
    }
    tick();
    if (finished) return;
    nextTick += interval;
  }
  const ahead = nextTick - performance.now();
  if (ahead > BATCH_MS) timer = setTimeout(sampleBatch, ahead - BATCH_MS / 2);
  else nextBatch = setImmediate(sampleBatch);
}

function tick(): void {
  const sampling = options.interval > 0;
  for (const [threadId, s] of samplers) {
    if (sampling) s.sample();
    else s.drain();
    if (s.closed) samplers.delete(threadId);
  }
  watchdog?.check();
  if (Atomics.load(control, Control.STATE) === ControlState.CLOSING) finish();
}

let finished = false;
/** Final drain, trailer, socket removal; then tell the waiting main thread. */
function finish(): void {
  if (finished) return;
  finished = true;
  clearTimeout(timer); // clears a setInterval's too
  if (nextBatch !== null) clearImmediate(nextBatch);
  for (const s of samplers.values()) s.drain();
  try {
    recorder?.close();
  } finally {
    server?.close();
    Atomics.store(control, Control.STATE, ControlState.CLOSED);
    Atomics.notify(control, Control.STATE);
  }
}

const channel = openChannel();
channel.onmessage = (event: unknown) => onChannel((event as { data: ChannelMessage }).data);
addThread(data.main);
for (const message of data.known) onChannel(message);
channel.postMessage({ type: 'hello' });

const server = options.socket ? new DumpServer(dumpAll, info) : null;
// Sampling: batches of ticks (sampleBatch). Otherwise sealed sub-buffers are still taken now and then.
let nextBatch: NodeJS.Immediate | null = options.interval > 0 ? setImmediate(sampleBatch) : null;
let timer: NodeJS.Timeout | undefined = options.interval > 0 ? undefined : setInterval(tick, DRAIN_INTERVAL_MS);

data.port.on('message', (message: { type: string; id: number } | ChannelMessage) => {
  if (!('id' in message)) {
    onChannel(message as ChannelMessage); // the main thread's own announcements
  } else if (message.type === 'dump') {
    dumpAll().then(
      (answer) => data.port.postMessage({ id: message.id, answer }),
      (error: Error) => data.port.postMessage({ id: message.id, error: error.message }),
    );
  } else if (message.type === 'stop') {
    finish();
    data.port.postMessage({ id: message.id, answer: { ok: true } });
    data.port.close();
    channel.close();
  }
});

Promise.resolve(server?.listen())
  .then((path) => parentPort?.postMessage({ type: 'ready', socket: path ?? null }))
  .catch((error: Error) => {
    // The profiled app must not suffer for it: report, keep sampling without the socket.
    parentPort?.postMessage({ type: 'ready', socket: null, error: error.message });
  });
