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

  // A sampler from the start gets an area ring where the machine allows (nothing to warm);
  // a sub-buffer ring gets its slow paths compiled in up front only when a sampler will ask
  // for switches: without one the fast path stays quicker (see RingWriter.warmSlowPaths).
  it('gives a thread sampled from the start an area ring, and warms a sub-buffer ring only when sampled', () => {
    const probe = (env: Record<string, string>, code: string) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `import { writer, start, stop } from '@stackring/runtime'; ${code}`], {
        encoding: 'utf8',
        env: { ...process.env, STACKRING_AGENT: '', STACKRING_INTERVAL: '', STACKRING_AREA_RINGS: '', ...env },
      }).trim();
    const warmed = 'console.log(writer.constructor.name, writer.warmed)';
    const sampled = { STACKRING_AGENT: '1', STACKRING_SOCKET: '0' };
    expect(probe({}, warmed)).toBe('RingWriter false');
    expect(probe(sampled, warmed)).toBe(process.arch === 'x64' || process.arch === 'ia32' ? 'AreaWriter false' : 'RingWriter true');
    expect(probe({ ...sampled, STACKRING_AREA_RINGS: '0' }, warmed)).toBe('RingWriter true');
    expect(probe({ ...sampled, STACKRING_INTERVAL: '0' }, warmed)).toBe('RingWriter false');
    // Asked for, an area ring without an agent, and an agent started from code samples it.
    const area = process.arch === 'x64' || process.arch === 'ia32' ? 'AreaWriter' : 'RingWriter';
    expect(probe({ STACKRING_AREA_RINGS: '1' }, `start({ interval: 1, socket: false }); await new Promise((r) => setTimeout(r, 50)); const { snapshotAll } = await import('@stackring/runtime'); const all = await snapshotAll(); console.log(writer.constructor.name, all.length); await stop()`)).toBe(`${area} 1`);
    expect(probe({}, `start({ interval: 0, socket: false }); const a = writer.warmed; await stop(); start({ interval: 1, socket: false }); console.log(a, writer.warmed); await stop()`)).toBe('false true');
  });
});
