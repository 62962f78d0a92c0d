import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTraceFileSync, traceSamples, type StackSample } from '@stackring/ring';

const fixture = fileURLToPath(new URL('./fixtures/record.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackring-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per-thread time shares: each sample weighs the time until that thread's next sample. */
function shares(samples: StackSample[], names: Map<string, string>) {
  const main = samples.filter((s) => s.threadId === 0);
  let total = 0;
  let idle = 0;
  const byLeaf = new Map<string, number>();
  for (let i = 0; i + 1 < main.length; i++) {
    const w = main[i + 1]!.time - main[i]!.time;
    total += w;
    if (main[i]!.idle) idle += w;
    const leaf = main[i]!.frames.at(-1);
    const name = leaf === undefined ? '(none)' : names.get(`0:${leaf}`) ?? '?';
    byLeaf.set(name, (byLeaf.get(name) ?? 0) + w);
  }
  return { count: main.length, span: main.at(-1)!.time - main[0]!.time, total, idle, byLeaf };
}

/**
 * Starts the fixture recording itself in `mode`, waits until its agent runs and then `settleMs`
 * more (so that there is something recorded), and collects what it prints.
 */
async function startRecording(mode: string, trace: string, settleMs: number) {
  const child = spawn(process.execPath, [fixture, mode, trace], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => child.stdout!.once('data', r));
  await new Promise((r) => setTimeout(r, settleMs));
  return { child, output: () => out };
}

function read(trace: string) {
  const { chunks, warnings } = readTraceFileSync(trace);
  const names = new Map<string, string>();
  for (const c of chunks) if (c.type === 'functions') for (const f of c.functions) names.set(`${f.threadId}:${f.id}`, f.name);
  return { chunks, warnings, names, samples: [...traceSamples(chunks)] };
}

describe('recording', () => {
  it('samples a CPU-bound program: totals match wall time, almost nothing idle', () => {
    const trace = join(dir, 'cpu.srt');
    const t0 = Date.now();
    const run = spawnSync(process.execPath, [fixture, 'cpu', trace], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const wall = Date.now() - t0;
    const { warnings, names, samples, chunks } = read(trace);
    expect(warnings).toEqual([]); // closed cleanly, trailer present
    expect(chunks.at(-1)!.type).toBe('trailer');
    const s = shares(samples, names);
    expect(s.count).toBeGreaterThan(100); // about 1000 on a quiet machine
    // Ticks keep to the interval (1 ms): a libuv timer counts whole milliseconds, and sampled
    // with setInterval(tick, 1) the median gap was 1.10 ms (about 900 samples a second).
    const main = samples.filter((x) => x.threadId === 0);
    const gaps = main.slice(1).map((x, i) => x.time - main[i]!.time).sort((a, b) => a - b);
    const median = gaps[gaps.length >> 1]!;
    expect(median).toBeGreaterThan(0.97);
    expect(median).toBeLessThan(1.03);
    expect(s.span).toBeGreaterThan(950);
    expect(s.span).toBeLessThan(wall);
    expect(s.idle / s.total).toBeLessThan(0.1);
    // spin is a few nanoseconds per call: a run can have no sample in it at all.
    expect(((s.byLeaf.get('spin') ?? 0) + (s.byLeaf.get('busy') ?? 0)) / s.total).toBeGreaterThan(0.8);
  });

  it('labels a mostly idle program idle for most of its time', () => {
    const trace = join(dir, 'idle.srt');
    const run = spawnSync(process.execPath, [fixture, 'idle', trace], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const { names, samples } = read(trace);
    const s = shares(samples, names);
    expect(s.span).toBeGreaterThan(950);
    if (process.platform === 'linux') {
      expect(s.idle / s.total).toBeGreaterThan(0.6);
      expect(s.idle / s.total).toBeLessThan(0.95);
    }
  });

  it('samples short bursts of a mostly idle thread fairly: idle is idle, bursts are their function', () => {
    // Every 5 ms a timer spins 0.5 ms in `burst` (no instrumented call inside). A request
    // raised while the thread waits is answered at the burst's first call, with the stack
    // before it: timed at the answer, that sample took the burst's time and was not idle
    // ("(none)" got ~30%); timed at the request, with the idle label, it stands for the wait.
    const trace = join(dir, 'bursts.srt');
    const run = spawnSync(process.execPath, [fixture, 'bursts', trace], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const truth = JSON.parse(run.stdout.trim().split('\n').at(-1)!).burstShare as number;
    const { names, samples } = read(trace);
    const s = shares(samples, names);
    const idle = s.idle / s.total;
    const burst = (s.byLeaf.get('burst') ?? 0) / s.total;
    const outside = 1 - idle - burst; // neither idle nor in an instrumented function
    if (process.platform === 'linux') {
      expect(outside, JSON.stringify({ idle, burst, truth })).toBeLessThan(0.12);
      expect(idle).toBeGreaterThan(0.7);
    }
    expect(burst).toBeGreaterThan(0);
    expect(burst).toBeLessThan(2 * truth + 0.03);
  });

  it('leaves a readable trace when the process is killed with SIGKILL', async () => {
    const trace = join(dir, 'killed.srt');
    const { child } = await startRecording('forever', trace, 500);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const { warnings, samples, names } = read(trace);
    expect(warnings.map((w) => w.kind)).toContain('truncated');
    expect(samples.length).toBeGreaterThan(100);
    // What it read is the program: busy's loop, [busy] or [busy, spin] (spin is rare: the
    // loop's time is in Date.now(), and a request is answered at spin's call).
    const stacks = samples.filter((s) => s.threadId === 0 && s.frames.length > 0).map((s) => Array.from(s.frames, (f) => names.get(`0:${f}`)).join(';'));
    expect(stacks.length).toBeGreaterThan(100);
    expect(stacks.filter((s) => s !== 'busy' && s !== 'busy;spin')).toEqual([]);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`finishes the trace on ${signal} and still dies of the signal`, async () => {
      const trace = join(dir, `${signal}.srt`);
      const { child } = await startRecording('serve', trace, 300);
      child.kill(signal);
      const [, exitSignal] = (await new Promise((r) => child.once('exit', (...a) => r(a)))) as [number | null, string | null];
      expect(exitSignal).toBe(signal);
      const { warnings, chunks, samples } = read(trace);
      expect(warnings).toEqual([]);
      expect(chunks.at(-1)!.type).toBe('trailer');
      expect(samples.length).toBeGreaterThan(20);
    });
  }

  it('lets signal-exit re-raise SIGINT as without stackring, and finishes the trace first', async () => {
    // With the recorder's listener counted, signal-exit left the signal to it, it left the
    // signal to signal-exit, and the app went on running after Ctrl-C.
    const trace = join(dir, 'signal-exit.srt');
    const { child, output } = await startRecording('signal-exit', trace, 300);
    child.kill('SIGINT');
    const exited = new Promise((r) => child.once('exit', (...a) => r(a)));
    const [, exitSignal] = (await Promise.race([exited, new Promise((r) => setTimeout(() => r([null, 'still running']), 5000))])) as [number | null, string | null];
    if (exitSignal === 'still running') child.kill('SIGKILL');
    expect(exitSignal).toBe('SIGINT');
    expect(output()).toContain('{"onExit":"SIGINT"}');
    const { warnings, chunks, samples } = read(trace);
    expect(warnings).toEqual([]);
    expect(chunks.at(-1)!.type).toBe('trailer');
    expect(samples.length).toBeGreaterThan(20);
  });

  it('keeps recording when the app handles SIGTERM itself and goes on', async () => {
    const trace = join(dir, 'handled.srt');
    const { child, output } = await startRecording('handled', trace, 200);
    child.kill('SIGTERM');
    const [code] = (await new Promise((r) => child.once('exit', (...a) => r(a)))) as [number | null, string | null];
    expect(code).toBe(0);
    const signalled = JSON.parse(output().trim().split('\n').at(-1)!).signalled as number;
    const { warnings, chunks, samples, names } = read(trace);
    expect(warnings).toEqual([]);
    expect(chunks.at(-1)!.type).toBe('trailer');
    // The app worked on for 300 ms after the signal, and the trace has that work.
    const after = samples.filter((s) => s.threadId === 0 && s.time > signalled + 100);
    expect(after.some((s) => s.frames.some((id) => names.get(`0:${id}`) === 'busy'))).toBe(true);
  });

  it('gives a child process that inherits the recording its own trace file, not the same one', () => {
    const trace = join(dir, 'family.srt');
    const fixture = fileURLToPath(new URL('./fixtures/parent-child.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [fixture], {
      encoding: 'utf8',
      env: { ...process.env, STACKRING_AGENT: '1', STACKRING_SOCKET: '0', STACKRING_RECORD: trace, STACKRING_RECORD_OWNER: '' },
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const childPid = lines.find((l) => l.child)!.child as number;
    for (const file of [trace, join(dir, `family.${childPid}.srt`)]) {
      const { warnings, chunks, samples, names } = read(file);
      expect(warnings, file).toEqual([]);
      expect(chunks.at(-1)!.type).toBe('trailer');
      expect(shares(samples, names).byLeaf.get('busy'), file).toBeGreaterThan(50); // ms
    }
    // Each file is its own process's.
    const parentPid = lines.find((l) => l.parent)!.parent as number;
    const processChunk = (file: string) => JSON.stringify(read(file).chunks.find((c) => c.type === 'process'));
    expect(processChunk(trace)).toContain(`"pid":${parentPid}`);
    expect(processChunk(join(dir, `family.${childPid}.srt`))).toContain(`"pid":${childPid}`);
  });

  it('finishes the trace when the app dies of an uncaught exception, which it still reports', () => {
    const trace = join(dir, 'throw.srt');
    const run = spawnSync(process.execPath, [fixture, 'throw', trace], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('boom from the app');
    const { warnings, chunks } = read(trace);
    expect(warnings).toEqual([]);
    expect(chunks.at(-1)!.type).toBe('trailer');
  });
});

describe('the in-process API', () => {
  it('refuses to start a second agent with other options instead of silently ignoring them', () => {
    const fixture = fileURLToPath(new URL('./fixtures/api-options.mjs', import.meta.url));
    const trace = join(dir, 'api.srt');
    const run = spawnSync(process.execPath, [fixture, trace], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(result.same).toBe(true);
    expect(result.error).toMatch(/already running with other options \(record: ".*api\.srt" \(running: null\)\).*stop\(\)/);
    expect(result.recording).toBe(trace);
    expect(read(trace).chunks.at(-1)!.type).toBe('trailer');
  });

  it('a bad STACKRING_* setting warns and leaves the app running, without the agent', () => {
    const fixture = fileURLToPath(new URL('./fixtures/instrumented.mjs', import.meta.url));
    const code = `import(${JSON.stringify(fixture)}).then((m) => console.log(JSON.stringify(m.threeDeep(() => 42))))`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      encoding: 'utf8',
      env: { ...process.env, STACKRING_AGENT: '1', STACKRING_INTERVAL: 'often' },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('42');
    expect(run.stderr).toContain('stackring: the agent is not started: stackring: STACKRING_INTERVAL=often is not a number of milliseconds');
    const nice = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, STACKRING_AGENT: '1', STACKRING_AGENT_NICE: '20' } });
    expect(nice.status, nice.stderr).toBe(0);
    expect(nice.stdout.trim()).toBe('42');
    expect(nice.stderr).toContain('STACKRING_AGENT_NICE=20 is not an integer in [0, 19]');
  });
});

describe('in-process snapshots', () => {
  it('snapshot() is exact in a thread the agent samples from the start (an area ring on x86)', () => {
    const run = spawnSync(process.execPath, [fileURLToPath(new URL('./fixtures/snapshot-sampled.mjs', import.meta.url))], {
      encoding: 'utf8',
      env: { ...process.env, STACKRING_AGENT: '1', STACKRING_SOCKET: '0', STACKRING_INTERVAL: '1', STACKRING_AREA_RINGS: '' },
    });
    expect(run.status, run.stderr).toBe(0);
    const { kind, checks, wrong, example } = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(kind).toBe(process.arch === 'x64' || process.arch === 'ia32' ? 'AreaWriter' : 'RingWriter');
    expect(checks).toBeGreaterThan(1000); // the agent switched the ring hundreds of times meanwhile
    expect(wrong, JSON.stringify(example)).toBe(0);
  });

  it('snapshot() is exact in the thread; snapshotAll() goes through the agent', () => {
    const run = spawnSync(process.execPath, [fixture, 'snapshot', join(dir, 'snap.srt')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const { inner, all } = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(inner).toEqual(['outer', 'middle', 'inner']);
    // The main thread is waiting for the answer (idle): nothing instrumented is running.
    expect(all).toHaveLength(1);
    expect(all[0].name).toBe('main');
  });
});

