// skipTrivialLeaves: a function that can run no other code adds nothing a sampler could see
// below it, and its instrumentation can cost more than its body (it may stop being inlined).
// "No other code" as far as the file shows: no call, new, tagged template, yield, await,
// iteration protocol (for-of, spread, array destructuring), class definition, dynamic
// import, delete, or access to a property name that this file defines a getter or setter for.
import type { NodePath, types as t } from '@babel/core';

type Types = typeof t;

/** Names of the getters and setters a file defines (what a property access could run). */
export function accessorNames(program: NodePath<t.Program>): Set<string> {
  const names = new Set<string>();
  program.traverse({
    'ObjectMethod|ClassMethod|ClassPrivateMethod'(p: NodePath) {
      const n = p.node as t.ObjectMethod | t.ClassMethod | t.ClassPrivateMethod;
      if (n.kind !== 'get' && n.kind !== 'set') return;
      const key = n.key;
      if (key.type === 'Identifier') names.add(key.name);
      else if (key.type === 'StringLiteral') names.add(key.value);
      else if (key.type === 'PrivateName') names.add('#' + key.id.name);
      else names.add('*'); // computed: any access could hit it
    },
  });
  return names;
}

const RUNS_CODE = new Set([
  'CallExpression', 'OptionalCallExpression', 'NewExpression', 'TaggedTemplateExpression', 'YieldExpression', 'AwaitExpression',
  'ForOfStatement', 'SpreadElement', 'ArrayPattern', 'ClassExpression', 'ClassDeclaration', 'Import', 'ImportExpression', 'WithStatement',
]);

export function isTrivialLeaf(types: Types, fn: t.Function | t.StaticBlock, accessors: Set<string>): boolean {
  if (fn.type === 'StaticBlock' || fn.async || fn.generator) return false;
  if (fn.params.some((p) => p.type !== 'Identifier')) return false;
  let trivial = true;
  const visit = (node: t.Node | null | undefined): void => {
    if (!trivial || !node || typeof node !== 'object') return;
    if (types.isFunction(node)) return; // creating a closure runs nothing
    if (RUNS_CODE.has(node.type)) {
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
    for (const key of types.VISITOR_KEYS[node.type] ?? []) {
      const child = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(child)) for (const c of child) visit(c as t.Node);
      else visit(child as t.Node);
    }
  };
  visit(fn.body);
  return trivial;
}
