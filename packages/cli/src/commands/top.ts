import type { Argv, CommandModule } from 'yargs';
import { requestAgent } from '@stackring/runtime/client';
import { CliError, ExitCode, UsageError } from '../exit-codes.js';
import { checkPid } from './agent-args.js';
import { bold, dim } from '../style.js';

interface TopArgs {
  pid: string;
  rate: number;
  refresh: number;
  iterations?: number;
}

interface Row {
  self: number;
  total: number;
  where: string;
}

/** A live view of the hottest functions, from repeated dumps (like py-spy top). */
export const topCommand: CommandModule<object, TopArgs> = {
  command: 'top <pid>',
  describe: 'Live view of the hottest functions of a running process',
  builder: (y: Argv) =>
    y
      .positional('pid', { type: 'string', describe: 'process id of a program run with stackring' })
      .option('rate', { type: 'number', default: 50, describe: 'dumps per second' })
      .option('refresh', { type: 'number', default: 1, describe: 'seconds between screen refreshes' })
      .option('iterations', { type: 'number', describe: 'stop after this many refreshes (default: until Ctrl-C)' })
      .check((a) => {
        checkPid(a.pid);
        if (!((a.rate as number) > 0 && (a.rate as number) <= 1000)) throw new UsageError('--rate must be in (0, 1000]');
        // A refresh of 0 s would never ask the process anything (nor find it has no agent).
        if (!((a.refresh as number) > 0)) throw new UsageError('--refresh must be a number of seconds, more than 0');
        if (a.iterations !== undefined && !(Number.isInteger(a.iterations) && (a.iterations as number) > 0)) {
          throw new UsageError('--iterations must be a whole number, 1 or more');
        }
        return true;
      }) as unknown as Argv<TopArgs>,
  handler: async (args) => {
    const rows = new Map<string, Row>();
    let samples = 0;
    const tty = process.stdout.isTTY === true;
    for (let refresh = 0; args.iterations === undefined || refresh < args.iterations; refresh++) {
      const end = Date.now() + args.refresh * 1000;
      while (Date.now() < end) {
        let dump;
        try {
          dump = await requestAgent(Number(args.pid), 'dump', 2000);
        } catch (error) {
          throw new CliError((error as Error).message, ExitCode.UNREACHABLE);
        }
        for (const t of dump.threads) {
          if (t.idle || t.frames.length === 0) continue;
          samples++;
          const seen = new Set<string>();
          t.frames.forEach((f, i) => {
            const key = `${f.name}\u0000${f.file}:${f.line}`;
            const row = rows.get(key) ?? { self: 0, total: 0, where: `${f.name} (${f.file}:${f.line})` };
            if (!seen.has(key)) row.total++;
            seen.add(key);
            if (i === t.frames.length - 1) row.self++;
            rows.set(key, row);
          });
        }
        await new Promise((r) => setTimeout(r, 1000 / args.rate));
      }
      const top = [...rows.values()].sort((a, b) => b.self - a.self || b.total - a.total).slice(0, tty ? (process.stdout.rows ?? 30) - 4 : 20);
      const lines = [
        bold(`stackring top: pid ${args.pid}, ${samples} busy samples`),
        bold('  %Own  %Total  Function (file:line)'),
        ...top.map((r) => `${pct(r.self, samples)}  ${pct(r.total, samples)}  ${r.where}`),
      ];
      if (samples === 0) lines.push(dim('  (no busy samples yet: the process is idle)'));
      process.stdout.write((tty ? '\x1b[H\x1b[2J' : '') + lines.join('\n') + '\n');
    }
  },
};

function pct(n: number, of: number): string {
  return `${of === 0 ? '0.0' : ((100 * n) / of).toFixed(1)}%`.padStart(6);
}
