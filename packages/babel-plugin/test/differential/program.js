// A program with probe points in every kind of function and state (see differential.test.ts).
'use strict';
const probe = globalThis.__probe;

function plain() { probe('declaration'); }
const arrow = () => { probe('arrow'); plain(); };
const exprArrow = (x) => probe('expression arrow ' + x);
const fe = function () { arrow(); };
const named = function inner() { fe(); };
named(); exprArrow(1);

const obj = {
  method() { probe('object method'); },
  get getter() { probe('getter'); return 1; },
  set setter(v) { probe('setter'); },
  prop: function () { probe('object property function'); },
  async am() { probe('async object method'); },
};
obj.method(); void obj.getter; obj.setter = 1; obj.prop(); obj.am();

class Base {
  constructor() { probe('base constructor'); }
  static { probe('static block'); }
}
class Derived extends Base {
  constructor(x = probe('derived default param')) { probe('derived before super'); super(); probe('derived after super'); }
  method() { probe('class method'); this.#priv(); }
  #priv() { probe('private method'); }
  static sm() { probe('static method'); }
  get g() { probe('class getter'); return 1; }
  field = () => { probe('class field arrow'); };
}
const d = new Derived(); d.method(); Derived.sm(); void d.g; d.field();

function withDefaults(a = probe('default initialiser a'), { b = probe('destructuring default b') } = {}) { probe('body after defaults'); }
withDefaults();
function recursiveDefault(n, acc = n > 0 ? recursiveDefault(n - 1) : probe('deepest default')) { return 1; }
recursiveDefault(3);
function throwingDefault(a = (() => { throw new Error('x'); })()) {}
function callsThrowingDefault() { try { throwingDefault(); } catch (e) { probe('after throwing default'); } }
callsThrowingDefault();

function thrower() { throw new Error('boom'); }
function mid() { thrower(); }
function catcher() { try { mid(); } catch (e) { probe('in catch'); } probe('after catch'); }
catcher();
function finallyRunner() { try { mid(); } finally { probe('in finally during throw'); } }
try { finallyRunner(); } catch (e) { probe('top-level catch'); }

function overflow(n) { return overflow(n + 1) + 1; }
function survivesOverflow() { try { overflow(0); } catch (e) { probe('after stack overflow ' + e.constructor.name); } plain(); }
survivesOverflow();

function* gen() {
  probe('generator start');
  const x = yield 1;
  probe('generator resumed by next');
  try { yield 2; } catch (e) { probe('generator resumed by throw'); }
  try { yield 3; } finally { probe('generator finally on return'); }
}
function driveGen() { const it = gen(); it.next(); it.next('a'); it.throw(new Error('t')); it.return(0); probe('after generator'); }
driveGen();
function nestedDrive() { const it = gen(); it.next(); function deeper() { it.next(); } deeper(); }
nestedDrive();

async function a1() { probe('a1 start'); await null; probe('a1 after first await'); await b1(); probe('a1 after b1'); }
async function b1() { probe('b1 start'); await null; probe('b1 resumed'); }
async function rejecting() { await null; throw new Error('rej'); }
async function awaitsRejection() { try { await rejecting(); } catch (e) { probe('caught rejected await'); } finally { probe('finally after rejection'); } }
async function interleaved(name) { for (let i = 0; i < 2; i++) { probe(name + ' iteration ' + i); await null; } }
async function* agen() { probe('async generator start'); yield 1; probe('async generator resumed'); yield 2; }
async function consumer() {
  for await (const v of agen()) { probe('for await body ' + v); }
  probe('after for await');
  for await (const v of agen()) { probe('before break'); break; }
  probe('after for await break');
}
async function main() {
  await a1();
  await awaitsRejection();
  await Promise.all([interleaved('x'), interleaved('y')]);
  await consumer();
  probe('main end');
}
main();
