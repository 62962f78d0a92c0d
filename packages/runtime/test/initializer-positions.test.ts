import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withInitializerPositions } from '../src/initializer-positions.js';
import { ensureNode22, node22Supported } from '../../../test/node22.js';

const runtime = fileURLToPath(new URL('../dist/cjs/initializer-positions.js', import.meta.url));

// What the runtime answers, and what V8 does with a class of a file (the oracle): where its
// field initialiser's frame is, on line 2: at `class` (column 1), at the body's `{` (13) or at
// the field (15).
const script = `
class Probe { field = where(); }
function where() {
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_e, sites) => sites;
  const holder = {};
  Error.captureStackTrace(holder, where);
  const site = holder.stack[0];
  Error.prepareStackTrace = prepare;
  return site.getEnclosingLineNumber() + ':' + site.getEnclosingColumnNumber();
}
const places = { '2:1': 'class', '2:13': 'body', '2:15': 'member' };
const { initializerPlace } = require(${JSON.stringify(runtime)});
console.log(JSON.stringify({ v8: places[new Probe().field] ?? new Probe().field, runtime: initializerPlace() }));
`;

function answers(node: string, args: string[] = []): { v8: string; runtime: string } {
  return JSON.parse(execFileSync(node, [...args, '-e', script], { encoding: 'utf8' }));
}

describe("where V8 puts a class's initialisers", () => {
  it('asks V8, and knows it also where code cannot be compiled from strings', () => {
    const here = answers(process.execPath);
    expect(here.runtime).toBe(here.v8);
    expect(answers(process.execPath, ['--disallow-code-generation-from-strings']).runtime).toBe(here.v8);
    // An app that made Error.prepareStackTrace read-only: no throw, V8's version decides.
    const readOnly = `Object.defineProperty(Error, 'prepareStackTrace', { value: undefined, writable: false });
      console.log(require(${JSON.stringify(runtime)}).initializerPlace());`;
    expect(execFileSync(process.execPath, ['-e', readOnly], { encoding: 'utf8' }).trim()).toBe(here.v8);
  });

  it.runIf(node22Supported)('at the class body on Node 22', async () => {
    const node22 = await ensureNode22();
    expect(answers(node22)).toEqual({ v8: 'body', runtime: 'body' });
    expect(answers(node22, ['--disallow-code-generation-from-strings']).runtime).toBe('body');
  });

  it('moves only the listed entries to the place asked, and ignores entries it has no function for', () => {
    const table = ['f', 1, 1, '<instance_members_initializer>', 3, 1, '<static_initializer>', 5, 3];
    const bodies = [1, 3, 9, 4, 5, 2, 3, 9, 5, 3, 7, 1, 1, 1, 1, -1, 1, 1, 1, 1];
    expect(withInitializerPositions(table, bodies, () => 'body')).toEqual(['f', 1, 1, '<instance_members_initializer>', 3, 9, '<static_initializer>', 3, 9]);
    expect(withInitializerPositions(table, bodies, () => 'member')).toEqual(['f', 1, 1, '<instance_members_initializer>', 4, 5, '<static_initializer>', 5, 3]);
    expect(table[5]).toBe(1); // a copy
    expect(withInitializerPositions(table, bodies, () => 'class')).toBe(table);
    expect(withInitializerPositions(table, undefined, () => 'body')).toBe(table);
    expect(withInitializerPositions(table, [], () => 'member')).toBe(table);
  });
});
