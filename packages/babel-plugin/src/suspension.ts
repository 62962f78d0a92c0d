// A suspended frame is not on the stack. Inside a generator or async function, every
// suspension point pops the frame after its operand is evaluated and pushes it again on
// resumption, with a new token (the stack below may differ). `_d = -1` marks "suspended": an
// abrupt resumption (gen.throw/return, a rejected await) skips the code after the suspension
// point and lands in a catch or finally block, whose first statement re-pushes the frame; the
// function's final finally restores the depth only when the frame is live.
// In every function, catch and finally blocks also start by healing the stack back to the
// function's own frame (`exit(_d + 1)`): a callee whose default-parameter initialiser threw,
// or a stack overflow inside `enter`, may have left a frame above it.
import type { NodePath, types as t, Visitor } from '@babel/core';

type Types = typeof t;

export interface FrameIds {
  /** The writer (`_w`). */
  w: t.Identifier;
  /** The frame's token variable (`_d`). */
  d: t.Identifier;
  /** A per-invocation temporary for operand values (`_t`), only for suspending functions. */
  tmp: t.Identifier | undefined;
  /** Builds `_b + K`. */
  id: () => t.Expression;
  suspends: boolean;
  /** The file's iterator helper for yield* and for await (helpers.ts), marked used when called. */
  iterHelper: () => t.Identifier;
}

/** Nodes already rewritten or inserted here: replaced nodes are traversed again. */
const ours = new WeakSet<t.Node>();

/** Marks a node the instrumentation made itself (the body's try/finally) as already rewritten. */
export function markRewritten(node: t.Node): void {
  ours.add(node);
}

function call(types: Types, obj: t.Identifier, method: string, args: t.Expression[]): t.CallExpression {
  return types.callExpression(types.memberExpression(types.cloneNode(obj), types.identifier(method)), args);
}

/** `-1`, the "suspended" mark (Babel 8 refuses a negative NumericLiteral). */
function suspended(types: Types): t.Expression {
  return types.unaryExpression('-', types.numericLiteral(1));
}

export function enterExpr(types: Types, ids: FrameIds): t.AssignmentExpression {
  return types.assignmentExpression('=', types.cloneNode(ids.d), call(types, ids.w, 'enter', [ids.id()]));
}

/** `(_t = E, _w.exit(_d), _d = -1, _t)`: evaluate, then pop and mark suspended. */
function popAfter(types: Types, ids: FrameIds, operand: t.Expression): t.Expression {
  return types.sequenceExpression([
    types.assignmentExpression('=', types.cloneNode(ids.tmp!), operand),
    call(types, ids.w, 'exit', [types.cloneNode(ids.d)]),
    types.assignmentExpression('=', types.cloneNode(ids.d), suspended(types)),
    types.cloneNode(ids.tmp!),
  ]);
}

/** `(_t = SUSPEND, _d = _w.enter(_b + K), _t)`: push again on resumption. */
function pushAfter(types: Types, ids: FrameIds, suspend: t.Expression): t.Expression {
  return types.sequenceExpression([types.assignmentExpression('=', types.cloneNode(ids.tmp!), suspend), enterExpr(types, ids), types.cloneNode(ids.tmp!)]);
}

/** First statement of every catch and finally block of the function. */
export function healStatement(types: Types, ids: FrameIds): t.Statement {
  const heal = types.expressionStatement(call(types, ids.w, 'exit', [types.binaryExpression('+', types.cloneNode(ids.d), types.numericLiteral(1))]));
  if (!ids.suspends) return heal;
  return types.ifStatement(types.binaryExpression('<', types.cloneNode(ids.d), types.numericLiteral(0)), types.expressionStatement(enterExpr(types, ids)), heal);
}

/** A method's computed key (and its decorators) run in the enclosing function, at definition. */
function outsideMethod(fn: NodePath, child: NodePath): boolean {
  return (fn.isObjectMethod() || fn.isClassMethod() || fn.isClassPrivateMethod()) && (child.key === 'key' || child.listKey === 'decorators');
}

function ownedBy(path: NodePath, fn: t.Node): boolean {
  let child = path;
  for (let p = path.parentPath; p; child = p, p = p.parentPath) {
    if ((p.isFunction() || p.isStaticBlock()) && !outsideMethod(p, child)) return p.node === fn;
  }
  return false;
}

interface RewriteState {
  types: Types;
  fn: t.Node;
  ids: FrameIds;
  isAsyncGenerator: boolean;
}

