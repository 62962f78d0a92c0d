// Where a process's agent listens: a Unix domain socket in a directory that only the user can
// enter (0700), the socket itself readable and writable by the user only (0600). On Windows, a
// named pipe per process. No network port is ever opened.

import { lstatSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : userInfo().uid;
}

/** The directory holding this user's agent sockets (not created). */
export function socketDirectory(): string {
  if (process.platform === 'win32') return '\\\\.\\pipe';
  const base = process.env.XDG_RUNTIME_DIR || tmpdir();
  return join(base, `stackring-${uid()}`);
}

export function socketPath(pid: number): string {
  if (process.platform === 'win32') return `\\\\.\\pipe\\stackring-${pid}`;
  return join(socketDirectory(), `${pid}.sock`);
}

export class UnsafeSocketDirectoryError extends Error {}

/**
 * Creates the socket directory if needed and checks that it is a real directory, owned by this
 * user and closed to everyone else: otherwise another user could plant or read sockets.
 */
export function ensureSocketDirectory(): string {
  const dir = socketDirectory();
  if (process.platform === 'win32') return dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) {
    throw new UnsafeSocketDirectoryError(`${dir} is not a directory`);
  }
  if (st.uid !== uid()) {
    throw new UnsafeSocketDirectoryError(`${dir} belongs to uid ${st.uid}, not to this user (${uid()})`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** Checks, before connecting, that a socket is this user's and not open to others. */
export function checkSocketOwner(path: string): void {
  if (process.platform === 'win32') return;
  const st = lstatSync(path);
  if (!st.isSocket()) throw new UnsafeSocketDirectoryError(`${path} is not a socket`);
  if (st.uid !== uid()) {
    throw new UnsafeSocketDirectoryError(`${path} belongs to uid ${st.uid}, not to this user (${uid()})`);
  }
}
