import type { Argv, CommandModule } from 'yargs';
import { ExportError, writeDiffFolded, writeDiffHtml } from '@stackring/export';
import { loadProfile } from '../report.js';
import { CliError, ExitCode } from '../exit-codes.js';

interface DiffArgs {
  before: string;
  after: string;
  format: 'html' | 'folded';
  output: string;
}

export const diffCommand: CommandModule<object, DiffArgs> = {
  command: 'diff <before> <after>',
  describe: 'Differential flame graph of two traces: what got slower (red), what got faster (blue)',
  builder: (y: Argv) =>
    y
      .positional('before', { type: 'string', describe: 'the baseline trace' })
      .positional('after', { type: 'string', describe: 'the trace to compare with it' })
      .option('format', { alias: 'f', type: 'string', choices: ['html', 'folded'] as const, default: 'html' as const, describe: 'html, or two-column folded stacks (stack before after)' })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'output file' })
      .example('$0 diff before.srt after.srt -o diff.html', 'open diff.html in a browser') as unknown as Argv<DiffArgs>,
  handler: async (args) => {
    const [before, after] = [await loadProfile(args.before), await loadProfile(args.after)];
    try {
      if (args.format === 'html') writeDiffHtml(before, after, args.output);
      else writeDiffFolded(before, after, args.output);
    } catch (error) {
      if (error instanceof ExportError) throw new CliError(`cannot write ${error.message}`, ExitCode.FAILURE);
      throw error;
    }
    process.stdout.write(args.output + '\n');
  },
};
