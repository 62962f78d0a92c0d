import { UNKNOWN_FRAME } from '@stackring/ring/writer';
import { threadState, type FunctionInfo } from './thread-state.js';

export interface StackFrame extends FunctionInfo {}

const unknown: StackFrame = Object.freeze({ name: '(unknown)', file: '', line: 0, column: 0 });

/**
 * The current thread's stack of instrumented functions, outermost first, exactly: taken from
 * the ring writer's own view, with or without an agent running.
 */
export function snapshot(): StackFrame[] {
  const { writer, functions } = threadState();
  const ids = writer.stack();
  const frames: StackFrame[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const info = id === UNKNOWN_FRAME ? undefined : functions[id];
    frames[i] = info === undefined ? unknown : { ...info };
  }
  return frames;
}
