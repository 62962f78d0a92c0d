// Fuzzing of the trace reader: thousands of files mutated from a real trace (recorded from actual
// rings) must each decode (possibly with warnings) or fail with a TraceFormatError at an offset
// inside the file: no other exception, no hang, no allocation beyond what the input justifies.
//
// STACKRING_FUZZ_CASES and STACKRING_FUZZ_SEED override the number of cases and the seed.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_OVERHEAD_BYTES,
  ChunkType,
  crc32,
  encodeChunk,
  encodeFileHeader,
  encodeRawChunk,
  FILE_HEADER_BYTES,
  MAX_CHUNK_PAYLOAD,
  MAX_RECORD_WORDS,
  MAX_STACK_DEPTH,
  readTraceFileSync,
  readTraceSync,
  TraceDecoder,
  TraceFormatError,
  traceSamples,
  TraceWriter,
  type TraceChunk,
  type TraceWarning,
} from '../src/trace/index.js';
import { mulberry32, recordTrace, trailerFor } from './trace-helpers.js';

const CASES = Number(process.env.STACKRING_FUZZ_CASES ?? 12000);
const SEED = Number(process.env.STACKRING_FUZZ_SEED ?? 0x5eed);
const APPEND_CASES = Math.max(50, Math.floor(CASES / 20));
/** Generous: a case takes well under a millisecond; this only catches runaway loops and giant allocations. */
const MAX_CASE_MS = 2000;

// The base: a recorded trace, with a chunk of an unknown type in the middle, closed by a trailer.
const recorded = recordTrace(3, 1500);
const unknown = encodeRawChunk(0x4242, Buffer.from('a chunk type from a future minor version'));
const middle = Math.floor(recorded.chunks.length / 2);
const base = Buffer.concat([
  encodeFileHeader(),
  ...recorded.chunks.slice(0, middle).map((c) => encodeChunk(c)),
  unknown,
  ...recorded.chunks.slice(middle).map((c) => encodeChunk(c)),
  encodeChunk({
    type: 'trailer',
    trailer: { ...trailerFor(recorded.chunks, 1.75e12, { stopped: 'normally' }), chunks: recorded.chunks.length + 1 },
  }),
]);

interface ChunkSpan {
  start: number;
  type: number;
  length: number;
}

/** The whole chunks at the start of a (possibly mutated) trace, by walking its framing. */
function spans(bytes: Buffer): ChunkSpan[] {
  const out: ChunkSpan[] = [];
  for (let at = FILE_HEADER_BYTES; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32LE(at + 4);
    if (at + CHUNK_OVERHEAD_BYTES + length > bytes.length) break;
    out.push({ start: at, type: bytes.readUInt32LE(at), length });
    at += CHUNK_OVERHEAD_BYTES + length;
  }
  return out;
}
const baseSpans = spans(base);

/** Recomputes a chunk's CRC if its declared payload lies inside the buffer. */
function patchCrc(bytes: Buffer, start: number): void {
  if (start + 8 > bytes.length) return;
  const end = start + 8 + bytes.readUInt32LE(start + 4);
  if (end + 4 <= bytes.length) bytes.writeUInt32LE(crc32(bytes.subarray(start, end)), end);
}

type Rand = () => number;
type Mutator = (input: Buffer, r: Rand) => Buffer;

const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];
const randomBytes = (r: Rand, n: number) => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
};
/** Values that sit on the edges the reader checks. */
const interesting = (r: Rand): number =>
  pick(r, [
    0, 1, 2, 3, 4, 0x7f, 0xff, 0x100, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
    MAX_CHUNK_PAYLOAD, MAX_CHUNK_PAYLOAD + 1, MAX_CHUNK_PAYLOAD - 1, MAX_STACK_DEPTH, MAX_STACK_DEPTH + 1,
    MAX_RECORD_WORDS, MAX_RECORD_WORDS + 1, int(r, 0x100000000), int(r, 64),
  ]);
/** A chunk of the input, if it still has the base's layout there (mutations may shift it). */
const someChunk = (input: Buffer, r: Rand): ChunkSpan | null => {
  const list = input.length === base.length ? baseSpans : spans(input);
  return list.length === 0 ? null : pick(r, list);
};

