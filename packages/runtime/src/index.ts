// @stackring/runtime: what instrumented code loads. Never instrumented itself, and it never
// calls instrumented code, so the ring cannot be re-entered.

import { threadState } from './thread-state.js';

export { register } from './function-table.js';
export { snapshot, type StackFrame } from './snapshot.js';
export { threadState, type FunctionInfo, type ThreadState } from './thread-state.js';

/** This thread's ring writer. Instrumented code calls `writer.enter(id)` and `writer.exit(token)`. */
export const writer = threadState().writer;
