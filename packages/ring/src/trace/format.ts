// The stackring trace file: constants, limits, the error type and the shared chunk types.
// The byte-level specification is docs/trace-format.md; keep the two in step.
//
//   file   = header chunk*
//   header = magic[8] "STKRTRC\0" | u16 major | u16 minor | u32 flags        (16 bytes)
//   chunk  = u32 type | u32 length | payload[length] | u32 CRC-32(type, length, payload)
//
// Everything is little-endian. A trace is written append-only, one whole chunk per write, so a
// crash leaves at most one partial chunk at the end; readers report that as a truncation warning.

import type { SubBuffer } from '../sub-buffer.js';

/** The 8 bytes every trace file starts with: "STKRTRC" and a NUL. */
export const TRACE_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x53, 0x54, 0x4b, 0x52, 0x54, 0x52, 0x43, 0x00);
/** Readers reject other major versions: the framing or a chunk layout changed incompatibly. */
export const TRACE_MAJOR_VERSION = 1;
/** Minor versions only add chunk types (which older readers skip) or header flags (ignored). */
export const TRACE_MINOR_VERSION = 0;

/** magic (8) + u16 major + u16 minor + u32 flags. */
export const FILE_HEADER_BYTES = 16;
/** u32 type + u32 payload length. */
export const CHUNK_HEADER_BYTES = 8;
/** The u32 CRC-32 after the payload. */
export const CHUNK_CRC_BYTES = 4;
/** Bytes of framing around a payload. */
export const CHUNK_OVERHEAD_BYTES = CHUNK_HEADER_BYTES + CHUNK_CRC_BYTES;
/**
 * Largest payload of one chunk (64 MiB). A reader rejects a longer length field before
 * reading or allocating anything, so a corrupt length costs nothing.
 */
export const MAX_CHUNK_PAYLOAD = 64 * 1024 * 1024;

/** Chunk type codes (u32). 0 is never a valid type; codes not listed here are skipped by readers. */
export const ChunkType = {
  /** A JSON object describing the traced process (pid, argv, Node.js version, start time...). */
  PROCESS: 1,
  /** Function id -> name and source location, for ids the sub-buffers use. */
  FUNCTIONS: 2,
  /** A thread id -> name. */
  THREAD: 3,
  /** One sealed (or live) sub-buffer of one thread's ring. */
  SUB_BUFFER: 4,
  /** Totals of the segment it closes; the last chunk of a cleanly closed trace. */
  TRAILER: 5,
} as const;
export type ChunkTypeCode = (typeof ChunkType)[keyof typeof ChunkType];

/** Fixed part of a sub-buffer payload: 11 u32 fields and one f64, then the record words. */
export const SUB_BUFFER_FIXED_BYTES = 11 * 4 + 8;
/** Smallest encoded function: thread id, id, line, column and two empty strings. */
export const FUNCTION_MIN_BYTES = 4 * 4 + 2 * 4;
/** Fixed part of a trailer payload: five f64 fields, then the extra JSON string. */
export const TRAILER_FIXED_BYTES = 5 * 8;
/** Largest recordWords of a sub-buffer (a ring allows at most 255 payload words per record). */
export const MAX_RECORD_WORDS = 256;
/**
 * Largest startDepth, pops and lostLowDepth of a sub-buffer. Far beyond any real JavaScript
 * stack; it bounds what a reconstructor has to allocate for a corrupt (but CRC-valid) header.
 */
export const MAX_STACK_DEPTH = 1 << 24;
/** Largest u32. */
export const MAX_U32 = 0xffffffff;

/** A JSON value, as the process and trailer chunks store it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A function the sub-buffer records refer to by id. */
export interface FunctionInfo {
  /** The thread whose records use this id: every thread's runtime numbers its own functions. */
  threadId: number;
  /** The id the records carry (u32; records hold it as an int32 word, so ids below 2^31 in practice). */
  id: number;
  name: string;
  /** Source file (a path or URL); '' when unknown. */
  file: string;
  /** 1-based line; 0 when unknown. */
  line: number;
  /** 1-based column; 0 when unknown. */
  column: number;
}

