// The name each function gets in the table: what V8 shows in a stack trace where it can be
// known statically (README "Names"). Measured on Node 20 with CallSite:
//   function f / binding of an anonymous function or arrow  -> getFunctionName() "f"
//   a.b.c = function () {}                                   -> "a.b.c" (V8's inferred name)
//   a[k] = function () {}                                    -> "a.<computed>"
//   class method / static method / field arrow               -> toString "C.m"
//   getter / setter                                          -> "get x" / "set x" (no class)
//   private method                                           -> "#m", "get #m"
//   constructor                                              -> the class name ("new C")
//   static block                                             -> "<static_initializer>"
//   object literal method                                    -> "m" (V8 prefixes the receiver's
//                                                               type at run time: "Object.m")
//   [Symbol.iterator]() {}                                   -> "[Symbol.iterator]"
//   other computed keys (known only at run time)             -> "<anonymous>"
//   anything else                                            -> "<anonymous>"
import type { NodePath, types as t } from '@babel/core';

export const ANONYMOUS = '<anonymous>';

function keyName(key: t.Node, computed: boolean): string | undefined {
  if (key.type === 'PrivateName') return '#' + key.id.name;
  if (computed) {
    // `[(sideEffect(), 'm')]`: the key is the value of the last expression.
    if (key.type === 'SequenceExpression') return keyName(key.expressions[key.expressions.length - 1]!, true);
    if (key.type === 'StringLiteral') return key.value;
    if (key.type === 'NumericLiteral') return String(key.value);
    if (key.type === 'TemplateLiteral' && key.expressions.length === 0) return key.quasis[0]!.value.cooked ?? undefined;
    // Well-known symbols: V8 names `[Symbol.iterator]() {}` "[Symbol.iterator]".
    if (key.type === 'MemberExpression' && key.object.type === 'Identifier' && key.object.name === 'Symbol' && !key.computed && key.property.type === 'Identifier') {
      return `[Symbol.${key.property.name}]`;
    }
    return undefined;
  }
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'StringLiteral') return key.value;
  if (key.type === 'NumericLiteral') return String(key.value);
  if (key.type === 'BigIntLiteral') return key.value;
  return undefined;
}

/** `a.b.c` for a member chain of identifiers and literal keys, as V8 infers it. */
function memberPath(node: t.Node): string | undefined {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'ThisExpression') return 'this';
  if (node.type === 'MemberExpression') {
    const object = memberPath(node.object);
    // V8 infers `a.<computed>` for `a[k] = function () {}`.
    const prop = keyName(node.property, node.computed) ?? (node.computed ? '<computed>' : undefined);
    if (object !== undefined && prop !== undefined && !prop.startsWith('#')) return `${object}.${prop}`;
  }
  return undefined;
}

/** The name a value gets from where it is bound (`const f = ...`, `{ f: ... }`, `f = ...`). */
function inferredName(path: NodePath): string | undefined {
  let child: NodePath = path;
  let parent = path.parentPath;
  // Parentheses and TS wrappers do not stop name inference.
  while (parent && (parent.isParenthesizedExpression() || parent.isTSAsExpression() || parent.isTSSatisfiesExpression() || parent.isTSNonNullExpression() || parent.isTypeCastExpression())) {
    child = parent;
    parent = parent.parentPath;
  }
  if (!parent) return undefined;
  const p = parent.node;
  switch (p.type) {
    case 'VariableDeclarator':
      return p.init === child.node && p.id.type === 'Identifier' ? p.id.name : undefined;
    case 'AssignmentExpression':
      if (p.right !== child.node) return undefined;
      return p.left.type === 'Identifier' ? p.left.name : memberPath(p.left);
    case 'AssignmentPattern':
      return p.right === child.node && p.left.type === 'Identifier' ? p.left.name : undefined;
    case 'ObjectProperty':
      return p.value === child.node ? keyName(p.key, p.computed) : undefined;
    case 'ExportDefaultDeclaration':
      return 'default';
    default:
      return undefined;
  }
}

function className(path: NodePath<t.Class>): string | undefined {
  return path.node.id?.name ?? inferredName(path);
}

/** Name of a function node (Babel's Function alias) or a class static block. */
export function functionName(path: NodePath<t.Function | t.StaticBlock>): string {
  const node = path.node;
  if (node.type === 'StaticBlock') return '<static_initializer>';
  if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
    if (node.id) return node.id.name;
  }
  if (node.type === 'ObjectMethod') {
    const key = keyName(node.key, node.computed) ?? ANONYMOUS;
    return node.kind === 'get' || node.kind === 'set' ? `${node.kind} ${key}` : key;
  }
  if (node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') {
    const classPath = path.parentPath!.parentPath as NodePath<t.Class>;
    const cls = className(classPath);
    if (node.kind === 'constructor') return cls ?? ANONYMOUS;
    const key = keyName(node.key, node.type === 'ClassMethod' ? node.computed : false) ?? ANONYMOUS;
    if (node.kind === 'get' || node.kind === 'set') return `${node.kind} ${key}`;
    if (key.startsWith('#')) return key;
    return cls !== undefined ? `${cls}.${key}` : key;
  }
  const parent = path.parentPath;
  if (parent && (parent.isClassProperty() || parent.isClassPrivateProperty()) && parent.node.value === node) {
    const key = keyName(parent.node.key, parent.isClassProperty() ? parent.node.computed : false);
    if (key === undefined) return ANONYMOUS;
    if (key.startsWith('#')) return key;
    const cls = className(parent.parentPath!.parentPath as NodePath<t.Class>);
    return cls !== undefined ? `${cls}.${key}` : key;
  }
  return inferredName(path) ?? ANONYMOUS;
}
