// Runs the user's command with the loading hooks and the agent on: NODE_OPTIONS carries
// `--import stackring/register` (so child processes that are Node programs are instrumented
// too), STACKRING_* variables carry the agent's options.

import { spawn } from 'node:child_process';
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

export interface LaunchResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
}

export function launch(command: string[], env: Record<string, string>, onStart?: (pid: number) => void): Promise<LaunchResult> {
  const [file, ...args] = normaliseCommand(command);
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
