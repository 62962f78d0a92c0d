// Shared by the trace tests: a seeded PRNG and a "real" trace recorded from actual rings.

import { createRingBuffer, RingReader, RingWriter, type SubBuffer } from '../src/index.js';
import {
  encodeChunk,
  FILE_HEADER_BYTES,
  type FunctionInfo,
  type TraceChunk,
  type TraceDataChunk,
  type TraceTrailer,
} from '../src/trace/index.js';

/** Small, fast, seeded PRNG (mulberry32): floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function functionInfo(id: number, threadId = id % 3): FunctionInfo {
  return {
    threadId,
    id,
    name: `fn${id} λ→${'🚀'.repeat(id % 3)}${id % 4 === 0 ? '\u{FEFF}bom' : ''}`,
    file: `/srv/app/src/módulo-${id % 5}.js`,
    line: id * 10 + 1,
    column: (id % 7) + 1,
  };
}

export interface RecordedTrace {
  /** Metadata and sub-buffer chunks in recording order (no trailer). */
  chunks: TraceDataChunk[];
  /** The sub-buffers among them, in order. */
  subBuffers: SubBuffer[];
}

/**
 * Runs three rings (small sub-buffers, so that they fill, switch, lose data and write keyframes)
 * with random calls and returns, a reader that asks for switches, takes sub-buffers (not always
 * in time) and takes live copies, and records the trace chunks an agent would write: process,
 * threads, functions as they are first called, sub-buffers as they are taken. Deterministic for a
 * seed (sub-buffer times are synthetic).
 */
export function recordTrace(seed = 1, steps = 3000): RecordedTrace {
  const rand = mulberry32(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const chunks: TraceDataChunk[] = [];
  const subBuffers: SubBuffer[] = [];
  const add = (sub: SubBuffer | null) => {
    if (sub === null) return;
    // Wall-clock times would make the trace (and the fuzz cases built from it) differ per run.
    sub.time = 1.75e12 + subBuffers.length * 0.25;
    chunks.push({ type: 'sub-buffer', subBuffer: sub });
    subBuffers.push(sub);
  };
  chunks.push({
    type: 'process',
    info: { pid: 4242, argv: ['node', '--import', 'stackring', 'app.mjs'], nodeVersion: 'v20.20.2', startTime: 1.75e12 },
  });
  const threads = [0, 1, 7].map((threadId) => {
    const buffer = createRingBuffer({ subBufferCount: 4, subBufferBytes: (16 + 24) * 4 }, threadId);
    return { threadId, writer: new RingWriter(buffer), reader: new RingReader(buffer), tokens: [] as number[] };
  });
  for (const t of threads) {
    chunks.push({ type: 'thread', thread: { threadId: t.threadId, name: t.threadId === 0 ? 'main' : `worker #${t.threadId} ✓` } });
  }
  const known = new Set<number>();
  for (let step = 0; step < steps; step++) {
    const t = threads[int(threads.length)];
    const r = rand();
    if (r < 0.5 && t.tokens.length < 60) {
      const id = int(40);
      if (!known.has(id)) {
        known.add(id);
        chunks.push({ type: 'functions', functions: [functionInfo(id)] });
      }
      t.tokens.push(t.writer.enter(id));
    } else if (r < 0.85) {
      // Return from one frame, or unwind several at once (an exception).
      const k = rand() < 0.8 ? 1 : 1 + int(5);
      let token = -1;
      for (let i = 0; i < k && t.tokens.length > 0; i++) token = t.tokens.pop() as number;
      if (token >= 0) t.writer.exit(token);
    } else if (r < 0.93) {
      t.reader.requestSwitch({ keyframe: rand() < 0.2 });
    } else if (r < 0.96) {
      for (const sub of t.reader.takeAll()) add(sub);
      add(t.reader.readLive());
    } else if (rand() < 0.7) {
      for (const sub of t.reader.takeAll()) add(sub);
    }
  }
  for (const t of threads) {
    t.writer.close();
    for (const sub of t.reader.takeAll()) add(sub);
  }
  return { chunks, subBuffers };
}

/** The trailer a writer would add after `chunks` (the chunks of one segment). */
export function trailerFor(chunks: readonly TraceChunk[], endTime = 1.75e12 + 5000, extra = {}): TraceTrailer {
  let subBuffers = 0;
  let lostSubBuffers = 0;
  let lostEntries = 0;
  for (const c of chunks) {
    if (c.type === 'sub-buffer') {
      subBuffers++;
      lostSubBuffers += c.subBuffer.lostSubBuffers;
      lostEntries += c.subBuffer.lostEntries;
    }
  }
  return { chunks: chunks.length, subBuffers, lostSubBuffers, lostEntries, endTime, extra };
}

/** Byte offset where each chunk of encodeTrace(chunks) ends. */
export function chunkEnds(chunks: readonly TraceChunk[]): number[] {
  const ends: number[] = [];
  let at = FILE_HEADER_BYTES;
  for (const c of chunks) {
    at += encodeChunk(c).length;
    ends.push(at);
  }
  return ends;
}
