import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

// The writer times sub-buffers with epochMillis(). Loaded into a vm context (Jest loads the
// ring into every test file's), it must read the thread's own clock, not the context's, which
// fake timers replace: Jest's freeze performance.now() and Date.now() for the whole test.
describe('epochMillis', () => {
  it('reads the real clock when loaded into a vm context whose clock is fake', () => {
    const file = fileURLToPath(new URL('../dist/cjs/clock.js', import.meta.url));
    const module = { exports: {} as { epochMillis?: () => number } };
    const frozen = { now: () => 0, timeOrigin: 0 };
    const context = vm.createContext({ module, exports: module.exports, require: createRequire(file), process, performance: frozen, Date: { now: () => 0 } });
    vm.runInContext(readFileSync(file, 'utf8'), context, { filename: file });
    const epochMillis = module.exports.epochMillis!;
    const first = epochMillis();
    expect(Math.abs(first - Date.now())).toBeLessThan(1000);
    const end = Date.now() + 5;
    while (Date.now() < end); // 5 ms of real time
    expect(epochMillis() - first).toBeGreaterThanOrEqual(4);
  });
});
