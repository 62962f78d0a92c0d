// `using` and `await using` declarations (explicit resource management). Node 20 runs them only
// through Babel's transform, so both runs are compiled with it; the instrumented run has the
// plugin in the same pass, as a user's Babel config would. The transform's disposal awaits are
// suspension points like any other, and its catch and finally blocks are where abrupt
// resumptions land.
'use strict';
const probe = globalThis.__probe;
// Named function expressions: V8 names a `[Symbol.dispose]() {}` method after the symbol's
// description, which is Node's own (`nodejs.dispose`) where V8 has no native one.
function syncResource(name) {
  const resource = {};
  resource[Symbol.dispose] = function dispose() { probe('dispose ' + name); };
  return resource;
}
function asyncResource(name, fail) {
  const resource = {};
  resource[Symbol.asyncDispose] = async function asyncDispose() {
    probe('async dispose ' + name + ' start');
    await null;
    probe('async dispose ' + name + ' resumed');
    if (fail) throw new Error('dispose ' + name + ' failed');
  };
  return resource;
}
function elsewhere(label) { probe(label); }

async function oneResource() {
  await using a = asyncResource('a');
  probe('body with one async resource');
}
async function twoResources() {
  {
    await using b = asyncResource('b'), c = asyncResource('c');
    using d = syncResource('d');
    probe('block with three resources');
  }
  probe('after the block');
}
async function loopResources() {
  for (await using e of [asyncResource('e1'), asyncResource('e2')]) probe('for await using body');
  probe('after the loop');
}
async function throwsInside() {
  try {
    await using f = asyncResource('f');
    throw new Error('inside');
  } catch (err) {
    probe('caught ' + err.message);
  }
}
async function disposeFails() {
  try {
    await using g = asyncResource('g', true);
    probe('body before a failing dispose');
  } catch (err) {
    probe('caught ' + err.message);
  }
  probe('after a failing dispose');
}
function* generatorWithUsing() {
  using h = syncResource('h');
  yield 1;
  probe('generator resumed');
  yield 2;
}
function driveGenerator() {
  const it = generatorWithUsing();
  it.next();
  it.next();
  it.return(0);
  elsewhere('after generator return');
}
async function main() {
  const running = [oneResource(), twoResources(), loopResources(), throwsInside(), disposeFails()];
  elsewhere('while disposals are suspended');
  await Promise.all(running);
  driveGenerator();
  elsewhere('main end');
}
main();
