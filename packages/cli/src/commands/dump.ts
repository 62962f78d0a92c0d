import type { Argv, CommandModule } from 'yargs';
import { requestAgent } from '@stackring/runtime/client';
import { formatDump } from '../format-dump.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { checkPid } from './agent-args.js';

interface DumpArgs {
  pid: string;
  json: boolean;
  timeout: number;
}

export const dumpCommand: CommandModule<object, DumpArgs> = {
  command: 'dump <pid>',
  describe: "Print every thread's current stack of a running process (also when its event loop is blocked)",
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id of a program run with stackring' })
      .option('json', { type: 'boolean', default: false, describe: 'print the dump as JSON' })
      .option('timeout', { type: 'number', default: 5000, describe: 'give up after this many ms' })
      .check((a) => {
        return checkPid(a.pid);
      })
      .example('$0 dump 4242', 'where is process 4242 right now?') as unknown as Argv<DumpArgs>,
  handler: async (args) => {
    try {
      const dump = await requestAgent(Number(args.pid), 'dump', args.timeout);
      if (args.json) {
        process.stdout.write(JSON.stringify(dump, null, 2) + '\n');
        return;
      }
      const info = await requestAgent(Number(args.pid), 'info', args.timeout).catch(() => null);
      process.stdout.write(formatDump(dump, info));
    } catch (error) {
      throw new CliError((error as Error).message, ExitCode.UNREACHABLE);
    }
  },
};
