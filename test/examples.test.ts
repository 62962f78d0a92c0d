import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

// Every example app in examples/, run the way its README says, through the real CLI, with
// assertions on what a user would look at: the folded report, the dump, the watchdog report.
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'stackring-examples-'));
const env = { ...process.env, STACKRING_CACHE_DIR: join(dir, 'cache'), NO_COLOR: '1' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Kill what a test started: the CLI (or app) we spawned, and every app pid it announced (the
// app is the CLI's child; killing the CLI alone would leave it running).
const children: ChildProcess[] = [];
const appPids = new Set<number>();
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const pid of appPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  appPids.clear();
});

type Message = Record<string, unknown> & { pid?: number };

/** `stackring <args>`, to completion. */
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `node <argv>` in the background; its JSON output lines can be awaited. */
function launch(argv: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, argv, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const messages: Message[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`;
    let m: Message;
    try {
      m = JSON.parse(line);
    } catch {
      return; // not one of the app's JSON lines
    }
    if (typeof m.pid === 'number') appPids.add(m.pid);
    messages.push(m);
    waiters.splice(0).forEach((wake) => wake());
  });
  // 'close': the process ended and its output was read to the end.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let ended = false;
  void closed.then(() => {
    ended = true;
    waiters.splice(0).forEach((wake) => wake());
  });
  /** The first message (from `from` on) that matches, as soon as it is printed. */
  async function waitFor(match: (m: Message) => boolean, from = 0): Promise<{ message: Message; index: number }> {
    for (;;) {
      const index = messages.findIndex((m, i) => i >= from && match(m));
      if (index >= 0) return { message: messages[index]!, index };
      if (ended) throw new Error(`exited before the expected line; stdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise<void>((wake) => waiters.push(wake));
    }
  }
  return { waitFor, closed, stdout: () => stdout, stderr: () => stderr };
}

/** Folded lines ("a;b;c 12") as [stack, count] pairs, checking the format on the way. */
function folded(file: string): Array<[string, number]> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((line) => {
    const m = /^(.+) (\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    return [m![1]!, Number(m![2])];
  });
}

/** Total samples of the stacks that start with `prefix` (a whole frame list, `;`-separated). */
function samplesUnder(lines: Array<[string, number]>, prefix: string): number {
  return lines.filter(([stack]) => stack === prefix || stack.startsWith(`${prefix};`)).reduce((sum, [, n]) => sum + n, 0);
}

/** The frames of a text dump's thread blocks: { header, names, lines }. */
function dumpThreads(text: string) {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('Thread '))
    .map((block) => {
      const [header, ...lines] = block.trim().split('\n');
      return { header: header!, names: lines.map((l) => l.trim().split(' ')[0]!), lines };
    });
}

describe('examples/http-server', () => {
  it('records the server under load: each route handler shows under the request callback, with counts', async () => {
    const trace = join(dir, 'http.srt');
    const spawned = Date.now();
    const server = launch([bin, 'record', '-o', trace, '--duration', '3', '--', 'node', 'examples/http-server/server.mjs']);
    const { message } = await server.waitFor((m) => m.ready === true);
    expect(message.port).toBeGreaterThan(0);

    // 200 requests, to 127.0.0.1 only, from the example's own load generator, spread over
    // 1.5 s, or less if the server was slow to start: all must be answered before --duration
    // (counted from the start) stops it.
    const seconds = Math.max(0.5, Math.min(1.5, 2.4 - (Date.now() - spawned) / 1000));
    const load = spawnSync(process.execPath, ['examples/http-server/load.mjs', String(message.port), '200', seconds.toFixed(2)], { cwd: root, encoding: 'utf8' });
    expect(load.status, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout)).toEqual({ requests: 200, ok: 200 });

    expect(await server.closed, server.stderr()).toBe(0); // --duration stopping it counts as success
    expect(server.stderr()).toContain(`trace written to ${trace}`);
    const out = join(dir, 'http.folded');
    const report = cli(['report', trace, '-f', 'folded', '-o', out]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toBe(''); // a finished trace: no warning

    const lines = folded(out);
    // The request callback is the root of every request's stack; each route sits right under it.
    const json = samplesUnder(lines, 'handleRequest;routeJson');
    const render = samplesUnder(lines, 'handleRequest;routeRender');
    const hash = samplesUnder(lines, 'handleRequest;routeHash');
    expect(json).toBeGreaterThan(0);
    expect(render).toBeGreaterThan(0);
    expect(samplesUnder(lines, 'handleRequest;routeHash;slowHash')).toBeGreaterThan(10);
    expect(lines.some(([stack]) => stack.startsWith('handleRequest;routeRender;') && stack.endsWith(';renderRow;escapeHtml'))).toBe(true);
    // The slow hash loop is the widest box, as a flame graph of this server should show.
    expect(hash).toBeGreaterThan(json);
    expect(hash).toBeGreaterThan(render);
  });
});

