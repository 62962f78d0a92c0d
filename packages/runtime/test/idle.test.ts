// threadActivity (src/agent/idle.ts): what a thread is doing, read from another thread through
// /proc, with one open file per thread read again at each call.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe.skipIf(process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch))('threadActivity', () => {
  it('sees a thread running, then waiting in its event loop, from one open file; a gone thread is unknown', () => {
    const fixture = fileURLToPath(new URL('./fixtures/activity.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    const m = JSON.parse(run.stdout) as { seen: string[]; before: number; after: number; alive: string; gone: string; released: number };
    // The main thread loops for 300 ms (reads every 20 ms), then waits in epoll.
    const firstIdle = m.seen.indexOf('idle');
    expect(m.seen[0]).toBe('running');
    expect(firstIdle).toBeGreaterThan(5);
    expect(m.seen.slice(firstIdle).every((s) => s === 'idle')).toBe(true);
    expect(m.seen.slice(0, firstIdle).every((s) => s === 'running')).toBe(true);
    // Thirty reads, no file opened or left behind by them; releasing closes the one kept.
    expect(m.after).toBe(m.before);
    expect(m.released).toBe(m.before - 1);
    expect(m.alive).not.toBe('unknown');
    expect(m.gone).toBe('unknown');
  });
});
