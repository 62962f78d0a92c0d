// The other end of the dump socket, for the CLI (`stackring dump <pid>`, `ps`, `top`) and tests.

import { connect } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { checkSocketOwner, socketDirectory, socketPath } from './socket-path.js';
import { processExists, socketPredatesProcess } from './process-info.js';
import type { AgentCommand, DumpAnswer, ErrorAnswer, InfoAnswer } from './protocol.js';

export class AgentUnreachableError extends Error {
  constructor(
    message: string,
    readonly pid: number,
  ) {
    super(message);
  }
}

/** Sends one request to the agent of `pid` and returns its answer. */
export function requestAgent(pid: number, command: 'dump', timeoutMs?: number): Promise<DumpAnswer>;
export function requestAgent(pid: number, command: 'info', timeoutMs?: number): Promise<InfoAnswer>;
export function requestAgent(pid: number, command: AgentCommand, timeoutMs?: number): Promise<unknown>;
export function requestAgent(pid: number, command: AgentCommand, timeoutMs = 5000): Promise<unknown> {
  if (!Number.isInteger(pid) || pid <= 0) {
    return Promise.reject(new AgentUnreachableError(`not a process id: ${String(pid)}`, pid));
  }
  const path = socketPath(pid);
  if (process.platform !== 'win32') {
    const noAgent = `process ${pid} has no stackring agent (start it with stackring run, or STACKRING_AGENT=1)`;
    if (!existsSync(path)) {
      return Promise.reject(new AgentUnreachableError(processExists(pid) ? noAgent : `no process with id ${pid}`, pid));
    }
    if (processExists(pid) && socketPredatesProcess(path, pid)) {
      return Promise.reject(new AgentUnreachableError(`${noAgent}; ${path} is a stale socket of an earlier process ${pid}`, pid));
    }
    try {
      checkSocketOwner(path);
    } catch (error) {
      return Promise.reject(new AgentUnreachableError(`refusing ${path}: ${(error as Error).message}`, pid));
    }
  }
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let text = '';
    const fail = (message: string) => {
      socket.destroy();
      reject(new AgentUnreachableError(message, pid));
    };
    socket.setTimeout(timeoutMs, () => fail(`the agent of process ${pid} did not answer within ${timeoutMs} ms`));
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ command }) + '\n'));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') {
        fail(
          processExists(pid)
            ? `the agent of process ${pid} is not listening (${error.code})`
            : `process ${pid} is gone; ${path} is a stale socket`,
        );
      } else fail(`cannot reach the agent of process ${pid}: ${error.message}`);
    });
    socket.on('end', () => {
      let answer: DumpAnswer | InfoAnswer | ErrorAnswer;
      try {
        answer = JSON.parse(text);
      } catch {
        return fail(`the agent of process ${pid} sent an answer that is not JSON`);
      }
      if (answer.ok) resolve(answer);
      else fail(`the agent of process ${pid} refused: ${answer.error}`);
    });
  });
}

/** Pids of this user's processes with a reachable-looking agent socket. */
export function listAgentPids(): number[] {
  const dir = socketDirectory();
  if (process.platform === 'win32' || !existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^(\d+)\.sock$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((pid) => processExists(pid) && !socketPredatesProcess(socketPath(pid), pid))
    .sort((a, b) => a - b);
}
