import { threadState } from './thread-state.js';

/**
 * Registers a file's function table and returns the global id of its first function: the
 * function with local index i has id `base + i`. The table is flat, three entries per
 * function: name, line, column (1-based). Called once per loaded copy of an instrumented file.
 */
export function register(file: string, table: ReadonlyArray<string | number>): number {
  if (typeof file !== 'string' || !Array.isArray(table) || table.length % 3 !== 0) {
    throw new TypeError('stackring: register(file, table) expects a file name and [name, line, column, ...]');
  }
  const state = threadState();
  const base = state.functions.length;
  for (let i = 0; i < table.length; i += 3) {
    state.functions.push({ name: String(table[i]), file, line: Number(table[i + 1]), column: Number(table[i + 2]) });
  }
  state.tables.push({ base, file, table });
  state.post({ type: 'functions', threadId: state.threadId, base, file, table });
  return base;
}
