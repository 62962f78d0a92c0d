// ES module probes: callbacks through native code, static fields, async arrows, delegation,
// for await over sync iterables, getters run by JSON.stringify, sort comparators, exceptions
// thrown through native frames, and a deep recursion caught at several levels.
import { helper } from './lib.mjs';
const probe = globalThis.__probe;

[1, 2].map(function mapper(x) { probe('map callback ' + x); return x; });
[3, 1, 2].sort((a, b) => { if (a === 3 && b === 1) probe('sort comparator'); return a - b; });
JSON.stringify({ get lazy() { probe('getter via JSON.stringify'); return 1; } });
class Holder { static make = () => { probe('static field arrow'); return new Holder(); }; static #count = 0; static bump() { Holder.#count++; probe('static private user'); } }
Holder.make(); Holder.bump();
const asyncArrow = async (x) => { probe('async arrow start'); await x; probe('async arrow resumed'); };
helper(() => probe('callback through another module'));
function throughNative() { try { [1].forEach(() => { throw new Error('from callback'); }); } catch (e) { probe('caught through native'); } }
throughNative();
function levels(n) { if (n === 0) throw new Error('bottom'); try { return levels(n - 1); } catch (e) { if (n === 3) { probe('caught at level 3'); return 0; } throw e; } }
levels(6);
function* inner() { yield 1; probe('inner generator resumed'); }
function* outerGen() { probe('outer before delegation'); yield* [0]; probe('outer after array delegation'); const r = yield* inner(); probe('outer after generator delegation'); }
for (const v of outerGen()) { /* drain */ }
function* catching() { try { yield 1; } catch (e) { probe('inner caught through delegation'); yield 2; } finally { probe('inner finally through delegation'); } }
function* delegator() { yield* catching(); }
function driveDelegation() { let it = delegator(); it.next(); it.throw(new Error('t')); it.next(); it = delegator(); it.next(); it.return(1); }
driveDelegation();
async function* asyncInner() { probe('async inner start'); await null; probe('async inner resumed'); yield 1; }
async function* asyncDelegator() { yield* asyncInner(); yield* [2]; probe('after async delegation'); }
function* syncSource() { probe('sync source for for-await'); yield Promise.resolve(3); }
async function syncIterableForAwait() { for await (const v of [Promise.resolve(1), 2]) probe('for await over sync iterable ' + v); probe('after sync for await'); }
async function manualAsyncIterator() {
  const it = { i: 0, [Symbol.asyncIterator]() { probe('asyncIterator method'); return this; }, next() { probe('next method'); return Promise.resolve({ value: this.i, done: this.i++ > 1 }); }, return() { probe('return method'); return Promise.resolve({ done: true }); } };
  for await (const v of it) { if (v === 1) break; }
  probe('after manual iterator');
}
async function consumeAsyncDelegator() { for await (const v of asyncDelegator()) { probe('consumer got ' + v); } for await (const v of syncSource()) probe('for await over generator ' + v); }
async function run() { await asyncArrow(null); await syncIterableForAwait(); await manualAsyncIterator(); await consumeAsyncDelegator(); const it = inner(); it.next(); it.next(); probe('run end'); }
await run();
probe('module end');
