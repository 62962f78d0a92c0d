// The direct children of an AST node, in Babel's visiting order: for the small recursive walks
// that must not go through Babel's traversal (they run on nodes already moved or rewritten,
// or are too hot to build paths for).
import type { types as t } from '@babel/core';

export function* childNodes(types: typeof t, node: t.Node): Generator<t.Node | null | undefined> {
  for (const key of types.VISITOR_KEYS[node.type] ?? []) {
    const child = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(child)) yield* child as (t.Node | null)[];
    else yield child as t.Node | null | undefined;
  }
}
