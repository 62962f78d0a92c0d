// The profile model every format is written from. Columnar and built for a million samples:
// per thread, typed arrays of stack node, time, weight and flags; stacks deduplicated in one
// prefix tree shared by all threads; no object per sample.

import { readTraceFile, Reconstructor, UNKNOWN_FRAME, type ProcessInfo, type StackSample, type ThreadInfo, type TraceWarning } from '@stackring/ring';
import {
  categoryOfFile,
  IDLE_FRAME_INDEX,
  PROGRAM_FRAME_INDEX,
  syntheticFrames,
  UNKNOWN_FRAME_INDEX,
  type Frame,
} from './frame.js';
import { StackTableBuilder, type StackTable } from './stack-table.js';

/** Sample flag bits. */
export const SampleFlag = {
  /** A live copy: the thread did not answer the switch request (busy in a loop or native code). */
  LIVE: 1,
  /** Taken while the thread's event loop waited. */
  IDLE: 2,
  /** The stack has at least one frame the ring lost. */
  HAS_UNKNOWN: 4,
} as const;

export interface ThreadProfile {
  threadId: number;
  /** The process, in a profile of several (profileFromTraces); thread ids repeat across processes. */
  pid?: number;
  name: string;
  /** Number of samples. */
  length: number;
  /** Stack node of each sample, in time order. */
  stacks: Int32Array;
  /** Milliseconds since the Unix epoch. */
  times: Float64Array;
  /** Milliseconds the sample stands for: until the thread's next sample (the last: the median interval). */
  weights: Float64Array;
  /** SampleFlag bits. */
  flags: Uint8Array;
}

export interface Profile {
  frames: readonly Frame[];
  stacks: StackTable;
  /** Sorted by threadId (by process first, in a profile of several processes). */
  threads: ThreadProfile[];
  /** Earliest sample time, epoch milliseconds (0 when empty). */
  startTime: number;
  /** Latest sample time plus its weight. */
  endTime: number;
  /** Where the profile came from; free-form, shown by formats that carry metadata. */
  meta: ProfileMeta;
}

export interface ProfileMeta {
  source?: string;
  process?: ProcessInfo;
  /** profileFromTraces: one entry per trace, in the order given. */
  processes?: ProcessInfo[];
  [key: string]: unknown;
}

/**
 * A function table: the trace's FunctionInfo list (ids per thread), the runtime's array indexed
 * by id, or a map by id. Entries without a threadId apply to every thread.
 */
export interface FunctionLike {
  name: string;
  file: string;
  line: number;
  column: number;
}

export type FunctionTable = Iterable<FunctionLike & { id?: number; threadId?: number }> | ReadonlyMap<number, FunctionLike>;

export interface BuildOptions {
  /**
   * Whether a sample was taken while its thread's event loop waited. Default: the sample's `idle`
   * field (the reconstructor sets it from SwitchReason.IDLE); for samples of an older ring
   * without the field, "empty stack and live".
   */
  isIdle?: (sample: StackSample) => boolean;
  /** Weight of a thread's last sample when it has no median interval (a single sample). Default 1 ms. */
  lastWeightMs?: number;
  meta?: ProfileMeta;
  /** profileFromTrace: called for what the reader recovered from (a truncated trace, unknown chunks). */
  onWarning?: (warning: TraceWarning) => void;
}

const defaultIsIdle = (s: StackSample): boolean => {
  const idle = (s as { idle?: boolean }).idle;
  return typeof idle === 'boolean' ? idle : s.frames.length === 0 && s.live;
};

/**
 * Collects samples one at a time; finish() computes the weights.
 *
 * Function ids are per thread (each thread's runtime numbers its own functions) and their
 * definitions may arrive after the samples that use them. So samples first refer to one
 * provisional slot per (thread, id); finish() resolves the slots to frames, merging the same
 * function seen by several threads (same name, file, line and column) into one frame, and
 * renumbers the stack table accordingly.
 */