// One visitor object for every function: Babel explodes (prepares) a visitor once per object.
const rewriteVisitor: Visitor<RewriteState> = {
  Function(p, { types }) {
    // Only the computed key and decorators of a method belong to this function (`await` in
    // `class { [await k]() {} }` suspends it); the rest is the method's own.
    const node = p.node;
    if ((node.type === 'ObjectMethod' || node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') && (('computed' in node && node.computed) || node.decorators?.length)) {
      for (const key of types.VISITOR_KEYS[node.type] ?? []) if (key !== 'key' && key !== 'decorators') p.skipKey(key);
      return;
    }
    p.skip();
  },
  StaticBlock(p) {
    p.skip();
  },
  CatchClause(p, { types, fn, ids }) {
    if (ours.has(p.node) || !ownedBy(p, fn)) return;
    ours.add(p.node);
    p.node.body.body.unshift(healStatement(types, ids));
  },
  TryStatement(p, { types, fn, ids }) {
    if (!p.node.finalizer || ours.has(p.node) || !ownedBy(p, fn)) return;
    ours.add(p.node);
    p.node.finalizer.body.unshift(healStatement(types, ids));
  },
  YieldExpression: {
    exit(p, { types, fn, ids, isAsyncGenerator }) {
      if (!ids.suspends || ours.has(p.node) || !ownedBy(p, fn)) return;
      let operand = popAfter(types, ids, p.node.argument ?? types.unaryExpression('void', types.numericLiteral(0)));
      if (p.node.delegate) {
        // The inner iterator's methods run with this frame pushed again (helpers.ts).
        operand = types.callExpression(ids.iterHelper(), [operand, ids.id(), types.numericLiteral(isAsyncGenerator ? 1 : 0)]);
      }
      const inner = types.yieldExpression(operand, p.node.delegate);
      ours.add(inner);
      p.replaceWith(pushAfter(types, ids, inner));
    },
  },
  AwaitExpression: {
    exit(p, { types, fn, ids }) {
      if (!ids.suspends || ours.has(p.node) || !ownedBy(p, fn)) return;
      const inner = types.awaitExpression(popAfter(types, ids, p.node.argument));
      ours.add(inner);
      p.replaceWith(pushAfter(types, ids, inner));
    },
  },
  ReturnStatement: {
    exit(p, { types, fn, ids, isAsyncGenerator }) {
      // `return x` in an async generator awaits x: pop after x is evaluated.
      if (!isAsyncGenerator || !p.node.argument || ours.has(p.node) || !ownedBy(p, fn)) return;
      const ret = types.returnStatement(popAfter(types, ids, p.node.argument));
      ours.add(ret);
      p.replaceWith(ret);
    },
  },
  ForOfStatement: {
    exit(p, { types, fn, ids }) {
      if (!ids.suspends || !p.node.await || ours.has(p.node) || !ownedBy(p, fn)) return;
      rewriteForAwait(types, p, ids);
    },
  },
};

/**
 * Rewrites the suspension points, catch and finally blocks that belong to `fn` itself. Nodes
 * rewritten before are left alone, so a second call only rewrites what other plugins added
 * since (the awaits and try blocks of `using` declarations, visitor.ts).
 */
export function rewriteBody(types: Types, fn: NodePath<t.Function | t.StaticBlock>, ids: FrameIds): void {
  const isAsyncGenerator = fn.node.type !== "StaticBlock" && fn.node.async === true && fn.node.generator === true;
  const target = (fn.isStaticBlock() ? fn : fn.get('body')) as NodePath;
  target.traverse(rewriteVisitor, { types, fn: fn.node, ids, isAsyncGenerator });
}

// for await (L of R) B  ->
//   try { for await (L of _di((_t = R, pop), _b + K, 2)) { _d = enter; try { B } finally { pop } } }
//   finally { if (_d < 0) _d = enter }
// Each iteration's implicit await (next()) and the await of return() on exit happen popped;
// the synchronous calls of the iterator's methods push the frame again (helpers.ts).
function rewriteForAwait(types: Types, p: NodePath<t.ForOfStatement>, ids: FrameIds): void {
  const node = p.node;
  const popStmts = [
    types.expressionStatement(call(types, ids.w, 'exit', [types.cloneNode(ids.d)])),
    types.expressionStatement(types.assignmentExpression('=', types.cloneNode(ids.d), suspended(types))),
  ];
  const innerTry = types.tryStatement(types.blockStatement([node.body]), null, types.blockStatement(popStmts));
  ours.add(innerTry);
  const iterable = types.callExpression(ids.iterHelper(), [popAfter(types, ids, node.right), ids.id(), types.numericLiteral(2)]);
  const loop = types.forOfStatement(node.left, iterable, types.blockStatement([types.expressionStatement(enterExpr(types, ids)), innerTry]), true);
  loop.loc = node.loc;
  ours.add(loop);
  // Labels stay on the loop (a `continue label` needs an iteration statement).
  let target: NodePath = p;
  let wrapped: t.Statement = loop;
  const labels: string[] = [];
  while (target.parentPath?.isLabeledStatement()) {
    target = target.parentPath;
    labels.unshift((target.node as t.LabeledStatement).label.name);
  }
  for (let i = labels.length - 1; i >= 0; i--) wrapped = types.labeledStatement(types.identifier(labels[i]!), wrapped);
  const repush = types.ifStatement(types.binaryExpression('<', types.cloneNode(ids.d), types.numericLiteral(0)), types.expressionStatement(enterExpr(types, ids)));
  const outer = types.tryStatement(types.blockStatement([wrapped]), null, types.blockStatement([repush]));
  ours.add(outer);
  target.replaceWith(outer);
}
