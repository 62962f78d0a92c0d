import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestAgent, listAgentPids, AgentUnreachableError } from '@stackring/runtime/client';
import { ensureNode22, node22Supported } from '../../../test/node22.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Starts a fixture and resolves with its first JSON line (the "ready" message). */
function launch(name: string, args: string[] = [], env: Record<string, string> = {}, nodeArgs: string[] = [], node = process.execPath) {
  const child = spawn(node, [...nodeArgs, fixture(name), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const messages: any[] = [];
  const waiters: Array<() => void> = [];
  lines.on('line', (line) => {
    messages.push(JSON.parse(line));
    waiters.splice(0).forEach((w) => w());
  });
  const next = (index: number) =>
    new Promise<any>((resolve, reject) => {
      const check = () => (messages.length > index ? resolve(messages[index]) : waiters.push(check));
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}: ${stderr}`)));
      check();
    });
  return { child, next, stderr: () => stderr };
}

describe('agent', () => {
  it('dumps a main thread blocked in a while loop three instrumented calls deep, from outside', async () => {
    const { child, next } = launch('blocked.mjs');
    const ready = await next(0);
    expect(ready.socket).toMatch(new RegExp(`${child.pid}\\.sock$`));
    const dump = await requestAgent(child.pid!, 'dump');
    expect(dump.pid).toBe(child.pid);
    const main = dump.threads.find((t) => t.name === 'main')!;
    expect(main.frames.map((f) => f.name)).toEqual(['outer', 'middle', 'inner']);
    expect(main.frames[2]).toMatchObject({ line: 30, column: 1 });
    expect(main.frames[0]!.file).toBe(fixture('instrumented.mjs'));
    expect(main.live).toBe(true); // it could not answer: it is in a loop without calls
    expect(main.idle).toBe(false);
  });

  // Node 22 creates libuv's thread pool at its first use, which was the agent's thread: the
  // pool (the app's fs, dns, crypto and zlib work) then inherited the agent's nice value.
  for (const node of ['this Node', 'Node 22'] as const) {
    it.runIf(process.platform === 'linux' && (node === 'this Node' || node22Supported))(
      `runs its own thread five nice steps below the app's, and only that thread (${node})`,
      async () => {
        const binary = node === 'this Node' ? process.execPath : await ensureNode22();
        const { child, next } = launch('blocked.mjs', ['2'], {}, [], binary);
        await next(0);
        const niceOf = (tid: string) => {
          const stat = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
        };
        const nice = readdirSync(`/proc/${child.pid}/task`).map((tid) => ({ tid: Number(tid), nice: niceOf(tid) }));
        expect(nice.find((t) => t.tid === child.pid)!.nice).toBe(0);
        expect(nice.filter((t) => t.nice === 5)).toHaveLength(1); // the agent; not the app's workers or Node's
        expect(nice.filter((t) => t.nice !== 0 && t.nice !== 5)).toEqual([]);
      },
    );
  }

  it('answers at once when it samples seldom (it never sleeps through its event loop until a far tick)', async () => {
    const { child, next } = launch('blocked.mjs', [], { TEST_INTERVAL: '3000' });
    await next(0);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const dump = await requestAgent(child.pid!, 'dump');
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(dump.threads.find((t) => t.name === 'main')!.frames.map((f) => f.name)).toEqual(['outer', 'middle', 'inner']);
  });

  it('shows five stacks for a program with four worker threads', async () => {
    const { child, next } = launch('blocked.mjs', ['4']);
    await next(0);
    // The workers' announcements travel on a channel: give the agent a moment to have them all.
    let dump = await requestAgent(child.pid!, 'dump');
    for (let i = 0; i < 50 && dump.threads.length < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      dump = await requestAgent(child.pid!, 'dump');
    }
    expect(dump.threads).toHaveLength(5);
    const byName = Object.fromEntries(dump.threads.map((t) => [t.name, t]));
    expect(byName['main']!.frames.map((f) => f.name)).toEqual(['outer', 'middle', 'inner']);
    expect(byName['blocker 0']!.frames.map((f) => f.name)).toEqual(['outer', 'busy']);
    expect(byName['blocker 2']!.frames.map((f) => f.name)).toEqual(['outer', 'busy']);
    for (const idle of ['blocker 1', 'blocker 3']) {
      expect(byName[idle]!.frames).toEqual([]);
      if (process.platform === 'linux') expect(byName[idle]!.idle).toBe(true);
    }
  });

  it('reports a 300 ms synchronous block with its stack, once', async () => {
    const { next, stderr, child } = launch('blocked.mjs', [], { TEST_BLOCK_MS: '300', TEST_WATCHDOG: '100' });
    await next(0);
    await next(1); // done: the block ended and the loop turned again
    await new Promise((r) => setTimeout(r, 150));
    const report = stderr();
    expect(report.match(/blocked for \d+ ms/g)).toHaveLength(1);
    expect(report).toContain(`event loop of pid ${child.pid} blocked`);
    const at = report.split('\n').filter((l) => l.trim().startsWith('at '));
    expect(at.map((l) => l.trim().split(' ')[1])).toEqual(['inner', 'middle', 'outer']);
    const unblocked = /unblocked after (\d+) ms/.exec(report);
    expect(unblocked).not.toBeNull();
    expect(Number(unblocked![1])).toBeGreaterThanOrEqual(200);
    expect(Number(unblocked![1])).toBeLessThan(1000);
  });
});

