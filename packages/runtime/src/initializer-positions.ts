// V8 runs a class's field initialisers in functions of their own, `<instance_members_initializer>`
// and `<static_initializer>` (with the static blocks), and where it says they start changed
// between versions: V8 11 (Node 20) puts the instance one at the `class` keyword, where the
// class's default constructor is, and the static one at a static member; V8 12 (Node 22) and
// later put both at the `{` of the class body. The plugin gives the first in the function table
// and the second beside it, and register() keeps the one this V8 uses, so that stackring's
// stacks and V8's agree frame by frame on either.

let atClassBody: boolean | undefined;

/** Whether this V8 puts a class's initialisers at its body's `{` (asked of V8 once). */
export function initializersAtClassBody(): boolean {
  return (atClassBody ??= askV8());
}

function askV8(): boolean {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 2;
    Error.prepareStackTrace = (_error, sites) => sites;
    const frames = (): NodeJS.CallSite[] => {
      const holder: { stack?: NodeJS.CallSite[] } = {};
      Error.captureStackTrace(holder, frames);
      return holder.stack!;
    };
    // Compiled from a string so that the class keeps its field (TypeScript would move it into
    // a constructor): its initialiser's frame, then the default constructor's, at the class.
    const sites = new Function('frames', 'return new (class { at = frames(); })().at;')(frames) as NodeJS.CallSite[];
    const [initializer, constructor] = sites;
    if (!initializer || !constructor) return laterThanV8(11);
    return initializer.getEnclosingColumnNumber() !== constructor.getEnclosingColumnNumber() || initializer.getEnclosingLineNumber() !== constructor.getEnclosingLineNumber();
  } catch {
    return laterThanV8(11); // code from strings disallowed (--disallow-code-generation-from-strings)
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function laterThanV8(major: number): boolean {
  return Number(process.versions.v8.split('.')[0]) > major;
}

/**
 * `table` ([name, line, column, ...]) with the initialisers listed in `classBodies` ([local
 * index, line, column, ...], the body's `{`) moved there when this V8 puts them there.
 */
export function withInitializerPositions(table: ReadonlyArray<string | number>, classBodies: unknown, atBody = initializersAtClassBody): ReadonlyArray<string | number> {
  if (!Array.isArray(classBodies) || classBodies.length === 0 || !atBody()) return table;
  const moved = Array.from(table);
  for (let i = 0; i + 2 < classBodies.length; i += 3) {
    const k = Number(classBodies[i]);
    if (!Number.isInteger(k) || k < 0 || 3 * k + 2 >= moved.length) continue;
    moved[3 * k + 1] = Number(classBodies[i + 1]);
    moved[3 * k + 2] = Number(classBodies[i + 2]);
  }
  return moved;
}
