import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('keeps one state per thread across its ES module and CommonJS builds, and one per worker', () => {
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('./fixtures/both-builds.cjs', import.meta.url))], {
      encoding: 'utf8',
    });
    const { main, worker } = JSON.parse(out);
    const expected = [
      { name: 'outer', file: 'probe.js', line: 1, column: 1 },
      { name: 'inner', file: 'probe.js', line: 2, column: 5 },
    ];
    for (const seen of [main, worker]) {
      expect(seen.sameWriter).toBe(true);
      expect(seen.esm).toEqual(expected);
      expect(seen.cjs).toEqual(expected);
      expect(seen.after).toEqual([]);
    }
    expect(main.threadId).toBe(0);
    expect(worker.threadId).toBeGreaterThan(0);
  });
});
