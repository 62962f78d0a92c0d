import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INLINING_BUDGETS, inliningFlags } from '../src/v8-inlining.js';
import { ensureNode22, node22Supported } from '../../../test/node22.js';

const child = fileURLToPath(new URL('./fixtures/hot-instrumented.cjs', import.meta.url));

/**
 * Runs a hot hand-instrumented function with V8's inlining trace on, and counts the call sites
 * where V8 inlined `enter` or `exit` as small functions (at most max-inlined-bytecode-size-small
 * bytes: the runtime's raised budget lets them in, V8's default of 27 does not).
 */
function smallInlinesOfTheRing(node: string, args: string[] = [], env: Record<string, string> = {}, mode?: string): number {
  const out = execFileSync(node, ['--trace-turbo-inlining', ...args, child, ...(mode ? [mode] : [])], {
    encoding: 'utf8',
    env: { ...process.env, STACKRING_AGENT: '', STACKRING_V8_INLINING: '', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(out).toContain('result 500000500000');
  const lines = out.split('\n');
  let n = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i - 1]!.startsWith('Inlining small function') && /<SharedFunctionInfo (enter|exit)>} into/.test(lines[i]!)) n++;
  }
  return n;
}

describe('V8 inlining budgets', () => {
  it('raises all four budgets by default, none with STACKRING_V8_INLINING=0, and leaves flags given on the command line alone', () => {
    const all = INLINING_BUDGETS.map((b) => `--${b.flag}=${b.instrumented}`);
    expect(inliningFlags({}, [])).toEqual(all);
    expect(inliningFlags({ STACKRING_V8_INLINING: '1' }, ['--enable-source-maps'])).toEqual(all);
    expect(inliningFlags({ STACKRING_V8_INLINING: '0' }, [])).toEqual([]);
    expect(inliningFlags({}, ['--max-inlined-bytecode-size=600', '--max_inlined_bytecode_size_small=50'])).toEqual(
      all.filter((f) => !f.startsWith('--max-inlined-bytecode-size=') && !f.startsWith('--max-inlined-bytecode-size-small=')),
    );
    // Every raised budget is above V8's default: the point is to give back what instrumentation spends.
    for (const b of INLINING_BUDGETS) expect(b.instrumented).toBeGreaterThan(b.v8Default);
  });

  it('takes effect in the running process: V8 inlines enter and exit as small functions', () => {
    expect(smallInlinesOfTheRing(process.execPath)).toBeGreaterThan(0);
    expect(smallInlinesOfTheRing(process.execPath, [], { STACKRING_V8_INLINING: '0' })).toBe(0);
    // The user's own setting wins.
    expect(smallInlinesOfTheRing(process.execPath, ['--max-inlined-bytecode-size-small=27'])).toBe(0);
  });

  it('with an agent, once its worker has started; never from a worker thread', () => {
    // STACKRING_AGENT=1: set when the agent's worker is up, so the code runs 300 ms later.
    const agent = { STACKRING_AGENT: '1', STACKRING_INTERVAL: '0', STACKRING_SOCKET: '0' };
    expect(smallInlinesOfTheRing(process.execPath, [], agent, 'later')).toBeGreaterThan(0);
    // Only the main thread decides: a worker's execArgv ([] here) says nothing of the flags the
    // process was started with, and a worker setting them would override the user's.
    expect(smallInlinesOfTheRing(process.execPath, [], {}, 'worker')).toBe(0);
  });

  it.runIf(node22Supported)('takes effect on Node 22 too', async () => {
    const node22 = await ensureNode22();
    expect(smallInlinesOfTheRing(node22)).toBeGreaterThan(0);
    expect(smallInlinesOfTheRing(node22, [], { STACKRING_V8_INLINING: '0' })).toBe(0);
  }, 300_000);
});