const mutators: Record<string, Mutator> = {
  'bit flips': (input, r) => {
    const b = Buffer.from(input);
    for (let k = 1 + int(r, 8); k > 0; k--) b[int(r, b.length)] ^= 1 << int(r, 8);
    return b;
  },
  'byte overwrites': (input, r) => {
    const b = Buffer.from(input);
    for (let k = 1 + int(r, 6); k > 0; k--) b[int(r, b.length)] = int(r, 256);
    return b;
  },
  'inserted range': (input, r) => {
    const at = int(r, input.length + 1);
    return Buffer.concat([input.subarray(0, at), randomBytes(r, 1 + int(r, 64)), input.subarray(at)]);
  },
  'deleted range': (input, r) => {
    const at = int(r, input.length);
    return Buffer.concat([input.subarray(0, at), input.subarray(at + 1 + int(r, 64))]);
  },
  'duplicated range': (input, r) => {
    const from = int(r, input.length);
    const piece = input.subarray(from, from + 1 + int(r, 200));
    const at = int(r, input.length + 1);
    return Buffer.concat([input.subarray(0, at), piece, input.subarray(at)]);
  },
  truncation: (input, r) => input.subarray(0, int(r, input.length)),
  'length field': (input, r) => {
    const b = Buffer.from(input);
    const c = someChunk(b, r);
    if (c === null) return b;
    const v = r() < 0.5 ? interesting(r) : (c.length + int(r, 9) - 4) >>> 0;
    b.writeUInt32LE(v, c.start + 4);
    if (r() < 0.5) patchCrc(b, c.start);
    return b;
  },
  'payload u32 (CRC fixed)': (input, r) => {
    const b = Buffer.from(input);
    const c = someChunk(b, r);
    if (c === null || c.length < 4) return b;
    for (let k = 1 + int(r, 3); k > 0; k--) {
      const at = c.start + 8 + 4 * int(r, Math.floor(c.length / 4));
      b.writeUInt32LE(interesting(r), at);
    }
    patchCrc(b, c.start);
    return b;
  },
  'payload bytes (CRC fixed)': (input, r) => {
    const b = Buffer.from(input);
    const c = someChunk(b, r);
    if (c === null || c.length === 0) return b;
    for (let k = 1 + int(r, 4); k > 0; k--) b[c.start + 8 + int(r, c.length)] = int(r, 256);
    patchCrc(b, c.start);
    return b;
  },
  'chunk type (CRC fixed)': (input, r) => {
    const b = Buffer.from(input);
    const c = someChunk(b, r);
    if (c === null) return b;
    b.writeUInt32LE(r() < 0.8 ? 1 + int(r, 6) : interesting(r), c.start);
    patchCrc(b, c.start);
    return b;
  },
  'chunks reordered': (input, r) => {
    const list = spans(input);
    const pieces = list.map((c) => input.subarray(c.start, c.start + CHUNK_OVERHEAD_BYTES + c.length));
    for (let k = 1 + int(r, 4); k > 0 && pieces.length > 1; k--) {
      const i = int(r, pieces.length);
      const op = int(r, 3);
      if (op === 0) pieces.splice(i, 1);
      else if (op === 1) pieces.splice(int(r, pieces.length), 0, pieces[i]);
      else {
        const j = int(r, pieces.length);
        [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
      }
    }
    return Buffer.concat([input.subarray(0, FILE_HEADER_BYTES), ...pieces]);
  },
  header: (input, r) => {
    const b = Buffer.from(input);
    if (b.length < FILE_HEADER_BYTES) return b;
    b.writeUInt16LE(r() < 0.5 ? int(r, 4) : int(r, 0x10000), 8 + 2 * int(r, 2));
    if (r() < 0.3) b.writeUInt32LE(int(r, 0x100000000), 12);
    return b;
  },
  'garbage after the header': (_input, r) => Buffer.concat([encodeFileHeader(), randomBytes(r, int(r, 3000))]),
  'pure garbage': (_input, r) => randomBytes(r, int(r, 3000)),
  'chunk-shaped garbage': (_input, r) => {
    // Plausible frames with random payloads and correct CRCs: exercises every payload decoder.
    const parts: Buffer[] = [encodeFileHeader()];
    for (let k = int(r, 20); k > 0; k--) {
      const type = r() < 0.9 ? 1 + int(r, 5) : interesting(r) || 1;
      const length = r() < 0.5 ? int(r, 120) : 52 + 4 * int(r, 30);
      const payload = randomBytes(r, length);
      if (length >= 4 && r() < 0.7) payload.writeUInt32LE(int(r, 4), 0);
      if (type === ChunkType.SUB_BUFFER && length >= 52) {
        for (let i = 0; i < 11; i++) if (r() < 0.7) payload.writeUInt32LE(int(r, 40), 4 * i);
        if (r() < 0.7) payload.writeUInt32LE(1 + int(r, 3), 24);
        if (r() < 0.5) payload.writeUInt32LE((length - 52) / 4 / Math.max(1, payload.readUInt32LE(24)), 20);
      }
      parts.push(encodeRawChunk(type, payload));
    }
    return Buffer.concat(parts);
  },
};
const mutatorNames = Object.keys(mutators);

function mutate(r: Rand): { name: string; input: Buffer } {
  const first = pick(r, mutatorNames);
  let input = mutators[first](base, r);
  let name = first;
  // A third of the cases stack a second or third mutation on the first.
  while (r() < 0.33 && name.split('+').length < 3) {
    const next = pick(r, mutatorNames);
    input = mutators[next](input, r);
    name = `${name}+${next}`;
  }
  return { name, input };
}

interface Outcome {
  chunks: TraceChunk[];
  warnings: TraceWarning[];
  error: unknown;
  peakBufferBytes: number;
}

function decodeInPieces(input: Buffer, r: Rand): Outcome {
  const decoder = new TraceDecoder({ fileName: 'fuzz.srt' });
  const chunks: TraceChunk[] = [];
  let error: unknown;
  try {
    for (let at = 0; at < input.length; ) {
      const size = r() < 0.2 ? 1 + int(r, 8) : 1 + int(r, 2000);
      chunks.push(...decoder.push(input.subarray(at, at + size)));
      at += size;
    }
    decoder.end();
  } catch (err) {
    error = err;
  }
  return { chunks, warnings: decoder.warnings, error, peakBufferBytes: decoder.peakBufferBytes };
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

describe('trace reader fuzzing', () => {
  it(`survives ${CASES} mutated traces`, () => {
    const r = mulberry32(SEED);
    const problems: string[] = [];
    const stats = { decoded: 0, withWarnings: 0, rejected: 0, samples: 0 };
    const byMutator = new Map<string, { cases: number; rejected: number }>();
    const errorKinds = new Map<string, number>();
    let slowest = 0;
    let maxArrayBufferGrowth = 0;
    const started = performance.now();

    for (let n = 0; n < CASES; n++) {
      const { name, input } = mutate(r);
      const first = name.split('+')[0];
      const tally = byMutator.get(first) ?? { cases: 0, rejected: 0 };
      tally.cases++;
      byMutator.set(first, tally);
      const report = (what: string) => {
        if (problems.length < 20) problems.push(`case ${n} (${name}, ${input.length} bytes): ${what}`);
      };

      const t0 = performance.now();
      const memBefore = process.memoryUsage().arrayBuffers;
      // Whole input at once, then the same input in random pieces: both must agree.
      let batch: Outcome;
      try {
        const { chunks, warnings } = readTraceSync(input, { fileName: 'fuzz.srt' });
        batch = { chunks, warnings, error: undefined, peakBufferBytes: 0 };
      } catch (err) {
        batch = { chunks: [], warnings: [], error: err, peakBufferBytes: 0 };
      }
      const streamed = decodeInPieces(input, r);
      maxArrayBufferGrowth = Math.max(maxArrayBufferGrowth, process.memoryUsage().arrayBuffers - memBefore);
      const elapsed = performance.now() - t0;
      slowest = Math.max(slowest, elapsed);
      if (elapsed > MAX_CASE_MS) report(`took ${elapsed.toFixed(0)} ms`);

      for (const outcome of [batch, streamed]) {
        if (outcome.error === undefined) continue;
        if (!(outcome.error instanceof TraceFormatError)) {
          report(`threw ${describeError(outcome.error)}`);
          continue;
        }
        const e = outcome.error;
        if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset > input.length) {
          report(`error offset ${e.offset} outside [0, ${input.length}]: ${e.message}`);
        }
        if (!e.message.startsWith(`fuzz.srt: at byte ${e.offset}: expected `)) report(`badly formed message: ${e.message}`);
      }
      if (describeError(batch.error) !== describeError(streamed.error)) {
        report(`batch and streamed decoding disagree: ${describeError(batch.error)} / ${describeError(streamed.error)}`);
      }
      if (batch.error === undefined && streamed.chunks.length !== batch.chunks.length) {
        report(`batch decoded ${batch.chunks.length} chunks, streamed ${streamed.chunks.length}`);
      }
      if (streamed.peakBufferBytes > Math.max(2 * input.length, 4096)) {
        report(`buffered ${streamed.peakBufferBytes} bytes for a ${input.length}-byte input`);
      }

      if (batch.error !== undefined) {
        stats.rejected++;
        tally.rejected++;
        const e = batch.error as TraceFormatError;
        const kind = (e.expected ?? '').replace(/0x[0-9a-f]+/g, 'X').replace(/\d+/g, 'N').slice(0, 60);
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        continue;
      }
      // The base holds a chunk of an unknown type: its warning alone still means a clean decode.
      if (batch.warnings.some((w) => w.kind !== 'unknown-chunk')) stats.withWarnings++;
      else stats.decoded++;
      // Whatever the reader accepts, the writer can write again (the format is symmetric).
      for (const chunk of batch.chunks) {
        try {
          encodeChunk(chunk);
        } catch (err) {
          report(`decoded chunk ${chunk.type} does not re-encode: ${describeError(err)}`);
        }
      }
      // Reconstructing samples from what decoded must not throw either, nor allocate what a
      // mutated header claims (the reconstructor refuses stacks deeper than any V8 stack).
      try {
        for (const _ of traceSamples(batch.chunks)) stats.samples++;
      } catch (err) {
        report(`traceSamples threw ${describeError(err)}`);
      }
    }

    const total = performance.now() - started;
    const lines = [
      `trace fuzz: ${CASES} cases (seed ${SEED}, base trace ${base.length} bytes, ${baseSpans.length} chunks) in ${total.toFixed(0)} ms; ` +
        `slowest case ${slowest.toFixed(1)} ms; largest ArrayBuffer growth in a case ${(maxArrayBufferGrowth / 1024).toFixed(0)} KiB`,
      `  decoded cleanly ${stats.decoded}, decoded with truncation or trailer warnings ${stats.withWarnings}, TraceFormatError ${stats.rejected}; ` +
        `${stats.samples} samples reconstructed`,
      `  by mutation: ${[...byMutator].map(([k, v]) => `${k} ${v.cases} (${v.rejected} rejected)`).join(', ')}`,
      `  errors: ${[...errorKinds].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${v}× "${k}"`).join('; ')}`,
    ];
    console.log(lines.join('\n'));
    expect(problems).toEqual([]);
    expect(stats.decoded + stats.withWarnings + stats.rejected).toBe(CASES);
    // Both outcomes are exercised substantially.
    expect(stats.rejected).toBeGreaterThan(CASES / 10);
    expect(stats.decoded + stats.withWarnings).toBeGreaterThan(CASES / 10);
    expect(stats.decoded).toBeGreaterThan(CASES / 100);
    // Nothing close to a chunk-sized allocation happened (the base trace is ~12 KB).
    expect(maxArrayBufferGrowth).toBeLessThan(16 * 1024 * 1024);
  });

  it(`appending to ${APPEND_CASES} mutated files either refuses them or leaves a readable trace`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stackring-fuzz-'));
    const r = mulberry32(SEED ^ 0xa99e4d);
    const problems: string[] = [];
    let appended = 0;
    let refused = 0;
    try {
      for (let n = 0; n < APPEND_CASES; n++) {
        const { name, input } = mutate(r);
        const file = path.join(dir, `case-${n}.srt`);
        fs.writeFileSync(file, input);
        let writer: TraceWriter;
        try {
          writer = TraceWriter.append(file, { clock: () => 1 });
        } catch (err) {
          if (!(err instanceof TraceFormatError)) problems.push(`case ${n} (${name}): append threw ${describeError(err)}`);
          else if (!fs.readFileSync(file).equals(input)) problems.push(`case ${n} (${name}): refused but modified the file`);
          refused++;
          continue;
        }
        appended++;
        writer.writeThread({ threadId: 99, name: 'appended' });
        writer.writeSubBuffer(recorded.subBuffers[0]);
        const trailer = writer.close();
        try {
          const { chunks, warnings } = readTraceFileSync(file);
          const last = chunks[chunks.length - 1];
          if (last?.type !== 'trailer' || last.trailer.endTime !== trailer.endTime) {
            problems.push(`case ${n} (${name}): the appended trailer is not the last chunk`);
          }
          if (warnings.some((w) => w.kind === 'truncated')) problems.push(`case ${n} (${name}): still truncated after append`);
          // The new trailer counts its whole segment, so it never disagrees with it.
          if (warnings.some((w) => w.kind === 'trailer-mismatch' && w.offset === fs.statSync(file).size - encodeChunk(last).length)) {
            problems.push(`case ${n} (${name}): the appended trailer disagrees with its segment`);
          }
        } catch (err) {
          problems.push(`case ${n} (${name}): unreadable after append: ${describeError(err)}`);
        }
        fs.rmSync(file);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`trace append fuzz: ${APPEND_CASES} cases: ${appended} appended and read back, ${refused} refused`);
    expect(problems).toEqual([]);
    expect(appended).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
