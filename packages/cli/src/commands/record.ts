import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { commandFrom, exitCodeOf, launch } from '../launch.js';
import { agentEnv, commonAgentOptions, type AgentArgs } from './agent-args.js';
import { EXPORT_FORMATS, type ExportFormat } from '@stackring/export';
import { WEIGHTS, writeReport } from '../report.js';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { childRecordPid } from '@stackring/runtime/client';
import { dim, yellow } from '../style.js';
import { readTraceFile } from '@stackring/ring';
import { CliError, ExitCode, UsageError } from '../exit-codes.js';

/** Fails before running anything when the trace could not be written. */
function checkWritableDirectory(file: string): void {
  const dir = dirname(file);
  if (existsSync(file) && statSync(file).isDirectory()) throw new CliError(`cannot write ${file}: it is a directory`, ExitCode.FAILURE);
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${dir} is not a writable directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, ExitCode.FAILURE);
  }
}

/** Traces of child processes that inherited the recording (app.12345.srt), written since `since`. */
function childTraces(trace: string, since: number): string[] {
  const dir = dirname(trace);
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((file) => ({ file, pid: childRecordPid(trace, file) }))
    .filter(({ file, pid }) => pid !== undefined && statSync(file).mtimeMs >= since)
    .sort((x, y) => x.pid! - y.pid!)
    .map(({ file }) => file);
}

/** Whether any of the traces names a function (stops at the first that does). */
async function anyFunctionRegistered(traces: string[]): Promise<boolean> {
  for (const trace of traces) {
    try {
      for await (const chunk of readTraceFile(trace)) if (chunk.type === 'functions' && chunk.functions.length > 0) return true;
    } catch {
      // unreadable: the report says so; this is only a hint
    }
  }
  return false;
}

/** How long `--duration` waits after SIGINT before SIGKILL. */
const GRACE_MS = 3000;

interface RecordArgs extends AgentArgs {
  command?: string[];
  _: Array<string | number>;
  output: string;
  duration?: number;
  format?: ExportFormat[];
  weight: (typeof WEIGHTS)[number];
}

export const recordCommand: CommandModule<object, RecordArgs> = {
  command: 'record [command..]',
  describe: 'Run a Node program instrumented and sampled, write its trace (and flame graphs)',
  builder: (y: Argv) =>
    commonAgentOptions(y, { interval: 1 })
      .positional('command', { type: 'string', array: true, describe: 'the program and its arguments, after --' })
      .option('output', { alias: 'o', type: 'string', default: 'stackring.srt', describe: 'trace file to write' })
      .option('duration', { type: 'number', describe: 'stop the program (SIGINT) after this many seconds' })
      .option('format', {
        alias: 'f',
        type: 'string',
        array: true,
        choices: EXPORT_FORMATS,
        describe: 'also write these formats next to the trace (e.g. html)',
      })
      .option('weight', { type: 'string', choices: WEIGHTS, default: 'time' as const, describe: 'folded and svg: weigh stacks by the time they cover, or count samples' })
      .check((a) => {
        if (a.duration !== undefined && !((a.duration as number) > 0)) throw new UsageError('--duration must be a number of seconds, more than 0');
        return true;
      })
      .example('$0 record -o app.srt -f html -- node app.js', 'record app.js, write app.srt and app.html') as unknown as Argv<RecordArgs>,
  handler: async (args) => {
    const trace = resolve(args.output);
    checkWritableDirectory(trace);
    const timers: NodeJS.Timeout[] = [];
    const started = Date.now() - 1000; // file times may be coarser than the clock
    const result = await launch(commandFrom(args), { ...agentEnv(args), STACKRING_RECORD: trace }, (pid) => {
      if (args.duration === undefined) return;
      timers.push(
        setTimeout(() => {
          process.kill(pid, 'SIGINT'); // the agent finishes the trace, then the program ends
          // A program stuck in a synchronous loop cannot act on SIGINT: end it after a grace
          // period. Its trace stays readable up to the last chunk.
          timers.push(
            setTimeout(() => {
              process.stderr.write(yellow(`stackring: the program did not stop ${GRACE_MS / 1000} s after SIGINT; killing it`, process.stderr) + '\n');
              process.kill(pid, 'SIGKILL');
            }, GRACE_MS),
          );
        }, args.duration * 1000),
      );
    });
    timers.forEach(clearTimeout);
    if (!existsSync(trace)) {
      throw new CliError(`no trace was written to ${trace} (did the program load any instrumented code? see the warnings above)`, ExitCode.FAILURE);
    }
    process.stderr.write(dim(`stackring: trace written to ${trace}`, process.stderr) + '\n');
    const children = childTraces(trace, started);
    if (children.length > 0) {
      process.stderr.write(dim(`stackring: child processes recorded their own traces: ${children.join(', ')}`, process.stderr) + '\n');
    }
    if (!(await anyFunctionRegistered([trace, ...children]))) {
      process.stderr.write(
        yellow(
          'stackring: no instrumented code ran, so every sample is (program) or (idle). node_modules is left alone ' +
            'without --node-modules; Vitest runs tests in its own module runner, which needs the Vite plugin stackring/vite (docs/cli.md).',
          process.stderr,
        ) + '\n',
      );
    }
    // The flame graphs show the whole tree: `record -- npm test` is mostly the test runner's
    // processes, not npm's.
    for (const format of args.format ?? []) {
      const files = await writeReport([trace, ...children], format, trace.replace(/\.srt$/, '') + extensionOf(format), { weight: args.weight });
      for (const f of files) process.stderr.write(dim(`stackring: ${format} written to ${f}`, process.stderr) + '\n');
    }
    // A program stopped by --duration ended as asked: that is success.
    const stoppedByUs = args.duration !== undefined && (result.signal === 'SIGINT' || result.signal === 'SIGKILL');
    process.exitCode = stoppedByUs ? 0 : exitCodeOf(result);
  },
};

export function extensionOf(format: ExportFormat): string {
  const ext: Record<ExportFormat, string> = {
    folded: '.folded',
    speedscope: '.speedscope.json',
    cpuprofile: '.cpuprofile',
    chrome: '.trace.json',
    pprof: '.pb.gz',
    html: '.html',
    svg: '.svg',
  };
  return ext[format];
}
