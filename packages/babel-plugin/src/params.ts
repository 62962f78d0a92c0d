// V8 runs default parameter initialisers (and destructuring defaults and computed keys in
// parameter patterns) inside the function's own frame, before the body. Each such expression E
// that can run code becomes `_xv([_xo.v = E] = _x(_w.enter(_b + K)))` (helpers.ts): the frame
// is pushed while E runs and popped however E completes, a throw included. The token lives in
// a fresh object per evaluation, so recursion cannot mix tokens up.
// Function, arrow and class expressions are left alone: creating them runs no code, and
// wrapping them would lose the name they infer from the parameter.
import type { types as t } from '@babel/core';

type Types = typeof t;

/** Whether evaluating the expression can run code (call a function, a getter, a coercion). */
export function runsCode(node: t.Node): boolean {
  switch (node.type) {
    case 'NumericLiteral':
    case 'StringLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'BigIntLiteral':
    case 'RegExpLiteral':
    case 'Identifier':
    case 'ThisExpression':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
    case 'ClassExpression':
      return false;
    case 'TemplateLiteral':
      return node.expressions.length > 0;
    case 'UnaryExpression':
      if (node.operator === 'void' || node.operator === '!' || node.operator === 'typeof') return runsCode(node.argument);
      if (node.operator === '-' || node.operator === '+' || node.operator === '~') {
        return node.argument.type !== 'NumericLiteral' && node.argument.type !== 'BigIntLiteral';
      }
      return true;
    case 'ArrayExpression':
      return node.elements.some((e) => e !== null && runsCode(e));
    case 'ObjectExpression':
      return node.properties.some((p) => p.type !== 'ObjectProperty' || p.computed || runsCode(p.value));
    default:
      return true;
  }
}

/** Wraps the code-running parts of the parameter list in place. */
export function wrapParams(types: Types, params: t.Node[], wrap: (e: t.Expression) => t.Expression): boolean {
  let changed = false;
  const visit = (node: t.Node | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'AssignmentPattern':
        visit(node.left);
        if (runsCode(node.right)) {
          node.right = wrap(node.right);
          changed = true;
        }
        return;
      case 'ObjectPattern':
        for (const prop of node.properties) {
          if (prop.type === 'RestElement') visit(prop.argument);
          else {
            if (prop.computed && runsCode(prop.key)) {
              prop.key = wrap(prop.key as t.Expression);
              changed = true;
            }
            visit(prop.value);
          }
        }
        return;
      case 'ArrayPattern':
        for (const el of node.elements) visit(el);
        return;
      case 'RestElement':
        visit(node.argument);
        return;
      case 'TSParameterProperty':
        visit(node.parameter);
        return;
      default:
        return;
    }
  };
  for (const p of params) visit(p);
  void types;
  return changed;
}
