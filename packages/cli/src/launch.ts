// Runs the user's command with the loading hooks and the agent on: NODE_OPTIONS carries
// `--import stackring/register` (so child processes that are Node programs are instrumented
// too), STACKRING_* variables carry the agent's options.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError, ExitCode } from './exit-codes.js';

export const registerPath = fileURLToPath(new URL('./register.js', import.meta.url));

/** The command to run: the positional words, and (yargs puts them in `_`) those after `--`. */
export function commandFrom(args: { command?: string[]; _: Array<string | number> }): string[] {
  return [...(args.command ?? []), ...args._.slice(1).map(String)];
}

/** `app.js` alone means `node app.js`. */
export function normaliseCommand(command: string[]): string[] {
  if (command.length === 0) throw new CliError('no command to run: give it after --, e.g. stackring run -- node app.js', ExitCode.USAGE);
  if (/\.[cm]?js$/.test(command[0]!)) return [process.execPath, ...command];
  if (command[0] === 'node') return [process.execPath, ...command.slice(1)];
  return command;
}

/** V8's default JavaScript stack for the main thread, in KiB (64-bit). */
const V8_STACK_KIB = 984;

/**
 * The `--stack-size` (KiB) for a Node process whose code is instrumented: twice V8's default.
 * Instrumented frames are larger (the frame's token, the try/finally; up to about twice as
 * large for a tiny recursive function, a fifth larger for acorn's parser), so a recursion that
 * fits plain could overflow instrumented. Kept 1 MiB under the process's stack limit (the main
 * thread's stack is the process's, 8 MiB on most systems); undefined where that limit is
 * unknown to be large enough (Windows reserves the main thread's stack in node.exe).
 */
export function instrumentedStackSize(limits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  if (process.platform === 'win32') return undefined;
  // macOS and the BSDs: 8 MiB unless lowered.
  const limitBytes = process.platform === 'linux' ? linuxStackLimit(limits) : 8 * 1024 * 1024;
  if (limitBytes === undefined) return undefined;
  const wanted = 2 * V8_STACK_KIB;
  const room = Math.floor(limitBytes / 1024) - 1024;
  return room >= wanted ? wanted : room > V8_STACK_KIB ? room : undefined;
}

/** The soft RLIMIT_STACK in bytes (Infinity when unlimited), from /proc/self/limits' text. */
function linuxStackLimit(limits: () => string): number | undefined {
  try {
    const soft = /^Max stack size\s+(\S+)/m.exec(limits())?.[1];
    if (soft === 'unlimited') return Infinity;
    return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A command that runs Node itself gets the larger stack (see instrumentedStackSize), unless
 * it sets one. Node refuses --stack-size in NODE_OPTIONS: Node processes the command starts
 * in turn keep V8's default.
 */
export function withInstrumentedStack(command: string[], stackSize: number | undefined): string[] {
  const [file, ...args] = command;
  if (stackSize === undefined || file !== process.execPath || args.some((a) => /^--stack[-_]size(=|$)/.test(a))) return command;
  return [file, `--stack-size=${stackSize}`, ...args];
}

export interface LaunchResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
}

export function launch(command: string[], env: Record<string, string>, onStart?: (pid: number) => void): Promise<LaunchResult> {
  const [file, ...args] = withInstrumentedStack(normaliseCommand(command), instrumentedStackSize());
  const nodeOptions = [process.env.NODE_OPTIONS, `--import=${JSON.stringify(registerPath).slice(1, -1)}`].filter(Boolean).join(' ');
  const child = spawn(file!, args, {
    stdio: 'inherit',
    env: { ...process.env, ...env, NODE_OPTIONS: nodeOptions, STACKRING_AGENT: '1' },
  });
  // Ctrl-C reaches the child through the terminal's process group; a signal sent to this
  // process alone is passed on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError(`cannot run ${file}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`, ExitCode.FAILURE)),
    );
    child.once('spawn', () => onStart?.(child.pid!));
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code, signal, pid: child.pid! });
    });
  });
}

/** The exit code a shell would report for the child. */
export function exitCodeOf(result: LaunchResult): number {
  if (result.code !== null) return result.code;
  const signals: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1, SIGQUIT: 3 };
  return 128 + (signals[result.signal ?? ''] ?? 1);
}
