import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reconstructor, type SubBuffer } from '../src/index.js';
import {
  ChunkType,
  crc32,
  encodeChunk,
  encodeFileHeader,
  encodeFunctionsChunks,
  encodeRawChunk,
  encodeTrace,
  FILE_HEADER_BYTES,
  MAX_CHUNK_PAYLOAD,
  MAX_RECORD_WORDS,
  MAX_STACK_DEPTH,
  readTraceFile,
  readTraceFileSync,
  readTraceSync,
  SUB_BUFFER_FIXED_BYTES,
  TraceDecoder,
  TraceFormatError,
  traceSamples,
  traceSamplesAsync,
  TraceWriter,
  type ProcessInfo,
  type TraceChunk,
  type TraceWarning,
} from '../src/trace/index.js';
import { chunkEnds, mulberry32, recordTrace, trailerFor } from './trace-helpers.js';

const MAX_U32 = 0xffffffff;

// ---------------------------------------------------------------------------------------------
// Helpers

/** What a chunk decodes to: JSON objects come back as JSON does (-0 -> 0, undefined dropped...). */
function normalise(chunk: TraceChunk): TraceChunk {
  if (chunk.type === 'process') return { type: 'process', info: JSON.parse(JSON.stringify(chunk.info)) };
  if (chunk.type === 'trailer') {
    return { type: 'trailer', trailer: { ...chunk.trailer, extra: JSON.parse(JSON.stringify(chunk.trailer.extra)) } };
  }
  return chunk;
}

interface Decoded {
  chunks: TraceChunk[];
  warnings: TraceWarning[];
  error: unknown;
}

/** Decodes `bytes` pushed in pieces ending at `cuts` (ascending), then the rest. */
function decodePieces(bytes: Uint8Array, cuts: readonly number[]): Decoded {
  const decoder = new TraceDecoder({ fileName: 'trace.srt' });
  const chunks: TraceChunk[] = [];
  let error: unknown;
  try {
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      chunks.push(...decoder.push(bytes.subarray(from, cut)));
      from = cut;
    }
    decoder.end();
  } catch (err) {
    error = err;
  }
  return { chunks, warnings: decoder.warnings, error };
}

function patchCrc(bytes: Buffer, chunkStart: number): void {
  const length = bytes.readUInt32LE(chunkStart + 4);
  const end = chunkStart + 8 + length;
  bytes.writeUInt32LE(crc32(bytes.subarray(chunkStart, end)), end);
}

function expectFormatError(fn: () => unknown, offset: number, text: RegExp): TraceFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TraceFormatError);
  const err = caught as TraceFormatError;
  expect(err.offset).toBe(offset);
  expect(err.message).toMatch(text);
  expect(err.message).toContain(`at byte ${offset}: expected ${err.expected}`);
  return err;
}

/** The chunks of one recorded trace, closed by a trailer, and its bytes. */
const recorded = recordTrace(1, 2500);
const closedChunks: TraceChunk[] = [...recorded.chunks, { type: 'trailer', trailer: trailerFor(recorded.chunks) }];
const closedBytes = encodeTrace(closedChunks);
/** A shorter one (about 7 KB) for the tests that decode it once per byte offset. */
const short = recordTrace(2, 600);
const shortChunks: TraceChunk[] = [...short.chunks, { type: 'trailer', trailer: trailerFor(short.chunks) }];
const shortBytes = encodeTrace(shortChunks);

// ---------------------------------------------------------------------------------------------
// Arbitraries

const u32 = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: MAX_U32 }), fc.constant(MAX_U32));
const depth = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: MAX_STACK_DEPTH }));
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', '\u{FEFF}', 'a\u0000b', '🚀'.repeat(50)),
);

const subBufferArb: fc.Arbitrary<SubBuffer> = fc
  .record({
    recordWords: fc.oneof(
      { weight: 4, arbitrary: fc.constant(1) },
      { weight: 3, arbitrary: fc.integer({ min: 2, max: 6 }) },
      { weight: 1, arbitrary: fc.constant(MAX_RECORD_WORDS) },
    ),
    entries: fc.integer({ min: 0, max: 12 }),
  })
  .chain(({ recordWords, entries }) =>
    fc.record({
      threadId: fc.oneof(fc.integer({ min: 0, max: 15 }), u32),
      seq: u32,
      reason: u32,
      startDepth: depth,
      pops: depth,
      records: fc
        .array(int32, { minLength: entries * recordWords, maxLength: entries * recordWords })
        .map((a) => Int32Array.from(a)),
      recordWords: fc.constant(recordWords),
      lostSubBuffers: u32,
      lostEntries: u32,
      lostLowDepth: depth,
      request: u32,
      time: fc.double(),
    }),
  );

