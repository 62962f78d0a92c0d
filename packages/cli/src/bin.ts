#!/usr/bin/env node
// stackring: the command line. Each command lives in commands/; exit codes in exit-codes.ts.

import { createRequire } from 'node:module';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { diffCommand } from './commands/diff.js';
import { dumpCommand } from './commands/dump.js';
import { instrumentCommand } from './commands/instrument.js';
import { psCommand } from './commands/ps.js';
import { recordCommand } from './commands/record.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { topCommand } from './commands/top.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { red } from './style.js';

async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('stackring')
    .usage('$0 <command> [options]\n\nA call-stack profiler for Node.js: exact stacks from a stack-shaped ring buffer.')
    .command(runCommand)
    .command(recordCommand)
    .command(dumpCommand)
    .command(psCommand)
    .command(topCommand)
    .command(reportCommand)
    .command(diffCommand)
    .command(instrumentCommand)
    .demandCommand(1, 'give a command; see stackring --help')
    .strict()
    .parserConfiguration({ 'populate--': false, 'halt-at-non-option': false })
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version((createRequire(import.meta.url)('../package.json') as { version: string }).version)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // A handler's own error is handled below, with its exit code; the rest is usage.
      if (error && !(error instanceof UsageError)) throw error;
      // yargs' suggestion alone ("Did you mean run?") does not say what was wrong.
      if (message.startsWith('Did you mean')) message = `unknown command ${JSON.stringify(argv.find((a) => !a.startsWith('-')))}. ${message}`;
      process.stderr.write(`${red('error: ', process.stderr)}${message}\nRun stackring --help for usage.\n`);
      process.exit(ExitCode.USAGE);
    })
    .parseAsync();
}

main(hideBin(process.argv)).catch((error: unknown) => {
  if (error instanceof CliError) {
    process.stderr.write(`${red('error: ', process.stderr)}${error.message}\n`);
    process.exitCode = error.exitCode;
    return;
  }
  process.stderr.write(`${red('internal error: ', process.stderr)}${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = ExitCode.FAILURE;
});
