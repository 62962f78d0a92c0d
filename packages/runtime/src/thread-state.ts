// One state per thread, shared by every copy of the runtime loaded in that thread (its ES
// module and CommonJS builds, or two installed versions): it lives on globalThis under a
// registered symbol. Worker threads have their own globalThis, hence their own state and ring.

import { threadId } from 'node:worker_threads';
import { createRingBuffer, RingWriter } from '@stackring/ring';

export interface FunctionInfo {
  /** The name V8 would show in a stack trace (`Class.method`, `get x`, `<anonymous>`). */
  name: string;
  /** The original source file (after input source maps). */
  file: string;
  /** 1-based line and column of the function's start, where V8 puts it. */
  line: number;
  column: number;
}

export interface ThreadState {
  /** Layout version of this object: a newer runtime finding an older state must not misuse it. */
  readonly version: 1;
  readonly threadId: number;
  /** This thread's ring writer: what instrumented code calls on every call and return. */
  readonly writer: RingWriter;
  /** Function table: global function id -> where and what the function is. */
  readonly functions: FunctionInfo[];
}

const STATE_KEY = Symbol.for('stackring.runtime.thread-state');

export function threadState(): ThreadState {
  const holder = globalThis as { [STATE_KEY]?: ThreadState };
  let state = holder[STATE_KEY];
  if (state === undefined) {
    state = {
      version: 1,
      threadId,
      writer: new RingWriter(createRingBuffer({}, threadId)),
      // Id 0 is a placeholder: a function called before its file registered its table (a
      // cyclic import) computes its id from an undefined base, which the ring stores as 0.
      functions: [{ name: '(unregistered)', file: '', line: 0, column: 0 }],
    };
    Object.defineProperty(globalThis, STATE_KEY, { value: state, enumerable: false });
  }
  return state;
}