const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

type Item = TraceChunk | 'trailer';
const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 1, arbitrary: jsonObject.map((info): TraceChunk => ({ type: 'process', info: info as ProcessInfo })) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.record({ threadId: u32, id: u32, name: text, file: text, line: u32, column: u32 }), { maxLength: 6 })
      .map((functions): TraceChunk => ({ type: 'functions', functions })),
  },
  { weight: 1, arbitrary: fc.record({ threadId: u32, name: text }).map((thread): TraceChunk => ({ type: 'thread', thread })) },
  { weight: 5, arbitrary: subBufferArb.map((subBuffer): TraceChunk => ({ type: 'sub-buffer', subBuffer })) },
  { weight: 1, arbitrary: fc.constant<'trailer'>('trailer') },
);

/** A random interleaving of chunks with correct trailers where the items say so. */
const traceArb = fc
  .record({ items: fc.array(itemArb, { maxLength: 30 }), close: fc.boolean(), endTime: fc.double(), extra: jsonObject })
  .map(({ items, close, endTime, extra }) => {
    const chunks: TraceChunk[] = [];
    let segment: TraceChunk[] = [];
    for (const item of close ? [...items, 'trailer' as const] : items) {
      if (item === 'trailer') {
        chunks.push({ type: 'trailer', trailer: trailerFor(segment, endTime, extra) });
        segment = [];
      } else {
        chunks.push(item);
        segment.push(item);
      }
    }
    return chunks;
  });

// ---------------------------------------------------------------------------------------------

