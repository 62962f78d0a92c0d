// skipTrivialLeaves: a function that can run no other code adds nothing a sampler could see
// below it, and its instrumentation can cost more than its body (it may stop being inlined).
// "No other code" as far as the file shows: no call, new, tagged template, yield, await,
// iteration protocol (for-of, spread, array destructuring), class definition, dynamic
// import, delete, or access to a property name that this file defines a getter or setter for;
// and bounded time: no loop (a function that loops is where time goes, and where a process
// gets stuck: a dump must show its frame), label, try or function declaration.
// Calls that run no other code either: string reads (below), and calls of a function of this
// file that is trivial itself, through a binding never reassigned; and `new` of such a function,
// or of such a class with no superclass whose constructor and instance fields are trivial.
import type { NodePath, types as t } from '@babel/core';
import { childNodes } from './child-nodes.js';

type Types = typeof t;

// String reads that tokenizers call on every character: on a string they run no other code.
// A file that defines a property of that name itself (a method, a property, an assignment to
// one) does not get them (its accessor names hold it).
const STRING_READS = new Set(['charCodeAt', 'codePointAt', 'charAt']);

function keyName(key: t.Node, computed: boolean): string {
  if (key.type === 'Identifier' && !computed) return key.name;
  if (key.type === 'StringLiteral') return key.value;
  if (key.type === 'PrivateName') return '#' + key.id.name;
  return '*'; // computed: could be any name
}

/** What a file tells about the code its functions can run (computed once per file). */
export interface FileFacts {
  /**
   * Names of the getters and setters the file defines (what a property access could run), and
   * of the string reads below when the file defines a property so named (what such a call could run).
   */
  accessors: Set<string>;
  /** Calls that run no other code: string reads, calls and `new` of this file's trivial functions and classes. */
  quickCalls: WeakSet<t.Node>;
}

export function fileFacts(types: Types, program: NodePath<t.Program>): FileFacts {
  const accessors = new Set<string>();
  /** Calls and `new` through a never-reassigned binding of a function or class of this file, and that target. */
  const callTargets = new Map<t.CallExpression | t.NewExpression, t.Function | t.Class>();
  const quickCalls = new WeakSet<t.Node>();
  program.traverse({
    'ObjectMethod|ClassMethod|ClassPrivateMethod'(p: NodePath) {
      const n = p.node as t.ObjectMethod | t.ClassMethod | t.ClassPrivateMethod;
      const name = keyName(n.key, 'computed' in n && n.computed === true);
      if (n.kind === 'get' || n.kind === 'set') accessors.add(name);
      else if (STRING_READS.has(name)) accessors.add(name);
    },
    'ObjectProperty|ClassProperty'(p: NodePath) {
      const n = p.node as t.ObjectProperty | t.ClassProperty;
      const name = keyName(n.key, n.computed);
      if (STRING_READS.has(name)) accessors.add(name);
    },
    AssignmentExpression(p: NodePath) {
      const left = (p.node as t.AssignmentExpression).left;
      if (left.type !== 'MemberExpression') return;
      const name = keyName(left.property, left.computed);
      if (STRING_READS.has(name)) accessors.add(name);
    },
    CallExpression(p: NodePath<t.CallExpression>) {
      const target = localFunction(p);
      if (target) callTargets.set(p.node, target);
    },
    NewExpression(p: NodePath<t.NewExpression>) {
      const target = localConstructor(p);
      if (target) callTargets.set(p.node, target);
    },
  });
  const facts = { accessors, quickCalls };
  // The string reads, then this file's trivial functions, to a fixed point: a function whose
  // calls all go to trivial functions is trivial. Recursion never becomes trivial (its own
  // call is not quick until it is), so what is trivial still runs in bounded time.
  const pending = new Map<t.Function | t.Class, Array<t.CallExpression | t.NewExpression>>();
  for (const [call, target] of callTargets) {
    if (!pending.has(target)) pending.set(target, []);
    pending.get(target)!.push(call);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [target, calls] of pending) {
      if (types.isClass(target) ? !isTrivialConstruction(types, target, facts) : !isTrivialLeaf(types, target, facts)) continue;
      for (const call of calls) quickCalls.add(call);
      pending.delete(target);
      changed = true;
    }
  }
  return facts;
}

/** The function a call `f(...)`, `f.call(...)` or `f.apply(...)` runs, when `f` is a never-reassigned binding of one. */
function localFunction(p: NodePath<t.CallExpression>): t.Function | undefined {
  let callee = p.node.callee;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && (callee.property.name === 'call' || callee.property.name === 'apply')) {
    callee = callee.object;
  }
  const target = boundValue(p, callee);
  return target?.type === 'FunctionDeclaration' || target?.type === 'FunctionExpression' || target?.type === 'ArrowFunctionExpression' ? target : undefined;
}

/**
 * The function or class `new F(...)` constructs, when `F` is a never-reassigned binding of a
 * function (not an arrow: those throw) or class of this file.
 */
