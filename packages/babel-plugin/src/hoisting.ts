// Wrapping a body in `try` turns it into a block: function declarations at the top of the body
// become block-scoped. A block's function declarations are still initialised when the block is
// entered, before any of its statements runs, and still see the body's let/const/class: they
// stay where they are (so that every line keeps its place, which error stacks show when source
// maps are off). A name that a block-scoped declaration would clash with (a var, a parameter, a
// duplicate declaration, an Annex B function in a nested block) is answered with
// `var name = function (...) {...}`, moved to the top of the block: var-scoped like the
// original declaration, initialised first, `fn.name` kept by inference, and recursion going
// through the (reassignable) binding as before.
import type { NodePath, types as t } from '@babel/core';
import { childNodes } from './child-nodes.js';

type Types = typeof t;

/** Names a block-scoped function at the top of the body would collide with. */
function clashingNames(types: Types, fn: NodePath<t.Function | t.StaticBlock>, body: t.Statement[]): Set<string> {
  const names = new Set<string>();
  if (fn.node.type !== 'StaticBlock') {
    for (const param of fn.node.params) for (const name of Object.keys(types.getBindingIdentifiers(param))) names.add(name);
  }
  const seen = new Set<string>();
  for (const stmt of body) {
    if (stmt.type === 'FunctionDeclaration' && stmt.id) {
      if (seen.has(stmt.id.name)) names.add(stmt.id.name);
      seen.add(stmt.id.name);
    }
  }
  // vars and nested block-level functions anywhere in this function (not in nested functions).
  const visit = (node: t.Node | null | undefined, top: boolean): void => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'VariableDeclaration' && node.kind === 'var') {
      for (const d of node.declarations) for (const name of Object.keys(types.getBindingIdentifiers(d.id))) names.add(name);
    }
    if (node.type === 'FunctionDeclaration') {
      if (!top && node.id) names.add(node.id.name);
      return;
    }
    if (types.isFunction(node) || types.isClass(node) || node.type === 'StaticBlock') {
      // Class bodies can hold computed keys with nested code but declare no vars here.
      return;
    }
    for (const child of childNodes(types, node)) visit(child, false);
  };
  for (const stmt of body) visit(stmt, true);
  return new Set([...names].filter((n) => seen.has(n)));
}

/**
 * A body's statements for wrapping in try: the clashing function declarations first, as
 * var-assigned function expressions, then the rest in order.
 */
export function hoistFunctions(types: Types, fn: NodePath<t.Function | t.StaticBlock>, body: t.Statement[]): t.Statement[] {
  if (!body.some((s) => s.type === 'FunctionDeclaration')) return body;
  const clashes = clashingNames(types, fn, body);
  if (clashes.size === 0) return body;
  const first: t.Statement[] = [];
  const rest: t.Statement[] = [];
  for (const stmt of body) {
    if (stmt.type !== 'FunctionDeclaration' || !stmt.id || !clashes.has(stmt.id.name)) {
      rest.push(stmt);
    } else {
      const expr = types.functionExpression(null, stmt.params, stmt.body, stmt.generator, stmt.async);
      expr.loc = stmt.loc;
      expr.start = stmt.start;
      expr.end = stmt.end;
      expr.leadingComments = stmt.leadingComments;
      const decl = types.variableDeclaration('var', [types.variableDeclarator(types.identifier(stmt.id.name), expr)]);
      decl.loc = stmt.loc;
      first.push(decl);
    }
  }
  return [...first, ...rest];
}
