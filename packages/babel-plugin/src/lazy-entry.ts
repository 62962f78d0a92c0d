// skipTrivialLeaves, beyond whole functions: a call that returns before it can run any other
// code is a trivial leaf call, whatever the function does on other paths. So the frame is
// pushed where the body first can run other code, and not on a path that returns before:
//
//   function isDigit(c, s) {                function isDigit(c, s) {
//     if (c < 128) return c >= 48 && ...;     if (c < 128) return c >= 48 && ...;
//     return table.test(s);          ->       const _d = _w.enter(_b + K);
//   }                                         try { return table.test(s); } finally { _w.exit(_d); }
//                                           }
//
// What runs before the push is bounded straight-line code (no call, loop or anything else
// isTrivialCode refuses), so a sample there is charged to the caller, as a trivial leaf's is,
// and a stack taken anywhere the function can be seen from (a callee, a getter, `new Error`)
// has its frame. Statements are split at the top level of the body, and inside the branches of
// an `if` whose test is trivial and after which only trivial statements follow: each branch
// pushes the frame itself. Every path pushes at most once, and pops in the `finally` the
// function would have had. (Also framing the branches of an early `if` that returns, with code
// after it that calls, made functions bigger and measured no faster on acorn.)
import type { types as t } from '@babel/core';
import { childNodes } from './child-nodes.js';
import { isTrivialCode, type FileFacts } from './trivial.js';

type Types = typeof t;

export interface LazyEntryContext {
  types: Types;
  facts: FileFacts;
  /** `const _d = enter(id); try { statements } finally { exit(_d) }`, its finally at `end`. */
  framed(statements: t.Statement[], end: t.SourceLocation | null | undefined): t.Statement[];
}

class NotLazy extends Error {}

/** Names declared with let, const or class at the top of a statement list (block-scoped there). */
function lexicalNames(types: Types, list: t.Statement[]): Set<string> {
  const names = new Set<string>();
  for (const stmt of list) {
    if (stmt.type === 'VariableDeclaration' && stmt.kind !== 'var') {
      for (const decl of stmt.declarations) for (const name of Object.keys(types.getBindingIdentifiers(decl.id))) names.add(name);
    } else if (stmt.type === 'ClassDeclaration' && stmt.id) {
      names.add(stmt.id.name);
    }
  }
  return names;
}

function mentions(types: Types, nodes: t.Node[], names: Set<string>): boolean {
  if (names.size === 0) return false;
  let found = false;
  const visit = (node: t.Node | null | undefined): void => {
    if (found || !node || typeof node !== 'object') return;
    if (node.type === 'Identifier' && names.has(node.name)) {
      found = true;
      return;
    }
    for (const child of childNodes(types, node)) visit(child);
  };
  for (const node of nodes) visit(node);
  return found;
}

/**
 * The body's statements with the frame pushed lazily, or undefined when that gains nothing
 * (the first statement already can run other code) or cannot be done without changing what
 * the code means (a function declaration at a level that would move into a block, a name of
 * the pushed part used before it).
 */
export function lazyBody(ctx: LazyEntryContext, body: t.BlockStatement): t.Statement[] | undefined {
  try {
    const out = lazyList(ctx, body.body, body.loc);
    return out.lazy ? out.statements : undefined;
  } catch (e) {
    if (e instanceof NotLazy) return undefined;
    throw e;
  }
}

/** The statements with the frame pushed lazily; `lazy` when some code runs before the push. */
function lazyList(ctx: LazyEntryContext, list: t.Statement[], end: t.SourceLocation | null | undefined): { statements: t.Statement[]; lazy: boolean } {
  const { types } = ctx;
  if (list.some((s) => s.type === 'FunctionDeclaration')) throw new NotLazy();
  const quick = (node: t.Node | null | undefined) => isTrivialCode(types, node, ctx.facts);
  const before: t.Statement[] = [];
  for (let i = 0; i < list.length; i++) {
    const stmt = list[i]!;
    if (quick(stmt)) {
      before.push(stmt);
      continue;
    }
    // An `if` followed by quick statements only: each branch pushes the frame itself (at most
    // one push on any path), and what follows runs after the branch has popped it.
    if (stmt.type === 'IfStatement' && quick(stmt.test) && list.slice(i + 1).every(quick)) {
      const copy = types.ifStatement(stmt.test, lazyBranch(ctx, stmt.consequent), stmt.alternate && lazyBranch(ctx, stmt.alternate));
      copy.loc = stmt.loc;
      copy.leadingComments = stmt.leadingComments;
      copy.trailingComments = stmt.trailingComments;
      before.push(copy);
      continue;
    }
    const rest = list.slice(i);
    if (mentions(types, before, lexicalNames(types, rest))) throw new NotLazy();
    return { statements: [...before, ...ctx.framed(rest, end)], lazy: i > 0 };
  }
  return { statements: before, lazy: true };
}

/** A branch of such an `if`, as a block with its own lazily pushed frame. */
function lazyBranch(ctx: LazyEntryContext, branch: t.Statement): t.Statement {
  const { types } = ctx;
  if (isTrivialCode(types, branch, ctx.facts)) return branch;
  const list = branch.type === 'BlockStatement' ? branch.body : [branch];
  const block = types.blockStatement(lazyList(ctx, list, branch.loc).statements);
  block.loc = branch.loc;
  return block;
}
