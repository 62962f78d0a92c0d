// skipTrivialLeaves pushes a frame lazily, where the body first can run other code
// (src/lazy-entry.ts). A property test against the plain function: random bodies of trivial
// statements, ifs, loops, calls, throws and let declarations (TDZ included) behave exactly as
// before, the frame is on the stack at every call the function makes, pushed at most once per
// call, and gone once it returns or throws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import plugin from '../src/index.js';
import { instrument } from './helpers.js';

type Outcome = { value: unknown } | { error: string };

interface Run {
  outcome: Outcome;
  /** Per call of g: its tag and, instrumented, the frames on the stack. */
  calls: { tag: number; stack: number[] }[];
  pushes: number;
  depthAfter: number;
}

/** Loads `source` (a CommonJS module exporting f) with a model runtime; runs f(a, b). */
function load(source: string) {
  const stack: number[] = [];
  let pushes = 0;
  const writer = {
    enter(id: number) {
      pushes++;
      stack.push(id);
      return stack.length - 1;
    },
    exit(token: number) {
      if (token < stack.length) stack.length = token;
    },
    exitWith<T>(token: number, value: T): T {
      this.exit(token);
      return value;
    },
  };
  let calls: Run['calls'] = [];
  const g = (tag: number) => {
    calls.push({ tag, stack: [...stack] });
    if (tag % 7 === 6) throw new Error('g threw ' + tag);
    return tag;
  };
  const mod = { exports: {} as unknown };
  const fakeRequire = (spec: string) => {
    if (spec !== 'model-runtime') throw new Error('unexpected require ' + spec);
    return { writer, register: () => 0 };
  };
  new Function('require', 'module', 'exports', 'g', 'err', source)(fakeRequire, mod, mod.exports, g, new Error('thrown by f'));
  const f = mod.exports as (a: number, b: number) => unknown;
  return (a: number, b: number): Run => {
    calls = [];
    pushes = 0;
    let outcome: Outcome;
    try {
      outcome = { value: f(a, b) };
    } catch (e) {
      outcome = { error: String((e as Error).message) };
    }
    return { outcome, calls, pushes, depthAfter: stack.length };
  };
}

// Random bodies: x and y are locals, `late` a let declared somewhere (maybe after its use).
const expr = fc.constantFrom('a + 1', 'b * 2', 'x', 'x + b', '3', 'a - b', 'typeof late === "number" ? 1 : 0', 'late', 'h(x)', 'h.call(null, b)');
const test = fc.constantFrom('a > 2', 'b === 1', 'x < 4', 'a === b', '!a');
const callExpr = fc.integer({ min: 0, max: 20 }).map((n) => `g(${n})`);
const statement = fc.letrec<{ stmt: string; block: string }>((tie) => ({
  stmt: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    expr.map((e) => `x = ${e};`),
    expr.map((e) => `return ${e};`),
    callExpr.map((c) => `x += ${c};`),
    callExpr.map((c) => `return ${c};`),
    fc.constant('throw err;'),
    fc.tuple(test, tie('block')).map(([t, b]) => `if (${t}) ${b}`),
    fc.tuple(test, tie('block'), tie('block')).map(([t, b, c]) => `if (${t}) ${b} else ${c}`),
    fc.tuple(test, tie('stmt')).map(([t, s]) => `if (${t}) ${s}`),
    tie('block').map((b) => `for (let i = 0; i < 2; i++) ${b}`),
    fc.tuple(expr, tie('block')).map(([e, b]) => `while (y++ < 2) { x = ${e}; ${b} }`),
  ),
  block: fc.array(tie('stmt'), { maxLength: 3 }).map((ss) => `{ ${ss.join(' ')} }`),
}));
const body = fc
  .tuple(fc.array(statement.stmt, { minLength: 1, maxLength: 6 }), fc.option(fc.tuple(fc.nat(6), fc.oneof(expr, callExpr)), { nil: undefined }))
  .map(([stmts, late]) => {
    const list = [...stmts];
    if (late) list.splice(Math.min(late[0], list.length), 0, `let late = ${late[1]};`);
    return `let x = a; let y = 0;\n${list.join('\n')}`;
  });

const inputs: [number, number][] = [[0, 0], [1, 1], [3, 1], [6, 2], [2, 2], [5, 0]];

