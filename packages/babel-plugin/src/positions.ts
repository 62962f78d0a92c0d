// Where V8 says a function starts (CallSite.getEnclosingLineNumber/ColumnNumber, 1-based),
// computed on the source Babel parsed, then mapped through the input source map if any.
// Measured on Node 20 (see README "Positions"):
//   declarations, expressions, arrows, object methods, getters/setters -> start of the node
//     (`async`, `function`, `get`, `*`, `[` of a computed key, the first parameter of an arrow)
//   class members -> start of the node after `static` (and TS modifiers, gone in the JS V8 runs)
//   static blocks -> V8 runs all static blocks and static field initialisers as one function,
//     placed at the start of the LAST static block or static field of the class (with `static`)
import type { NodePath, types as t } from '@babel/core';
import { TraceMap, traceSegment } from '@jridgewell/trace-mapping';

export interface Position {
  file: string;
  line: number;
  column: number;
}

const MODIFIERS = /^(?:static|public|private|protected|override|readonly|abstract|declare|accessor)\b/;
const GAP = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/;

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

  /** Offset where V8 puts the function. */
  private v8Offset(path: NodePath<t.Function | t.StaticBlock>): number {
    const node = path.node;
    if (node.type === 'StaticBlock') {
      const members = (path.parentPath as NodePath<t.ClassBody>).node.body;
      let last: t.Node = node;
      for (const m of members) {
        if (m.type === 'StaticBlock' || ((m.type === 'ClassProperty' || m.type === 'ClassPrivateProperty' || m.type === 'ClassAccessorProperty') && m.static)) last = m;
      }
      return last.start!;
    }
    let offset = node.start!;
    if (node.type === 'ClassMethod' || node.type === 'ClassPrivateMethod') {
      // Skip as many modifier words as the node has modifiers, so a method named `static` stays put.
      let count = (node.static ? 1 : 0) + ('accessibility' in node && node.accessibility ? 1 : 0) + ('override' in node && node.override ? 1 : 0) + ('abstract' in node && node.abstract ? 1 : 0);
      if (node.decorators?.length) offset = node.decorators[node.decorators.length - 1]!.end!;
      while (count > 0) {
        offset += GAP.exec(this.code.slice(offset, offset + 200))![0].length;
        const word = MODIFIERS.exec(this.code.slice(offset, offset + 20));
        if (!word) break;
        offset += word[0].length;
        count--;
      }
      offset += GAP.exec(this.code.slice(offset, offset + 200))![0].length;
    }
    return offset;
  }

  position(path: NodePath<t.Function | t.StaticBlock>): Position {
    const here = this.lineColumn(this.v8Offset(path));
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
