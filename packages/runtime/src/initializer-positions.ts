// V8 runs a class's field initialisers in functions of their own, `<instance_members_initializer>`
// and `<static_initializer>` (with the static blocks), and where it says they start changed
// between versions: V8 11 (Node 20) puts the instance one at the `class` keyword, where the
// class's default constructor is, and the static one at its last static field (or first static
// block); V8 12 (Node 22) puts both at the `{` of the class body; V8 13 (Node 24) each at its
// first member (the first instance field; the first static field or block). The plugin gives
// the first in the function table and the other two beside it, and register() keeps the one
// this V8 uses, so that stackring's stacks and V8's agree frame by frame on each.

/** Where this V8 puts a class's initialisers: as V8 11, 12 or 13 does. */
export type InitializerPlace = 'class' | 'body' | 'member';

let place: InitializerPlace | undefined;

/** Where this V8 puts a class's initialisers (asked of V8 once). */
export function initializerPlace(): InitializerPlace {
  return (place ??= askV8());
}

// The probe class: its keyword, its body's `{` and its field at distinct columns.
const PROBE = 'return new (class { at = frames(); })().at;';
const CLASS_TO_BODY = PROBE.indexOf('{') - PROBE.indexOf('class');
const CLASS_TO_FIELD = PROBE.indexOf('at =') - PROBE.indexOf('class');

function askV8(): InitializerPlace {
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
    const sites = new Function('frames', PROBE)(frames) as NodeJS.CallSite[];
    const [initializer, constructor] = sites;
    if (!initializer || !constructor || initializer.getEnclosingLineNumber() !== constructor.getEnclosingLineNumber()) return byVersion();
    const distance = initializer.getEnclosingColumnNumber()! - constructor.getEnclosingColumnNumber()!;
    return distance === 0 ? 'class' : distance === CLASS_TO_BODY ? 'body' : distance === CLASS_TO_FIELD ? 'member' : byVersion();
  } catch {
    return byVersion(); // code from strings disallowed (--disallow-code-generation-from-strings)
  } finally {
    try {
      Error.prepareStackTrace = prepareStackTrace;
      Error.stackTraceLimit = stackTraceLimit;
    } catch {
      // made read-only by the app: then never changed above either
    }
  }
}

function byVersion(): InitializerPlace {
  const major = Number(process.versions.v8.split('.')[0]);
  return major >= 13 ? 'member' : major === 12 ? 'body' : 'class';
}

/**
 * `table` ([name, line, column, ...]) with the initialisers listed in `initializers` ([local
 * index, line and column of the class body's `{`, line and column of the first member, ...])
 * moved to where this V8 puts them.
 */
export function withInitializerPositions(table: ReadonlyArray<string | number>, initializers: unknown, where = initializerPlace): ReadonlyArray<string | number> {
  if (!Array.isArray(initializers) || initializers.length === 0) return table;
  const here = where();
  if (here === 'class') return table;
  const moved = Array.from(table);
  for (let i = 0; i + 4 < initializers.length; i += 5) {
    const k = Number(initializers[i]);
    if (!Number.isInteger(k) || k < 0 || 3 * k + 2 >= moved.length) continue;
    const at = here === 'body' ? i + 1 : i + 3;
    moved[3 * k + 1] = Number(initializers[at]);
    moved[3 * k + 2] = Number(initializers[at + 1]);
  }
  return moved;
}
