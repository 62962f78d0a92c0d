// The agent's options, from the API, the CLI or the environment (STACKRING_* variables).

import { AREA_RINGS_SUPPORTED } from '@stackring/ring/writer';

export interface AgentOptions {
  /** Sampling interval in milliseconds; 0 turns sampling off (dumps still work). */
  interval: number;
  /** Listen on a Unix socket for dump requests from outside (`stackring dump <pid>`). */
  socket: boolean;
  /** Write a trace file of the samples here; null: no recording. */
  record: string | null;
  /** Blocked event loop threshold in milliseconds; 0: no watchdog. */
  watchdog: number;
  /** Where the watchdog writes its reports; null: standard error. */
  watchdogFile: string | null;
  /**
   * How much lower than the app's threads the agent's thread runs, in nice steps (Linux; 0 to
   * 19, 0: the same): when every core is busy it yields to the app (docs/agent.md "Priority").
   */
  nice: number;
}

export const DEFAULT_AGENT_OPTIONS: Readonly<AgentOptions> = Object.freeze({
  interval: 1,
  socket: true,
  record: null,
  watchdog: 0,
  watchdogFile: null,
  nice: 5,
});

/** Whether `n` is a valid `nice` option: an integer from 0 to 19 (Linux's nice steps). */
export function isAgentNice(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 19;
}

export function resolveAgentOptions(options: Partial<AgentOptions> = {}): AgentOptions {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_AGENT_OPTIONS)) throw new TypeError(`stackring agent: unknown option "${key}"`);
  }
  const o: AgentOptions = { ...DEFAULT_AGENT_OPTIONS, ...options };
  const ms = (name: 'interval' | 'watchdog', max: number) => {
    if (typeof o[name] !== 'number' || !Number.isFinite(o[name]) || o[name] < 0 || o[name] > max) {
      throw new RangeError(`stackring agent: option "${name}" must be a number of milliseconds in [0, ${max}], got ${String(o[name])}`);
    }
  };
  ms('interval', 60_000);
  ms('watchdog', 3_600_000);
  if (!isAgentNice(o.nice)) {
    throw new RangeError(`stackring agent: option "nice" must be an integer in [0, 19], got ${String(o.nice)}`);
  }
  if (typeof o.socket !== 'boolean') throw new TypeError('stackring agent: option "socket" must be a boolean');
  for (const name of ['record', 'watchdogFile'] as const) {
    if (o[name] !== null && (typeof o[name] !== 'string' || o[name] === '')) {
      throw new TypeError(`stackring agent: option "${name}" must be a file path or null`);
    }
  }
  return o;
}

/** Options from STACKRING_INTERVAL, STACKRING_SOCKET, STACKRING_RECORD, STACKRING_WATCHDOG(_FILE), STACKRING_AGENT_NICE. */
export function agentOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<AgentOptions> {
  const o: Partial<AgentOptions> = {};
  const num = (name: string) => {
    const v = Number(env[name]);
    if (env[name] === undefined || env[name] === '') return undefined;
    if (!Number.isFinite(v)) throw new RangeError(`stackring: ${name}=${env[name]} is not a number of milliseconds`);
    return v;
  };
  const interval = num('STACKRING_INTERVAL');
  if (interval !== undefined) o.interval = interval;
  const watchdog = num('STACKRING_WATCHDOG');
  if (watchdog !== undefined) o.watchdog = watchdog;
  if (env.STACKRING_SOCKET !== undefined) o.socket = env.STACKRING_SOCKET !== '0';
  if (env.STACKRING_RECORD) o.record = recordPathOfProcess(env.STACKRING_RECORD, env.STACKRING_RECORD_OWNER, process.pid);
  if (env.STACKRING_WATCHDOG_FILE) o.watchdogFile = env.STACKRING_WATCHDOG_FILE;
  if (env.STACKRING_AGENT_NICE !== undefined && env.STACKRING_AGENT_NICE !== '') {
    const nice = Number(env.STACKRING_AGENT_NICE);
    if (!isAgentNice(nice)) throw new RangeError(`stackring: STACKRING_AGENT_NICE=${env.STACKRING_AGENT_NICE} is not an integer in [0, 19]`);
    o.nice = nice;
  }
  return o;
}

/** Whether STACKRING_AGENT=1 will start an agent that samples (and so reads every thread's ring). */
export function samplingFromEnv(env: NodeJS.ProcessEnv): boolean {
  if (env.STACKRING_AGENT !== '1') return false;
  const interval = env.STACKRING_INTERVAL;
  return interval === undefined || interval === '' || Number(interval) > 0;
}

/**
 * Whether this thread's ring is an area ring, on machines that keep stores in order
 * (AREA_RINGS_SUPPORTED): with STACKRING_AREA_RINGS=1 always (for an app that starts sampling
 * from code later), with STACKRING_AREA_RINGS=0 never, and otherwise when STACKRING_AGENT=1 will
 * sample from the start (samplingFromEnv). Else the thread gets a sub-buffer ring, whose fast
 * path is the quickest while nothing samples it.
 */
export function areaRingsFromEnv(env: NodeJS.ProcessEnv): boolean {
  if (!AREA_RINGS_SUPPORTED || env.STACKRING_AREA_RINGS === '0') return false;
  return env.STACKRING_AREA_RINGS === '1' || samplingFromEnv(env);
}

/**
 * The trace file this process records to. Child processes inherit STACKRING_RECORD (a test
 * runner's workers, a build's subprocesses); were they to write the same file, they would
 * truncate and interleave each other's chunks. The first process to record claims the path
 * (claimRecordPath sets STACKRING_RECORD_OWNER to its pid for its children); any other process
 * records next to it, its pid before the extension: `app.srt` -> `app.12345.srt`.
 */
export function recordPathOfProcess(path: string, owner: string | undefined, pid: number): string {
  if (owner === undefined || owner === '' || owner === String(pid)) return path;
  return childRecordPath(path, pid);
}

/** Where process `pid` records when it inherited the recording to `path`: `app.12345.srt`. */
export function childRecordPath(path: string, pid: number): string {
  const { stem, extension } = splitRecordPath(path);
  return `${stem}.${pid}${extension}`;
}

/** The pid of the child process whose trace `file` is, next to the main trace `path`; else undefined. */
export function childRecordPid(path: string, file: string): number | undefined {
  const { stem, extension } = splitRecordPath(path);
  if (!file.startsWith(`${stem}.`) || !file.endsWith(extension)) return undefined;
  const middle = file.slice(stem.length + 1, file.length - extension.length);
  return /^[1-9]\d*$/.test(middle) ? Number(middle) : undefined;
}

/** `dir/app` and `.srt` of `dir/app.srt`; a name without a dot (or only a leading one) has no extension. */
function splitRecordPath(path: string): { stem: string; extension: string } {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return dot > slash + 1 ? { stem: path.slice(0, dot), extension: path.slice(dot) } : { stem: path, extension: '' };
}

/** Marks the inherited STACKRING_RECORD as this process's, for the processes it starts. */
export function claimRecordPath(env: NodeJS.ProcessEnv, pid: number): void {
  if (env.STACKRING_RECORD && !env.STACKRING_RECORD_OWNER) env.STACKRING_RECORD_OWNER = String(pid);
}
