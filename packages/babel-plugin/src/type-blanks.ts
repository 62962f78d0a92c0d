// What Node's type stripping does to a TypeScript file, as ranges of the .ts text: the
// `blanks` it replaces with spaces (types, type-only statements and modifiers; line breaks stay,
// so every position stays where it was), and the `opaque` syntax it refuses (enums, namespaces,
// parameter properties, `<T>x` assertions) or that is not TypeScript's to strip (JSX,
// decorators, which Node cannot run).
// The runtime gives a function's text back from the .ts file with the blanks applied, so that
// `toString` shows what Node 22's stripping shows (runnable JavaScript, where the compiled
// program's `_w.enter(...)` is not), and gives up on a function with opaque syntax in it
// (runtime: function-source.ts).
//
// Computed on the .ts syntax tree before the TypeScript plugin changes anything.
import type { types as t } from '@babel/core';
import { childNodes } from './child-nodes.js';
import { MEMBER_MODIFIERS, skipGap as skipGapIn } from './positions.js';

export interface TypeBlanks {
  /** [start, end) ranges, flat and sorted, that stripping turns into spaces. */
  blanks: number[];
  /** [start, end) ranges, flat and sorted, of syntax stripping cannot turn into JavaScript. */
  opaque: number[];
}

/** Syntax that stripping refuses, or that is not a type (JSX needs a compiler). */
const OPAQUE = new Set(['TSParameterProperty', 'TSTypeAssertion', 'TSImportEqualsDeclaration', 'TSExportAssignment', 'JSXElement', 'JSXFragment', 'Decorator']);
/** Nodes that are types through and through: blanked whole. */
const TYPES = new Set(['TSTypeAnnotation', 'TSTypeParameterDeclaration', 'TSTypeParameterInstantiation', 'TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSDeclareFunction', 'TSDeclareMethod', 'TSIndexSignature']);
/** Expressions with a type after them: `x as T`, `x satisfies T`, `x!`, `f<T>`. */
const TYPED_EXPRESSIONS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSInstantiationExpression']);
/** Class member modifiers that exist only in TypeScript (`static` and `accessor` stay). */
const TS_MODIFIER = /^(?:public|private|protected|readonly|override|abstract|declare)\b/;

