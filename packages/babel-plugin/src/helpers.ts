// File-level helper functions, emitted once per file that needs them (no loc: never
// instrumented themselves). `W` is the file's writer binding.
//
// X, XI, XN, XR, XV, XO: run an expression E inside a frame, without a closure, and pop the
//   frame however E completes. Default parameter initialisers and class field initialisers
//   become
//     XV([XO.v = E] = X(W.enter(id)))
//   X(t) makes a fresh iterator object holding the token t (further arguments, more enters, are
//   popped with it) and makes it current (XO). Array destructuring evaluates the target XO.v
//   (this object) first, then next() (done: false, value: undefined, so the default E runs),
//   then E, then closes the iterator: return() runs when E completed normally and also when it
//   threw (IteratorClose), so the frame is popped before the exception reaches any catch, even
//   one outside instrumented code (a promise job, top-level code). XV(o) pops again
//   (idempotent) and returns the value: the normal path stays right when a later plugin
//   compiles the destructuring into array indexing (preset-env's loose mode) that never calls
//   return(). XO is never read after E started, so nested and recursive uses cannot mix up.
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
  X: `function X(t) {
  var p = XI.prototype;
  if (p.next !== XN) { p.next = XN; p[Symbol.iterator] = XN; p['return'] = XR; }
  return XO = new XI(t);
}
function XI(t) { this.t = t; this.v = void 0; this.done = false; this.value = void 0; }
function XN() { return this; }
function XR() { W.exit(this.t); return this; }
function XV(o) { W.exit(o.t); return o.v; }
var XO;`,
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
    const code = SOURCES[key]!.replace(/\b(?:W|X[INRVO]?|DI)\b/g, (m) => names[m]!);
    out.push(...template.statements.ast(code));
  }
  return out;
}
