// The agent's request protocol: one JSON object per line, one answer per line. Only read-only
// commands exist. Anything else (bad JSON, unknown command, oversized line) gets an error
// answer and the connection is closed; the profiled app never notices.

export const MAX_REQUEST_BYTES = 4096;
export const PROTOCOL_VERSION = 1;

export type AgentCommand = 'dump' | 'info' | 'ping';
const COMMANDS: ReadonlySet<string> = new Set<AgentCommand>(['dump', 'info', 'ping']);

export interface AgentRequest {
  command: AgentCommand;
}

export interface FrameJson {
  name: string;
  file: string;
  line: number;
  column: number;
}

export interface ThreadDump {
  threadId: number;
  name: string;
  /** Frames, outermost first; '(unknown)' where the agent lost data. */
  frames: FrameJson[];
  unknownFrames: number;
  /** Taken from the sub-buffer being written (the thread did not answer: busy loop, native, idle). */
  live: boolean;
  /** Waiting in its event loop. */
  idle: boolean;
  /** When the stack was taken, epoch ms. */
  time: number;
}

export interface DumpAnswer {
  ok: true;
  pid: number;
  time: number;
  threads: ThreadDump[];
}

export interface InfoAnswer {
  ok: true;
  pid: number;
  protocol: number;
  node: string;
  argv: string[];
  cwd: string;
  startTime: number;
  threads: Array<{ threadId: number; name: string }>;
  sampling: boolean;
  recording: string | null;
  /** The agent's own JS heap in bytes (its isolate): stays flat while it samples. */
  agentHeapUsed: number;
  /** Share of the time the agent's thread was busy since it started (0..1): its CPU cost. */
  agentUtilization: number;
}

export interface ErrorAnswer {
  ok: false;
  error: string;
}

/** Parses one request line; returns an error message for anything that is not a valid request. */
export function parseRequest(line: string): AgentRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'request is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'request must be a JSON object';
  const keys = Object.keys(value);
  const command = (value as { command?: unknown }).command;
  if (typeof command !== 'string' || !COMMANDS.has(command)) {
    return `unknown command ${JSON.stringify(command)}; expected one of ${[...COMMANDS].join(', ')}`;
  }
  if (keys.some((k) => k !== 'command')) return `unexpected field in request: ${keys.filter((k) => k !== 'command').join(', ')}`;
  return { command: command as AgentCommand };
}