describe('examples/blocking-loop', () => {
  it('shows the blocking function in a dump taken while blocked, and in every watchdog report', async () => {
    const rounds = 3;
    const app = launch([bin, 'run', '--interval', '1', '--watchdog', '100', '--', 'node', 'examples/blocking-loop/app.mjs', String(rounds)]);
    // Dump as soon as the app says it starts blocking (for 500 ms); on a busy machine the dump
    // may arrive after the block ended, so try again at the next round.
    let names: string[] = [];
    let dump = '';
    for (let from = 0, round = 1; round <= rounds; round++) {
      const blocking = await app.waitFor((m) => m.blocking === true, from);
      from = blocking.index + 1;
      const r = cli(['dump', String(blocking.message.pid)]);
      expect(r.code, r.stderr).toBe(0);
      dump = r.stdout;
      names = dumpThreads(dump)[0]?.names ?? [];
      if (names.includes('rebuildIndex')) break;
    }
    expect(dump).toMatch(/Thread 0 "main" \(running/);
    // Innermost first, like a stack trace: the timer callback called rebuildIndex.
    expect(names.slice(names.indexOf('rebuildIndex'))).toEqual(['rebuildIndex', 'onRebuildTimer']);
    expect(dump).toContain(`rebuildIndex (${join(root, 'examples/blocking-loop/app.mjs')}:11:1)`);

    expect(await app.closed, app.stderr()).toBe(0);
    // One report per blocked episode, each naming where the loop was stuck.
    const reports = app.stderr().split(/(?=stackring: event loop of pid \d+ (?:blocked|unblocked))/);
    const blocked = reports.filter((r) => /^stackring: event loop of pid \d+ blocked for \d+ ms, in:\n/.test(r));
    const naming = blocked.filter((r) => /\n {4}at rebuildIndex \(.*app\.mjs:11:1\)\n {4}at onRebuildTimer \(/.test(r));
    expect(naming, app.stderr()).toHaveLength(rounds);
    expect(app.stderr()).toMatch(/event loop of pid \d+ unblocked after \d+ ms/);
  });

  // With sampling off nothing has asked the main thread for a switch when the watchdog fires:
  // the agent asks, and takes the answer (or a live copy) rather than an older sample.
  it('names the blocking function in every report of `run --watchdog` alone, without sampling', async () => {
    const rounds = 3;
    const app = launch([bin, 'run', '--watchdog', '100', '--', 'node', 'examples/blocking-loop/app.mjs', String(rounds), '300']);
    expect(await app.closed).toBe(0);
    const blocked = app.stderr().split(/(?=stackring: event loop of pid \d+ (?:blocked|unblocked))/).filter((r) => r.includes(' blocked for '));
    expect(blocked, app.stderr()).toHaveLength(rounds);
    for (const report of blocked) expect(report).toMatch(/\n {4}at rebuildIndex \(.*app\.mjs:11:1\)\n {4}at onRebuildTimer \(/);
  });
});

describe('examples/worker-threads', () => {
  const jobs = { resizeImages: 'resizeImages', compressLogs: 'runLengthEncode', scoreMatches: 'editDistance' };

  it('dumps four threads, each worker in its own function', async () => {
    // It runs for 4 s; the test is done with it as soon as the dump is checked (afterEach kills it).
    const app = launch([bin, 'run', '--', 'node', 'examples/worker-threads/main.mjs', '4']);
    const { message } = await app.waitFor((m) => m.ready === true);
    // A worker between two iterations of its loop has no function on its stack: try a few times.
    let threads: ReturnType<typeof dumpThreads> = [];
    const busy = (job: string) => threads.find((t) => t.header.includes(`"${job}"`))?.names.includes(job) ?? false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = cli(['dump', String(message.pid)]);
      expect(r.code, r.stderr).toBe(0);
      threads = dumpThreads(r.stdout);
      if (Object.keys(jobs).every(busy)) break;
    }
    expect(threads).toHaveLength(4);
    expect(threads.map((t) => t.header.split(' ')[2]).sort()).toEqual(['"compressLogs"', '"main"', '"resizeImages"', '"scoreMatches"']);
    for (const job of Object.keys(jobs)) expect(busy(job), job).toBe(true);
  });

  it('records every thread: the folded report has each worker’s functions under its thread', async () => {
    const trace = join(dir, 'workers.srt');
    const r = cli(['record', '-o', trace, '--', 'node', 'examples/worker-threads/main.mjs', '1.5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"done":true');
    const out = join(dir, 'workers.folded');
    expect(cli(['report', trace, '-f', 'folded', '-o', out]).code).toBe(0);
    const lines = folded(out);
    for (const [job, helper] of Object.entries(jobs)) {
      // "scoreMatches (thread 5);slice;scoreMatches;editDistance 739": thread name and id first.
      const own = lines.filter(([stack]) => new RegExp(`^${job} \\(thread \\d+\\);slice;${job}(;|$)`).test(stack));
      expect(own.reduce((s, [, n]) => s + n, 0), `${job} in\n${lines.map((l) => l.join(' ')).join('\n')}`).toBeGreaterThan(20);
      if (helper !== job) expect(own.some(([stack]) => stack.includes(`;${job};${helper}`)), job).toBe(true);
    }
    expect(lines.some(([stack]) => stack.startsWith('main (thread 0);mainLoop;mergeStats'))).toBe(true);
  });
});

describe('examples/typescript', () => {
  it('builds with Babel and the plugin; a dump shows the .ts files at the functions’ lines and columns', async () => {
    const build = spawnSync(process.execPath, ['examples/typescript/build.mjs'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toContain('src/main.ts -> dist/main.js');

    // Already instrumented: no loading hooks, just the agent.
    const app = launch(['examples/typescript/dist/main.js', '30000'], { STACKRING_AGENT: '1' });
    const { message } = await app.waitFor((m) => m.ready === true);
    expect(message.pi).toBeCloseTo(Math.PI, 4);
    // Most of the time it is inside polygonArea; between two calls it is not: try a few times.
    type Frame = { name: string; file: string; line: number; column: number };
    let frames: Frame[] = [];
    for (let attempt = 0; attempt < 5 && frames.at(-1)?.name !== 'polygonArea'; attempt++) {
      const r = cli(['dump', String(message.pid), '--json']);
      expect(r.code, r.stderr).toBe(0);
      frames = JSON.parse(r.stdout).threads[0].frames;
    }
    const mainTs = join(root, 'examples/typescript/src/main.ts');
    const geometryTs = join(root, 'examples/typescript/src/geometry.ts');
    expect(frames).toEqual([
      { name: 'refineForever', file: mainTs, line: 22, column: 1 },
      { name: 'Estimator.estimatePi', file: mainTs, line: 12, column: 3 },
      { name: 'polygonArea', file: geometryTs, line: 11, column: 8 }, // after `export `
    ]);
    // The positions are the sources' own (a guard for whoever edits them).
    expect(readFileSync(mainTs, 'utf8').split('\n')[21]).toMatch(/^function refineForever\(/);
    expect(readFileSync(geometryTs, 'utf8').split('\n')[10]).toMatch(/^export function polygonArea\(/);
    const text = cli(['dump', String(message.pid)]).stdout;
    expect(text).toContain(`refineForever (${mainTs}:22:1)`);
  });
});

describe('examples/async-app', () => {
  it('records the async functions, each after its resumption', () => {
    const trace = join(dir, 'async.srt');
    const r = cli(['record', '-o', trace, '--', 'node', 'examples/async-app/app.mjs']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ done: true, records: 1280 });
    const out = join(dir, 'async.folded');
    expect(cli(['report', trace, '-f', 'folded', '-o', out]).code).toBe(0);
    const lines = folded(out);
    // Each resumed async function is the root of what runs after its await: the synchronous
    // frames only, not the async callers that are waiting for it.
    expect(samplesUnder(lines, 'enrichRecord;tokenize')).toBeGreaterThan(20);
    expect(samplesUnder(lines, 'processBatch;summarizeBatch')).toBeGreaterThan(10);
    expect(samplesUnder(lines, 'main;saveCheckpoint')).toBeGreaterThan(0);
    expect(lines.some(([stack]) => /^readBatches;.*makeRecord$/.test(stack))).toBe(true);
    // tokenize only ever runs after enrichRecord's await, so processBatch or main never show below it.
    expect(lines.filter(([stack]) => stack.includes('tokenize')).every(([stack]) => stack.startsWith('enrichRecord;tokenize'))).toBe(true);
  });
});
