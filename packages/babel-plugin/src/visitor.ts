// Instruments one file: every function body is rewritten in place to
//   const _d = _w.enter(_b + K); try { <body> } finally { _w.exit(_d); }
// (with skipTrivialLeaves, trivial functions are left alone and the push may come later in
// the body: trivial.ts, lazy-entry.ts), and the file registers its function table once at the top. All work happens in a traversal
// started at Program entry, so that other plugins of the same pass (preset-env, TypeScript)
// see the instrumented functions and not the other way round.
import type { NodePath, types as t } from '@babel/core';
import { ANONYMOUS, functionName } from './function-names.js';
import { helperStatements } from './helpers.js';
import { hoistFunctions } from './hoisting.js';
import { isEsModule } from './module-kind.js';
import type { ResolvedOptions } from './options.js';
import { runsCode, wrapParams } from './params.js';
import type { PositionMapper } from './positions.js';
import { markRewritten, rewriteBody, type FrameIds } from './suspension.js';
import { lazyBody } from './lazy-entry.js';
import { fileFacts, hasPlainParameters, isTrivialLeaf, type FileFacts } from './trivial.js';
import { baseName, type SourceIdentity, type SourceInfo } from './function-source.js';
import { typeBlanks } from './type-blanks.js';

type Types = typeof t;
type Template = Parameters<typeof helperStatements>[0];

export const MARKER = '@stackring instrumented';
export const IGNORE_NEXT = 'stackring-ignore-next';
export const IGNORE_FILE = 'stackring-ignore-file';

interface LineColumn {
  line: number;
  column: number;
}

export interface FunctionEntry {
  name: string;
  file: string;
  line: number;
  column: number;
  /**
   * A class's initialiser: where V8 12 puts it instead (`body`: the class body's `{`) and where
   * V8 13 does (`member`: its first field of that kind, or static block).
   */
  otherPlaces?: { body: LineColumn; member: LineColumn };
}

interface Table {
  file: string;
  base: t.Identifier;
  flat: (string | number)[];
  /** Per function: [start, end) of its source text in the input (function-source.ts). */
  ranges: number[];
  /** The base is named after the input's content: the runtime can give functions' text back. */
  named: boolean;
  /** Per class initialiser: [local index, its FunctionEntry.otherPlaces: body, member] (flat). */
  initializers: number[];
}

interface Slot {
  table: Table;
  k: number;
}

export const INSTANCE_INITIALIZER = '<instance_members_initializer>';
export const STATIC_INITIALIZER = '<static_initializer>';

function hasComment(node: t.Node, text: string): boolean {
  return node.leadingComments?.some((c) => c.value.includes(text)) ?? false;
}

// Nodes a `/* stackring-ignore-next */` before a function can be attached to.
const CARRIERS = new Set([
  'VariableDeclarator', 'VariableDeclaration', 'ExportNamedDeclaration', 'ExportDefaultDeclaration', 'ObjectProperty',
  'ClassProperty', 'ClassPrivateProperty', 'AssignmentExpression', 'ExpressionStatement', 'ParenthesizedExpression', 'ReturnStatement',
]);

function ignoredByComment(path: NodePath): boolean {
  let p: NodePath | null = path;
  while (p) {
    if (hasComment(p.node, IGNORE_NEXT)) return true;
    const parent: NodePath | null = p.parentPath;
    if (!parent || !CARRIERS.has(parent.node.type)) return false;
    p = parent;
  }
  return false;
}

export interface Instrumentation {
  functions: FunctionEntry[];
  /**
   * To be called at Program exit, after the other plugins of the pass: rewrites what they added
   * to functions with `using` declarations (their transform's awaits, catch and finally blocks).
   */
  afterOtherPlugins: (() => void) | undefined;
}

