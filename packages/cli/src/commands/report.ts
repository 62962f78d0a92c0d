import type { Argv, CommandModule } from 'yargs';
import { EXPORT_FORMATS, type ExportFormat } from '@stackring/export';
import { WEIGHTS, writeReport } from '../report.js';
import { extensionOf } from './record.js';

interface ReportArgs {
  traces: string[];
  format: ExportFormat;
  output?: string;
  weight: (typeof WEIGHTS)[number];
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <traces..>',
  describe: 'Convert a trace (or several, as one profile) to a flame graph or a profile format',
  builder: (y: Argv) =>
    y
      .positional('traces', { type: 'string', array: true, describe: 'a trace written by stackring record; several (a program and its child processes) make one profile' })
      .option('format', { alias: 'f', type: 'string', choices: EXPORT_FORMATS, default: 'html' as const, describe: 'output format' })
      .option('output', { alias: 'o', type: 'string', describe: 'output file (default: the first trace name with the format extension)' })
      .option('weight', { type: 'string', choices: WEIGHTS, default: 'time' as const, describe: 'folded and svg: weigh stacks by the time they cover, or count samples' })
      .example('$0 report app.srt -f speedscope -o app.json', 'open app.json in speedscope')
      .example('$0 report app.srt -f pprof -o app.pb.gz', 'go tool pprof -http=: app.pb.gz')
      .example('$0 report app.srt app.*.srt -f html', 'one flame graph of a program and the processes it started') as unknown as Argv<ReportArgs>,
  handler: async (args) => {
    const out = args.output ?? args.traces[0]!.replace(/\.srt$/, '') + extensionOf(args.format);
    const files = await writeReport(args.traces, args.format, out, { weight: args.weight });
    for (const f of files) process.stdout.write(f + '\n');
  },
};