export class ProfileBuilder {
  private readonly slots: Array<{ threadKey: number; id: number } | null> = syntheticFrames().map(() => null);
  private readonly slotOfKey = new Map<number, number>();
  private readonly definitions = new Map<number, FunctionLike>();
  /** Definitions without a thread: they apply to every thread that has no definition of its own. */
  private readonly shared = new Map<number, FunctionLike>();
  private readonly table = new StackTableBuilder();
  // Threads are kept under keys: the thread ids, until a second process begins (beginProcess),
  // whose thread ids repeat the first one's; from then on keys are handed out in order.
  private readonly threads = new Map<number, ThreadColumns>();
  private readonly threadNames = new Map<number, string>();
  private keyOfThread = new Map<number, number>();
  private readonly threadOfKey = new Map<number, { threadId: number; pid?: number; process: number }>();
  private process = -1;
  /** Above every key handed out (keys of the first process are its thread ids). */
  private nextKey = 0;

  /**
   * Starts the samples, functions and threads of another process (profileFromTraces): its
   * thread ids are its own; setProcessPid names its pid.
   */
  beginProcess(): void {
    this.process++;
    this.keyOfThread = new Map();
  }

  /** Gives the threads of process `index` (in the order begun) their pid. */
  setProcessPid(index: number, pid: number): void {
    for (const thread of this.threadOfKey.values()) if (thread.process === index) thread.pid = pid;
  }

  private keyOf(threadId: number): number {
    let key = this.keyOfThread.get(threadId);
    if (key === undefined) {
      key = this.process < 0 ? threadId : this.nextKey;
      this.nextKey = Math.max(this.nextKey, key + 1);
      this.keyOfThread.set(threadId, key);
      this.threadOfKey.set(key, { threadId, process: this.process });
    }
    return key;
  }

  /** Names a function id (of one thread, or of all when threadId is undefined). */
  defineFunction(info: FunctionLike & { id: number; threadId?: number }): void {
    const copy = { name: info.name, file: info.file, line: info.line, column: info.column };
    if (info.threadId === undefined) this.shared.set(info.id, copy);
    else this.definitions.set(slotKey(this.keyOf(info.threadId), info.id), copy);
  }

  /** A trace's FunctionInfo list (with ids and threads), a runtime's array indexed by id, or a map by id. */
  defineFunctions(table: FunctionTable): void {
    if (isMap(table)) {
      for (const [id, info] of table) this.defineFunction({ ...info, id });
      return;
    }
    let index = 0;
    for (const info of table as Iterable<FunctionLike & { id?: number; threadId?: number }>) {
      this.defineFunction({ ...info, id: info.id ?? index });
      index++;
    }
  }

  defineThread(thread: ThreadInfo): void {
    this.threadNames.set(this.keyOf(thread.threadId), thread.name);
  }

  /** Adds one sample: function ids outermost first (UNKNOWN_FRAME for lost frames). */
  add(threadId: number, time: number, functionIds: ArrayLike<number>, flags: number): void {
    const key = this.keyOf(threadId);
    let node = 0;
    for (let i = 0; i < functionIds.length; i++) {
      const id = functionIds[i];
      if (id === UNKNOWN_FRAME) flags |= SampleFlag.HAS_UNKNOWN;
      node = this.table.child(node, id === UNKNOWN_FRAME ? UNKNOWN_FRAME_INDEX : this.slotOf(key, id));
    }
    if (flags & SampleFlag.IDLE) node = this.table.child(node, IDLE_FRAME_INDEX);
    else if (node === 0) node = this.table.child(node, PROGRAM_FRAME_INDEX);
    let columns = this.threads.get(key);
    if (columns === undefined) this.threads.set(key, (columns = new ThreadColumns()));
    columns.push(node, time, flags);
  }

  addSample(sample: StackSample, isIdle: (s: StackSample) => boolean = defaultIsIdle): void {
    let flags = 0;
    if (sample.live) flags |= SampleFlag.LIVE;
    if (isIdle(sample)) flags |= SampleFlag.IDLE;
    // A sample whose frames are all unknown (the reconstructor distrusted a corrupt header)
    // shows one unknown frame, not (program).
    const frames = sample.frames.length === 0 && sample.unknownFrames > 0 ? UNKNOWN_ONLY : sample.frames;
    this.add(sample.threadId, sample.time, frames, flags);
  }

  private slotOf(threadKey: number, id: number): number {
    const key = slotKey(threadKey, id);
    let slot = this.slotOfKey.get(key);
    if (slot === undefined) {
      slot = this.slots.length;
      this.slots.push({ threadKey, id });
      this.slotOfKey.set(key, slot);
    }
    return slot;
  }

