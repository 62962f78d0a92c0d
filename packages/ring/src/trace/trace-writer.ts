// Writing stackring trace files. Every chunk is encoded completely in memory and handed to the
// file system in one write, at an explicit position: a crash (of the process or the machine)
// leaves at most one partial chunk at the end of the file, which readers report as truncation
// and TraceWriter.append cuts off before it continues the file.

import * as fs from 'node:fs';
import { epochMillis } from '../clock.js';
import type { SubBuffer } from '../sub-buffer.js';
import { crc32 } from './crc32.js';
import {
  CHUNK_HEADER_BYTES,
  CHUNK_OVERHEAD_BYTES,
  ChunkType,
  FILE_HEADER_BYTES,
  FUNCTION_MIN_BYTES,
  MAX_CHUNK_PAYLOAD,
  MAX_RECORD_WORDS,
  MAX_STACK_DEPTH,
  MAX_U32,
  SUB_BUFFER_FIXED_BYTES,
  TRACE_MAGIC,
  TRACE_MAJOR_VERSION,
  TRACE_MINOR_VERSION,
  TRAILER_FIXED_BYTES,
  type FunctionInfo,
  type JsonObject,
  type ProcessInfo,
  type SegmentTotals,
  type ThreadInfo,
  type TraceChunk,
  type TraceDataChunk,
  type TraceTrailer,
  type TraceWarning,
} from './format.js';
import { TraceDecoder } from './trace-reader.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Validation of what callers hand in. The writer refuses anything a reader would reject, so that
// whatever it writes reads back exactly.

function fail(what: string, rule: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new RangeError(`stackring trace: ${what} must be ${rule}, got ${shown}`);
}

