// File-level helper functions, emitted once per file that needs them (no loc: never
// instrumented themselves). `W` is the file's writer binding.
//
// X(t, v): restores depth t and returns v. Default-parameter initialisers become
//   X(W.enter(id), E), so the function is on the stack while E runs (params.ts).
//
// DI(iterable, id, mode): `for await` and `yield*` call the iterator's [Symbol.iterator]() /
//   [Symbol.asyncIterator](), next(), throw() and return() synchronously, while V8 still has
//   the consuming function on its stack (for yield*, below the inner generator's frames), but
//   the language offers no place to push between those calls and the suspension. DI hands the
//   loop or the delegation a wrapper whose methods push the consumer's frame around each call
//   of the real method and return its result untouched: same calls, same objects, same
//   promises, same microtask order. A missing async iterator leaves the wrapper sync, so the
//   language's sync-to-async fallback applies to it as it did to the original.
import type { types as t } from '@babel/core';

type Template = { statements: { ast: (code: string) => t.Statement[] } };

const SOURCES: Record<string, string> = {
  X: `function X(t, v) { W.exit(t); return v; }`,
  // mode 0: yield* in a generator, 1: yield* in an async generator, 2: for await (which calls
  // next() and return() without arguments; yield* passes one).
  DI: `function DI(iterable, id, mode) {
  var key = Symbol.iterator;
  if (mode !== 0 && iterable != null && iterable[Symbol.asyncIterator] != null) key = Symbol.asyncIterator;
  var method = iterable == null ? undefined : iterable[key];
  if (typeof method !== 'function') return iterable;
  var call = function (fn, self, arg, withArg) {
    var t = W.enter(id);
    try { return withArg ? fn.call(self, arg) : fn.call(self); } finally { W.exit(t); }
  };
  var wrapper = {};
  wrapper[key] = function () {
    var it = call(method, iterable, undefined, false);
    if (it === null || (typeof it !== 'object' && typeof it !== 'function')) return it;
    var next = it.next;
    var proxy = { next: function (v) { return call(next, it, v, mode !== 2); } };
    // Looked up when used, as the language does; absent stays absent.
    ['return', 'throw'].forEach(function (name) {
      Object.defineProperty(proxy, name, {
        get: function () {
          var fn = it[name];
          return fn == null ? fn : function (v) { return call(fn, it, v, mode !== 2); };
        },
      });
    });
    return proxy;
  };
  return wrapper;
}`,
};

export function helperStatements(template: Template, names: Record<string, string>, used: Iterable<string>): t.Statement[] {
  const out: t.Statement[] = [];
  for (const key of used) {
    const code = SOURCES[key]!.replace(/\b(W|X|DI)\b/g, (m) => names[m]!);
    out.push(...template.statements.ast(code));
  }
  return out;
}