  finish(options: { lastWeightMs?: number; meta?: ProfileMeta } = {}): Profile {
    // Slots -> frames, one frame per distinct function.
    const frames = syntheticFrames();
    const frameOfSlot = new Int32Array(this.slots.length);
    const frameOfIdentity = new Map<string, number>();
    for (let slot = 0; slot < this.slots.length; slot++) {
      const s = this.slots[slot];
      if (s === null) {
        frameOfSlot[slot] = slot;
        continue;
      }
      const info = this.definitions.get(slotKey(s.threadKey, s.id)) ?? this.shared.get(s.id);
      const identity = info ? `${info.name}\0${info.file}\0${info.line}\0${info.column}` : `?${s.threadKey}:${s.id}`;
      let frame = frameOfIdentity.get(identity);
      if (frame === undefined) {
        frame = frames.length;
        frames.push(
          info
            ? { name: info.name === '' ? '(anonymous)' : info.name, file: info.file, line: info.line, column: info.column, category: categoryOfFile(info.file), functionId: s.id }
            : { name: `(function ${s.id})`, file: '', line: 0, column: 0, category: 'other', functionId: s.id },
        );
        frameOfIdentity.set(identity, frame);
      }
      frameOfSlot[slot] = frame;
    }
    // Renumber the stack table: nodes whose frames merged become one node.
    const table = new StackTableBuilder();
    const old = this.table;
    const nodeMap = new Int32Array(old.length);
    for (let node = 1; node < old.length; node++) nodeMap[node] = table.child(nodeMap[old.parent[node]], frameOfSlot[old.frame[node]]);

    const keys = new Set([...this.threads.keys(), ...this.threadNames.keys()]);
    const threadOf = (key: number) => this.threadOfKey.get(key)!;
    const threads = [...keys]
      .sort((a, b) => threadOf(a).process - threadOf(b).process || threadOf(a).threadId - threadOf(b).threadId)
      .map((key) => {
        const { threadId, pid } = threadOf(key);
        const thread = (this.threads.get(key) ?? new ThreadColumns()).finish(
          threadId,
          this.threadNames.get(key) ?? (threadId === 0 ? 'main' : `thread ${threadId}`),
          options.lastWeightMs ?? 1,
          nodeMap,
        );
        if (pid !== undefined) thread.pid = pid;
        return thread;
      });
    let startTime = Infinity;
    let endTime = -Infinity;
    for (const t of threads) {
      if (t.length === 0) continue;
      startTime = Math.min(startTime, t.times[0]);
      endTime = Math.max(endTime, t.times[t.length - 1] + t.weights[t.length - 1]);
    }
    if (startTime === Infinity) startTime = endTime = 0;
    return { frames, stacks: table.freeze(), threads, startTime, endTime, meta: options.meta ?? {} };
  }
}

const UNKNOWN_ONLY = Int32Array.of(UNKNOWN_FRAME);

function slotKey(threadKey: number, id: number): number {
  return threadKey * 2 ** 32 + (id >>> 0);
}

/** How formats name a thread: `main (thread 0)`, or `main (pid 4242, thread 0)` beside other processes. */
export function threadLabel(thread: ThreadProfile): string {
  return thread.pid === undefined ? `${thread.name} (thread ${thread.threadId})` : `${thread.name} (pid ${thread.pid}, thread ${thread.threadId})`;
}

/** One thread's samples as they arrive, in growable typed arrays. */
class ThreadColumns {
  length = 0;
  stacks = new Int32Array(256);
  times = new Float64Array(256);
  flags = new Uint8Array(256);

  push(node: number, time: number, flags: number): void {
    if (this.length === this.stacks.length) {
      const size = this.length * 2;
      this.stacks = grow(this.stacks, new Int32Array(size));
      this.times = grow(this.times, new Float64Array(size));
      this.flags = grow(this.flags, new Uint8Array(size));
    }
    this.stacks[this.length] = node;
    this.times[this.length] = time;
    this.flags[this.length] = flags;
    this.length++;
  }

