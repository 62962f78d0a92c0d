import { registerFunctionSource } from './function-source.js';
import { withInitializerPositions } from './initializer-positions.js';
import { threadState } from './thread-state.js';

/**
 * Registers a file's function table and returns the global id of its first function: the
 * function with local index i has id `base + i`. The table is flat, three entries per
 * function: name, line, column (1-based). Called once per loaded copy of an instrumented file.
 * `source` (optional) says where the functions' own text lies, for Function.prototype.toString
 * (function-source.ts). `initializers` (optional: [local index, line, column, line, column,
 * ...]) gives the other places V8 may put a class's initialisers (initializer-positions.ts).
 */
export function register(file: string, table: ReadonlyArray<string | number>, source?: unknown, initializers?: unknown): number {
  if (typeof file !== 'string' || !Array.isArray(table) || table.length % 3 !== 0) {
    throw new TypeError('stackring: register(file, table) expects a file name and [name, line, column, ...]');
  }
  // The state keeps a copy, made in its own context (see ThreadState.register).
  const base = threadState().register(file, withInitializerPositions(table, initializers));
  if (source !== undefined) registerFunctionSource(source, Function);
  return base;
}
