// Every writer goes through here: output goes to a temporary file beside the target and is
// renamed over it once complete, so a crash or an error never leaves a half-written file.

import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type OutputChunks = Iterable<string | Uint8Array>;

/** Text is gathered up to this size before a write, so a million small pieces cost few syscalls. */
const FLUSH_CHARS = 1 << 20;

export class ExportError extends Error {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super(`${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ExportError';
    this.file = file;
  }
}

/** Writes `chunks` to `path` atomically (temporary file in the same directory, then rename). */
export function writeAtomic(path: string, chunks: OutputChunks): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx');
    let pending: string[] = [];
    let pendingChars = 0;
    const flush = () => {
      if (pendingChars > 0) writeAll(fd!, Buffer.from(pending.join(''), 'utf8'));
      pending = [];
      pendingChars = 0;
    };
    for (const chunk of chunks) {
      if (typeof chunk === 'string') {
        pending.push(chunk);
        pendingChars += chunk.length;
        if (pendingChars >= FLUSH_CHARS) flush();
      } else {
        flush();
        writeAll(fd, chunk);
      }
    }
    flush();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error instanceof ExportError ? error : new ExportError(path, error);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}