  finish(threadId: number, name: string, lastWeightMs: number, nodeMap: Int32Array): ThreadProfile {
    const n = this.length;
    let stacks = this.stacks.slice(0, n).map((node) => nodeMap[node]);
    let times = this.times.slice(0, n);
    let flags = this.flags.slice(0, n);
    if (!isSorted(times)) {
      // Live copies can arrive after a later sealed sub-buffer: order by time, stably.
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
      stacks = Int32Array.from(order, (i) => stacks[i]);
      times = Float64Array.from(order, (i) => times[i]);
      flags = Uint8Array.from(order, (i) => flags[i]);
    }
    const weights = new Float64Array(n);
    for (let i = 0; i + 1 < n; i++) weights[i] = times[i + 1] - times[i];
    if (n > 0) weights[n - 1] = n > 1 ? medianPositive(weights.subarray(0, n - 1)) ?? lastWeightMs : lastWeightMs;
    return { threadId, name, length: n, stacks, times, weights, flags };
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function isSorted(times: Float64Array): boolean {
  for (let i = 1; i < times.length; i++) if (times[i] < times[i - 1]) return false;
  return true;
}

function medianPositive(values: Float64Array): number | undefined {
  const positive = values.filter((v) => v > 0).sort();
  return positive.length === 0 ? undefined : positive[positive.length >> 1];
}

function isMap(table: FunctionTable): table is ReadonlyMap<number, FunctionLike> {
  return table instanceof Map;
}

/** A profile from reconstructed samples (any order across threads; per thread in time order). */
export function profileFromSamples(
  samples: Iterable<StackSample>,
  functions: FunctionTable = [],
  threads: Iterable<ThreadInfo> = [],
  options: BuildOptions = {},
): Profile {
  const builder = new ProfileBuilder();
  builder.defineFunctions(functions);
  for (const t of threads) builder.defineThread(t);
  for (const s of samples) builder.addSample(s, options.isIdle);
  return builder.finish(options);
}

/**
 * A profile from a stackring trace file, streamed: the file is read in pieces and replayed
 * sub-buffer by sub-buffer, so memory is the profile's columns, not the file.
 */
export async function profileFromTrace(path: string, options: BuildOptions = {}): Promise<Profile> {
  return profileFromTraces([path], options);
}

/**
 * One profile of several traces: a program and the processes it started (`stackring record`
 * of `npm test` or a cluster gives one trace per process). With more than one trace each
 * thread carries its process's `pid`; a function loaded by several processes is one frame.
 */
export async function profileFromTraces(paths: readonly string[], options: BuildOptions = {}): Promise<Profile> {
  if (paths.length === 0) throw new TypeError('profileFromTraces: no trace given');
  const builder = new ProfileBuilder();
  let warnings = 0;
  const onWarning = (warning: TraceWarning) => {
    warnings++;
    options.onWarning?.(warning);
  };
  const processes: Array<ProcessInfo | undefined> = [];
  for (const path of paths) {
    let process: ProcessInfo | undefined;
    if (paths.length > 1) builder.beginProcess();
    // One async loop over the chunks (not generators stacked on it): a million sub-buffers
    // cost a million awaits, not three million.
    const reconstructor = new Reconstructor();
    for await (const chunk of readTraceFile(path, { onWarning })) {
      if (chunk.type === 'sub-buffer') builder.addSample(reconstructor.push(chunk.subBuffer), options.isIdle);
      else if (chunk.type === 'functions') for (const f of chunk.functions) builder.defineFunction(f);
      else if (chunk.type === 'thread') builder.defineThread(chunk.thread);
      else if (chunk.type === 'process') process = chunk.info;
    }
    processes.push(process);
  }
  if (paths.length > 1) {
    // Threads are told apart by (pid, thread id): a trace without a pid, or with one another
    // trace has too (the same file twice, processes of two containers), gets a pid above all
    // of them. meta.processes keeps what each trace said.
    const real = processes.map((p) => (typeof p?.pid === 'number' ? p.pid : undefined));
    let next = Math.max(0, ...real.filter((pid): pid is number => pid !== undefined)) + 1;
    const seen = new Set<number>();
    real.forEach((pid, index) => {
      const unique = pid === undefined || seen.has(pid) ? next++ : pid;
      seen.add(unique);
      builder.setProcessPid(index, unique);
    });
  }
  const meta: ProfileMeta =
    paths.length === 1 ? { source: paths[0], ...(processes[0] && { process: processes[0] }) } : { source: paths.join(', '), processes: processes.map((p) => p ?? {}) };
  return builder.finish({ ...options, meta: { ...meta, traceWarnings: warnings, ...options.meta } });
}

