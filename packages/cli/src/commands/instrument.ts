import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import picomatch from 'picomatch';
import { instrumentSource } from '../hooks/transform.js';
import { SKIP_TRIVIAL_LEAVES_HELP } from './agent-args.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { bold, dim, green, red } from '../style.js';

interface InstrumentArgs {
  paths: string[];
  outDir: string;
  include?: string[];
  exclude?: string[];
  sourceMaps: boolean;
  nodeModules: boolean;
  copy: boolean;
  skipTrivialLeaves: boolean;
}

interface Job {
  from: string;
  to: string;
  kind: 'instrument' | 'copy';
}

const CODE = /\.(?:[cm]?js)$/;

export const instrumentCommand: CommandModule<object, InstrumentArgs> = {
  command: 'instrument <paths..>',
  describe: 'Instrument a build: files or directories into an output directory, keeping the tree',
  builder: (y: Argv) =>
    y
      .positional('paths', { type: 'string', array: true, describe: 'files or directories to instrument' })
      .option('out-dir', { alias: 'd', type: 'string', demandOption: true, describe: 'where the instrumented tree goes' })
      .option('include', { type: 'string', array: true, describe: 'only instrument files matching these globs (others are copied)' })
      .option('exclude', { type: 'string', array: true, describe: 'copy, do not instrument, files matching these globs' })
      .option('source-maps', { type: 'boolean', default: true, describe: 'write a .map file next to each instrumented file' })
      .option('node-modules', { type: 'boolean', default: false, describe: 'also instrument files under node_modules' })
      .option('copy', { type: 'boolean', default: true, describe: 'copy the files that are not instrumented' })
      .option('skip-trivial-leaves', { type: 'boolean', default: false, describe: SKIP_TRIVIAL_LEAVES_HELP })
      .example('$0 instrument dist -d dist-profiled', 'instrument every .js/.mjs/.cjs of dist') as unknown as Argv<InstrumentArgs>,
  handler: async (args) => {
    const outDir = resolve(args.outDir);
    const jobs = plan(args, outDir);
    // One clear error up front, rather than one per file, when the output cannot be created.
    try {
      mkdirSync(outDir, { recursive: true });
    } catch (error) {
      throw new CliError(`cannot write to ${outDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ExitCode.FAILURE);
    }
    const failures: string[] = [];
    let instrumented = 0;
    let copied = 0;
    const progress = new Progress(jobs.length);
    for (const job of jobs) {
      progress.tick(job.from);
      try {
        mkdirSync(dirname(job.to), { recursive: true });
        if (job.kind === 'copy') {
          copyFileSync(job.from, job.to);
          copied++;
          continue;
        }
        const source = readFileSync(job.from, 'utf8');
        const plugin = args.skipTrivialLeaves ? { skipTrivialLeaves: true } : undefined;
        const { code, map } = instrumentSource(source, job.from, { sourceMaps: args.sourceMaps ? 'separate' : false, plugin });
        const files: Array<[string, string]> = [];
        if (map) {
          files.push([`${job.to}.map`, JSON.stringify({ ...map, file: basename(job.to) })]);
          files.push([job.to, `${code}\n//# sourceMappingURL=${basename(job.to)}.map\n`]);
        } else files.push([job.to, code]);
        for (const [file, text] of files) writeAtomically(file, text);
        instrumented++;
      } catch (error) {
        failures.push(describeFailure(job.from, error));
      }
    }
    progress.done();
    for (const f of failures) process.stderr.write(red('error: ', process.stderr) + f + '\n');
    const err = process.stderr; // colour decided by the stream the summary goes to
    const summary = `${bold(String(instrumented), err)} instrumented, ${copied} copied, ${
      failures.length ? red(`${failures.length} failed`, err) : green('0 failed', err)
    } ${dim(`-> ${outDir}`, err)}`;
    process.stderr.write(summary + '\n');
    if (failures.length > 0) process.exitCode = ExitCode.FAILURE;
  },
};

function plan(args: InstrumentArgs, outDir: string): Job[] {
  const include = args.include?.length ? picomatch(args.include) : () => true;
  const exclude = args.exclude?.length ? picomatch(args.exclude) : () => false;
  const jobs: Job[] = [];
  const visit = (path: string, root: string) => {
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new CliError(`${path}: no such file or directory`, ExitCode.BAD_INPUT);
    }
    if (st.isDirectory()) {
      if (resolve(path) === outDir) return; // never read what we write
      for (const name of readdirSync(path).sort()) {
        if (name === 'node_modules' && !args.nodeModules) {
          if (args.copy) copyTree(join(path, name), root, outDir, jobs);
          continue;
        }
        visit(join(path, name), root);
      }
      return;
    }
    const rel = relative(root, path);
    const to = join(outDir, rel);
    const matchable = rel.split(sep).join('/');
    if (CODE.test(path) && include(matchable) && !exclude(matchable)) jobs.push({ from: path, to, kind: 'instrument' });
    else if (args.copy) jobs.push({ from: path, to, kind: 'copy' });
  };
  for (const p of args.paths) {
    const abs = resolve(p);
    const isDir = (() => {
      try {
        return statSync(abs).isDirectory();
      } catch {
        throw new CliError(`${p}: no such file or directory`, ExitCode.BAD_INPUT);
      }
    })();
    visit(abs, isDir ? abs : dirname(abs));
  }
  return jobs;
}

function copyTree(dir: string, root: string, outDir: string, jobs: Job[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyTree(path, root, outDir, jobs);
    else if (entry.isFile()) jobs.push({ from: path, to: join(outDir, relative(root, path)), kind: 'copy' });
  }
}

/** Write to a temporary file beside the target, then rename: never a half-written file. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** "file:line:column: message" for syntax errors (Babel's loc), the message otherwise. */
function describeFailure(file: string, error: unknown): string {
  const e = error as Error & { loc?: { line: number; column: number }; reasonCode?: string };
  if (e.loc) {
    const first = e.message.split('\n')[0]!.replace(`${file}: `, '').replace(/ \(\d+:\d+\)$/, '');
    return `${file}:${e.loc.line}:${e.loc.column + 1}: ${first}`;
  }
  return `${file}: ${e.message.split('\n')[0]}`;
}

class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private n = 0;
  private last = 0;
  constructor(private readonly total: number) {}
  tick(file: string): void {
    this.n++;
    if (!this.tty || Date.now() - this.last < 50) return;
    this.last = Date.now();
    const width = 30;
    const filled = Math.round((this.n / Math.max(1, this.total)) * width);
    const name = file.length > 50 ? '…' + file.slice(-49) : file;
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${this.n}/${this.total} ${name}\x1b[K`);
  }
  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}
