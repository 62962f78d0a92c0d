import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from '@babel/parser';
import { createRequire } from 'node:module';
import { runTsApp, TS_APP_FUNCTIONS, TS_APP_OUTPUT } from './typescript-app.js';
import { instrumentedStackSize, withInstrumentedStack } from '../src/launch.js';

const require = createRequire(import.meta.url);

// Every command end to end, through the real bin, on real child processes.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackring-cli-'));
const cacheDir = join(dir, 'cache');
const env = { ...process.env, STACKRING_CACHE_DIR: cacheDir, NO_COLOR: '1' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const children: ChildProcess[] = [];
/** The programs the background CLIs started: a SIGKILLed CLI cannot pass the signal on. */
const apps: number[] = [];
afterEach(() => {
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
  for (const pid of apps.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: options.cwd, env: { ...env, ...options.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `stackring <args>` in the background and waits for the app's {"ready":true,"pid":N} line. */
async function background(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ pid: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      try {
        const m = JSON.parse(line);
        if (m.ready) resolve(m);
      } catch {
        // other output
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  apps.push(ready.pid);
  return { child, pid: ready.pid, stderr: () => stderr };
}

describe('stackring help and usage', () => {
  it('has help for every command', () => {
    for (const command of ['run', 'record', 'dump', 'ps', 'top', 'report', 'diff', 'instrument']) {
      const r = cli([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`stackring ${command}`);
    }
    expect(cli(['--help']).stdout).toMatch(/Commands:/);
  });

  it('exits 2 with a message on bad arguments', () => {
    const unknown = cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument|Unknown command/i);
    expect(cli([]).code).toBe(2);
    const badPid = cli(['dump', 'abc']);
    expect(badPid.code).toBe(2);
    expect(badPid.stderr).toContain('<pid> must be a process id, got "abc"'); // what was typed
    expect(cli(['top', '12x']).stderr).toContain('got "12x"');
    expect(cli(['report', 'x.srt', '--format', 'bmp']).code).toBe(2);
  });
});

describe('stackring instrument', () => {
  it('instruments a tree, copies the rest, reports a syntax error with file, line and column, and carries on', () => {
    const out = join(dir, 'out');
    const r = cli(['instrument', join(fixtures, 'tree'), '-d', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(fixtures, 'tree', 'lib', 'broken.js')}:5:3: Unexpected keyword 'return'`);
    expect(r.stderr).toMatch(/2 instrumented, 2 copied, 1 failed/);
    expect(existsSync(join(out, 'lib', 'broken.js'))).toBe(false); // nothing half-written
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('plain text, copied as is\n');
    for (const f of ['main.js', 'lib/math.js']) {
      const code = readFileSync(join(out, f), 'utf8');
      expect(code).toContain('@stackring/runtime');
      expect(() => parse(code, { sourceType: 'script', allowReturnOutsideFunction: true })).not.toThrow();
      expect(JSON.parse(readFileSync(join(out, `${f}.map`), 'utf8')).sources[0]).toMatch(/(main|math)\.js$/);
    }
    // The instrumented tree runs and gives the same result as the original.
    const plain = spawnSync(process.execPath, [join(fixtures, 'tree', 'main.js')], { encoding: 'utf8' });
    // An instrumented build needs @stackring/runtime where it runs: here, this repository's.
    const nodePath = fileURLToPath(new URL('../../../node_modules', import.meta.url));
    const instrumented = spawnSync(process.execPath, [join(out, 'main.js')], { encoding: 'utf8', env: { ...env, NODE_PATH: nodePath } });
    expect(instrumented.stderr).toBe('');
    expect(instrumented.stdout).toBe(plain.stdout);
  });

  it('names a path that does not exist', () => {
    const r = cli(['instrument', join(dir, 'nope'), '-d', join(dir, 'out2')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('no such file or directory');
  });
});

describe('loading hooks', () => {
  it('instruments dependencies (CommonJS and ES modules) on request without changing results, nor itself', () => {
    const app = join(fixtures, 'apps', 'deps.mjs');
    const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));
    const plain = spawnSync(process.execPath, [app], { encoding: 'utf8' });
    const hooked = spawnSync(process.execPath, ['--import', register, app], {
      encoding: 'utf8',
      env: { ...env, STACKRING_NODE_MODULES: '1', STACKRING_CACHE_DIR: join(dir, 'deps-cache') },
    });
    expect(hooked.stderr).toBe('');
    expect(hooked.stdout).toBe(plain.stdout);
    expect(JSON.parse(plain.stdout).body).toEqual(['FunctionDeclaration', 'ClassDeclaration']);
    // The cache holds the instrumented dependencies (and no Babel file: Babel is never instrumented).
    const { readdirSync } = require('node:fs') as typeof import('node:fs');
    const cached = readdirSync(join(dir, 'deps-cache')).map((f) => readFileSync(join(dir, 'deps-cache', f), 'utf8'));
    expect(cached.some((code) => code.includes('js-yaml') || code.includes('YAMLException'))).toBe(true);
    expect(cached.some((code) => code.includes('@babel/core'))).toBe(false);
  });
});

describe('loading hooks and TypeScript', () => {
  it('compile and instrument .ts ES modules and .cts CommonJS files: same results, .ts error lines, .ts positions', () => {
    const { run, positions } = runTsApp(process.execPath, join(dir, 'ts.srt'), join(dir, 'ts-cache'));
    expect(run.stderr).toBe('');
    // Node 20 cannot run TypeScript at all; the output is the one Node 22 gives stripping the types (node22.test.ts).
    expect(JSON.parse(run.stdout)).toEqual(TS_APP_OUTPUT);
    expect(positions).toEqual(expect.arrayContaining(TS_APP_FUNCTIONS));
  });

  it('work beside tsx, the TypeScript loader many apps run with (node --import tsx)', () => {
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const { run, positions } = runTsApp(process.execPath, join(dir, 'tsx.srt'), join(dir, 'tsx-cache'), ['--import', tsx]);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(TS_APP_OUTPUT);
    expect(positions).toEqual(expect.arrayContaining(TS_APP_FUNCTIONS));
  });
});

describe('loading hooks and require(esm)', () => {
  it('instrument an ES module that CommonJS requires (Node >= 20.19), detected by its syntax as Node does', () => {
    const app = join(fixtures, 'apps', 'require-esm', 'main.cjs');
    const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));
    const plain = spawnSync(process.execPath, [app], { encoding: 'utf8' });
    expect(JSON.parse(plain.stdout)).toEqual({ greeting: 'hello esm', esm: 'Module' });
    const cache = join(dir, 'require-esm-cache');
    const hooked = spawnSync(process.execPath, ['--import', register, app], { encoding: 'utf8', env: { ...env, STACKRING_CACHE_DIR: cache } });
    expect(hooked.stderr).toBe('');
    expect(hooked.stdout).toBe(plain.stdout);
    const { readdirSync } = require('node:fs') as typeof import('node:fs');
    const instrumented = readdirSync(cache).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(cache, f), 'utf8'));
    // The runtime comes in with an import statement (on the marker's line: lines are kept).
    expect(instrumented.some((code) => code.includes('"greet"') && /(^|\*\/ ?)import \{ writer as _w/m.test(code))).toBe(true);
  });
});

describe('loading hooks and error stacks', () => {
  it("keeps Node's error stacks but for columns, and at the original columns too when the app turns source maps on", () => {
    const app = join(fixtures, 'apps', 'throws.cjs');
    const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));
    const hooked = (args: string[]) =>
      spawnSync(process.execPath, [...args, '--import', register, app], { encoding: 'utf8', env: { ...env, STACKRING_CACHE_DIR: join(dir, 'throws-cache') } });
    const plain = spawnSync(process.execPath, [app], { encoding: 'utf8' });
    expect(plain.stdout).toContain(`${app}:3:11`);
    expect(plain.stdout).toContain('at Object.run (');
    const withoutColumns = (text: string) => text.replace(/:(\d+):\d+\)/g, ':$1)');
    const asRun = hooked([]).stdout;
    expect(asRun).not.toBe(plain.stdout); // the inserted code moves columns...
    expect(withoutColumns(asRun)).toBe(withoutColumns(plain.stdout)); // ...and nothing else
    // The inline maps lead back to the original columns when source maps are on.
    expect(hooked(['--enable-source-maps']).stdout).toBe(plain.stdout);
  });
});

describe('run --skip-trivial-leaves', () => {
  it('leaves alone the functions that can call nothing, and only with the flag', () => {
    const app = join(fixtures, 'apps', 'leaves.cjs');
    const as = (args: string[]) => {
      const r = cli(['run', ...args, '--', 'node', app], { env: { STACKRING_CACHE_DIR: join(dir, 'leaves-cache') } });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout);
    };
    expect(as([])).toEqual({ result: 4, leaf: true, caller: true, outer: true });
    expect(as(['--skip-trivial-leaves'])).toEqual({ result: 4, leaf: false, caller: false, outer: true });
  });
});

describe('the stack of an instrumented Node process', () => {
  it('lets a recursion go as deep as it goes plain: instrumented frames are larger, the stack is too', () => {
    const app = join(fixtures, 'apps', 'recursion-depth.cjs');
    const plain = Number(spawnSync(process.execPath, [app], { encoding: 'utf8' }).stdout);
    const run = cli(['run', '--', 'node', app]);
    expect(run.stderr).toBe('');
    const instrumented = Number(run.stdout);
    // Without the larger stack: about half (the frame of this tiny function doubles).
    const withV8Default = Number(cli(['run', '--', 'node', '--stack-size=984', app]).stdout);
    expect(withV8Default).toBeLessThan(0.7 * plain);
    expect(instrumented).toBeGreaterThan(0.85 * plain);
  });

  it('takes twice V8\'s stack, 1 MiB under the process\'s limit, never less than V8\'s, never on a guess', () => {
    const limits = (soft: string) => () => `Limit                     Soft Limit           Hard Limit           Units\nMax stack size            ${soft}              unlimited            bytes\n`;
    if (process.platform === 'linux') {
      expect(instrumentedStackSize(limits('8388608'))).toBe(1968);
      expect(instrumentedStackSize(limits('unlimited'))).toBe(1968);
      expect(instrumentedStackSize(limits(String(2560 * 1024)))).toBe(1536);
      expect(instrumentedStackSize(limits(String(1024 * 1024)))).toBeUndefined();
      expect(instrumentedStackSize(() => 'nothing about stacks')).toBeUndefined();
      expect(instrumentedStackSize(() => { throw new Error('no /proc'); })).toBeUndefined();
    }
    expect(withInstrumentedStack([process.execPath, 'app.js'], 1968)).toEqual([process.execPath, '--stack-size=1968', 'app.js']);
    expect(withInstrumentedStack([process.execPath, '--stack-size=500', 'app.js'], 1968)).toEqual([process.execPath, '--stack-size=500', 'app.js']);
    expect(withInstrumentedStack(['npm', 'test'], 1968)).toEqual(['npm', 'test']);
    expect(withInstrumentedStack([process.execPath, 'app.js'], undefined)).toEqual([process.execPath, 'app.js']);
  });
});

describe('stackring run, dump, ps, top', () => {
  it('dumps a program blocked three calls deep, from another process', async () => {
    const app = await background(['run', '--', 'node', join(fixtures, 'apps', 'blocked.mjs')]);
    let dump = cli(['dump', String(app.pid)]);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout).toMatch(new RegExp(`Process ${app.pid}`));
    const names = dump.stdout
      .split('\n')
      .filter((l) => l.startsWith('    ') && l.includes('blocked.mjs'))
      .map((l) => l.trim().split(' ')[0]);
    expect(names).toEqual(['inner', 'middle', 'outer']); // innermost first, like a stack trace
    dump = cli(['dump', String(app.pid), '--json']);
    const json = JSON.parse(dump.stdout);
    expect(json.threads[0].frames.map((f: { name: string }) => f.name)).toEqual(['outer', 'middle', 'inner']);
    expect(json.threads[0].frames[0].line).toBe(2);

    const ps = cli(['ps']);
    expect(ps.stdout).toContain(String(app.pid));
    const top = cli(['top', String(app.pid), '--iterations', '1', '--refresh', '0.5']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/\d+\.\d%\s+\d+\.\d%\s+inner \(/);
  });

  it('says clearly when a pid has no agent or does not exist', () => {
    const none = cli(['dump', String(process.pid)]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('has no stackring agent');
    const gone = cli(['dump', '4194000']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('no process with id 4194000');
  });
});

describe('stackring record and report', () => {
  it('records a program, writes the trace and a flame graph, converts to every format', () => {
    const trace = join(dir, 'cpu.srt');
    // A cache of its own: this start instruments cpu.cjs (loading Babel), and shows it.
    const r = cli(['record', '-o', trace, '-f', 'html', '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '800'], { env: { STACKRING_CACHE_DIR: join(dir, 'record-cache') } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(trace)).toBe(true);
    const html = readFileSync(join(dir, 'cpu.html'), 'utf8');
    expect(html).toContain('fib');
    const folded = join(dir, 'cpu.folded');
    expect(cli(['report', trace, '-f', 'folded', '-o', folded]).code).toBe(0);
    const lines = readFileSync(folded, 'utf8').trim().split('\n');
    expect(lines.every((l) => /^(.+) (\d+)$/.test(l))).toBe(true);
    expect(lines.some((l) => /work;fib/.test(l))).toBe(true);
    // The first start's time in Babel is labelled as such, not "(program)".
    expect(lines.some((l) => l.startsWith('(stackring: instrumenting) '))).toBe(true);
    // The program is busy from its first line for 800 ms: the app waits for the sampling agent,
    // so the trace has nearly all of it (without the wait it lost 200 ms, or everything).
    const workMs = lines.filter((l) => l.startsWith('work')).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    expect(workMs).toBeGreaterThan(720);
    for (const format of ['speedscope', 'cpuprofile', 'chrome', 'pprof', 'svg']) {
      const out = cli(['report', trace, '-f', format, '-o', join(dir, `cpu-${format}.out`)]);
      expect(out.code, `${format}: ${out.stderr}`).toBe(0);
    }
    // The instrumenting frame has no source: no URL, as V8 gives its own "(program)".
    const cpu = JSON.parse(readFileSync(join(dir, 'cpu-cpuprofile.out'), 'utf8')) as { nodes: { callFrame: { functionName: string } }[] };
    const frame = cpu.nodes.find((n) => n.callFrame.functionName === '(stackring: instrumenting)');
    expect(frame?.callFrame).toEqual({ functionName: '(stackring: instrumenting)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 });
  });

  it('stops a program after --duration seconds, with a finished trace and success', () => {
    const trace = join(dir, 'duration.srt');
    const started = Date.now();
    const r = cli(['record', '-o', trace, '--duration', '1', '--', 'node', join(fixtures, 'apps', 'serve.mjs')]);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const report = cli(['report', trace, '-f', 'folded', '-o', join(dir, 'duration.folded')]);
    expect(report.stderr).toBe(''); // no warning: the trace was finished (trailer written)
    expect(readFileSync(join(dir, 'duration.folded'), 'utf8')).toContain('handle');
  });

  it('--duration ends a program stuck in a synchronous loop too (SIGKILL after a grace period)', () => {
    const trace = join(dir, 'stuck.srt');
    const r = cli(['record', '-o', trace, '--duration', '1', '--', 'node', join(fixtures, 'apps', 'blocked.mjs')], { env: { BLOCK_MS: '600000' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('did not stop');
    const report = cli(['report', trace, '-f', 'folded', '-o', join(dir, 'stuck.folded')]);
    expect(report.code).toBe(0);
    expect(report.stderr).toContain('warning'); // readable up to its last chunk, no trailer
    expect(readFileSync(join(dir, 'stuck.folded'), 'utf8')).toContain('outer;middle;inner');
    // Folded stacks weigh by time by default: the loop was stuck for most of the second it ran,
    // which is a handful of samples (an unchanged live copy is not repeated) but ~1000 ms.
    const weightOf = (file: string) =>
      readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.includes('outer;middle;inner')).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    expect(cli(['report', trace, '-f', 'folded', '--weight', 'samples', '-o', join(dir, 'stuck.samples.folded')]).code).toBe(0);
    expect(weightOf(join(dir, 'stuck.folded'))).toBeGreaterThan(500);
    expect(weightOf(join(dir, 'stuck.samples.folded'))).toBeLessThan(weightOf(join(dir, 'stuck.folded')) / 5);
    expect(cli(['report', trace, '-f', 'folded', '--weight', 'bytes']).stderr).toMatch(/weight.*Choices: "time", "samples"/s);
  });

  it('records a worker that blocks from its first moment', () => {
    const trace = join(dir, 'worker-blocks.srt');
    const r = cli(['record', '-o', trace, '--', 'node', join(fixtures, 'apps', 'worker-blocks.mjs')]);
    expect(r.code, r.stderr).toBe(0);
    const folded = join(dir, 'worker-blocks.folded');
    expect(cli(['report', trace, '-f', 'folded', '-o', folded]).code).toBe(0);
    expect(readFileSync(folded, 'utf8')).toMatch(/grind;spin \d+/);
  });

  it('records a child process that inherits the recording into its own trace, says so, and draws both', () => {
    const trace = join(dir, 'family.srt');
    const r = cli(['record', '-o', trace, '-f', 'folded', '--weight', 'samples', '--', 'node', join(fixtures, 'apps', 'parent.cjs')]);
    expect(r.code, r.stderr).toBe(0);
    const [, childTrace] = /child processes recorded their own traces: (\S+)/.exec(r.stderr) ?? [];
    expect(childTrace, r.stderr).toMatch(/family\.\d+\.srt$/);
    for (const [file, name] of [[trace, 'parentWork'], [childTrace!, 'fib']] as const) {
      const out = `${file}.folded`;
      const report = cli(['report', file, '-f', 'folded', '-o', out]);
      expect(report.stderr, file).toBe(''); // complete, uncorrupted
      expect(readFileSync(out, 'utf8')).toContain(name);
    }
    // record -f: one flame graph of both processes, each thread under its process's pid.
    const childPid = /\.(\d+)\.srt$/.exec(childTrace!)![1];
    const both = readFileSync(join(dir, 'family.folded'), 'utf8');
    const parentPid = /^main \(pid (\d+), thread 0\);[^\n]*parentWork/m.exec(both)?.[1];
    expect(parentPid, both).toBeDefined();
    expect(parentPid).not.toBe(childPid);
    expect(both).toMatch(new RegExp(`^main \\(pid ${childPid}, thread 0\\);[^\\n]*fib`, 'm'));
    // report of the same traces later says the same.
    const again = join(dir, 'family-again.folded');
    expect(cli(['report', trace, childTrace!, '-f', 'folded', '--weight', 'samples', '-o', again]).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(both);
  });

  it('refuses to record into a directory that does not exist, before running anything', () => {
    const r = cli(['record', '-o', join(dir, 'no-such-dir', 'x.srt'), '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '100']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a writable directory');
    expect(r.stdout).toBe(''); // the program did not run
  });

  it('runs an app that does not depend on stackring, outside this repository', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'stackring-outside-'));
    copyFileSync(join(fixtures, 'apps', 'blocked.mjs'), join(outside, 'app.mjs'));
    const app = await background(['run', '--', 'node', join(outside, 'app.mjs')]);
    const dump = cli(['dump', String(app.pid), '--json']);
    expect(dump.code, dump.stderr).toBe(0);
    expect(JSON.parse(dump.stdout).threads[0].frames.map((f: { name: string }) => f.name)).toEqual(['outer', 'middle', 'inner']);
  });

  it('diffs two traces, as an HTML flame graph and as two-column folded stacks', () => {
    const a = join(dir, 'diff-a.srt');
    const b = join(dir, 'diff-b.srt');
    expect(cli(['record', '-o', a, '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '400']).code).toBe(0);
    expect(cli(['record', '-o', b, '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '400']).code).toBe(0);
    const folded = join(dir, 'diff.folded');
    expect(cli(['diff', a, b, '-f', 'folded', '-o', folded]).code).toBe(0);
    const rows = readFileSync(folded, 'utf8').trim().split('\n');
    expect(rows.every((l) => /^(.+) (\d+) (\d+)$/.test(l))).toBe(true);
    expect(rows.some((l) => l.includes('work;fib'))).toBe(true);
    const html = join(dir, 'diff.html');
    expect(cli(['diff', a, b, '-o', html]).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('fib');
    expect(cli(['diff', a, join(dir, 'nope.srt'), '-o', html]).code).toBe(4);
  });

  it('rejects a missing or corrupt trace and an unwritable output with clear errors', () => {
    const missing = cli(['report', join(dir, 'missing.srt'), '-f', 'folded']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no such file');
    const bad = join(dir, 'bad.srt');
    writeFileSync(bad, 'this is not a trace at all');
    const corrupt = cli(['report', bad, '-f', 'folded']);
    expect(corrupt.code).toBe(4);
    expect(corrupt.stderr).toMatch(/at byte \d+: expected/);
    const trace = join(dir, 'cpu.srt');
    const unwritable = cli(['report', trace, '-f', 'folded', '-o', join(dir, 'no-such-dir', 'x.folded')]);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toContain('cannot write');
  });
});

describe('stackring: option values and outputs that cannot work are refused up front', () => {
  it('names an unknown command, and refuses values that would do nothing', () => {
    const near = cli(['frob']); // close enough to `run` for a suggestion
    expect(near.code).toBe(2);
    expect(near.stderr).toContain('unknown command "frob". Did you mean run?');
    // A refresh of 0 s never asks the process anything: it would "succeed" on any pid.
    for (const args of [['top', '1', '--refresh', '0', '--iterations', '1'], ['top', '1', '--iterations', '0'], ['top', '1', '--iterations', '1.5']]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/--(refresh|iterations) must be/);
    }
    const duration = cli(['record', '-o', join(dir, 'never.srt'), '--duration', '0', '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '100']);
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('--duration must be');
    expect(duration.stdout).toBe(''); // the program did not run
    const nice = cli(['record', '-o', join(dir, 'never.srt'), '--agent-nice', '25', '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '100']);
    expect(nice.code).toBe(2);
    expect(nice.stderr).toContain('--agent-nice must be an integer from 0 to 19');
    expect(nice.stdout).toBe('');
  });

  it('record refuses a directory as its trace, before running anything', () => {
    const r = cli(['record', '-o', dir, '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '100']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ${dir}: it is a directory`);
    expect(r.stdout).toBe('');
  });

  it('instrument says once that its output directory cannot be created, and writes nothing', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = cli(['instrument', join(fixtures, 'tree'), '-d', join(file, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: cannot write to ${join(file, 'out')}: ENOTDIR`);
  });
});

// `script` (util-linux) gives the CLI a terminal.
const hasScript = spawnSync('script', ['--version']).status === 0;
describe.runIf(hasScript)('colour and progress only on a terminal', () => {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const noColorEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'NO_COLOR'));
  const inTerminal = (args: string[], redirect = '') =>
    spawnSync('script', ['-qec', `${[process.execPath, bin, ...args].map(quote).join(' ')}${redirect}`, '/dev/null'], {
      encoding: 'utf8',
      env: noColorEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('instrument shows a progress bar and colours on a terminal, neither when piped or redirected', () => {
    const tty = inTerminal(['instrument', join(fixtures, 'tree'), '-d', join(dir, 'tty-out')]);
    expect(tty.status).toBe(1);
    expect(tty.stdout).toMatch(/\r\[#+ *\] \d+\/5 /); // the progress bar
    expect(tty.stdout).toContain('\x1b[31merror: \x1b[39m');
    expect(tty.stdout).toContain('\x1b[31m1 failed\x1b[39m');
    // Piped: the same run, plain text (no NO_COLOR here).
    const piped = spawnSync(process.execPath, [bin, 'instrument', join(fixtures, 'tree'), '-d', join(dir, 'piped-out')], { encoding: 'utf8', env: noColorEnv });
    expect(piped.status).toBe(1);
    expect(piped.stderr).toContain('1 failed');
    expect(piped.stderr).not.toContain('\x1b');
    // stdout on a terminal, stderr to a file: what goes to the file is plain.
    const log = join(dir, 'instrument.log');
    inTerminal(['instrument', join(fixtures, 'tree'), '-d', join(dir, 'log-out')], ` 2>${quote(log)}`);
    expect(readFileSync(log, 'utf8')).toContain('1 failed');
    expect(readFileSync(log, 'utf8')).not.toContain('\x1b');
  });

  it('errors are red on a terminal and plain when NO_COLOR is set', () => {
    expect(inTerminal(['dump', String(process.pid)]).stdout).toContain('\x1b[31merror: \x1b[39m');
    const noColor = spawnSync('script', ['-qec', [process.execPath, bin, 'dump', String(process.pid)].map(quote).join(' '), '/dev/null'], {
      encoding: 'utf8',
      env: { ...noColorEnv, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(noColor.stdout).toContain('error: process');
    expect(noColor.stdout).not.toContain('\x1b');
  });
});

describe('loading hooks: the transform cache and worker threads', () => {
  const register = fileURLToPath(new URL('../dist/register.js', import.meta.url));

  it('a second start reads the cache and never loads Babel (nor the source-map codec); content and options key the cache', () => {
    const { readdirSync } = require('node:fs') as typeof import('node:fs');
    const appDir = mkdtempSync(join(tmpdir(), 'stackring-cache-app-'));
    const cache = join(dir, 'keyed-cache');
    const app = join(appDir, 'app.cjs');
    // Babel loads into a module cache of its own (not require.cache): a preloaded probe sees
    // every CommonJS file compiled, whichever cache it goes to.
    const probe = join(appDir, 'compiled-probe.cjs');
    writeFileSync(probe, "const M = require('node:module'); const c = M.prototype._compile; globalThis.compiled = []; M.prototype._compile = function (code, file) { globalThis.compiled.push(file); return c.apply(this, arguments); };\n");
    const write = (word: string) =>
      writeFileSync(app, `function hello() {\n  return '${word}';\n}\nconsole.log(hello(), globalThis.compiled.some((f) => /@babel[\\/]core[\\/]lib[\\/]|sourcemap-codec/.test(f)));\n`);
    const start = (extra: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, ['-r', probe, '--import', register, app], { encoding: 'utf8', env: { ...env, STACKRING_CACHE_DIR: cache, ...extra } });
      expect(r.stderr).toBe('');
      return r.stdout.trim();
    };
    const entries = () => readdirSync(cache).filter((f) => f.endsWith('.js'));
    try {
      write('plain');
      expect(start()).toBe('plain true'); // first start: a miss, Babel loaded
      expect(entries()).toHaveLength(1);
      // Mark the cached copy: a second start that runs the mark read the cache.
      const cached = join(cache, entries()[0]!);
      expect(readFileSync(cached, 'utf8')).toContain('.enter(');
      writeFileSync(cached, readFileSync(cached, 'utf8').replace("'plain'", "'from the cache'"));
      expect(start()).toBe('from the cache false'); // second start: a hit, Babel never loaded
      // Other plugin options: another entry.
      expect(start({ STACKRING_EXCLUDE: 'nothing/**' })).toBe('plain true');
      expect(entries()).toHaveLength(2);
      // Other content: another entry.
      write('edited');
      expect(start()).toBe('edited true');
      expect(entries()).toHaveLength(3);
    } finally {
      rmSync(appDir, { recursive: true, force: true });
    }
  });

  for (const file of ['worker-probe.mjs', 'worker-probe.cjs']) {
    it(`worker threads inherit the hooks of node --import (${file})`, () => {
      const app = join(fixtures, 'apps', file);
      const plain = JSON.parse(spawnSync(process.execPath, [app], { encoding: 'utf8' }).stdout);
      expect(plain.worker).not.toContain('.enter(');
      const r = spawnSync(process.execPath, ['--import', register, app], { encoding: 'utf8', env: { ...env, STACKRING_CACHE_DIR: join(dir, 'worker-cache') } });
      expect(r.stderr).toBe('');
      const hooked = JSON.parse(r.stdout);
      expect(hooked.main).toContain('.enter(');
      expect(hooked.worker).toBe(hooked.main);
    });
  }
});

describe("the README's quick start", () => {
  it('npm run demo records the example app, shows a dump taken while it is blocked, and writes a flame graph', () => {
    const demo = fileURLToPath(new URL('../../../examples/quick-start/demo.mjs', import.meta.url));
    const html = fileURLToPath(new URL('../../../examples/quick-start/out/app.html', import.meta.url));
    const started = Date.now() - 1000;
    const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    const [, pid] = /\$ stackring dump (\d+)/.exec(r.stdout) ?? [];
    expect(pid, r.stdout).toBeDefined();
    expect(r.stdout).toContain(`Process ${pid}: `);
    // Stuck in exportArchive's loop: the dump is the stack at the thread's next call or return,
    // almost always in checksumOf, which the loop calls over and over; about 1 in 50 the request
    // lands between two calls and the exact answer is exportArchive itself (seen in CI). On a
    // loaded machine the thread may not call within the dump's 20 ms, and is read live: the
    // same frames, said so.
    expect(r.stdout).toMatch(/Thread 0 "main" \(running(; taken live, it did not answer)?\)\n {4}(checksumOf \(.*app\.mjs:\d+:\d+\)\n {4})?exportArchive \(.*app\.mjs:\d+:\d+\)\n {4}tick \(/);
    expect(r.stderr).toMatch(/event loop of pid \d+ blocked/); // the watchdog's report
    const { statSync } = require('node:fs') as typeof import('node:fs');
    expect(statSync(html).mtimeMs).toBeGreaterThan(started);
    expect(readFileSync(html, 'utf8')).toContain('exportArchive');
  });
});

describe('stackring instrument and record options', () => {
  it('instrument --include, --exclude and --no-source-maps choose what is instrumented and what is written', () => {
    const tree = join(fixtures, 'tree');
    const isInstrumented = (file: string) => readFileSync(file, 'utf8').includes('@stackring/runtime');
    const excluded = join(dir, 'excluded');
    expect(cli(['instrument', tree, '-d', excluded, '--exclude', 'lib/**']).code).toBe(0); // broken.js is copied, not parsed
    expect(isInstrumented(join(excluded, 'main.js'))).toBe(true);
    expect(readFileSync(join(excluded, 'lib', 'math.js'), 'utf8')).toBe(readFileSync(join(tree, 'lib', 'math.js'), 'utf8'));
    expect(existsSync(join(excluded, 'lib', 'math.js.map'))).toBe(false);
    const included = join(dir, 'included');
    expect(cli(['instrument', tree, '-d', included, '--include', 'main.js', '--no-source-maps']).code).toBe(0);
    expect(isInstrumented(join(included, 'main.js'))).toBe(true);
    expect(readFileSync(join(included, 'main.js'), 'utf8')).not.toContain('sourceMappingURL');
    expect(existsSync(join(included, 'main.js.map'))).toBe(false);
    expect(isInstrumented(join(included, 'lib', 'math.js'))).toBe(false);
  });

  it('instrument --skip-trivial-leaves leaves trivial functions as they were, and only with the flag', () => {
    const app = join(fixtures, 'apps', 'leaves.cjs');
    const body = (out: string, name: string) => {
      const code = readFileSync(join(out, 'leaves.cjs'), 'utf8');
      const start = code.indexOf(`function ${name}(`);
      return code.slice(start, code.indexOf('\n}', start));
    };
    const all = join(dir, 'leaves-all');
    const skip = join(dir, 'leaves-skip');
    expect(cli(['instrument', app, '-d', all]).code).toBe(0);
    expect(cli(['instrument', app, '-d', skip, '--skip-trivial-leaves']).code).toBe(0);
    for (const name of ['leaf', 'caller', 'outer']) expect(body(all, name)).toContain('.enter(');
    expect(body(skip, 'leaf')).not.toContain('.enter(');
    expect(body(skip, 'caller')).not.toContain('.enter(');
    expect(body(skip, 'outer')).toContain('.enter(');
  });

  it('record --interval sets the sampling interval', () => {
    const samples = (interval: string) => {
      const trace = join(dir, `interval-${interval}.srt`);
      const r = cli(['record', '-o', trace, '--interval', interval, '--', 'node', join(fixtures, 'apps', 'cpu.cjs'), '500']);
      expect(r.code, r.stderr).toBe(0);
      const folded = `${trace}.folded`;
      expect(cli(['report', trace, '-f', 'folded', '--weight', 'samples', '-o', folded]).code).toBe(0);
      return readFileSync(folded, 'utf8').trim().split('\n').reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    };
    const every20 = samples('20');
    expect(every20).toBeGreaterThan(5);
    expect(every20).toBeLessThan(60); // 500 ms at 20 ms
    expect(samples('2')).toBeGreaterThan(every20 * 3);
  });
});
