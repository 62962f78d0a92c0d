// Options that run and record share: what the agent in the child does (and how the child's
// code is instrumented, which instrument shares: SKIP_TRIVIAL_LEAVES_HELP).
import { DEFAULT_AGENT_OPTIONS, isAgentNice } from '@stackring/runtime/client';
import { UsageError } from '../exit-codes.js';
import type { Argv } from 'yargs';

/** The plugin's skipTrivialLeaves, as `run`, `record` and `instrument` describe it. */
export const SKIP_TRIVIAL_LEAVES_HELP =
  'leave alone functions that can call nothing, and push the others\' frames only once they can call (cheaper; the time of that code goes to the callers)';

export interface AgentArgs {
  interval: number;
  watchdog: number;
  watchdogFile?: string;
  agentNice: number;
  nodeModules: boolean;
  skipTrivialLeaves: boolean;
  include?: string[];
  exclude?: string[];
}

export function commonAgentOptions<T>(y: Argv<T>, defaults: { interval: number }) {
  return y
    .option('interval', {
      type: 'number',
      default: defaults.interval,
      describe: 'sampling interval in milliseconds (0: no sampling)',
    })
    .option('watchdog', { type: 'number', default: 0, describe: 'report where the event loop blocks for this many ms or more (0: off)' })
    .option('watchdog-file', { type: 'string', describe: 'write watchdog reports to this file instead of stderr' })
    .option('agent-nice', {
      type: 'number',
      default: DEFAULT_AGENT_OPTIONS.nice,
      describe: "run the agent's thread this many nice steps below the app's (0-19, Linux): it yields to the app when every core is busy",
    })
    .option('node-modules', { type: 'boolean', default: false, describe: 'also instrument code in node_modules' })
    .option('skip-trivial-leaves', { type: 'boolean', default: false, describe: SKIP_TRIVIAL_LEAVES_HELP })
    .option('include', { type: 'string', array: true, describe: 'only instrument files matching these globs' })
    .option('exclude', { type: 'string', array: true, describe: 'do not instrument files matching these globs' })
    .check((a) => {
      const args = a as unknown as AgentArgs;
      if (!(args.interval >= 0)) throw new UsageError('--interval must be a number of milliseconds, 0 or more');
      if (!(args.watchdog >= 0)) throw new UsageError('--watchdog must be a number of milliseconds, 0 or more');
      if (!isAgentNice(args.agentNice)) throw new UsageError('--agent-nice must be an integer from 0 to 19');
      return true;
    });
}

export function agentEnv(args: AgentArgs): Record<string, string> {
  const env: Record<string, string> = {
    STACKRING_INTERVAL: String(args.interval),
    STACKRING_WATCHDOG: String(args.watchdog),
    STACKRING_AGENT_NICE: String(args.agentNice),
  };
  if (args.watchdogFile) env.STACKRING_WATCHDOG_FILE = args.watchdogFile;
  if (args.nodeModules) env.STACKRING_NODE_MODULES = '1';
  if (args.skipTrivialLeaves) env.STACKRING_SKIP_TRIVIAL_LEAVES = '1';
  if (args.include?.length) env.STACKRING_INCLUDE = args.include.join(',');
  if (args.exclude?.length) env.STACKRING_EXCLUDE = args.exclude.join(',');
  return env;
}

/** The check of a `<pid>` positional (dump, top). */
/** `<pid>` as typed (a string: yargs would turn "abc" into NaN before anyone could quote it). */
export function checkPid(pid: unknown): true {
  if (!/^[1-9]\d*$/.test(String(pid))) throw new UsageError(`<pid> must be a process id, got ${JSON.stringify(String(pid))}`);
  return true;
}