describe('crc32', () => {
  const reference = (bytes: Uint8Array): number => {
    let c = 0xffffffff;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };

  it('matches the standard check value and a bitwise reference', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), (bytes, split) => {
        const at = Math.min(split, bytes.length);
        expect(crc32(bytes)).toBe(reference(bytes));
        expect(crc32(bytes.subarray(at), crc32(bytes.subarray(0, at)))).toBe(reference(bytes));
        const zcrc = (zlib as { crc32?: (b: Uint8Array) => number }).crc32;
        if (zcrc) expect(crc32(bytes)).toBe(zcrc(bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('round trip', () => {
  it('decodes random interleavings of every chunk type to exactly what was written', () => {
    fc.assert(
      fc.property(traceArb, (chunks) => {
        const bytes = encodeTrace(chunks);
        const { chunks: decoded, warnings, header } = readTraceSync(bytes);
        expect(header).toEqual({ major: 1, minor: 0, flags: 0 });
        expect(decoded).toEqual(chunks.map(normalise));
        const closed = chunks.length > 0 && chunks[chunks.length - 1].type === 'trailer';
        expect(warnings.map((w) => w.kind)).toEqual(closed ? [] : ['truncated']);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result whatever the pieces the bytes arrive in', () => {
    fc.assert(
      fc.property(traceArb, fc.array(fc.nat(), { maxLength: 8 }), (chunks, rawCuts) => {
        const bytes = encodeTrace(chunks);
        const cuts = rawCuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
        const batch = decodePieces(bytes, []);
        const streamed = decodePieces(bytes, cuts);
        expect(streamed).toEqual(batch);
        expect(streamed.chunks).toEqual(chunks.map(normalise));
      }),
      { numRuns: 200 },
    );
  });

  it('decodes a recorded trace of many threads, with losses, keyframes and live copies', () => {
    const subs = recorded.subBuffers;
    expect(new Set(subs.map((s) => s.threadId)).size).toBe(3);
    expect(subs.some((s) => s.lostSubBuffers > 0)).toBe(true);
    expect(subs.some((s) => s.startDepth === 0 && s.records.length > 0)).toBe(true);
    expect(subs.some((s) => (s.reason & 16) !== 0)).toBe(true); // LIVE
    const { chunks, warnings } = readTraceSync(closedBytes);
    expect(chunks).toEqual(closedChunks);
    expect(warnings).toEqual([]);
  });

  it('round-trips sub-buffers with several words per record and extreme values', () => {
    const sub: SubBuffer = {
      threadId: MAX_U32,
      seq: MAX_U32,
      reason: MAX_U32,
      startDepth: MAX_STACK_DEPTH,
      pops: MAX_STACK_DEPTH,
      records: Int32Array.of(-0x80000000, 0x7fffffff, -1, 0, 1, 2),
      recordWords: 3,
      lostSubBuffers: MAX_U32,
      lostEntries: MAX_U32,
      lostLowDepth: MAX_STACK_DEPTH,
      request: MAX_U32,
      time: -0,
    };
    for (const time of [-0, NaN, Infinity, -Infinity, Number.MIN_VALUE, 1.7e12 + 0.123]) {
      const chunk: TraceChunk = { type: 'sub-buffer', subBuffer: { ...sub, time } };
      const { chunks } = readTraceSync(encodeTrace([chunk]));
      expect(chunks).toEqual([chunk]);
      expect(Object.is((chunks[0] as { subBuffer: SubBuffer }).subBuffer.time, time)).toBe(true);
    }
    // The decoded records own their memory (not a view of the input).
    const bytes = encodeTrace([{ type: 'sub-buffer', subBuffer: sub }]);
    const decoded = (readTraceSync(bytes).chunks[0] as { subBuffer: SubBuffer }).subBuffer;
    bytes.fill(0);
    expect(decoded.records).toEqual(sub.records);
  });

  it('lays out a sub-buffer chunk as documented', () => {
    const sub: SubBuffer = {
      threadId: 1, seq: 2, reason: 3, startDepth: 4, pops: 5, records: Int32Array.of(-1, 7, 8, 9),
      recordWords: 2, lostSubBuffers: 10, lostEntries: 11, lostLowDepth: 12, request: 13, time: 0.5,
    };
    const b = encodeChunk({ type: 'sub-buffer', subBuffer: sub });
    expect(b.readUInt32LE(0)).toBe(ChunkType.SUB_BUFFER);
    expect(b.readUInt32LE(4)).toBe(SUB_BUFFER_FIXED_BYTES + 16);
    const fields = Array.from({ length: 11 }, (_, i) => b.readUInt32LE(8 + 4 * i));
    expect(fields).toEqual([1, 2, 3, 4, 5, 2, 2, 10, 11, 12, 13]);
    expect(b.readDoubleLE(8 + 44)).toBe(0.5);
    expect([0, 1, 2, 3].map((i) => b.readInt32LE(8 + 52 + 4 * i))).toEqual([-1, 7, 8, 9]);
    expect(b.readUInt32LE(b.length - 4)).toBe(crc32(b.subarray(0, b.length - 4)));
    expect(b.length).toBe(8 + 52 + 16 + 4);
    expect(encodeFileHeader().toString('hex')).toBe('53544b5254524300' + '0100' + '0000' + '00000000');
  });

  it('keeps strings exactly (UTF-8, BOM, NUL) and writes lone surrogates as U+FFFD', () => {
    const functions = [
      { threadId: 0, id: 0, name: '\u{FEFF}start', file: 'C:\\ü\\🚀.js', line: 0, column: 0 },
      { threadId: 0, id: 1, name: 'a\u0000b', file: '', line: 1, column: 1 },
      { threadId: 0, id: 2, name: 'bad\uD800', file: '\uDFFFx', line: 2, column: 3 },
    ];
    const { chunks } = readTraceSync(encodeTrace([{ type: 'functions', functions }]));
    expect(chunks).toEqual([
      {
        type: 'functions',
        functions: [functions[0], functions[1], { ...functions[2], name: 'bad\uFFFD', file: '\uFFFDx' }],
      },
    ]);
  });
});

describe('streaming and truncation', () => {
  it('decodes a trace split at every byte boundary, or byte by byte, like the whole', () => {
    const bytes = shortBytes;
    const whole = decodePieces(bytes, []);
    expect(whole.error).toBeUndefined();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const split = decodePieces(bytes, [cut]);
      expect(split.error).toBeUndefined();
      expect(split.warnings).toEqual([]);
      // Re-encoding what was decoded gives back the very same bytes.
      expect(encodeTrace(split.chunks).equals(bytes)).toBe(true);
    }
    // Full comparisons for a sample of cuts and for byte-by-byte feeding.
    const rand = mulberry32(7);
    for (let i = 0; i < 40; i++) {
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => Math.floor(rand() * bytes.length)).sort(
        (a, b) => a - b,
      );
      expect(decodePieces(bytes, cuts)).toEqual(whole);
    }
    expect(decodePieces(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(whole);
  });

  it('decodes a trace cut at every byte offset up to its last whole chunk, with a truncation warning', () => {
    const ends = chunkEnds(shortChunks);
    for (let cut = 0; cut <= shortBytes.length; cut++) {
      const prefix = shortBytes.subarray(0, cut);
      const { chunks, warnings } = readTraceSync(prefix, { fileName: 'cut.srt' });
      const whole = ends.filter((end) => end <= cut).length;
      expect(chunks.length).toBe(whole);
      expect(encodeTrace(chunks).equals(shortBytes.subarray(0, whole === 0 ? FILE_HEADER_BYTES : ends[whole - 1]))).toBe(true);
      if (cut === shortBytes.length) {
        expect(warnings).toEqual([]);
      } else {
        expect(warnings.length).toBe(1);
        expect(warnings[0].kind).toBe('truncated');
        expect(warnings[0].offset).toBe(whole > 0 ? ends[whole - 1] : cut < FILE_HEADER_BYTES ? 0 : FILE_HEADER_BYTES);
        expect(warnings[0].message).toMatch(/^cut\.srt: at byte \d+: /);
      }
    }
    // Structural equality on a few cuts (the byte comparison above covers the rest).
    for (const cut of [0, 5, FILE_HEADER_BYTES, ends[3] + 3, ends[ends.length - 2], shortBytes.length - 1]) {
      const whole = ends.filter((end) => end <= cut).length;
      expect(readTraceSync(shortBytes.subarray(0, cut)).chunks).toEqual(shortChunks.slice(0, whole));
    }
  });

  it('buffers at most about twice the bytes of a partial chunk it has received', () => {
    const big: TraceChunk = {
      type: 'sub-buffer',
      subBuffer: { ...recorded.subBuffers[0], records: new Int32Array(1 << 20), recordWords: 1 },
    };
    const bytes = encodeTrace([big]);
    const decoder = new TraceDecoder();
    let received = 0;
    for (let at = 0; at < bytes.length; at += 10_000) {
      const piece = bytes.subarray(at, Math.min(at + 10_000, bytes.length));
      received += piece.length;
      decoder.push(piece);
      expect(decoder.peakBufferBytes).toBeLessThanOrEqual(Math.max(2 * received, 4096));
    }
    // A length field announcing 60 MiB over a 100-byte input allocates next to nothing.
    const liar = Buffer.concat([encodeFileHeader(), Buffer.alloc(100)]);
    liar.writeUInt32LE(ChunkType.SUB_BUFFER, 16);
    liar.writeUInt32LE(SUB_BUFFER_FIXED_BYTES + 60 * 1024 * 1024, 20);
    const d = new TraceDecoder();
    for (let at = 0; at < liar.length; at += 7) d.push(liar.subarray(at, at + 7));
    d.end();
    expect(d.peakBufferBytes).toBe(4096);
    expect(d.warnings[0].kind).toBe('truncated');
  });

  it('delivers the chunks before a corruption, then throws', () => {
    const bad = Buffer.from(closedBytes);
    const ends = chunkEnds(closedChunks);
    bad[ends[4] + 10] ^= 0x40; // inside chunk 5
    // One piece: push returns the 5 whole chunks; the error comes with the next call.
    const decoder = new TraceDecoder();
    expect(decoder.push(bad).length).toBe(5);
    expect(decoder.failure).toBeInstanceOf(TraceFormatError);
    expect(() => decoder.end()).toThrow(TraceFormatError);
    expect(() => decoder.push(new Uint8Array(1))).toThrow(TraceFormatError);
    // Whatever the pieces: the same chunks, the same error.
    const whole = decodePieces(bad, []);
    expect(whole.chunks).toEqual(closedChunks.slice(0, 5));
    expect(whole.error).toBeInstanceOf(TraceFormatError);
    for (let cut = 0; cut <= bad.length; cut += 13) expect(decodePieces(bad, [cut])).toEqual(whole);
    // A push that decodes nothing throws at once.
    const d2 = new TraceDecoder();
    d2.push(bad.subarray(0, ends[4] + 5));
    expect(() => d2.push(bad.subarray(ends[4] + 5))).toThrow(TraceFormatError);
  });
});

describe('corruption', () => {
  const one = encodeTrace([
    { type: 'thread', thread: { threadId: 1, name: 'w' } },
    { type: 'sub-buffer', subBuffer: recorded.subBuffers.find((s) => s.records.length === 3) ?? recorded.subBuffers[0] },
  ]);
  const threadStart = FILE_HEADER_BYTES;
  const subStart = FILE_HEADER_BYTES + 8 + 4 + 4 + 1 + 4; // after the thread chunk (payload 9 bytes)

  it('rejects what is not a stackring trace', () => {
    expectFormatError(() => readTraceSync(Buffer.from('PK\u0003\u0004 not a trace at all')), 0, /magic "STKRTRC\\0"/);
    const wrong = Buffer.from(one);
    wrong[3] = 0x41;
    expectFormatError(() => readTraceSync(wrong, { fileName: 'x.srt' }), 3, /^x\.srt: at byte 3: expected byte 0x52 .* got 0x41$/);
    // A prefix of the magic is a truncated trace, not an error.
    expect(readTraceSync(one.subarray(0, 5)).warnings[0].kind).toBe('truncated');
  });

  it('rejects another major version and accepts newer minor versions and unknown flags', () => {
    const major = Buffer.from(one);
    major.writeUInt16LE(2, 8);
    expectFormatError(() => readTraceSync(major), 8, /expected major version 1 .* got 2$/);
    const minor = Buffer.from(one);
    minor.writeUInt16LE(7, 10);
    minor.writeUInt32LE(0xdeadbeef, 12);
    const { header, chunks } = readTraceSync(minor);
    expect(header).toEqual({ major: 1, minor: 7, flags: 0xdeadbeef });
    expect(chunks.length).toBe(2);
  });

  it('checks chunk framing before reading the payload', () => {
    const zeroType = Buffer.from(one);
    zeroType.writeUInt32LE(0, threadStart);
    expectFormatError(() => readTraceSync(zeroType), threadStart, /expected a chunk type \(a non-zero u32\), got 0$/);
    const huge = Buffer.from(one);
    huge.writeUInt32LE(MAX_U32, threadStart + 4);
    const err = expectFormatError(
      () => readTraceSync(huge, { fileName: 'trace.srt' }),
      threadStart + 4,
      /chunk length of at most/,
    );
    expect(err.message).toBe('trace.srt: at byte 20: expected a chunk length of at most 67108864, got 4294967295');
    const over = Buffer.from(one);
    over.writeUInt32LE(MAX_CHUNK_PAYLOAD + 1, threadStart + 4);
    expectFormatError(() => readTraceSync(over), threadStart + 4, /at most 67108864, got 67108865$/);
    const short = Buffer.from(one);
    short.writeUInt32LE(ChunkType.SUB_BUFFER, threadStart);
    expectFormatError(() => readTraceSync(short), threadStart + 4, /sub-buffer chunk length of at least 52, got 9$/);
  });

  it('reports a CRC mismatch at the CRC field', () => {
    const bad = Buffer.from(one);
    bad[subStart + 8 + 20] ^= 1;
    const length = bad.readUInt32LE(subStart + 4);
    expectFormatError(() => readTraceSync(bad), subStart + 8 + length, /expected the CRC-32 0x[0-9a-f]{8} of the sub-buffer chunk at byte 37, got 0x/);
  });

  it('validates payloads (with a correct CRC) field by field', () => {
    const p = subStart + 8;
    const cases: [string, (b: Buffer) => void, number, RegExp][] = [
      ['entries', (b) => b.writeUInt32LE(MAX_U32, p + 20), p + 20, /entries × recordWords = 3 .* got 4294967295 × 1$/],
      ['recordWords 0', (b) => b.writeUInt32LE(0, p + 24), p + 24, /words per record in \[1, 256\], got 0$/],
      ['recordWords', (b) => b.writeUInt32LE(3, p + 24), p + 20, /entries × recordWords = 3 .* got 3 × 3$/],
      ['startDepth', (b) => b.writeUInt32LE(MAX_STACK_DEPTH + 1, p + 12), p + 12, /start depth in \[0, 16777216\]/],
      ['thread name length', (b) => b.writeUInt32LE(2, threadStart + 12), threadStart + 12, /byte length of at most 1 for the thread name/],
      ['thread name UTF-8', (b) => (b[threadStart + 16] = 0xff), threadStart + 16, /valid UTF-8 in the thread name, got invalid UTF-8$/],
    ];
    for (const [what, mutate, offset, message] of cases) {
      const bad = Buffer.from(one);
      mutate(bad);
      patchCrc(bad, threadStart);
      patchCrc(bad, subStart);
      try {
        expectFormatError(() => readTraceSync(bad), offset, message);
      } catch (err) {
        throw new Error(`case ${what}: ${(err as Error).message}`);
      }
    }
  });

  it('validates functions, process and trailer payloads', () => {
    const chunk = (type: number, payload: Buffer) => Buffer.concat([encodeFileHeader(), encodeRawChunk(type, payload)]);
    const p = FILE_HEADER_BYTES + 8;
    const count = Buffer.alloc(4 + 24);
    count.writeUInt32LE(1_000_000, 0);
    expectFormatError(() => readTraceSync(chunk(ChunkType.FUNCTIONS, count)), p, /function count of at most 1 .* got 1000000$/);
    const trailing = Buffer.concat([encodeChunk({ type: 'functions', functions: [] }).subarray(8, 12), Buffer.alloc(3)]);
    expectFormatError(() => readTraceSync(chunk(ChunkType.FUNCTIONS, trailing)), p + 4, /end of the functions chunk payload, got 3 more bytes$/);
    expectFormatError(() => readTraceSync(chunk(ChunkType.PROCESS, Buffer.from('[1,2]'))), p, /JSON object in the process chunk, got an array$/);
    expectFormatError(() => readTraceSync(chunk(ChunkType.PROCESS, Buffer.from('{"a":'))), p, /got invalid JSON/);
    expectFormatError(() => readTraceSync(chunk(ChunkType.PROCESS, Buffer.from([0x7b, 0xc3, 0x7d]))), p, /valid UTF-8/);
    const trailer = encodeChunk({ type: 'trailer', trailer: { ...trailerFor([]), extra: { a: 1 } } }).subarray(8, -4);
    const negative = Buffer.from(trailer);
    negative.writeDoubleLE(-1, 8);
    expectFormatError(() => readTraceSync(chunk(ChunkType.TRAILER, negative)), p + 8, /sub-buffer count as a non-negative integer, got -1$/);
    const fraction = Buffer.from(trailer);
    fraction.writeDoubleLE(0.5, 0);
    expectFormatError(() => readTraceSync(chunk(ChunkType.TRAILER, fraction)), p, /chunk count as a non-negative integer, got 0.5$/);
  });

  it('warns when a trailer disagrees with its segment', () => {
    const bytes = encodeTrace([...recorded.chunks.slice(0, 5), { type: 'trailer', trailer: trailerFor([]) }]);
    const { chunks, warnings } = readTraceSync(bytes);
    expect(chunks.length).toBe(6);
    expect(warnings.map((w) => w.kind)).toEqual(['trailer-mismatch']);
    expect(warnings[0].message).toMatch(/the trailer counts 0 chunks, .*; its segment holds 5 chunks/);
  });
});

describe('forward compatibility', () => {
  it('skips unknown chunk types with a warning, still checking their CRC and length', () => {
    const extension = encodeRawChunk(0x1234, Buffer.from('from a newer minor version'));
    const empty = encodeRawChunk(99, new Uint8Array(0));
    const bytes = Buffer.concat([
      encodeFileHeader(3),
      encodeChunk(recorded.chunks[0]),
      extension,
      empty,
      encodeChunk(recorded.chunks[1]),
      encodeChunk({ type: 'trailer', trailer: trailerFor([recorded.chunks[0], recorded.chunks[0], recorded.chunks[0], recorded.chunks[1]]) }),
    ]);
    for (const cuts of [[], [30], [40, 41, 42, 60]]) {
      const { chunks, warnings } = decodePieces(bytes, cuts);
      expect(chunks.map((c) => c.type)).toEqual(['process', 'thread', 'trailer']);
      expect(warnings.map((w) => w.kind)).toEqual(['unknown-chunk', 'unknown-chunk']);
      expect(warnings[0].message).toMatch(/skipped a chunk of unknown type 4660 \(26 bytes of payload\)/);
    }
    // A warning callback that throws does not leave the decoder in a broken state.
    let calls = 0;
    const decoder = new TraceDecoder({
      onWarning: () => {
        if (calls++ === 0) throw new Error('callback failed');
      },
    });
    const cut = FILE_HEADER_BYTES + encodeChunk(recorded.chunks[0]).length + extension.length;
    expect(() => decoder.push(bytes.subarray(0, cut))).toThrow('callback failed');
    expect(decoder.push(bytes.subarray(cut)).map((c) => c.type)).toEqual(['thread', 'trailer']);
    decoder.end();
    expect(decoder.warningCount).toBe(2);

    const bad = Buffer.from(bytes);
    const at = FILE_HEADER_BYTES + encodeChunk(recorded.chunks[0]).length;
    bad[at + 12] ^= 1;
    expectFormatError(() => readTraceSync(bad), at + 8 + 26, /CRC-32 .* of the unknown \(type 4660\) chunk/);
  });
});

describe('TraceWriter and readTraceFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackring-trace-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = () => 1.75e12 + 5000;

  async function readAll(file: string, highWaterMark?: number) {
    const chunks: TraceChunk[] = [];
    const warnings: TraceWarning[] = [];
    for await (const chunk of readTraceFile(file, { highWaterMark, onWarning: (w) => warnings.push(w) })) {
      chunks.push(chunk);
    }
    return { chunks, warnings };
  }

  it('writes exactly what encodeTrace encodes, and readTraceFile streams it back', async () => {
    const file = path.join(dir, 'plain.srt');
    const writer = new TraceWriter(file, { clock });
    for (const chunk of recorded.chunks) writer.write(chunk);
    const trailer = writer.close({ reason: 'test', samples: recorded.subBuffers.length });
    expect(trailer).toEqual(trailerFor(recorded.chunks, clock(), { reason: 'test', samples: recorded.subBuffers.length }));
    const expected = [...recorded.chunks, { type: 'trailer' as const, trailer }];
    expect(fs.readFileSync(file).equals(encodeTrace(expected))).toBe(true);
    for (const highWaterMark of [undefined, 7, 1000]) {
      expect(await readAll(file, highWaterMark)).toEqual({ chunks: expected, warnings: [] });
    }
    expect(readTraceFileSync(file).chunks).toEqual(expected);
    expect(() => writer.writeThread({ threadId: 1, name: 'late' })).toThrow(/closed/);
  });

  it('writes metadata at any time, each chunk with a single write', () => {
    const file = path.join(dir, 'order.srt');
    const writer = new TraceWriter(file, { clock });
    const sizes: number[] = [writer.size];
    const sub = recorded.subBuffers[0];
    writer.writeSubBuffer(sub);
    sizes.push(writer.size);
    writer.writeFunctions([{ threadId: 0, id: 3, name: 'late', file: 'x.js', line: 1, column: 1 }]);
    sizes.push(writer.size);
    writer.writeProcess({ pid: 1 });
    writer.writeThread({ threadId: 9, name: 'nine' });
    writer.writeSubBuffer(sub);
    expect(writer.segment).toEqual({ chunks: 5, subBuffers: 2, lostSubBuffers: 2 * sub.lostSubBuffers, lostEntries: 2 * sub.lostEntries });
    writer.abort();
    expect(sizes).toEqual([16, 16 + encodeChunk({ type: 'sub-buffer', subBuffer: sub }).length, sizes[1] + 12 + 4 + 16 + 8 + 8]);
    const { chunks, warnings } = readTraceFileSync(file);
    expect(chunks.map((c) => c.type)).toEqual(['sub-buffer', 'functions', 'process', 'thread', 'sub-buffer']);
    expect(warnings.map((w) => w.kind)).toEqual(['truncated']); // aborted: no trailer
    expect(warnings[0].message).toContain(file);
  });

  it('refuses values the format cannot hold', () => {
    const file = path.join(dir, 'invalid.srt');
    const writer = new TraceWriter(file);
    const sub = recorded.subBuffers[0];
    expect(() => writer.writeSubBuffer({ ...sub, seq: -1 })).toThrow(RangeError);
    expect(() => writer.writeSubBuffer({ ...sub, threadId: 2 ** 32 })).toThrow(RangeError);
    expect(() => writer.writeSubBuffer({ ...sub, startDepth: MAX_STACK_DEPTH + 1 })).toThrow(RangeError);
    expect(() => writer.writeSubBuffer({ ...sub, recordWords: 0 })).toThrow(RangeError);
    expect(() => writer.writeSubBuffer({ ...sub, records: Int32Array.of(1, 2, 3), recordWords: 2 })).toThrow(RangeError);
    expect(() => writer.writeSubBuffer({ ...sub, records: [1] as unknown as Int32Array })).toThrow(TypeError);
    expect(() => writer.writeFunctions([{ threadId: 0, id: 1.5, name: '', file: '', line: 0, column: 0 }])).toThrow(RangeError);
    expect(() => writer.writeProcess([] as never)).toThrow(TypeError);
    expect(() => writer.writeThread({ threadId: 1, name: 5 as never })).toThrow(TypeError);
    expect(() => encodeRawChunk(0, new Uint8Array(0))).toThrow(RangeError);
    expect(() => writer.close([] as never)).toThrow(TypeError);
    // Nothing was written by the failed calls; the writer still works.
    expect(writer.size).toBe(FILE_HEADER_BYTES);
    writer.close();
    expect(readTraceFileSync(file).chunks).toEqual([{ type: 'trailer', trailer: expect.objectContaining({ chunks: 0 }) }]);
  });

  it('splits a functions list that exceeds one chunk', () => {
    const big = 'x'.repeat(33 * 1024 * 1024);
    const functions = [
      { threadId: 0, id: 1, name: big, file: 'a.js', line: 1, column: 1 },
      { threadId: 0, id: 2, name: big, file: 'b.js', line: 2, column: 2 },
      { threadId: 0, id: 3, name: 'small', file: 'c.js', line: 3, column: 3 },
    ];
    const chunks = encodeFunctionsChunks(functions);
    expect(chunks.length).toBe(2);
    expect(() => encodeChunk({ type: 'functions', functions })).toThrow(RangeError);
    const decoded = readTraceSync(Buffer.concat([encodeFileHeader(), ...chunks])).chunks;
    expect(decoded.flatMap((c) => (c.type === 'functions' ? c.functions : []))).toEqual(functions);
    expect(() => encodeFunctionsChunks([{ threadId: 0, id: 1, name: big + big, file: '', line: 0, column: 0 }])).toThrow(RangeError);
  });
});

describe('TraceWriter.append', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackring-append-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const clock = () => 1.75e12 + 9000;
  const all = recorded.chunks;
  const half = Math.floor(all.length / 2);

  it('continues a trace its writer did not close, cutting the partial chunk a crash left', () => {
    const file = path.join(dir, 'crashed.srt');
    const first = new TraceWriter(file, { clock });
    for (const chunk of all.slice(0, half)) first.write(chunk);
    first.abort();
    const torn = encodeChunk(all[half]).subarray(0, 23);
    fs.appendFileSync(file, torn);
    const sizeBefore = fs.statSync(file).size;

    const writer = TraceWriter.append(file, { clock });
    expect(writer.appendInfo).toMatchObject({
      keptBytes: sizeBefore - 23,
      discardedBytes: 23,
      trailed: false,
      segment: { chunks: half },
    });
    expect(writer.appendInfo?.warnings.map((w) => w.kind)).toEqual(['truncated']);
    for (const chunk of all.slice(half)) writer.write(chunk);
    const trailer = writer.close();
    expect(trailer).toEqual(trailerFor(all, clock()));
    const { chunks, warnings } = readTraceFileSync(file);
    expect(warnings).toEqual([]);
    expect(chunks).toEqual([...all, { type: 'trailer', trailer }]);
    expect(fs.readFileSync(file).equals(encodeTrace(chunks))).toBe(true);
  });

  it('starts a new segment after a closed trace, with its own trailer', () => {
    const file = path.join(dir, 'closed.srt');
    const first = new TraceWriter(file, { clock });
    for (const chunk of all.slice(0, half)) first.write(chunk);
    const t1 = first.close({ part: 1 });
    const writer = TraceWriter.append(file, { clock });
    expect(writer.appendInfo).toMatchObject({ discardedBytes: 0, trailed: true, segment: { chunks: 0, subBuffers: 0 } });
    expect(writer.appendInfo?.warnings).toEqual([]);
    for (const chunk of all.slice(half)) writer.write(chunk);
    const t2 = writer.close({ part: 2 });
    expect(t2).toEqual(trailerFor(all.slice(half), clock(), { part: 2 }));
    const { chunks, warnings } = readTraceFileSync(file);
    expect(warnings).toEqual([]);
    expect(chunks).toEqual([...all.slice(0, half), { type: 'trailer', trailer: t1 }, ...all.slice(half), { type: 'trailer', trailer: t2 }]);
    // Samples do not depend on where the segments were cut.
    expect([...traceSamples(chunks)]).toEqual([...traceSamples(all)]);
  });

  it('creates a missing or empty file, and rewrites a partial header', () => {
    for (const [name, content] of [
      ['missing.srt', null],
      ['empty.srt', ''],
      ['partial-header.srt', 'STKRT'],
    ] as const) {
      const file = path.join(dir, name);
      if (content !== null) fs.writeFileSync(file, content);
      const writer = TraceWriter.append(file, { clock });
      expect(writer.appendInfo?.keptBytes).toBe(0);
      writer.writeThread({ threadId: 0, name: 'main' });
      writer.close();
      const { chunks, warnings } = readTraceFileSync(file);
      expect(warnings).toEqual([]);
      expect(chunks.map((c) => c.type)).toEqual(['thread', 'trailer']);
    }
  });

  it('refuses a corrupt file, another major version or a non-trace, leaving it untouched', () => {
    const file = path.join(dir, 'corrupt.srt');
    const bad = Buffer.from(closedBytes);
    bad[chunkEnds(closedChunks)[10] + 30] ^= 4;
    const other = Buffer.from(closedBytes);
    other.writeUInt16LE(2, 8);
    for (const content of [bad, other, Buffer.from('hello, world: definitely not a trace')]) {
      fs.writeFileSync(file, content);
      let caught: unknown;
      try {
        TraceWriter.append(file);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TraceFormatError);
      expect((caught as Error).message.startsWith(`${file}: at byte `)).toBe(true);
      expect(fs.readFileSync(file).equals(content)).toBe(true);
    }
  });
});

describe('traceSamples', () => {
  it('gives the samples of feeding the Reconstructor directly', async () => {
    const direct = [...new Reconstructor().samples(recorded.subBuffers)];
    expect(direct.length).toBe(recorded.subBuffers.length);
    expect([...traceSamples(readTraceSync(closedBytes).chunks)]).toEqual(direct);

    const file = path.join(os.tmpdir(), `stackring-samples-${process.pid}.srt`);
    fs.writeFileSync(file, closedBytes);
    try {
      const fromFile = [];
      for await (const sample of traceSamplesAsync(readTraceFile(file, { highWaterMark: 333 }))) fromFile.push(sample);
      expect(fromFile).toEqual(direct);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('matches the Reconstructor on random traces too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const trace = recordTrace(seed, 400);
        const bytes = encodeTrace(trace.chunks);
        expect([...traceSamples(readTraceSync(bytes).chunks)]).toEqual([...new Reconstructor().samples(trace.subBuffers)]);
      }),
      { numRuns: 20 },
    );
  });
});