export function instrumentProgram(
  types: Types,
  template: Template,
  program: NodePath<t.Program>,
  options: ResolvedOptions,
  mapper: PositionMapper,
  filename: string | undefined,
  code: string,
  /** Babel's sourceType option, as given ("script", "module", "unambiguous"). */
  declaredSourceType?: string,
  /** The caller's supportsStaticESM (babel-jest: false; undefined when it does not say). */
  callerSupportsStaticESM?: boolean,
  /** The input file, when it is what the plain program runs (function-source.ts). */
  source?: SourceIdentity,
): Instrumentation {
  const scope = program.scope;
  // Temporaries: program-level uids that also appear nowhere in the source text (the program
  // scope does not see bindings of nested scopes). One `_d`/`_t` pair serves every function:
  // each function declares its own, and a nested function's shadows it only inside that
  // function, which never refers to the outer one. Asking each function's scope for its own
  // uid instead costs O(n) per function (Babel counts up from _d2 each time): quadratic.
  const words = new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? []);
  // Before anything changes the tree: the TypeScript plugin removes the types it finds.
  const stripped = source?.typescript ? typeBlanks(types, program.node, code) : undefined;
  const fresh = (base: string): t.Identifier => {
    for (;;) {
      const id = scope.generateUidIdentifier(base);
      if (!words.has(id.name)) return id;
    }
  };
  const w = fresh('w');
  const r = fresh('r');
  const d = fresh('d');
  const tmp = fresh('t');
  const helperNames = {
    W: w.name,
    X: fresh('x').name, XI: fresh('xi').name, XN: fresh('xn').name, XR: fresh('xr').name, XV: fresh('xv').name, XO: fresh('xo').name,
    DI: fresh('di').name,
  };
  const usedHelpers = new Set<'X' | 'DI'>();
  const helper = (key: 'X' | 'DI') => {
    usedHelpers.add(key);
    return types.identifier(helperNames[key]);
  };
  const tables = new Map<string, Table>();
  /** [start, end) of every class's source text: toString of a class shows the whole class. */
  const classRanges: number[] = [];
  const functions: FunctionEntry[] = [];
  const slots = new WeakMap<t.Node, Slot>();
  /** Per class: the slots of its `<instance_members_initializer>` and `<static_initializer>`. */
  const classSlots = new WeakMap<t.Class, { instance?: Slot; static?: Slot }>();
  const done = new WeakSet<t.Node>();
  const facts: FileFacts = options.skipTrivialLeaves ? fileFacts(types, program) : { accessors: new Set(), quickCalls: new WeakSet() };
  /** Catch clauses and try statements of code outside any function (healed to `depthAtStart`). */
  const topLevel: NodePath<t.CatchClause | t.TryStatement>[] = [];
  /** Instrumented functions with `using` or `await using` declarations, and their frame ids. */
  const usingFunctions = new Map<t.Node, FrameIds | undefined>();

  const member = (obj: t.Identifier, prop: string) => types.memberExpression(types.cloneNode(obj), types.identifier(prop));
  const slotId = (slot: Slot) => types.binaryExpression('+', types.cloneNode(slot.table.base), types.numericLiteral(slot.k));
  const enterSlot = (slot: Slot) => types.callExpression(member(w, 'enter'), [slotId(slot)]);

  /** `XV([XO.v = E] = X(...enters))`: E runs with the frames pushed, popped however it completes (helpers.ts). */
  function guarded(enters: t.Expression[], e: t.Expression): t.Expression {
    const target = types.memberExpression(types.identifier(helperNames.XO), types.identifier('v'));
    const iterate = types.assignmentExpression('=', types.arrayPattern([types.assignmentPattern(target, e)]), types.callExpression(helper('X'), enters));
    return types.callExpression(types.identifier(helperNames.XV), [iterate]);
  }

  /** The base binding of a new table: named after the input when toString can be given back. */
  function newBase(): { base: t.Identifier; named: boolean } {
    if (source) {
      const name = baseName(source, tables.size);
      if (!words.has(name) && !scope.hasBinding(name)) return { base: types.identifier(name), named: true };
    }
    return { base: fresh('b'), named: false };
  }

  function addEntry(name: string, pos: FunctionEntry, range: readonly [number, number]): Slot {
    let table = tables.get(pos.file);
    if (!table) {
      table = { file: pos.file, ...newBase(), flat: [], ranges: [], initializers: [] };
      tables.set(pos.file, table);
    }
    const k = table.flat.length / 3;
    table.flat.push(name, pos.line, pos.column);
    table.ranges.push(range[0], range[1]);
    const { otherPlaces } = pos;
    functions.push({ name, file: pos.file, line: pos.line, column: pos.column, ...(otherPlaces && { otherPlaces }) });
    if (otherPlaces) table.initializers.push(k, otherPlaces.body.line, otherPlaces.body.column, otherPlaces.member.line, otherPlaces.member.column);
    return { table, k };
  }

  /** The frame V8 runs a class's instance or static field initialisers (and static blocks) in. */
  function classSlot(cls: t.Class, kind: 'instance' | 'static'): Slot {
    let entry = classSlots.get(cls);
    if (!entry) classSlots.set(cls, (entry = {}));
    if (entry[kind]) return entry[kind];
    const at = mapper.initializerPosition(cls, kind);
    const body = mapper.classBodyPosition(cls);
    const member = mapper.firstMemberPosition(cls, kind);
    // A source map could send them to another file than the class: keep V8 11's place then.
    const otherPlaces = body.file === at.file && member.file === at.file ? { body: { line: body.line, column: body.column }, member: { line: member.line, column: member.column } } : undefined;
    return (entry[kind] = addEntry(kind === 'static' ? STATIC_INITIALIZER : INSTANCE_INITIALIZER, { name: '', ...at, otherPlaces }, mapper.classText(cls)));
  }

  function register(path: NodePath<t.Function | t.StaticBlock>): void {
    const node = path.node;
    if (done.has(node) || slots.has(node)) return;
    if (!node.loc || !node.body) return; // generated code, bodiless TS declarations
    if ('declare' in node && node.declare) return;
    if (path.findParent((p) => p.isWithStatement())) return;
    if (options.skipTrivialLeaves && isTrivialLeaf(types, node, facts)) return;
    if (node.type === 'StaticBlock') {
      slots.set(node, classSlot(path.parentPath!.parentPath!.node as t.Class, 'static'));
      return;
    }
    slots.set(node, addEntry(functionName(path) || ANONYMOUS, { name: '', ...mapper.position(path) }, mapper.functionText(path as NodePath<t.Function>)));
  }

  // Field initialisers run in a frame of their own, `<instance_members_initializer>` (above the
  // constructor's frame, which in a base class has not pushed itself yet: its body runs after
  // them) or `<static_initializer>` (shared with the static blocks). Each initialiser that can
  // run code pushes that frame while it runs. Function, arrow and class values are left alone
  // (creating them runs nothing; wrapping would lose their inferred name). Keys stay as they
  // are: computed keys run once, at class definition, in the enclosing frame.
  function instrumentClass(path: NodePath<t.Class>): void {
    const cls = path.node;
    if (!cls.loc || path.findParent((p) => p.isWithStatement())) return;
    classRanges.push(...mapper.classText(cls));
    const ctor = cls.body.body.find((m): m is t.ClassMethod => m.type === 'ClassMethod' && m.kind === 'constructor');
    const ctorSlot = !cls.superClass && ctor ? slots.get(ctor) : undefined;
    for (const m of cls.body.body) {
      if (m.type !== 'ClassProperty' && m.type !== 'ClassPrivateProperty' && m.type !== 'ClassAccessorProperty') continue;
      const value = m.value;
      if (!value || ('declare' in m && m.declare) || !runsCode(value)) continue;
      if (hasComment(m, IGNORE_NEXT) || hasComment(value, IGNORE_NEXT)) continue;
      const enters = m.static ? [enterSlot(classSlot(cls, 'static'))] : [...(ctorSlot ? [enterSlot(ctorSlot)] : []), enterSlot(classSlot(cls, 'instance'))];
      m.value = guarded(enters, value);
    }
  }

  function instrument(path: NodePath<t.Function | t.StaticBlock>): void {
    const node = path.node;
    const slot = slots.get(node);
    if (!slot || done.has(node)) return;
    done.add(node);
    const id = () => slotId(slot);
    const suspends = node.type !== 'StaticBlock' && (node.async || node.generator) === true;
    const ids: FrameIds = {
      w,
      d: types.cloneNode(d),
      tmp: suspends ? types.cloneNode(tmp) : undefined,
      id,
      suspends,
      iterHelper: () => helper('DI'),
    };

    if (node.type === 'ArrowFunctionExpression' && node.body.type !== 'BlockStatement') {
      const ret = types.returnStatement(node.body);
      ret.loc = node.body.loc;
      const block = types.blockStatement([ret]);
      block.loc = node.body.loc;
      node.body = block;
      node.expression = false;
    }

    rewriteBody(types, path, ids);

    if (node.type !== 'StaticBlock') {
      wrapParams(types, node.params, (e) => guarded([types.callExpression(member(w, 'enter'), [id()])], e));
    }

    /** `const _d = enter(id); try { statements } finally { exit(_d) }`. */
    const framed = (statements: t.Statement[], end: t.SourceLocation | null | undefined): t.Statement[] => {
      const declarators = [types.variableDeclarator(types.cloneNode(ids.d), types.callExpression(member(w, 'enter'), [id()]))];
      if (ids.tmp) declarators.push(types.variableDeclarator(types.cloneNode(ids.tmp)));
      const prologue = types.variableDeclaration(suspends ? 'let' : 'const', declarators);
      const exit = types.expressionStatement(types.callExpression(member(w, 'exit'), [types.cloneNode(ids.d)]));
      const finalizer = suspends ? types.ifStatement(types.binaryExpression('>=', types.cloneNode(ids.d), types.numericLiteral(0)), exit) : exit;
      const finalizerBlock = types.blockStatement([finalizer]);
      const tryBlock = types.blockStatement(statements);
      // On the line of the closing brace: with retainLines (the loading hooks) the last line of
      // the body keeps its own text, which Node shows when an exception there is uncaught.
      if (end) {
        const at = { ...end, start: end.end };
        tryBlock.loc = end;
        finalizerBlock.loc = at;
        finalizer.loc = at;
      }
      const tryStatement = types.tryStatement(tryBlock, null, finalizerBlock);
      markRewritten(tryStatement);
      return [prologue, tryStatement];
    };

    const bodyLoc = node.type === 'StaticBlock' ? node.loc : (node.body as t.Node).loc;
    if (usingFunctions.has(node)) usingFunctions.set(node, ids);
    if (node.type === 'StaticBlock') {
      node.body = framed(hoistFunctions(types, path, node.body), bodyLoc);
      return;
    }
    const old = node.body as t.BlockStatement;
    const lazy = options.skipTrivialLeaves && hasPlainParameters(node) && !usingFunctions.has(node) ? lazyBody({ types, facts, framed }, old) : undefined;
    const body = types.blockStatement(lazy ?? framed(hoistFunctions(types, path, old.body), bodyLoc), old.directives);
    body.loc = old.loc;
    body.start = old.start;
    body.end = old.end;
    node.body = body;
  }

  program.traverse({
    'Function|StaticBlock': {
      enter(p: NodePath) {
        const path = p as NodePath<t.Function | t.StaticBlock>;
        if (ignoredByComment(path)) {
          path.skip(); // the function and everything in it, e.g. code serialised with toString()
          return;
        }
        register(path);
      },
      exit(p: NodePath) {
        instrument(p as NodePath<t.Function | t.StaticBlock>);
      },
    },
    Class: {
      exit(p: NodePath) {
        instrumentClass(p as NodePath<t.Class>);
      },
    },
    VariableDeclaration(p: NodePath) {
      const kind = (p.node as t.VariableDeclaration).kind as string;
      if (kind !== 'using' && kind !== 'await using') return;
      const fn = p.findParent((q) => q.isFunction() || q.isStaticBlock());
      if (fn && slots.has(fn.node)) usingFunctions.set(fn.node, undefined);
    },
    'CatchClause|TryStatement'(p: NodePath) {
      if (p.isTryStatement() && !p.node.finalizer) return;
      if (p.findParent((q) => q.isFunction() || q.isStaticBlock() || q.isWithStatement())) return;
      topLevel.push(p as NodePath<t.CatchClause | t.TryStatement>);
    },
  });

  if (tables.size === 0) return { functions, afterOtherPlugins: undefined };

  // Code outside any function has no frame to heal to: its catch and finally blocks restore the
  // depth at which the file's body started (a frame that an exception skipped the exit of, e.g.
  // a stack overflow inside `exit`, is gone). Never growing, so right after a top-level await too.
  const depthAtStart = topLevel.length > 0 ? fresh('depth') : undefined;
  if (depthAtStart) {
    const heal = () => types.expressionStatement(types.callExpression(member(w, 'exit'), [types.cloneNode(depthAtStart)]));
    for (const p of topLevel) {
      if (p.node.type === 'CatchClause') p.node.body.body.unshift(heal());
      else p.node.finalizer!.body.unshift(heal());
    }
  }

  // Header: marker, runtime import, table registration, helper for parameter initialisers.
  const header: t.Statement[] = [];
  const rt = types.stringLiteral(options.runtime);
  if (isEsModule(program, filename, declaredSourceType, callerSupportsStaticESM)) {
    header.push(types.importDeclaration([types.importSpecifier(types.cloneNode(w), types.identifier('writer')), types.importSpecifier(types.cloneNode(r), types.identifier('register'))], rt));
  } else {
    header.push(
      types.variableDeclaration('var', [
        types.variableDeclarator(
          types.objectPattern([
            types.objectProperty(types.identifier('writer'), types.cloneNode(w)),
            types.objectProperty(types.identifier('register'), types.cloneNode(r)),
          ]),
          types.callExpression(types.identifier('require'), [rt]),
        ),
      ]),
    );
  }
  // `var`: a function running early in an import cycle sees `undefined` and the runtime's
  // '(unregistered)' placeholder frame instead of a TDZ error.
  let classesGiven = false;
  for (const table of tables.values()) {
    const list = types.arrayExpression(table.flat.map((v) => (typeof v === 'number' ? types.numericLiteral(v) : types.stringLiteral(v))));
    const args: t.Expression[] = [types.stringLiteral(table.file), list];
    if (source && table.named) {
      // The classes go with the first table only: the runtime keeps them per input file.
      const { typescript: _, ...identity } = source;
      args.push(sourceInfoExpression(types, { ...identity, name: table.base.name, ranges: table.ranges, classes: classesGiven ? [] : classRanges, ...(classesGiven ? {} : stripped) }));
      classesGiven = true;
    }
    if (table.initializers.length > 0) {
      if (args.length === 2) args.push(types.unaryExpression('void', types.numericLiteral(0)));
      args.push(types.arrayExpression(table.initializers.map((n) => types.numericLiteral(n))));
    }
    header.push(types.variableDeclaration('var', [types.variableDeclarator(types.cloneNode(table.base), types.callExpression(types.cloneNode(r), args))]));
  }
  if (depthAtStart) header.push(types.variableDeclaration('var', [types.variableDeclarator(types.cloneNode(depthAtStart), member(w, 'depth'))]));
  header.push(...helperStatements(template, helperNames, [...usedHelpers].sort()));
  types.addComment(header[0]!, 'leading', ` ${MARKER} `);
  program.unshiftContainer('body', header);
  program.scope.crawl();

  // `using` and `await using` (explicit resource management) run on Node 20 only through
  // Babel's transform, which runs after this traversal and turns each block into
  // `try { ... } catch (_) { ctx.e = _; } finally { await ctx.d(); }`: a suspension point and
  // blocks that abrupt resumptions land in. Rewrite them once it has run, like the others.
  const afterOtherPlugins =
    usingFunctions.size === 0
      ? undefined
      : () => {
          program.traverse({
            'Function|StaticBlock'(p: NodePath) {
              const ids = usingFunctions.get(p.node);
              if (ids) rewriteBody(types, p as NodePath<t.Function | t.StaticBlock>, ids);
            },
          });
        };
  return { functions, afterOtherPlugins };
}

