// Functions whose frame skipTrivialLeaves pushes lazily (src/lazy-entry.ts): trivial code first,
// then calls; each probe must see every instrumented frame V8 sees (differential.test.ts).
'use strict';
const probe = globalThis.__probe;
function callee(tag) { probe('callee from ' + tag); return 1; }

// Early returns before any call: the frame is pushed at the first statement that can call.
function early(n) {
  if (n < 0) return -1;
  const k = n * 2;
  if (k > 100) return k;
  return callee('early ' + n) + k;
}
early(-1); early(60); early(3);

// An if/else chain as the last statement: each branch pushes for itself.
function branches(n) {
  if (n === 0) { return 0; }
  else if (n === 1) { return callee('else-if branch'); }
  else { probe('else branch ' + n); return 2; }
}
branches(0); branches(1); branches(5);

// A branch followed by trivial code only: the frame is popped before that code runs.
function fallThrough(o) {
  o.a = 1;
  if (o.deep) { o.b = callee('fall-through branch'); }
  o.c = 3;
  return o;
}
fallThrough({}); fallThrough({ deep: true });

function nested(a, b) {
  if (a) {
    if (b) return callee('nested a b');
    return 'a';
  }
  return callee('nested not a');
}
nested(1, 0); nested(1, 1); nested(0, 0);

// Exceptions from a trivial prefix (no frame pushed yet) and from a branch's frame.
function prefixThrows(o) { const v = o.x.y; if (v) return callee('never'); return v; }
function branchThrows(n) { if (n > 0) { callee('before throw'); throw new Error('boom'); } return n; }
function catcher() {
  try { prefixThrows({}); } catch (e) { probe('after prefix throw ' + e.constructor.name); }
  try { branchThrows(1); } catch (e) { probe('after branch throw'); }
  branchThrows(0);
  probe('catcher end');
}
catcher();

// A getter of this file: reading that property can run code, so it is not trivial.
const box = { get size() { probe('getter size'); return 2; } };
function readsSize(b, n) { if (n > 5) return 0; return b.size + n; }
readsSize(box, 1); readsSize(box, 9);

// A charCodeAt of this file's own: a call of that name can run code here.
const fakeString = { charCodeAt(i) { probe('own charCodeAt'); return 200 + i; } };
function firstCode(s) { const c = s.charCodeAt(0); if (c < 128) return c; return callee('not ascii ' + c); }
firstCode('abc'); firstCode(fakeString);

// Calls of this file's trivial functions are trivial too, through bindings never reassigned.
function isSmall(n) { return n < 10; }
function isTiny(n) { return isSmall(n) && n < 3; }
function classify(n) { if (isTiny(n)) return 'tiny'; return isSmall(n) ? 'small' : callee('big ' + n); }
classify(1); classify(5); classify(50);
let swapped = function (n) { return n > 0; };
function usesSwapped(n) { const r = swapped(n); if (!r) return 0; return callee('after swapped'); }
usesSwapped(1);
swapped = function (n) { probe('swapped in'); return n > 0; };
usesSwapped(1);
function shadowed(isSmall) { const r = isSmall(4); return r ? callee('after shadowed') : 0; }
shadowed((n) => { probe('shadowing parameter'); return n > 3; });
function countDown(n) { return n <= 0 ? probe('recursion bottom') : countDown(n - 1); }
function callsRecursion(n) { if (n < 0) return 0; return countDown(n); }
callsRecursion(3);

// Loops are not trivial: the frame is pushed before them.
function loops(n) { if (n < 0) return 0; let s = 0; for (let i = 0; i < n; i++) s += i; probe('after loop'); return s; }
loops(-1); loops(4);

class Counter {
  constructor(start) { this.n = start; if (start > 10) probe('big counter'); }
  inc(by) {
    if (by === 0) return this.n;
    this.n += by;
    if (this.n > 5) { callee('counter over 5'); }
    return this.n;
  }
}
const counter = new Counter(1); counter.inc(0); counter.inc(2); counter.inc(4); new Counter(20);
const lazyArrow = (x) => { if (!x) return null; return callee('arrow ' + x); };
lazyArrow(0); lazyArrow('y');
[3, 0, 7].map((v) => (v > 5 ? callee('map ' + v) : v));

// Deep recursion through lazily framed functions, then a stack overflow caught far below.
function down(n) { if (n === 0) { probe('bottom'); return 0; } return down(n - 1) + 1; }
down(20);
function overflow(n) { if (n < 0) return n; return overflow(n + 1) + 1; }
function catchesOverflow() { try { overflow(0); } catch (e) { probe('after overflow ' + e.constructor.name); } }
catchesOverflow();