export interface ThreadInfo {
  /** worker_threads.threadId (0: the main thread). */
  threadId: number;
  name: string;
}

/** Free-form description of the traced process; any JSON object. These keys are conventional. */
export interface ProcessInfo {
  pid?: number;
  ppid?: number;
  argv?: string[];
  execArgv?: string[];
  nodeVersion?: string;
  platform?: string;
  arch?: string;
  /** Milliseconds since the Unix epoch. */
  startTime?: number;
  [key: string]: JsonValue | undefined;
}

/**
 * Totals of one segment: the chunks since the file header or the previous trailer. A writer that
 * appends to a closed trace starts a new segment, so a file may hold several trailers.
 */
export interface TraceTrailer {
  /** Chunks in the segment before the trailer (metadata, sub-buffers and unknown types). */
  chunks: number;
  /** Sub-buffer chunks in the segment. */
  subBuffers: number;
  /** Sum of their lostSubBuffers. */
  lostSubBuffers: number;
  /** Sum of their lostEntries. */
  lostEntries: number;
  /** When the writer closed the trace: milliseconds since the Unix epoch. */
  endTime: number;
  /** Free-form JSON object the writer added at close (empty when none). */
  extra: JsonObject;
}

/** Running totals of a segment (the chunks since the file header or the previous trailer). */
export interface SegmentTotals {
  chunks: number;
  subBuffers: number;
  lostSubBuffers: number;
  lostEntries: number;
}

export type TraceChunk =
  | { type: 'process'; info: ProcessInfo }
  | { type: 'functions'; functions: FunctionInfo[] }
  | { type: 'thread'; thread: ThreadInfo }
  | { type: 'sub-buffer'; subBuffer: SubBuffer }
  | { type: 'trailer'; trailer: TraceTrailer };

/** Every chunk but the trailer: what TraceWriter.write takes (close() writes the trailer). */
export type TraceDataChunk = Exclude<TraceChunk, { type: 'trailer' }>;

/** The fields of the file header. */
export interface TraceHeader {
  major: number;
  minor: number;
  /** Reserved; readers ignore bits they do not know. 0 in version 1.0. */
  flags: number;
}

/** Something a reader recovered from rather than rejected. */
export interface TraceWarning {
  /**
   * 'truncated': the input ends inside the header or a chunk, or without a trailer (a crash, or
   * a trace still being written); 'unknown-chunk': a chunk type this reader does not know was
   * skipped; 'trailer-mismatch': a trailer's totals disagree with the chunks of its segment.
   */
  kind: 'truncated' | 'unknown-chunk' | 'trailer-mismatch';
  /** Byte offset the warning is about. */
  offset: number;
  message: string;
}

/**
 * Corrupt or unsupported input. `offset` is the byte the problem was found at, `expected` what the
 * format requires there; the message names the file when the reader knows it.
 */
export class TraceFormatError extends Error {
  readonly offset: number;
  readonly expected: string;
  readonly got: string | undefined;
  readonly file: string | undefined;

  constructor(offset: number, expected: string, got?: string, file?: string) {
    super(formatMessage(file, offset, `expected ${expected}${got === undefined ? '' : `, got ${got}`}`));
    this.name = 'TraceFormatError';
    this.offset = offset;
    this.expected = expected;
    this.got = got;
    this.file = file;
  }

  /** The same error, naming `file`. */
  withFile(file: string | undefined): TraceFormatError {
    if (file === undefined || file === this.file) return this;
    return new TraceFormatError(this.offset, this.expected, this.got, file);
  }
}

/** "file: at byte N: text", or "at byte N: text" when the file is unknown. */
export function formatMessage(file: string | undefined, offset: number, text: string): string {
  return `${file === undefined ? '' : `${file}: `}at byte ${offset}: ${text}`;
}
