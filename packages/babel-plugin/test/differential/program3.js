// Probes in class field initialisers (V8 runs them in `<instance_members_initializer>`, placed at
// the class, above the constructor's frame, and in `<static_initializer>`, placed at the last
// static member), in computed keys that await or yield, and after exceptions thrown by default
// parameter initialisers and field initialisers that code outside any function caught.
'use strict';
const probe = globalThis.__probe;
function thrower() { throw new Error('thrown'); }
function afterwards(label) { probe(label); }

class A {
  x = probe('A instance field');
  #p = probe('A private field');
  static s = probe('A static field');
  static #sp = probe('A static private field');
  plain = 1;
  before = probe('A field before an arrow field');
  arrow = () => probe('A field arrow called');
  fn = function () { probe('A field function called'); };
  mapped = [1].map((v) => probe('callback in A field ' + v));
}
const a = new A(); a.arrow(); a.fn();

class B {
  y = probe('B field (base class with constructor)');
  constructor(p = probe('B parameter default')) { probe('B constructor body'); }
}
new B();
class C extends B {
  z = probe('C field (derived class with constructor)');
  constructor() { probe('C before super'); super(); probe('C after super'); }
}
new C();
class D extends B { w = probe('D field (derived class without constructor)'); }
new D();
const Anon = class { q = probe('anonymous class expression field'); static r = probe('anonymous class static field'); };
new Anon();
const holder = { K: class { k = probe('class in object property field'); } };
new holder.K();
let keys = 0;
class E {
  static a = probe('E static a');
  [(probe('E computed key'), keys++, 'k')] = probe('E field with computed key');
  static { probe('E static block'); }
  static b = probe('E static b');
  static { probe('E second static block'); }
}
new E(); new E(); afterwards('E computed key evaluated ' + keys + ' time');
function factory() { return new (class { f = probe('field of a class made in a function'); })(); }
factory();
class Nested { inner = new (class { deep = probe('field of a class made in a field'); })(); }
new Nested();

// Exceptions from initialisers: the frames they pushed must not outlive them.
class ThrowsBase { t = thrower(); }
class ThrowsWithCtor { t = thrower(); constructor() { probe('never'); } }
class ThrowsDerived extends B { t = thrower(); constructor() { super(); } }
function catchesField() { try { new ThrowsWithCtor(); } catch (e) { probe('function caught a field initialiser'); } }
catchesField();
try { new ThrowsBase(); } catch (e) { probe('top level caught a field initialiser'); }
afterwards('after top-level catch of a field initialiser');
try { new ThrowsWithCtor(); } catch (e) { probe('top level caught a field initialiser (constructor)'); }
afterwards('after top-level catch of a field initialiser (constructor)');
try { new ThrowsDerived(); } catch (e) { probe('top level caught a field initialiser (derived)'); }
afterwards('after top-level catch of a field initialiser (derived)');
function throwingDefault(a = thrower()) { probe('never'); }
function throwingPattern({ [thrower()]: k } = {}) { probe('never'); }
try { throwingDefault(); } catch (e) { probe('top level caught a default parameter'); }
afterwards('after top-level catch of a default parameter');
try { throwingPattern(); } catch (e) { probe('top level caught a computed key in a pattern'); }
afterwards('after top-level catch of a computed key in a pattern');
Promise.resolve().then((v, w = thrower()) => 0).catch(() => afterwards('after a promise job caught a default parameter'));
new Promise((resolve, reject, x = thrower()) => resolve()).catch(() => afterwards('after the Promise constructor caught a default parameter'));

// Suspension points inside computed keys of class and object members.
async function awaitInMethodKey() {
  probe('awaitInMethodKey start');
  const K = class { [(await null, probe('after await in method key'), 'm')]() { probe('method with an awaited key'); } };
  new K().m();
  probe('awaitInMethodKey end');
}
async function awaitInFieldKey() {
  const K = class { [(await null, probe('after await in field key'), 'f')] = probe('field with an awaited key'); };
  new K();
}
async function awaitInObjectMethodKey() {
  const o = { [(await null, probe('after await in object method key'), 'm')]() { probe('object method with an awaited key'); } };
  o.m();
}
async function awaitInStaticMethodKey() {
  class S { static [(await null, 'm')]() { probe('static method with an awaited key'); } static [(await null, probe('after await in accessor key'), 'g')]() {} }
  S.m();
}
function* yieldInMethodKey() {
  class Y { [(yield 1, probe('after yield in method key'), 'm')]() { probe('method with a yielded key'); } }
  new Y().m();
}
function interleaved(label) { probe('interleaved ' + label); }
async function main() {
  const p = Promise.all([awaitInMethodKey(), awaitInFieldKey(), awaitInObjectMethodKey(), awaitInStaticMethodKey()]);
  interleaved('while methods with awaited keys are suspended');
  await p;
  const it = yieldInMethodKey();
  it.next();
  interleaved('while a method key is suspended at yield');
  it.next();
  afterwards('main end');
}
main();
