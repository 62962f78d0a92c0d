// Where V8 says a function starts (CallSite.getEnclosingLineNumber/ColumnNumber, 1-based),
// computed on the source Babel parsed, then mapped through the input source map if any.
// Measured on Node 20 (see README "Positions"):
//   declarations, expressions, arrows, object methods, getters/setters -> start of the node
//     (`async`, `function`, `get`, `*`, `[` of a computed key, the first parameter of an arrow;
//     after an arrow's TypeScript type parameters, which type stripping blanks)
//   class members -> start of the node after `static` (and TS modifiers, gone in the JS V8 runs)
//   static blocks and static field initialisers -> V8 runs them all as one function,
//     `<static_initializer>`, placed at the LAST static field of the class (with `static`), or,
//     without static fields, at the FIRST static block (V8's parser opens that function's scope
//     at the first static element and moves its start to each static field it parses)
//   instance field initialisers -> `<instance_members_initializer>`, placed at the class (the
//     `class` keyword), where V8 also puts a class's default constructor
// V8 12 (Node 22) puts both initialisers at the `{` of the class body instead, and V8 13
// (Node 24) each at its first member: the first static field or static block (with `static`),
// the first instance field. The plugin gives those positions too, and the runtime picks the
// one the V8 it runs in uses (runtime's initializer-positions.ts).
import type { NodePath, types as t } from '@babel/core';
import { TraceMap, traceSegment } from '@jridgewell/trace-mapping';

export interface Position {
  file: string;
  line: number;
  column: number;
}

/** The words that can stand before a class member's key (type-blanks.ts blanks TypeScript's). */
export const MEMBER_MODIFIERS = /^(?:static|public|private|protected|override|readonly|abstract|declare|accessor)\b/;
const GAP = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/;

/** `offset` moved past the whitespace and comments there. */
export function skipGap(code: string, offset: number): number {
  return offset + GAP.exec(code.slice(offset, offset + 200))![0].length;
}

/** The modifier words only TypeScript has (`declare` fields are never run). */
const TYPESCRIPT_MODIFIERS = /^(?:public|private|protected|override|readonly|abstract)\b/;

/** A class field V8 runs (a `declare`d or `abstract` one is TypeScript's alone). */
function isField(m: t.Node): m is t.ClassProperty | t.ClassPrivateProperty | t.ClassAccessorProperty {
  if (m.type !== 'ClassProperty' && m.type !== 'ClassPrivateProperty' && m.type !== 'ClassAccessorProperty') return false;
  return !('declare' in m && m.declare) && !('abstract' in m && m.abstract);
}

/** How many TypeScript modifier words stand before a class member's key (not `static`). */
function typeScriptModifiers(m: t.Node): number {
  const has = (key: string) => (key in m && (m as unknown as Record<string, unknown>)[key] ? 1 : 0);
  return has('accessibility') + has('override') + has('abstract') + has('readonly');
}

export class PositionMapper {
  private readonly lineStarts: number[] = [0];
  private readonly trace: TraceMap | undefined;

  constructor(
    private readonly code: string,
    private readonly file: string,
    inputMap: object | null | undefined,
  ) {
    for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    this.trace = inputMap ? new TraceMap(inputMap as ConstructorParameters<typeof TraceMap>[0], file) : undefined;
  }