describe('lazy frames (skipTrivialLeaves)', () => {
  it('behave as the plain function; the frame is there at every call, pushed at most once, popped on the way out', () => {
    fc.assert(
      fc.property(body, (text) => {
        // h: a trivial function of the file, so its calls count as trivial code.
        const source = `function h(v) { return v * 3 + 1; }\nmodule.exports = function f(a, b) {\n${text}\n};`;
        const out = instrument(source, '/virtual/f.js', { runtime: 'model-runtime', skipTrivialLeaves: true });
        const plain = load(source);
        const inst = load(out.code);
        const framed = out.functions.some((fn) => fn.name === 'f');
        expect(out.functions.map((fn) => fn.name)).not.toContain('h');
        for (const [a, b] of inputs) {
          const p = plain(a, b);
          const i = inst(a, b);
          expect(i.outcome, `f(${a}, ${b})`).toEqual(p.outcome);
          expect(i.calls.map((c) => c.tag)).toEqual(p.calls.map((c) => c.tag));
          for (const c of i.calls) expect(c.stack, `stack at g(${c.tag})`).toEqual(framed ? [0] : []);
          expect(i.pushes).toBeLessThanOrEqual(1);
          expect(i.depthAfter).toBe(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('pushes nothing on the paths that return before running other code', () => {
    // The shapes of acorn's hot functions (isIdentifierChar, eat, the Node constructor).
    const source = `
      exports.classify = function (code, astral) {
        if (code < 48) return code === 36;
        if (code < 58) return true;
        if (code < 65) return false;
        if (code < 91) return true;
        if (code <= 0xffff) return code >= 0xaa && g(code) > 0;
        if (astral === false) return false;
        return g(-code) > 0;
      };
      exports.eat = function (state, type) {
        if (state.type === type) { g(1); return true; } else { return false; }
      };
      exports.Node = function (parser, pos) {
        this.start = pos;
        if (parser.locations) this.loc = g(pos);
        if (parser.ranges) this.range = [pos, 0];
      };
      exports.charAtLoop = function (s) { return s.charCodeAt(0) + s.charCodeAt(1); };
      exports.loopLeaf = function (n) { let s = 0; while (n-- > 0) s += n; return s; };
    `;
    const out = instrument(source, '/virtual/shapes.js', { runtime: 'model-runtime', skipTrivialLeaves: true });
    let pushes = 0;
    const writer = { enter: () => pushes++, exit: () => {}, exitWith: (_t: number, v: unknown) => v };
    const mod = { exports: {} as Record<string, (...args: unknown[]) => unknown> };
    new Function('require', 'module', 'exports', 'g', out.code)(() => ({ writer, register: () => 0 }), mod, mod.exports, (n: number) => n);
    const { classify, eat, Node, charAtLoop, loopLeaf } = mod.exports as Record<string, (...args: never[]) => unknown>;
    const pushesOf = (run: () => unknown) => {
      pushes = 0;
      run();
      return pushes;
    };
    const classifyPushes = (code: number) => pushesOf(() => (classify as (c: number, a: boolean) => unknown)(code, true));
    expect([40, 50, 60, 70].map(classifyPushes)).toEqual([0, 0, 0, 0]);
    // The push goes before the first `if` that has code after it: once per path, not per branch.
    expect([0x100, 0x10000].map(classifyPushes)).toEqual([1, 1]);
    expect(pushesOf(() => (eat as (s: object, t: string) => unknown)({ type: 'a' }, 'b'))).toBe(0);
    expect(pushesOf(() => (eat as (s: object, t: string) => unknown)({ type: 'a' }, 'a'))).toBe(1);
    const N = Node as unknown as new (p: object, pos: number) => unknown;
    expect(pushesOf(() => new N({ ranges: true }, 1))).toBe(0);
    expect(pushesOf(() => new N({ locations: true }, 1))).toBe(1);
    // String reads count as trivial; a loop never does (its time must not go to the caller).
    expect(pushesOf(() => (charAtLoop as (s: string) => unknown)('ab'))).toBe(0);
    expect(out.functions.map((f) => f.name)).not.toContain('exports.charAtLoop');
    expect(pushesOf(() => (loopLeaf as (n: number) => unknown)(3))).toBe(1);
  });

  it('calls of trivial functions of the file are trivial, unless the binding is reassigned, shadowed or the call recursive', () => {
    const source = `
      function small(n) { return n < 10; }
      const tiny = (n) => small(n) && n < 3;
      function viaCall(n) { return small.call(null, n) || tiny.apply(null, [n]); }
      let moved = function (n) { return n; };
      moved = g;
      function usesMoved(n) { return moved(n); }
      function shadows(small) { return small(1); }
      function down(n) { return n > 0 ? down(n - 1) : 0; }
      function ping(n) { return n > 0 ? pong(n - 1) : 0; }
      function pong(n) { return n > 0 ? ping(n - 1) : 0; }
    `;
    const names = instrument(source, '/virtual/calls.js', { runtime: 'model-runtime', skipTrivialLeaves: true }).functions.map((f) => f.name);
    expect(names).not.toContain('small');
    expect(names).not.toContain('tiny');
    expect(names).not.toContain('viaCall');
    expect(names).toEqual(expect.arrayContaining(['usesMoved', 'shadows', 'down', 'ping', 'pong']));
  });

  it('new of a trivial function or class of the file is trivial code; anything that can run code is not', () => {
    const source = `
      var Point = function Point(x, y) { this.x = x; this.y = y; };
      function Box(p) { this.p = new Point(p, 0); }
      class Plain { a = 1; tag = [this.a]; constructor(v) { this.v = v; } static s = g(); }
      class Bare {}
      class Derived extends Plain {}
      class Calls { x = g(); }
      class Builds { constructor() { g(); } }
      const Arrow = () => 1;
      let Moved = function () {}; Moved = g;
      function point(x) { return new Point(x, 1); }
      function box(x) { return new Box(x); }
      function plain(v) { return new Plain(v); }
      function bare() { return new Bare(); }
      function derived() { return new Derived(1); }
      function calls() { return new Calls(); }
      function builds() { return new Builds(); }
      function arrow() { return new Arrow(); }
      function moved() { return new Moved(); }
      function spread(a) { return new Point(...a); }
      function unknown() { return new Date(); }
    `;
    const names = instrument(source, '/virtual/new.js', { runtime: 'model-runtime', skipTrivialLeaves: true }).functions.map((f) => f.name);
    for (const trivial of ['Point', 'Box', 'point', 'box', 'plain', 'bare']) expect(names).not.toContain(trivial);
    for (const framed of ['derived', 'calls', 'builds', 'arrow', 'moved', 'spread', 'unknown']) expect(names).toContain(framed);
  });

  it('a TypeScript enum in the body runs its initialisers inside the frame (the TypeScript transform in the same pass)', () => {
    const source = `
      export function f(a: number): number {
        if (a < 0) return 0;
        enum E { A = g(a), B }
        return E.B;
      }
    `;
    const out = instrument(source, '/virtual/enum.ts', { runtime: 'model-runtime', skipTrivialLeaves: true }, { presets: [['@babel/preset-typescript', {}]], plugins: [[plugin, { runtime: 'model-runtime', skipTrivialLeaves: true }], '@babel/plugin-transform-modules-commonjs'] });
    const stack: number[] = [];
    const seen: number[][] = [];
    const writer = { enter: (id: number) => stack.push(id) - 1, exit: (t: number) => void (stack.length = Math.min(stack.length, t)), exitWith: (_t: number, v: unknown) => v };
    const mod = { exports: {} as Record<string, (a: number) => number> };
    new Function('require', 'module', 'exports', 'g', out.code)(() => ({ writer, register: () => 0 }), mod, mod.exports, (n: number) => (seen.push([...stack]), n));
    expect(mod.exports.f!(-1)).toBe(0);
    expect(seen).toEqual([]);
    expect(mod.exports.f!(5)).toBe(6);
    expect(seen).toEqual([[0]]);
    expect(stack).toEqual([]);
  });

  it('a file that defines a method named like a string read does not trust that call', () => {
    const source = `
      const own = { charCodeAt(i) { return g(i); } };
      exports.first = function (s) { if (!s) return 0; return s.charCodeAt(0); };
    `;
    const out = instrument(source, '/virtual/own.js', { runtime: 'model-runtime', skipTrivialLeaves: true });
    expect(out.code).toMatch(/if \(!s\) \{?\s*return 0;?\s*\}?\s*const _d\d* = _w\d*\.enter/);
  });
});