export function typeBlanks(types: typeof t, program: t.Program, code: string): TypeBlanks {
  const blanks: number[] = [];
  const opaque: number[] = [];
  const blank = (start: number | null | undefined, end: number | null | undefined) => {
    if (start != null && end != null && end > start) blanks.push(start, end);
  };
  const skipGap = (offset: number) => skipGapIn(code, offset);
  /** The offset of `ch` as the next token after `offset`, if it is. */
  const tokenAt = (offset: number, ch: string) => {
    const at = skipGap(offset);
    return code.startsWith(ch, at) ? at : -1;
  };

  /** `public`, `readonly`... before a class member's key (after its decorators). */
  function modifiers(member: t.Node & { decorators?: t.Decorator[] | null; key?: t.Node }): void {
    let offset = member.decorators?.length ? member.decorators[member.decorators.length - 1]!.end! : member.start!;
    const keyStart = member.key?.start ?? member.start!;
    for (;;) {
      offset = skipGap(offset);
      if (offset >= keyStart) return;
      const word = MEMBER_MODIFIERS.exec(code.slice(offset, offset + 20));
      if (!word) return;
      if (TS_MODIFIER.test(word[0])) blank(offset, offset + word[0].length);
      offset += word[0].length;
    }
  }

  /** The `?` or `!` after a member's key or a binding's name. */
  function markAfter(end: number, computed: boolean, mark: string): void {
    let at = end;
    if (computed) {
      const bracket = tokenAt(at, ']');
      if (bracket < 0) return;
      at = bracket + 1;
    }
    const found = tokenAt(at, mark);
    if (found >= 0) blank(found, found + 1);
  }

  function visit(node: t.Node | null | undefined): void {
    if (!node || typeof node.type !== 'string') return;
    const n = node as t.Node & Record<string, unknown>;
    if (OPAQUE.has(node.type) || ((node.type === 'TSEnumDeclaration' || node.type === 'TSModuleDeclaration') && !n.declare)) {
      opaque.push(node.start!, node.end!);
      return;
    }
    if (TYPES.has(node.type) || ((node.type === 'TSEnumDeclaration' || node.type === 'TSModuleDeclaration') && n.declare)) {
      blank(node.start, node.end);
      return;
    }
    if (node.type === 'VariableDeclaration' && node.declare) {
      blank(node.start, node.end);
      return;
    }
    if (TYPED_EXPRESSIONS.has(node.type)) {
      const inner = n.expression as t.Node;
      blank(afterParentheses(inner.end!), node.end);
      visit(inner);
      return;
    }
    switch (node.type) {
      case 'ClassProperty':
      case 'ClassPrivateProperty':
      case 'ClassAccessorProperty':
      case 'ClassMethod':
      case 'ClassPrivateMethod': {
        if (n.declare || n.abstract) {
          blank(node.start, node.end); // a member that is only a type: gone whole
          return;
        }
        modifiers(node);
        if (n.optional) markAfter(node.key.end!, n.computed === true, '?');
        if (n.definite) markAfter(node.key.end!, n.computed === true, '!');
        break;
      }
      case 'ClassDeclaration':
      case 'ClassExpression': {
        if (n.declare) {
          blank(node.start, node.end); // `declare class`: a type
          return;
        }
        if (n.abstract) {
          const at = skipGap(node.decorators?.length ? node.decorators[node.decorators.length - 1]!.end! : node.start!);
          if (code.startsWith('abstract', at)) blank(at, at + 'abstract'.length);
        }
        const impls = (node as { implements?: t.Node[] | null }).implements;
        if (impls?.length) {
          // `implements A, B`: the keyword is the last word before the first type.
          const before = code.lastIndexOf('implements', impls[0]!.start!);
          if (before >= 0) blank(before, impls[impls.length - 1]!.end!);
        }
        break;
      }
      case 'VariableDeclarator':
        if (node.definite && node.id.type === 'Identifier') markAfter(node.id.start! + node.id.name.length, false, '!');
        break;
      case 'Identifier':
        if (node.optional) markAfter(node.start! + node.name.length, false, '?');
        break;
      case 'ArrowFunctionExpression':
        // `(a)\n: T => a`: with the type gone, a line break would end up before `=>`, which
        // Node's stripping avoids by moving the `)`; not worth copying: given up on.
        if (node.returnType) {
          const arrow = tokenAt(node.returnType.end!, '=>');
          if (arrow < 0 || /[\n\r\u2028\u2029]/.test(code.slice(previousTokenEnd(node.returnType.start!), arrow))) opaque.push(node.start!, node.end!);
        }
        break;
    }
    if (types.isFunction(node)) thisParameter(node);
    for (const child of childNodes(types, node)) visit(child);
  }

  /** `function f(this: T, a)`: the `this` parameter goes, with its comma. */
  function thisParameter(fn: t.Function): void {
    const first = fn.params[0];
    if (first?.type !== 'Identifier' || first.name !== 'this') return;
    const next = fn.params[1];
    if (next) {
      blank(first.start, next.start);
      return;
    }
    const comma = tokenAt(first.end!, ',');
    blank(first.start, comma >= 0 ? comma + 1 : first.end);
  }

  /** Past the `)`s that close a parenthesised expression ending at `offset` (Babel's end excludes them). */
  function afterParentheses(offset: number): number {
    for (;;) {
      const paren = tokenAt(offset, ')');
      if (paren < 0) return offset;
      offset = paren + 1;
    }
  }

  /** The end of the token before `offset` (whitespace skipped backwards). */
  function previousTokenEnd(offset: number): number {
    let at = offset;
    while (at > 0 && /\s/.test(code[at - 1]!)) at--;
    return at;
  }

  visit(program);
  return { blanks: sortedRanges(blanks), opaque: sortedRanges(opaque) };
}

/** Flat [start, end) pairs sorted by start, overlapping and touching ones merged. */
function sortedRanges(flat: number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    if (out.length > 0 && s <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, e);
    else out.push(s, e);
  }
  return out;
}
