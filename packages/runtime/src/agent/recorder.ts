// Streams what the agent samples into a trace file: process information, thread names,
// function tables as they are registered, every sealed sub-buffer and every live copy. Each
// chunk is one write, so a process killed at any moment leaves a file readable up to its last
// whole chunk; finish() adds the trailer.

import { currentProcessInfo, TraceWriter, type SubBuffer } from '@stackring/ring';
import type { FunctionInfo } from '../thread-state.js';

export class Recorder {
  private readonly writer: TraceWriter;

  constructor(path: string, data: { argv: string[]; startTime: number; options: object }) {
    this.writer = new TraceWriter(path);
    this.writer.writeProcess(
      currentProcessInfo({ argv: data.argv, startTime: data.startTime, agent: data.options as never }),
    );
  }

  thread(threadId: number, name: string): void {
    this.writer.writeThread({ threadId, name });
  }

  functions(threadId: number, functions: Array<FunctionInfo & { id: number }>): void {
    this.writer.writeFunctions(functions.map((f) => ({ ...f, threadId })));
  }

  subBuffer(sub: SubBuffer): void {
    this.writer.writeSubBuffer(sub);
  }

  close(): void {
    if (!this.writer.closed) this.writer.close();
  }
}
