import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// enter and exit are inlined into every instrumented function. V8 compiles a call it has never
// seen taken (the slow paths) as a deoptimisation point, so a writer that a sampler will read
// warms its slow paths (warmSlowPaths); if that warm-up records no feedback, every optimised
// function deoptimises at its first switch, and a sampler keeps deoptimising code all over a
// program.
describe('writer slow paths and optimised code', () => {
  it('after warmSlowPaths, a switch request and a return marker do not deoptimise a function with enter/exit inlined', () => {
    const child = fileURLToPath(new URL('./fixtures/optimized-switch.mjs', import.meta.url));
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', child], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ optimized: true, afterSwitch: true, afterReturnMarker: true });
  });
});
