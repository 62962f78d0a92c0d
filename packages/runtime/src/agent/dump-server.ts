// The agent's local socket: answers read-only requests (dump, info, ping) from
// `stackring dump <pid>` and friends. Never keeps the process alive, never opens a network port.

import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureSocketDirectory, socketPath } from './socket-path.js';
import { processExists } from './process-info.js';
import { MAX_REQUEST_BYTES, parseRequest, type DumpAnswer, type ErrorAnswer, type InfoAnswer } from './protocol.js';

const IDLE_CONNECTION_MS = 5000;

export class DumpServer {
  private server: Server | null = null;
  private path: string | null = null;

  constructor(
    private readonly dump: () => Promise<DumpAnswer>,
    private readonly info: () => InfoAnswer,
  ) {}

  /** Listens on this process's socket path; returns it. */
  listen(): Promise<string> {
    const dir = ensureSocketDirectory();
    const path = socketPath(process.pid);
    removeStale(path);
    const server = createServer({ allowHalfOpen: false }, (socket) => this.serve(socket));
    this.server = server;
    this.path = path;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        if (process.platform !== 'win32') chmodSync(path, 0o600);
        server.unref();
        resolve(path);
        if (process.platform !== 'win32') sweepDeadSockets(dir).catch(() => {});
      });
    });
  }

  private serve(socket: Socket): void {
    socket.unref();
    socket.setTimeout(IDLE_CONNECTION_MS, () => socket.destroy());
    let buffered = '';
    let answered = false;
    const answer = (value: DumpAnswer | InfoAnswer | ErrorAnswer | { ok: true; pong: true }) => {
      answered = true;
      socket.end(JSON.stringify(value) + '\n');
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) {
        if (buffered.length > MAX_REQUEST_BYTES) answer({ ok: false, error: `request longer than ${MAX_REQUEST_BYTES} bytes` });
        return;
      }
      const request = parseRequest(buffered.slice(0, newline));
      if (typeof request === 'string') return answer({ ok: false, error: request });
      switch (request.command) {
        case 'ping':
          return answer({ ok: true, pong: true });
        case 'info':
          return answer(this.info());
        case 'dump':
          this.dump().then(answer, (error: Error) => answer({ ok: false, error: error.message }));
      }
    });
    socket.on('error', () => socket.destroy());
  }

  close(): void {
    this.server?.close();
    if (this.path !== null && process.platform !== 'win32') {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Removes the sockets of processes that no longer exist (killed agents never remove theirs), so
 * the directory does not grow and a later process given the same pid is not mistaken for one
 * with an agent. Sockets of live pids are left alone: one may be a new agent's, just made.
 */
async function sweepDeadSockets(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = /^(\d+)\.sock$/.exec(name)?.[1];
    if (pid === undefined || processExists(Number(pid))) continue;
    const path = join(dir, name);
    const st = await lstat(path).catch(() => null); // another agent may have just removed it
    if (st?.isSocket()) await unlink(path).catch(() => {});
  }
}

/** A socket file left by a dead process with the same pid (pids are reused): remove it. */
function removeStale(path: string): void {
  if (process.platform === 'win32') return;
  try {
    const st = lstatSync(path);
    if (st.isSocket()) unlinkSync(path);
    else throw new Error(`${path} exists and is not a socket; not touching it`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