describe('agent client errors', () => {
  it('names a pid that does not exist', async () => {
    await expect(requestAgent(2 ** 22 + 12345, 'dump')).rejects.toThrow(/no process with id/);
  });

  it('names a process without an agent', async () => {
    await expect(requestAgent(process.pid, 'dump')).rejects.toThrow(new RegExp(`process ${process.pid} has no stackring agent`));
  });

  it('rejects a pid that is not a number', async () => {
    await expect(requestAgent(-3, 'dump')).rejects.toBeInstanceOf(AgentUnreachableError);
  });
});

describe('agent under bad input', () => {
  it('answers a request that is not a valid request with an error, and keeps serving', async () => {
    const { child, next } = launch('blocked.mjs');
    const ready = await next(0);
    const { connect } = await import('node:net');
    const raw = (payload: string) =>
      new Promise<string>((resolve) => {
        const s = connect(ready.socket);
        let text = '';
        s.on('data', (d) => (text += d));
        s.on('close', () => resolve(text));
        s.write(payload);
      });
    expect(JSON.parse(await raw('not json\n'))).toEqual({ ok: false, error: 'request is not valid JSON' });
    expect(JSON.parse(await raw('{"command":"exec","cmd":"rm -rf /"}\n')).error).toMatch(/unknown command "exec"/);
    expect(JSON.parse(await raw('{"command":"dump","extra":1}\n')).error).toMatch(/unexpected field/);
    expect(JSON.parse(await raw('x'.repeat(10_000))).error).toMatch(/longer than 4096 bytes/);
    // Still there, still right.
    const dump = await requestAgent(child.pid!, 'dump');
    expect(dump.threads[0]!.frames.map((f) => f.name)).toEqual(['outer', 'middle', 'inner']);
    expect(child.exitCode).toBeNull();
  });

  describe.runIf(process.platform !== 'win32')('with sockets left by killed processes', () => {
    let runtimeDir = '';
    let socketDir = '';
    const saved = process.env.XDG_RUNTIME_DIR;
    beforeEach(() => {
      runtimeDir = mkdtempSync(join(tmpdir(), 'stackring-sockets-'));
      socketDir = join(runtimeDir, `stackring-${process.getuid!()}`);
      mkdirSync(socketDir, { mode: 0o700 });
      process.env.XDG_RUNTIME_DIR = runtimeDir;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved;
      rmSync(runtimeDir, { recursive: true, force: true });
    });
    /** A real socket file nobody listens on: its maker is killed before it can remove it. */
    const leaveSocket = (path: string) => {
      const maker = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
      spawnSync(process.execPath, ['-e', maker]);
      expect(existsSync(path)).toBe(true);
    };

    // In a directory of its own: any agent starting meanwhile would sweep the shared one.
    it('recognises a stale socket left by a dead process', async () => {
      const { child, next } = launch('blocked.mjs', [], { XDG_RUNTIME_DIR: runtimeDir });
      const ready = await next(0);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(existsSync(ready.socket)).toBe(true); // SIGKILL: nobody removed it
      await expect(requestAgent(child.pid!, 'dump')).rejects.toThrow(/no process with id|stale socket/);
    });

    // A process's start time comes from /proc.
    it.runIf(process.platform === 'linux')('tells a live process from the socket an earlier process with its pid left', async () => {
      const path = join(socketDir, `${process.pid}.sock`);
      leaveSocket(path);
      // Made after this process started: this process's own agent, no longer listening.
      await expect(requestAgent(process.pid, 'dump')).rejects.toThrow(/is not listening/);
      // Made an hour before it started: left by an earlier process given the same pid.
      const before = (performance.timeOrigin - 3600_000) / 1000;
      utimesSync(path, before, before);
      await expect(requestAgent(process.pid, 'dump')).rejects.toThrow(
        new RegExp(`process ${process.pid} has no stackring agent.*stale socket of an earlier process`),
      );
      expect(listAgentPids()).not.toContain(process.pid);
    });

    it("an agent removes dead processes' sockets and leaves live ones", async () => {
      const dead = join(socketDir, `${2 ** 22 + 4321}.sock`);
      const live = join(socketDir, `${process.pid}.sock`);
      leaveSocket(dead);
      leaveSocket(live);
      const { child, next } = launch('blocked.mjs', [], { XDG_RUNTIME_DIR: runtimeDir });
      const ready = await next(0);
      expect(ready.socket).toBe(join(socketDir, `${child.pid}.sock`));
      for (let i = 0; i < 50 && existsSync(dead); i++) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      expect(listAgentPids()).toEqual([child.pid!, process.pid].sort((a, b) => a - b));
    });
  });

  it.runIf(process.platform === 'linux' && process.getuid?.() === 0)("refuses another user's socket", async () => {
    const { child, next } = launch('blocked.mjs');
    const ready = await next(0);
    const { chownSync } = await import('node:fs');
    chownSync(ready.socket, 4242, 4242);
    await expect(requestAgent(child.pid!, 'dump')).rejects.toThrow(/belongs to uid 4242/);
  });

  it('keeps its memory flat while it samples', async () => {
    // --expose-gc: the agent collects garbage before it measures, so what it reports is retained.
    const { child, next } = launch('blocked.mjs', ['2'], {}, ['--expose-gc']);
    await next(0);
    const heap: number[] = [];
    let busy = 1;
    for (let i = 0; i < 9; i++) {
      await new Promise((r) => setTimeout(r, 400));
      const info = await requestAgent(child.pid!, 'info');
      heap.push(info.agentHeapUsed);
      busy = info.agentUtilization;
    }
    // It sleeps between ticks (in Atomics.wait, which its event loop would count as busy).
    console.log(`agent busy ${(busy * 100).toFixed(1)} % of the time`);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThan(0.5);
    // Thousands of samples more (3 threads at 1 kHz) must not be retained: a leak of even a few
    // bytes per sample would add hundreds of kilobytes here.
    const early = Math.min(...heap.slice(1, 5));
    const late = Math.min(...heap.slice(5));
    console.log(`agent heap over 3.6 s of sampling 3 threads at 1 kHz: ${heap.map((h) => (h / 1e6).toFixed(1)).join(' -> ')} MB`);
    expect(late - early).toBeLessThan(200_000);
  });
});