function checkU32(value: unknown, what: string, max = MAX_U32): number {
  if (typeof value !== 'number') throw new TypeError(`stackring trace: ${what} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0 || value > max) fail(what, `an integer in [0, ${max}]`, value);
  return value;
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`stackring trace: ${what} must be a string, got ${typeof value}`);
  return value;
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(what, 'a non-negative safe integer', value);
  }
  return value;
}

/** JSON text of a JSON object (process info, trailer extras). */
function jsonObjectText(value: unknown, what: string): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`stackring trace: ${what} must be a JSON object`);
  }
  const text = JSON.stringify(value);
  if (typeof text !== 'string' || !text.startsWith('{')) {
    throw new TypeError(`stackring trace: ${what} must serialise to a JSON object`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Encoding. Strings are UTF-8 (a lone UTF-16 surrogate is written as U+FFFD, as TextEncoder does).

/** Allocates a whole chunk, lets `fill` write the payload at offset 8, then adds the CRC. */
function frame(type: number, length: number, fill: (buf: Buffer, at: number) => void): Buffer {
  if (length > MAX_CHUNK_PAYLOAD) {
    throw new RangeError(
      `stackring trace: a chunk payload of ${length} bytes exceeds the maximum of ${MAX_CHUNK_PAYLOAD}`,
    );
  }
  const buf = Buffer.allocUnsafe(CHUNK_OVERHEAD_BYTES + length);
  buf.writeUInt32LE(type, 0);
  buf.writeUInt32LE(length, 4);
  fill(buf, CHUNK_HEADER_BYTES);
  const end = CHUNK_HEADER_BYTES + length;
  buf.writeUInt32LE(crc32(buf.subarray(0, end)), end);
  return buf;
}

/** Writes a u32 byte length and the UTF-8 bytes of `s` (whose byte length is `bytes`). */
function putString(buf: Buffer, at: number, s: string, bytes: number): number {
  buf.writeUInt32LE(bytes, at);
  if (bytes > 0) buf.write(s, at + 4, bytes, 'utf8');
  return at + 4 + bytes;
}

/** The 16-byte file header. */
export function encodeFileHeader(minor: number = TRACE_MINOR_VERSION): Buffer {
  const buf = Buffer.alloc(FILE_HEADER_BYTES);
  buf.set(TRACE_MAGIC, 0);
  buf.writeUInt16LE(TRACE_MAJOR_VERSION, 8);
  buf.writeUInt16LE(checkU32(minor, 'minor version', 0xffff), 10);
  buf.writeUInt32LE(0, 12);
  return buf;
}

/**
 * A chunk with any type code and payload, framed and checksummed. For types this version does
 * not define (forward-compatibility tests, extensions); readers skip types they do not know.
 */
export function encodeRawChunk(type: number, payload: Uint8Array): Buffer {
  checkU32(type, 'chunk type');
  if (type === 0) fail('chunk type', 'non-zero', type);
  return frame(type, payload.length, (buf, at) => buf.set(payload, at));
}

function encodeJsonChunk(type: number, text: string): Buffer {
  const bytes = Buffer.byteLength(text, 'utf8');
  return frame(type, bytes, (buf, at) => buf.write(text, at, bytes, 'utf8'));
}

function encodeProcess(info: ProcessInfo): Buffer {
  return encodeJsonChunk(ChunkType.PROCESS, jsonObjectText(info, 'process info'));
}

interface EncodedFunction {
  f: FunctionInfo;
  nameBytes: number;
  fileBytes: number;
  size: number;
}

function measureFunction(f: FunctionInfo, i: number): EncodedFunction {
  if (typeof f !== 'object' || f === null) throw new TypeError(`stackring trace: functions[${i}] must be an object`);
  checkU32(f.threadId, `functions[${i}].threadId`);
  checkU32(f.id, `functions[${i}].id`);
  checkU32(f.line, `functions[${i}].line`);
  checkU32(f.column, `functions[${i}].column`);
  const nameBytes = Buffer.byteLength(checkString(f.name, `functions[${i}].name`), 'utf8');
  const fileBytes = Buffer.byteLength(checkString(f.file, `functions[${i}].file`), 'utf8');
  return { f, nameBytes, fileBytes, size: FUNCTION_MIN_BYTES + nameBytes + fileBytes };
}

function encodeMeasuredFunctions(list: EncodedFunction[], payload: number): Buffer {
  return frame(ChunkType.FUNCTIONS, payload, (buf, at) => {
    buf.writeUInt32LE(list.length, at);
    let p = at + 4;
    for (const { f, nameBytes, fileBytes } of list) {
      buf.writeUInt32LE(f.threadId, p);
      buf.writeUInt32LE(f.id, p + 4);
      buf.writeUInt32LE(f.line, p + 8);
      buf.writeUInt32LE(f.column, p + 12);
      p = putString(buf, p + 16, f.name, nameBytes);
      p = putString(buf, p, f.file, fileBytes);
    }
  });
}

/**
 * Functions chunks for a list of any length: as many functions per chunk as fit in the maximum
 * payload (one chunk, possibly empty, for a short list). Throws if a single function is too big.
 */
export function encodeFunctionsChunks(functions: readonly FunctionInfo[]): Buffer[] {
  if (!Array.isArray(functions)) throw new TypeError('stackring trace: functions must be an array');
  const out: Buffer[] = [];
  let batch: EncodedFunction[] = [];
  let payload = 4;
  for (let i = 0; i < functions.length; i++) {
    const m = measureFunction(functions[i], i);
    if (4 + m.size > MAX_CHUNK_PAYLOAD) {
      throw new RangeError(`stackring trace: functions[${i}] needs ${m.size} bytes, more than a chunk holds`);
    }
    if (payload + m.size > MAX_CHUNK_PAYLOAD) {
      out.push(encodeMeasuredFunctions(batch, payload));
      batch = [];
      payload = 4;
    }
    batch.push(m);
    payload += m.size;
  }
  if (batch.length > 0 || out.length === 0) out.push(encodeMeasuredFunctions(batch, payload));
  return out;
}

function encodeThread(thread: ThreadInfo): Buffer {
  if (typeof thread !== 'object' || thread === null) throw new TypeError('stackring trace: thread must be an object');
  const threadId = checkU32(thread.threadId, 'thread.threadId');
  const name = checkString(thread.name, 'thread.name');
  const nameBytes = Buffer.byteLength(name, 'utf8');
  return frame(ChunkType.THREAD, 8 + nameBytes, (buf, at) => {
    buf.writeUInt32LE(threadId, at);
    putString(buf, at + 4, name, nameBytes);
  });
}

/** Encodes a sub-buffer chunk; validates the record against the format's rules first. */
function encodeSubBuffer(sub: SubBuffer): Buffer {
  if (typeof sub !== 'object' || sub === null) throw new TypeError('stackring trace: sub-buffer must be an object');
  const records = sub.records;
  if (!(records instanceof Int32Array)) throw new TypeError('stackring trace: subBuffer.records must be an Int32Array');
  const recordWords = checkU32(sub.recordWords, 'subBuffer.recordWords', MAX_RECORD_WORDS);
  if (recordWords < 1) fail('subBuffer.recordWords', `an integer in [1, ${MAX_RECORD_WORDS}]`, recordWords);
  if (records.length % recordWords !== 0) {
    fail('subBuffer.records.length', `a multiple of recordWords (${recordWords})`, records.length);
  }
  if (typeof sub.time !== 'number') throw new TypeError('stackring trace: subBuffer.time must be a number');
  const header = [
    checkU32(sub.threadId, 'subBuffer.threadId'),
    checkU32(sub.seq, 'subBuffer.seq'),
    checkU32(sub.reason, 'subBuffer.reason'),
    checkU32(sub.startDepth, 'subBuffer.startDepth', MAX_STACK_DEPTH),
    checkU32(sub.pops, 'subBuffer.pops', MAX_STACK_DEPTH),
    records.length / recordWords,
    recordWords,
    checkU32(sub.lostSubBuffers, 'subBuffer.lostSubBuffers'),
    checkU32(sub.lostEntries, 'subBuffer.lostEntries'),
    checkU32(sub.lostLowDepth, 'subBuffer.lostLowDepth', MAX_STACK_DEPTH),
    checkU32(sub.request, 'subBuffer.request'),
  ];
  return frame(ChunkType.SUB_BUFFER, SUB_BUFFER_FIXED_BYTES + records.byteLength, (buf, at) => {
    for (let i = 0; i < header.length; i++) buf.writeUInt32LE(header[i], at + 4 * i);
    buf.writeDoubleLE(sub.time, at + 44);
    const p = at + SUB_BUFFER_FIXED_BYTES;
    if (LITTLE_ENDIAN_HOST) {
      buf.set(new Uint8Array(records.buffer, records.byteOffset, records.byteLength), p);
    } else {
      for (let i = 0; i < records.length; i++) buf.writeInt32LE(records[i], p + 4 * i);
    }
  });
}

function encodeTrailer(trailer: TraceTrailer): Buffer {
  if (typeof trailer !== 'object' || trailer === null) throw new TypeError('stackring trace: trailer must be an object');
  const counts = [
    checkCount(trailer.chunks, 'trailer.chunks'),
    checkCount(trailer.subBuffers, 'trailer.subBuffers'),
    checkCount(trailer.lostSubBuffers, 'trailer.lostSubBuffers'),
    checkCount(trailer.lostEntries, 'trailer.lostEntries'),
  ];
  if (typeof trailer.endTime !== 'number') throw new TypeError('stackring trace: trailer.endTime must be a number');
  const text = jsonObjectText(trailer.extra ?? {}, 'trailer.extra');
  const textBytes = Buffer.byteLength(text, 'utf8');
  return frame(ChunkType.TRAILER, TRAILER_FIXED_BYTES + 4 + textBytes, (buf, at) => {
    for (let i = 0; i < counts.length; i++) buf.writeDoubleLE(counts[i], at + 8 * i);
    buf.writeDoubleLE(trailer.endTime, at + 32);
    putString(buf, at + TRAILER_FIXED_BYTES, text, textBytes);
  });
}

/**
 * One chunk, framed and checksummed: the exact bytes TraceWriter writes for it. Pure; throws
 * TypeError/RangeError for values the format cannot hold (and for a functions list that does
 * not fit one chunk: see encodeFunctionsChunks).
 */
export function encodeChunk(chunk: TraceChunk): Buffer {
  switch (chunk.type) {
    case 'process':
      return encodeProcess(chunk.info);
    case 'functions': {
      const chunks = encodeFunctionsChunks(chunk.functions);
      if (chunks.length !== 1) throw new RangeError('stackring trace: the functions do not fit in one chunk');
      return chunks[0];
    }
    case 'thread':
      return encodeThread(chunk.thread);
    case 'sub-buffer':
      return encodeSubBuffer(chunk.subBuffer);
    case 'trailer':
      return encodeTrailer(chunk.trailer);
    default:
      throw new TypeError(`stackring trace: unknown chunk type ${JSON.stringify((chunk as { type: unknown }).type)}`);
  }
}

/** A whole trace in memory: the file header, then `chunks` exactly as given (no trailer added). */
export function encodeTrace(chunks: Iterable<TraceChunk>): Buffer {
  const parts: Buffer[] = [encodeFileHeader()];
  for (const chunk of chunks) parts.push(encodeChunk(chunk));
  return Buffer.concat(parts);
}

/**
 * A ProcessInfo describing the current process (pid, argv, Node.js version, platform, start
 * time...), with `extra` merged over it.
 */
export function currentProcessInfo(extra: ProcessInfo = {}): ProcessInfo {
  return {
    pid: process.pid,
    ppid: process.ppid,
    argv: [...process.argv],
    execArgv: [...process.execArgv],
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
    startTime: Date.now() - process.uptime() * 1000,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// The file writer.

export interface TraceWriterOptions {
  /**
   * Continue an existing trace instead of replacing it (same as TraceWriter.append): the file is
   * validated, a partial chunk at its end is cut off, and writing resumes after its last whole
   * chunk. A missing or empty file is created.
   */
  append?: boolean;
  /** Clock for the trailer's endTime, in milliseconds since the Unix epoch (default: the wall clock). */
  clock?: () => number;
}

/** What TraceWriter.append found in the file it continues. */
export interface TraceAppendInfo {
  /** Bytes of the file that were kept (header and whole chunks). */
  keptBytes: number;
  /** Bytes cut off the end: a partial chunk (or partial header) left by a crash. */
  discardedBytes: number;
  /** Whether the file ended with a trailer (the writer then starts a new segment). */
  trailed: boolean;
  /** Totals of the open segment the writer continues (all zero after a trailer). */
  segment: SegmentTotals;
  /** What the reader reported while validating the file (truncation, unknown chunks...). */
  warnings: TraceWarning[];
}

/**
 * Writes a trace file. Chunks may come in any order and at any time (functions registered while
 * recording, threads starting late); close() ends the file with a trailer of the totals.
 *
 * Not safe for two writers on one file at a time (in one process or several).
 */
export class TraceWriter {
  readonly path: string;
  /** Set when the writer continues an existing file (see TraceWriter.append). */
  readonly appendInfo: TraceAppendInfo | null = null;
  private fd: number | null;
  private position = 0;
  private failure: unknown = null;
  private readonly clock: () => number;
  private readonly totals: SegmentTotals = { chunks: 0, subBuffers: 0, lostSubBuffers: 0, lostEntries: 0 };

  /** Creates (or truncates) `path` and writes the file header. */
  constructor(path: string, options: TraceWriterOptions = {}) {
    this.path = path;
    this.clock = options.clock ?? epochMillis;
    let needsHeader = true;
    if (options.append) {
      const { fd, info } = openForAppend(path);
      this.fd = fd;
      this.appendInfo = info;
      this.position = info.keptBytes;
      Object.assign(this.totals, info.segment);
      needsHeader = info.keptBytes === 0;
    } else {
      this.fd = fs.openSync(path, 'w');
    }
    if (needsHeader) {
      try {
        this.put(encodeFileHeader());
      } catch (err) {
        this.abort();
        throw err;
      }
    }
  }

  /**
   * Continues an existing trace. The file must start with a valid header of the same major
   * version and contain only valid chunks; corruption throws a TraceFormatError and leaves the file
   * untouched. A partial chunk at the end (a crash mid-write) is cut off. If the file ends with a
   * trailer, the chunks written now form a new segment, closed by its own trailer; otherwise
   * they continue the open segment and close() counts the chunks already there too. A missing or
   * empty file is created with a fresh header.
   */
  static append(path: string, options: Omit<TraceWriterOptions, 'append'> = {}): TraceWriter {
    return new TraceWriter(path, { ...options, append: true });
  }

  /** Bytes in the file so far. */
  get size(): number {
    return this.position;
  }

  /** Totals of the current segment so far (what close() writes in the trailer). */
  get segment(): Readonly<SegmentTotals> {
    return { ...this.totals };
  }

  get closed(): boolean {
    return this.fd === null;
  }

  writeProcess(info: ProcessInfo): void {
    this.putChunk(encodeProcess(info));
  }

  /** Writes the functions in as many chunks as needed (one for any reasonable list). */
  writeFunctions(functions: readonly FunctionInfo[]): void {
    this.usable();
    for (const chunk of encodeFunctionsChunks(functions)) this.putChunk(chunk);
  }

  writeThread(thread: ThreadInfo): void {
    this.putChunk(encodeThread(thread));
  }

  writeSubBuffer(sub: SubBuffer): void {
    this.putChunk(encodeSubBuffer(sub));
    this.totals.subBuffers++;
    this.totals.lostSubBuffers += sub.lostSubBuffers;
    this.totals.lostEntries += sub.lostEntries;
  }

  /** Writes any chunk but a trailer (close() writes that). */
  write(chunk: TraceDataChunk): void {
    switch (chunk.type) {
      case 'process':
        return this.writeProcess(chunk.info);
      case 'functions':
        return this.writeFunctions(chunk.functions);
      case 'thread':
        return this.writeThread(chunk.thread);
      case 'sub-buffer':
        return this.writeSubBuffer(chunk.subBuffer);
      default:
        throw new TypeError(`stackring trace: cannot write a chunk of type ${JSON.stringify((chunk as { type: unknown }).type)}`);
    }
  }

  /**
   * Writes the trailer (the segment's totals, the end time and `extra`) and closes the file.
   * Returns the trailer. After a failed write, closes the file without a trailer and throws.
   */
  close(extra: JsonObject = {}): TraceTrailer {
    if (this.fd === null) throw new Error(`stackring trace: ${this.path}: the writer is closed`);
    if (this.failure !== null) {
      this.abort();
      throw new Error(`stackring trace: ${this.path}: an earlier write failed; closed without a trailer`, {
        cause: this.failure,
      });
    }
    const trailer: TraceTrailer = { ...this.totals, endTime: this.clock(), extra };
    const chunk = encodeTrailer(trailer); // invalid extras throw here and leave the writer open
    try {
      this.put(chunk);
    } finally {
      this.abort();
    }
    return trailer;
  }

  /**
   * Closes the file without a trailer, as a crash would leave it (readers warn that it was not
   * closed; TraceWriter.append can continue it). Idempotent.
   */
  abort(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  private usable(): void {
    if (this.fd === null) throw new Error(`stackring trace: ${this.path}: the writer is closed`);
    if (this.failure !== null) {
      throw new Error(`stackring trace: ${this.path}: an earlier write failed; the file can only be aborted`, {
        cause: this.failure,
      });
    }
  }

  private putChunk(chunk: Buffer): void {
    this.usable();
    this.put(chunk);
    this.totals.chunks++;
  }

  /** One write call for the whole buffer (more only if the system writes it short). */
  private put(bytes: Buffer): void {
    this.usable();
    const fd = this.fd as number;
    let done = 0;
    try {
      while (done < bytes.length) {
        done += fs.writeSync(fd, bytes, done, bytes.length - done, this.position + done);
      }
    } catch (err) {
      // The file may now end with a partial chunk: refuse further chunks after it.
      this.failure = err;
      throw err;
    }
    this.position += bytes.length;
  }
}

/** Opens `path` read-write, validates it and cuts a partial chunk off its end. */
function openForAppend(path: string): { fd: number; info: TraceAppendInfo } {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o666);
  try {
    const warnings: TraceWarning[] = [];
    const decoder = new TraceDecoder({ fileName: path, onWarning: (w) => warnings.push(w) });
    const piece = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, piece, 0, piece.length, size);
      if (n === 0) break;
      size += n;
      decoder.push(piece.subarray(0, n));
    }
    decoder.end();
    const keptBytes = decoder.validEnd;
    if (keptBytes < size) fs.ftruncateSync(fd, keptBytes);
    return {
      fd,
      info: {
        keptBytes,
        discardedBytes: size - keptBytes,
        trailed: decoder.lastChunkWasTrailer,
        segment: decoder.segment,
        warnings,
      },
    };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