/** `{ name, path, hash, ranges, classes[, blanks, opaque] }` as an object literal. */
function sourceInfoExpression(types: Types, info: SourceInfo): t.ObjectExpression {
  const numbers = (list: number[]) => types.arrayExpression(list.map((n) => types.numericLiteral(n)));
  return types.objectExpression([
    types.objectProperty(types.identifier('name'), types.stringLiteral(info.name)),
    types.objectProperty(types.identifier('path'), types.stringLiteral(info.path)),
    types.objectProperty(types.identifier('hash'), types.stringLiteral(info.hash)),
    types.objectProperty(types.identifier('ranges'), numbers(info.ranges)),
    types.objectProperty(types.identifier('classes'), numbers(info.classes)),
    ...(info.blanks ? [types.objectProperty(types.identifier('blanks'), numbers(info.blanks))] : []),
    ...(info.opaque ? [types.objectProperty(types.identifier('opaque'), numbers(info.opaque))] : []),
  ]);
}

/** The file says so at its top, or a previous pass already instrumented it. */
export function fileIsExcludedByContent(program: t.Program, comments: readonly t.Comment[] | undefined, runtime: string): boolean {
  const firstStart = program.body[0]?.start ?? Infinity;
  for (const c of comments ?? []) {
    if (c.value.trim() === MARKER) return true;
    if ((c.start ?? 0) < firstStart && c.value.includes(IGNORE_FILE)) return true;
  }
  for (const stmt of program.body.slice(0, 3)) {
    if (stmt.type === 'ImportDeclaration' && stmt.source.value === runtime && stmt.specifiers.some((s) => s.type === 'ImportSpecifier' && s.imported.type === 'Identifier' && s.imported.name === 'register')) {
      return true;
    }
  }
  return false;
}
