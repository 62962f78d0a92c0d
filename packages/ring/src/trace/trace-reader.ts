// Reading stackring trace files: a streaming decoder that holds at most one partial chunk,
// and helpers on top of it (files, whole buffers, stack samples).
//
// Every length in the input is checked against what the format allows and against the bytes
// that are actually there before anything is allocated for it, and every problem is reported as
// a TraceFormatError naming the byte offset and what was expected there.

import * as fs from 'node:fs';
import { Reconstructor, type StackSample } from '../reconstructor.js';
import type { SubBuffer } from '../sub-buffer.js';
import { crc32 } from './crc32.js';
import {
  CHUNK_CRC_BYTES,
  CHUNK_HEADER_BYTES,
  ChunkType,
  FILE_HEADER_BYTES,
  FUNCTION_MIN_BYTES,
  MAX_CHUNK_PAYLOAD,
  MAX_RECORD_WORDS,
  MAX_STACK_DEPTH,
  SUB_BUFFER_FIXED_BYTES,
  TRACE_MAGIC,
  TRACE_MAJOR_VERSION,
  TRAILER_FIXED_BYTES,
  TraceFormatError,
  formatMessage,
  type FunctionInfo,
  type JsonObject,
  type SegmentTotals,
  type TraceChunk,
  type TraceHeader,
  type TraceTrailer,
  type TraceWarning,
} from './format.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** Strict UTF-8: invalid sequences are errors, a leading U+FEFF is kept (it is part of the string). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Decoder stages.
const HEADER = 0;
const CHUNK_HEAD = 1;
const CHUNK_BODY = 2;
const SKIP_PAYLOAD = 3;
const SKIP_CRC = 4;
const FAILED = 5;
const ENDED = 6;

const CHUNK_NAMES: Record<number, string> = {
  [ChunkType.PROCESS]: 'process',
  [ChunkType.FUNCTIONS]: 'functions',
  [ChunkType.THREAD]: 'thread',
  [ChunkType.SUB_BUFFER]: 'sub-buffer',
  [ChunkType.TRAILER]: 'trailer',
};

/** Smallest payload of each known chunk type. */
const MIN_PAYLOAD: Record<number, number> = {
  [ChunkType.PROCESS]: 2, // "{}"
  [ChunkType.FUNCTIONS]: 4,
  [ChunkType.THREAD]: 8,
  [ChunkType.SUB_BUFFER]: SUB_BUFFER_FIXED_BYTES,
  [ChunkType.TRAILER]: TRAILER_FIXED_BYTES + 4,
};

/** Warnings a decoder keeps in `warnings` (onWarning sees them all). */
const MAX_KEPT_WARNINGS = 1000;
/** A chunk buffer up to this size is kept for the next partial chunk; larger ones are dropped. */
const REUSE_LIMIT = 1 << 20;
/** Smallest buffer allocated for a partial chunk. */
const MIN_BUFFER = 4096;