  /** Offset in the parsed code -> 1-based line and column there. */
  private lineColumn(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  /** Skips whitespace and comments from `offset`. */
  private skipGap(offset: number): number {
    return skipGap(this.code, offset);
  }

  /**
   * `offset` moved past at most `count` words that `words` matches (and the gaps around them):
   * modifiers V8 either never sees (TypeScript's, blanked or compiled away) or starts after.
   */
  private afterWords(offset: number, words: RegExp, count = Infinity): number {
    for (; count > 0; count--) {
      offset = this.skipGap(offset);
      const word = words.exec(this.code.slice(offset, offset + 20));
      if (!word) break;
      offset += word[0].length;
    }
    return this.skipGap(offset);
  }

  /** Offset of V8's `<static_initializer>` of a class (see the top of this file). */
  private staticInitializerOffset(cls: t.Class): number {
    let firstBlock: t.Node | undefined;
    let lastField: t.Node | undefined;
    for (const m of cls.body.body) {
      if (m.type === 'StaticBlock') firstBlock ??= m;
      else if (isField(m) && m.static) lastField = m;
    }
    const member = lastField ?? firstBlock;
    if (!member) throw new Error('stackring: a class without static elements has no static initializer');
    return member.start!;
  }

  /** Offset of the `class` keyword (after decorators and TypeScript modifiers). */
  private classOffset(cls: t.Class): number {
    return this.afterWords(cls.decorators?.length ? cls.decorators[cls.decorators.length - 1]!.end! : cls.start!, /^(?:abstract|declare)\b/);
  }

  /** Offset where V8 puts the function. */
  private v8Offset(path: NodePath<t.Function | t.StaticBlock>): number {
    const node = path.node;
    if (node.type === 'StaticBlock') return this.staticInitializerOffset(path.parentPath!.parentPath!.node as t.Class);
    let offset = node.start!;
    // `<T>(x: T) => x`: V8 runs it with the type parameters stripped, and starts at `(`.
    if (node.type === 'ArrowFunctionExpression' && !node.async && node.typeParameters && node.typeParameters.start === offset) return this.skipGap(node.typeParameters.end!);
    if (node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') {
      // Skip as many modifier words as the node has modifiers, so a method named `static` stays put.
      if (node.decorators?.length) offset = node.decorators[node.decorators.length - 1]!.end!;
      return this.afterWords(offset, MEMBER_MODIFIERS, (node.static ? 1 : 0) + typeScriptModifiers(node));
    }
    return offset;
  }

  /** [start, end) of the text `Function.prototype.toString` shows for a function: from where V8 puts it. */
  functionText(path: NodePath<t.Function>): [number, number] {
    return [this.v8Offset(path), path.node.end!];
  }

  /** [start, end) of the text `Function.prototype.toString` shows for a class: from `class`. */
  classText(cls: t.Class): [number, number] {
    return [this.classOffset(cls), cls.end!];
  }

  position(path: NodePath<t.Function | t.StaticBlock>): Position {
    return this.at(this.v8Offset(path));
  }

  /** Where V8 puts a class's `<instance_members_initializer>` or its `<static_initializer>`. */
  initializerPosition(cls: t.Class, kind: 'instance' | 'static'): Position {
    return this.at(kind === 'static' ? this.staticInitializerOffset(cls) : this.classOffset(cls));
  }

  /** Where V8 12 puts both initialisers of a class: the `{` of its body. */
  classBodyPosition(cls: t.Class): Position {
    return this.at(cls.body.start!);
  }

  /**
   * Where V8 13 puts a class's initialiser: its first static field or static block (at
   * `static`), or its first instance field (at its key); TypeScript's modifiers are blanked.
   */
  firstMemberPosition(cls: t.Class, kind: 'instance' | 'static'): Position {
    const member = cls.body.body.find((m) => (m.type === 'StaticBlock' ? kind === 'static' : isField(m) && m.static === (kind === 'static')));
    if (!member) return this.at(cls.body.start!); // asked only for a class with one
    // Past TypeScript's modifiers before `static` or the key (as many as the field has, so a
    // field named `readonly` stays put); a static one starts at `static`.
    return this.at(this.afterWords(member.start!, TYPESCRIPT_MODIFIERS, member.type === 'StaticBlock' ? 0 : typeScriptModifiers(member)));
  }

  private at(offset: number): Position {
    const here = this.lineColumn(offset);
    if (this.trace) {
      // The nearest segment at or before the position on its line; the distance from it is
      // kept (a compiler often maps `export` but not the `function` after it).
      const seg = traceSegment(this.trace, here.line - 1, here.column - 1);
      if (seg && seg.length >= 4) {
        const source = this.trace.resolvedSources[seg[1]!];
        if (source != null) return { file: source, line: seg[2]! + 1, column: seg[3]! + (here.column - 1 - seg[0]) + 1 };
      }
    }
    return { file: this.file, ...here };
  }
}