function localConstructor(p: NodePath<t.NewExpression>): t.Function | t.Class | undefined {
  const target = boundValue(p, p.node.callee);
  return target?.type === 'ArrowFunctionExpression' ? undefined : target;
}

/** What the identifier `callee` always holds: a function or class declared or assigned once where it is bound. */
function boundValue(p: NodePath, callee: t.Node): t.Function | t.Class | undefined {
  if (callee.type !== 'Identifier') return undefined;
  const binding = p.scope.getBinding(callee.name);
  if (!binding || !binding.constant) return undefined;
  const decl = binding.path.node;
  if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') return decl;
  if (decl.type !== 'VariableDeclarator' || decl.id.type !== 'Identifier') return undefined;
  const init = decl.init;
  return init?.type === 'FunctionExpression' || init?.type === 'ArrowFunctionExpression' || init?.type === 'ClassExpression' ? init : undefined;
}

/**
 * Whether `new C(...)` runs no other code: no superclass (its constructor would run), no
 * decorators, a trivial constructor if any, and trivial instance field initialisers (they run
 * at construction; static ones and computed keys ran when the class was defined).
 */
function isTrivialConstruction(types: Types, cls: t.Class, facts: FileFacts): boolean {
  if (cls.superClass || (cls.decorators?.length ?? 0) > 0) return false;
  for (const m of cls.body.body) {
    if ('decorators' in m && (m.decorators?.length ?? 0) > 0) return false;
    if (m.type === 'ClassMethod' && m.kind === 'constructor' && !isTrivialLeaf(types, m, facts)) return false;
    if ((m.type === 'ClassProperty' || m.type === 'ClassPrivateProperty') && !m.static && !isTrivialCode(types, m.value, facts)) return false;
    if (m.type === 'ClassAccessorProperty' && !m.static) return false;
  }
  return true;
}

/** `s.charCodeAt(i)` and its kind: a call that reads a string, unless the file defines the name. */
function isStringReadCall(node: t.CallExpression, accessors: Set<string>): boolean {
  const callee = node.callee;
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return false;
  const name = callee.property.name;
  return STRING_READS.has(name) && !accessors.has(name) && !accessors.has('*');
}

const RUNS_CODE = new Set([
  'CallExpression', 'OptionalCallExpression', 'NewExpression', 'TaggedTemplateExpression', 'YieldExpression', 'AwaitExpression',
  'ForOfStatement', 'SpreadElement', 'ArrayPattern', 'ClassExpression', 'ClassDeclaration', 'Import', 'ImportExpression', 'WithStatement',
]);

// Statements whose running time may not be bounded, or that a lazily pushed frame could not
// leave in place (lazy-entry.ts).
const UNBOUNDED = new Set([
  'ForStatement', 'ForInStatement', 'WhileStatement', 'DoWhileStatement', 'LabeledStatement', 'TryStatement', 'FunctionDeclaration',
]);

/**
 * Whether `node` (not counting functions created in it) is trivial: it can run no code of
 * another function, and runs in bounded time. True for a trivial leaf's body.
 */
export function isTrivialCode(types: Types, node: t.Node | null | undefined, facts: FileFacts): boolean {
  const { accessors, quickCalls } = facts;
  let trivial = true;
  const visit = (node: t.Node | null | undefined): void => {
    if (!trivial || !node || typeof node !== 'object') return;
    if (UNBOUNDED.has(node.type)) {
      trivial = false;
      return;
    }
    if (types.isFunction(node)) return; // creating a closure runs nothing
    if (RUNS_CODE.has(node.type) && !(quickCalls.has(node) || (node.type === 'CallExpression' && isStringReadCall(node, accessors)))) {
      trivial = false;
      return;
    }
    if (node.type === 'UnaryExpression' && node.operator === 'delete') {
      trivial = false;
      return;
    }
    if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && accessors.size > 0) {
      const prop = node.property;
      const name = node.computed ? (prop.type === 'StringLiteral' ? prop.value : undefined) : prop.type === 'Identifier' ? prop.name : prop.type === 'PrivateName' ? '#' + prop.id.name : undefined;
      if (name === undefined ? !(node.computed && prop.type === 'NumericLiteral') : accessors.has(name) || accessors.has('*')) {
        trivial = false;
        return;
      }
    }
    for (const child of childNodes(types, node)) visit(child);
  };
  visit(node);
  return trivial;
}

/** Parameters a frame can be pushed after: plain identifiers run nothing when bound. */
export function hasPlainParameters(fn: t.Function | t.StaticBlock): fn is t.Function {
  return fn.type !== 'StaticBlock' && !fn.async && !fn.generator && fn.params.every((p) => p.type === 'Identifier');
}

export function isTrivialLeaf(types: Types, fn: t.Function | t.StaticBlock, facts: FileFacts): boolean {
  return hasPlainParameters(fn) && isTrivialCode(types, fn.body, facts);
}
