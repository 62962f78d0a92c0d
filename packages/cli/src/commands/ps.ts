import type { Argv, CommandModule } from 'yargs';
import { listAgentPids, requestAgent, type InfoAnswer } from '@stackring/runtime/client';
import { bold, dim } from '../style.js';

interface PsArgs {
  json: boolean;
}

export const psCommand: CommandModule<object, PsArgs> = {
  command: 'ps',
  describe: "List this user's running processes that stackring can dump",
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<PsArgs>,
  handler: async (args) => {
    const infos: InfoAnswer[] = [];
    for (const pid of listAgentPids()) {
      const info = await requestAgent(pid, 'info', 2000).catch(() => null);
      if (info) infos.push(info);
    }
    if (args.json) {
      process.stdout.write(JSON.stringify(infos, null, 2) + '\n');
      return;
    }
    if (infos.length === 0) {
      process.stdout.write(dim('no running process has a stackring agent (start one with `stackring run -- node app.js`)') + '\n');
      return;
    }
    process.stdout.write(bold('PID      THREADS  SAMPLING  RECORDING  COMMAND') + '\n');
    for (const i of infos) {
      const cols = [
        String(i.pid).padEnd(8),
        String(i.threads.length).padEnd(8),
        (i.sampling ? 'yes' : 'no').padEnd(9),
        (i.recording ? 'yes' : 'no').padEnd(10),
        i.argv.join(' '),
      ];
      process.stdout.write(cols.join(' ') + '\n');
    }
  },
};