function readU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function hex8(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export interface TraceDecoderOptions {
  /** Named in error and warning messages. */
  fileName?: string;
  /** Called for every warning, as it is found. */
  onWarning?: (warning: TraceWarning) => void;
}

/**
 * Decodes a trace from a stream of byte pieces of any size. Holds at most one partial chunk (and
 * never more than twice the bytes of it actually received), whatever the length of the stream.
 *
 * Errors: when the bytes given to push() contain corruption, push() still returns the whole chunks
 * before it; the TraceFormatError is thrown as soon as no decoded chunk would be lost with it:
 * by that push() if it decoded nothing, else by the next push() or end(). A failed decoder
 * keeps throwing the same error.
 */
export class TraceDecoder {
  readonly fileName: string | undefined;
  /** The first warnings (up to 1000; warningCount counts them all). */
  readonly warnings: TraceWarning[] = [];

  private fileHeader: TraceHeader | null = null;
  private warningTotal = 0;
  /** Bytes consumed so far. */
  private consumed = 0;
  /** End of the header or of the last whole chunk. */
  private validPrefix = 0;
  private trailed = false;
  private peakBuffer = 0;

  private readonly onWarning: ((warning: TraceWarning) => void) | undefined;
  private readonly totals: SegmentTotals = { chunks: 0, subBuffers: 0, lostSubBuffers: 0, lostEntries: 0 };
  private stage = HEADER;
  private error: TraceFormatError | null = null;
  /** The file header, a chunk header or a skipped chunk's CRC, as its bytes arrive. */
  private readonly small = new Uint8Array(FILE_HEADER_BYTES);
  private smallFilled = 0;
  private chunkStart = 0;
  private chunkType = 0;
  private chunkLength = 0;
  /** CRC of the current chunk's bytes seen so far (header; payload when skipping). */
  private crc = 0;
  /** The current chunk's payload and CRC, when they arrive in several pieces. */
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private skipLeft = 0;

  constructor(options: TraceDecoderOptions = {}) {
    this.fileName = options.fileName;
    this.onWarning = options.onWarning;
  }

  /** The file header, once its 16 bytes were read. */
  get header(): TraceHeader | null {
    return this.fileHeader;
  }

  /** Number of warnings so far. */
  get warningCount(): number {
    return this.warningTotal;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.consumed;
  }

  /**
   * Length of the valid prefix of the input: the end of the last whole chunk, or of the header
   * (0 until the header is complete). Truncated input can be cut back to this length.
   */
  get validEnd(): number {
    return this.validPrefix;
  }

  /** Whether the last whole chunk was a trailer (a cleanly closed trace, so far). */
  get lastChunkWasTrailer(): boolean {
    return this.trailed;
  }

  /** Largest buffer allocated for a partial chunk so far, in bytes. */
  get peakBufferBytes(): number {
    return this.peakBuffer;
  }

  /** Totals of the open segment (the chunks after the header or the last trailer). */
  get segment(): SegmentTotals {
    return { ...this.totals };
  }

  /** The error that stopped the decoder, if any. */
  get failure(): TraceFormatError | null {
    return this.error;
  }

  /** Decodes the next bytes of the trace; returns the chunks they complete. */
  push(bytes: Uint8Array): TraceChunk[] {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('stackring trace: push() takes a Uint8Array');
    if (this.error !== null) throw this.error;
    if (this.stage === ENDED) throw new Error('stackring trace: push() after end()');
    // Text decoding does not accept views of shared memory: decode from a copy.
    const input = bytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(bytes) : bytes;
    const out: TraceChunk[] = [];
    try {
      this.consume(input, out);
    } catch (err) {
      if (!(err instanceof TraceFormatError)) throw err;
      this.error = err;
      this.stage = FAILED;
      this.body = null;
      if (out.length === 0) throw err;
    }
    return out;
  }

  /**
   * The input is complete. Reports, as 'truncated' warnings, input that stops inside the header
   * or a chunk (a crash mid-write) or after a last chunk that is not a trailer (the writer did
   * not close the trace). Throws a pending TraceFormatError. Idempotent.
   */
  end(): void {
    if (this.error !== null) throw this.error;
    if (this.stage === ENDED) return;
    const name = CHUNK_NAMES[this.chunkType] ?? `unknown (type ${this.chunkType})`;
    let warning: [number, string] | null = null;
    switch (this.stage) {
      case HEADER:
        warning = [
          0,
          this.consumed === 0
            ? `the input is empty: expected a ${FILE_HEADER_BYTES}-byte trace file header`
            : `the input ends inside the ${FILE_HEADER_BYTES}-byte file header, after ${this.consumed} bytes`,
        ];
        break;
      case CHUNK_HEAD:
        if (this.smallFilled > 0) {
          warning = [
            this.validPrefix,
            `the input ends inside the header of the chunk at byte ${this.validPrefix} ` +
              `(${this.smallFilled} of ${CHUNK_HEADER_BYTES} bytes); the last whole chunk ends there`,
          ];
        } else if (!this.trailed) {
          warning = [
            this.validPrefix,
            'the trace ends without a trailer: its writer did not close it (it crashed or is still writing)',
          ];
        }
        break;
      default: {
        const have = this.consumed - this.chunkStart;
        const total = CHUNK_HEADER_BYTES + this.chunkLength + CHUNK_CRC_BYTES;
        warning = [
          this.chunkStart,
          `the input ends inside the ${name} chunk at byte ${this.chunkStart}: ` +
            `${have} of its ${total} bytes are present; the last whole chunk ends there`,
        ];
      }
    }
    this.stage = ENDED;
    this.body = null;
    if (warning !== null) this.warn('truncated', warning[0], warning[1]);
  }


  private fail(offset: number, expected: string, got?: string): TraceFormatError {
    return new TraceFormatError(offset, expected, got, this.fileName);
  }

  private warn(kind: TraceWarning['kind'], offset: number, text: string): void {
    const warning: TraceWarning = { kind, offset, message: formatMessage(this.fileName, offset, text) };
    this.warningTotal++;
    if (this.warnings.length < MAX_KEPT_WARNINGS) this.warnings.push(warning);
    this.onWarning?.(warning);
  }

  private consume(input: Uint8Array, out: TraceChunk[]): void {
    const n = input.length;
    let pos = 0;
    while (pos < n) {
      const avail = n - pos;
      switch (this.stage) {
        case HEADER: {
          const from = this.smallFilled;
          const take = Math.min(FILE_HEADER_BYTES - from, avail);
          this.small.set(input.subarray(pos, pos + take), from);
          this.smallFilled += take;
          pos += take;
          this.consumed += take;
          this.checkHeader(from);
          break;
        }
        case CHUNK_HEAD: {
          if (this.smallFilled === 0 && avail >= CHUNK_HEADER_BYTES) {
            pos += CHUNK_HEADER_BYTES;
            this.consumed += CHUNK_HEADER_BYTES;
            this.beginChunk(input, pos - CHUNK_HEADER_BYTES);
          } else {
            const take = Math.min(CHUNK_HEADER_BYTES - this.smallFilled, avail);
            this.small.set(input.subarray(pos, pos + take), this.smallFilled);
            this.smallFilled += take;
            pos += take;
            this.consumed += take;
            if (this.smallFilled === CHUNK_HEADER_BYTES) {
              this.smallFilled = 0;
              this.beginChunk(this.small, 0);
            }
          }
          break;
        }
        case CHUNK_BODY: {
          const need = this.chunkLength + CHUNK_CRC_BYTES;
          if (this.bodyFilled === 0 && avail >= need) {
            // The whole rest of the chunk is in this piece: decode it in place.
            pos += need;
            this.consumed += need;
            this.finishChunk(input, pos - need, out);
          } else {
            const take = Math.min(need - this.bodyFilled, avail);
            const body = this.reserve(this.bodyFilled + take, need);
            body.set(input.subarray(pos, pos + take), this.bodyFilled);
            this.bodyFilled += take;
            pos += take;
            this.consumed += take;
            if (this.bodyFilled === need) {
              this.bodyFilled = 0;
              if (body.length > REUSE_LIMIT) this.body = null;
              this.finishChunk(body, 0, out);
            }
          }
          break;
        }
        case SKIP_PAYLOAD: {
          const take = Math.min(this.skipLeft, avail);
          this.crc = crc32(input.subarray(pos, pos + take), this.crc);
          this.skipLeft -= take;
          pos += take;
          this.consumed += take;
          if (this.skipLeft === 0) this.stage = SKIP_CRC;
          break;
        }
        case SKIP_CRC: {
          const take = Math.min(CHUNK_CRC_BYTES - this.smallFilled, avail);
          this.small.set(input.subarray(pos, pos + take), this.smallFilled);
          this.smallFilled += take;
          pos += take;
          this.consumed += take;
          if (this.smallFilled === CHUNK_CRC_BYTES) {
            this.smallFilled = 0;
            this.checkCrc(readU32(this.small, 0), this.crc);
            this.totals.chunks++;
            this.trailed = false;
            this.endChunk();
            // Warn once the decoder is consistent again, in case the callback throws.
            this.warn(
              'unknown-chunk',
              this.chunkStart,
              `skipped a chunk of unknown type ${this.chunkType} (${this.chunkLength} bytes of payload), ` +
                'written by a newer minor version of the format',
            );
          }
          break;
        }
        default:
          throw new Error(`stackring trace: decoder in stage ${this.stage}`);
      }
    }
  }

  /** Checks the header bytes from `from` to smallFilled; completes the header at 16 bytes. */
  private checkHeader(from: number): void {
    const b = this.small;
    const filled = this.smallFilled;
    for (let i = from; i < Math.min(filled, TRACE_MAGIC.length); i++) {
      if (b[i] !== TRACE_MAGIC[i]) {
        throw this.fail(
          i,
          `byte ${hex2(TRACE_MAGIC[i])} of the magic "STKRTRC\\0" (53 54 4b 52 54 52 43 00) that starts a stackring trace file`,
          hex2(b[i]),
        );
      }
    }
    if (from < 10 && filled >= 10) {
      const major = b[8] | (b[9] << 8);
      if (major !== TRACE_MAJOR_VERSION) {
        throw this.fail(8, `major version ${TRACE_MAJOR_VERSION} of the trace format (this reader supports no other)`, String(major));
      }
    }
    if (filled === FILE_HEADER_BYTES) {
      this.fileHeader = { major: b[8] | (b[9] << 8), minor: b[10] | (b[11] << 8), flags: readU32(b, 12) };
      this.stage = CHUNK_HEAD;
      this.smallFilled = 0;
      this.validPrefix = FILE_HEADER_BYTES;
    }
  }

  /** Validates a chunk header (at b[at..at+8]; the offset is already past it). */
  private beginChunk(b: Uint8Array, at: number): void {
    const start = this.consumed - CHUNK_HEADER_BYTES;
    const type = readU32(b, at);
    const length = readU32(b, at + 4);
    this.chunkStart = start;
    this.chunkType = type;
    this.chunkLength = length;
    if (type === 0) throw this.fail(start, 'a chunk type (a non-zero u32)', '0');
    if (length > MAX_CHUNK_PAYLOAD) {
      throw this.fail(start + 4, `a chunk length of at most ${MAX_CHUNK_PAYLOAD}`, String(length));
    }
    const name = CHUNK_NAMES[type];
    if (name !== undefined) {
      const min = MIN_PAYLOAD[type];
      if (length < min) {
        throw this.fail(start + 4, `a ${name} chunk length of at least ${min}`, String(length));
      }
      if (type === ChunkType.SUB_BUFFER && (length - SUB_BUFFER_FIXED_BYTES) % 4 !== 0) {
        throw this.fail(
          start + 4,
          `a sub-buffer chunk length of ${SUB_BUFFER_FIXED_BYTES} plus a multiple of 4`,
          String(length),
        );
      }
    }
    this.crc = crc32(b.subarray(at, at + CHUNK_HEADER_BYTES));
    if (name !== undefined) {
      this.stage = CHUNK_BODY;
      this.bodyFilled = 0;
    } else {
      this.skipLeft = length;
      this.stage = length === 0 ? SKIP_CRC : SKIP_PAYLOAD;
      this.smallFilled = 0;
    }
  }

  /** A buffer for the partial chunk with room for `required` bytes, grown geometrically up to `need`. */
  private reserve(required: number, need: number): Uint8Array {
    const body = this.body;
    if (body !== null && body.length >= required) return body;
    const size = Math.min(need, Math.max(required, body === null ? 0 : body.length * 2, MIN_BUFFER));
    const grown = new Uint8Array(size);
    if (body !== null && this.bodyFilled > 0) grown.set(body.subarray(0, this.bodyFilled));
    this.body = grown;
    if (size > this.peakBuffer) this.peakBuffer = size;
    return grown;
  }

  private checkCrc(stored: number, computed: number): void {
    if (stored !== computed) {
      const name = CHUNK_NAMES[this.chunkType] ?? `unknown (type ${this.chunkType})`;
      throw this.fail(
        this.chunkStart + CHUNK_HEADER_BYTES + this.chunkLength,
        `the CRC-32 ${hex8(computed)} of the ${name} chunk at byte ${this.chunkStart}`,
        hex8(stored),
      );
    }
  }

  private endChunk(): void {
    this.validPrefix = this.chunkStart + CHUNK_HEADER_BYTES + this.chunkLength + CHUNK_CRC_BYTES;
    this.stage = CHUNK_HEAD;
  }

  /** Payload and CRC of a known chunk are in b[at..]: check, decode, count. */
  private finishChunk(b: Uint8Array, at: number, out: TraceChunk[]): void {
    const length = this.chunkLength;
    const payload = b.subarray(at, at + length);
    this.checkCrc(readU32(b, at + length), crc32(payload, this.crc));
    const fields = new Fields(payload, this.chunkStart + CHUNK_HEADER_BYTES, this.fileName);
    let chunk: TraceChunk;
    switch (this.chunkType) {
      case ChunkType.PROCESS:
        chunk = { type: 'process', info: fields.jsonObject('the process chunk', payload.length) };
        break;
      case ChunkType.FUNCTIONS:
        chunk = { type: 'functions', functions: decodeFunctions(fields) };
        break;
      case ChunkType.THREAD: {
        const threadId = fields.u32('the thread id');
        const name = fields.string('the thread name');
        fields.end('thread');
        chunk = { type: 'thread', thread: { threadId, name } };
        break;
      }
      case ChunkType.SUB_BUFFER:
        chunk = { type: 'sub-buffer', subBuffer: decodeSubBuffer(fields) };
        break;
      default:
        chunk = { type: 'trailer', trailer: decodeTrailer(fields) };
    }
    let mismatch: string | null = null;
    if (chunk.type === 'trailer') {
      mismatch = this.trailerMismatch(chunk.trailer);
      this.totals.chunks = 0;
      this.totals.subBuffers = 0;
      this.totals.lostSubBuffers = 0;
      this.totals.lostEntries = 0;
      this.trailed = true;
    } else {
      this.totals.chunks++;
      if (chunk.type === 'sub-buffer') {
        this.totals.subBuffers++;
        this.totals.lostSubBuffers += chunk.subBuffer.lostSubBuffers;
        this.totals.lostEntries += chunk.subBuffer.lostEntries;
      }
      this.trailed = false;
    }
    this.endChunk();
    out.push(chunk);
    if (mismatch !== null) this.warn('trailer-mismatch', this.chunkStart, mismatch);
  }

  /** Why a trailer's totals disagree with the segment counted so far, or null. */
  private trailerMismatch(t: TraceTrailer): string | null {
    const s = this.totals;
    if (
      t.chunks === s.chunks &&
      t.subBuffers === s.subBuffers &&
      t.lostSubBuffers === s.lostSubBuffers &&
      t.lostEntries === s.lostEntries
    ) {
      return null;
    }
    const show = (x: SegmentTotals) =>
      `${x.chunks} chunks, ${x.subBuffers} sub-buffers, ${x.lostSubBuffers} lost sub-buffers, ${x.lostEntries} lost entries`;
    return `the trailer counts ${show(t)}; its segment holds ${show(s)}`;
  }
}

/** Bounds-checked little-endian fields of one payload; errors carry file offsets. */
class Fields {
  private readonly view: DataView;
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** File offset of bytes[0]. */
    readonly base: number,
    private readonly fileName: string | undefined,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get left(): number {
    return this.bytes.length - this.pos;
  }

  at(): number {
    return this.base + this.pos;
  }

  fail(offset: number, expected: string, got?: string): TraceFormatError {
    return new TraceFormatError(offset, expected, got, this.fileName);
  }

  private need(bytes: number, what: string): void {
    if (this.left < bytes) {
      throw this.fail(this.at(), `${what} (${bytes} bytes)`, `the end of the chunk payload after ${this.left} bytes`);
    }
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A u32 that must be at most `max` (and at least `min`). */
  bounded(what: string, max: number, min = 0): number {
    const at = this.at();
    const v = this.u32(what);
    if (v > max || v < min) throw this.fail(at, `${what} in [${min}, ${max}]`, String(v));
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** An f64 holding a count: a non-negative integer no larger than 2^53 - 1. */
  count(what: string): number {
    const at = this.at();
    const v = this.f64(what);
    if (!Number.isSafeInteger(v) || v < 0) throw this.fail(at, `${what} as a non-negative integer`, String(v));
    return v;
  }

  /** `length` bytes of UTF-8. */
  utf8(what: string, length: number): string {
    const at = this.at();
    const bytes = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    try {
      return utf8.decode(bytes);
    } catch {
      throw this.fail(at, `valid UTF-8 in ${what}`, 'invalid UTF-8');
    }
  }

  /** u32 byte length, then that many bytes of UTF-8. */
  string(what: string): string {
    const at = this.at();
    const length = this.u32(`the byte length of ${what}`);
    if (length > this.left) {
      throw this.fail(at, `a byte length of at most ${this.left} for ${what} (the rest of the chunk)`, String(length));
    }
    return this.utf8(what, length);
  }

  /** `length` bytes of UTF-8 holding a JSON object. */
  jsonObject(what: string, length: number): JsonObject {
    const at = this.at();
    const text = this.utf8(what, length);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw this.fail(at, `a JSON object in ${what}`, `invalid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(at, `a JSON object in ${what}`, describeJson(value));
    }
    return value as JsonObject;
  }

  end(what: string): void {
    if (this.left !== 0) {
      throw this.fail(this.at(), `the end of the ${what} chunk payload`, `${this.left} more bytes`);
    }
  }
}

function decodeFunctions(f: Fields): FunctionInfo[] {
  const at = f.at();
  const count = f.u32('the function count');
  const max = Math.floor(f.left / FUNCTION_MIN_BYTES);
  if (count > max) {
    throw f.fail(at, `a function count of at most ${max} (${FUNCTION_MIN_BYTES} bytes each at least)`, String(count));
  }
  const functions: FunctionInfo[] = [];
  for (let i = 0; i < count; i++) {
    const threadId = f.u32(`the thread id of function ${i}`);
    const id = f.u32(`the id of function ${i}`);
    const line = f.u32(`the line of function ${i}`);
    const column = f.u32(`the column of function ${i}`);
    const name = f.string(`the name of function ${i}`);
    const file = f.string(`the file of function ${i}`);
    functions.push({ threadId, id, name, file, line, column });
  }
  f.end('functions');
  return functions;
}

function decodeSubBuffer(f: Fields): SubBuffer {
  const threadId = f.u32('the thread id');
  const seq = f.u32('the sequence number');
  const reason = f.u32('the reason bits');
  const startDepth = f.bounded('the start depth', MAX_STACK_DEPTH);
  const pops = f.bounded('the pop count', MAX_STACK_DEPTH);
  const entriesAt = f.at();
  const entries = f.u32('the entry count');
  const recordWords = f.bounded('the words per record', MAX_RECORD_WORDS, 1);
  const lostSubBuffers = f.u32('the lost sub-buffer count');
  const lostEntries = f.u32('the lost entry count');
  const lostLowDepth = f.bounded('the lowest depth of the lost stretch', MAX_STACK_DEPTH);
  const request = f.u32('the request serial');
  const time = f.f64('the time');
  const words = f.left / 4;
  if (entries * recordWords !== words) {
    throw f.fail(
      entriesAt,
      `entries × recordWords = ${words} (the record words the chunk length leaves room for)`,
      `${entries} × ${recordWords}`,
    );
  }
  let records: Int32Array;
  const bytes = f.bytes.subarray(f.pos);
  if (LITTLE_ENDIAN_HOST) {
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    records = new Int32Array(copy.buffer);
  } else {
    records = new Int32Array(words);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < words; i++) records[i] = view.getInt32(4 * i, true);
  }
  f.pos += bytes.length;
  return {
    threadId,
    seq,
    reason,
    startDepth,
    pops,
    records,
    recordWords,
    lostSubBuffers,
    lostEntries,
    lostLowDepth,
    request,
    time,
  };
}

function decodeTrailer(f: Fields): TraceTrailer {
  const chunks = f.count('the chunk count');
  const subBuffers = f.count('the sub-buffer count');
  const lostSubBuffers = f.count('the lost sub-buffer total');
  const lostEntries = f.count('the lost entry total');
  const endTime = f.f64('the end time');
  const at = f.at();
  const length = f.u32('the byte length of the trailer extras');
  if (length !== f.left) {
    throw f.fail(at, `a byte length of ${f.left} for the trailer extras (the rest of the chunk)`, String(length));
  }
  const extra = f.jsonObject('the trailer extras', length);
  return { chunks, subBuffers, lostSubBuffers, lostEntries, endTime, extra };
}

// ---------------------------------------------------------------------------------------------
// Helpers.

export interface ReadTraceOptions {
  /** Named in messages (readTraceFile: the path, by default). */
  fileName?: string;
  /** Called for every warning (truncation, skipped unknown chunks, trailer mismatches). */
  onWarning?: (warning: TraceWarning) => void;
}

export interface TraceContents {
  header: TraceHeader | null;
  chunks: TraceChunk[];
  warnings: TraceWarning[];
}

/** Decodes a whole trace held in memory. Throws TraceFormatError on corruption. */
export function readTraceSync(bytes: Uint8Array, options: ReadTraceOptions = {}): TraceContents {
  const warnings: TraceWarning[] = [];
  const decoder = new TraceDecoder({
    fileName: options.fileName,
    onWarning: (w) => {
      warnings.push(w);
      options.onWarning?.(w);
    },
  });
  const chunks = decoder.push(bytes);
  decoder.end();
  return { header: decoder.header, chunks, warnings };
}

/** Reads and decodes a whole trace file at once (readTraceFile streams it instead). */
export function readTraceFileSync(path: string, options: ReadTraceOptions = {}): TraceContents {
  return readTraceSync(fs.readFileSync(path), { fileName: path, ...options });
}

/**
 * Streams the chunks of a trace file, reading it in pieces of `highWaterMark` bytes (64 KiB by
 * default): memory stays bounded by one chunk whatever the size of the file. Corruption throws a
 * TraceFormatError after every chunk before it was yielded; truncation is a warning. File system
 * errors (a missing file...) are thrown as they are.
 */
export async function* readTraceFile(
  path: string,
  options: ReadTraceOptions & { highWaterMark?: number } = {},
): AsyncGenerator<TraceChunk, void, undefined> {
  const decoder = new TraceDecoder({ fileName: options.fileName ?? path, onWarning: options.onWarning });
  const stream = fs.createReadStream(path, { highWaterMark: options.highWaterMark ?? 1 << 16 });
  try {
    for await (const piece of stream) {
      for (const chunk of decoder.push(piece as Buffer)) yield chunk;
    }
  } finally {
    stream.destroy();
  }
  decoder.end();
}

/**
 * The stack samples of a trace: feeds its sub-buffer chunks, in order, through a Reconstructor
 * (a fresh one unless given) and yields one sample per sub-buffer. Other chunks are skipped.
 */
export function* traceSamples(
  chunks: Iterable<TraceChunk>,
  reconstructor: Reconstructor = new Reconstructor(),
): Generator<StackSample, void, undefined> {
  for (const chunk of chunks) {
    if (chunk.type === 'sub-buffer') yield reconstructor.push(chunk.subBuffer);
  }
}

/** traceSamples over an asynchronous stream of chunks (readTraceFile). */
export async function* traceSamplesAsync(
  chunks: AsyncIterable<TraceChunk> | Iterable<TraceChunk>,
  reconstructor: Reconstructor = new Reconstructor(),
): AsyncGenerator<StackSample, void, undefined> {
  for await (const chunk of chunks) {
    if (chunk.type === 'sub-buffer') yield reconstructor.push(chunk.subBuffer);
  }
}
