// Trace -> output format, through the exporters; trace errors become clear CLI errors.
import { ExportError, exportProfile, profileFromTraces, type ExportFormat, type ExportOptions } from '@stackring/export';
import { TraceFormatError } from '@stackring/ring';
import { CliError, ExitCode } from './exit-codes.js';
import { yellow } from './style.js';

/** One trace, or several (a program and the processes it started) as one profile. */
export async function loadProfile(trace: string | readonly string[]) {
  const traces = typeof trace === 'string' ? [trace] : trace;
  try {
    return await profileFromTraces(traces, {
      onWarning: (w) => process.stderr.write(yellow(`warning: ${w.message}`, process.stderr) + '\n'),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const file = e.path ?? traces.join(', ');
    if (e.code === 'ENOENT') throw new CliError(`${file}: no such file`, ExitCode.BAD_INPUT);
    if (e.code === 'EACCES' || e.code === 'EISDIR') throw new CliError(`${file}: cannot read (${e.code})`, ExitCode.BAD_INPUT);
    if (error instanceof TraceFormatError) throw new CliError(`not a valid stackring trace: ${e.message}`, ExitCode.BAD_INPUT);
    throw error;
  }
}

/** What `--weight` offers (folded and svg; every other format weighs by time). */
export const WEIGHTS = ['time', 'samples'] as const;

export async function writeReport(trace: string | readonly string[], format: ExportFormat, out: string, options: ExportOptions = {}): Promise<string[]> {
  const profile = await loadProfile(trace);
  try {
    return await exportProfile(profile, format, out, options);
  } catch (error) {
    if (error instanceof ExportError) throw new CliError(`cannot write ${error.message}`, ExitCode.FAILURE);
    throw error;
  }
}
