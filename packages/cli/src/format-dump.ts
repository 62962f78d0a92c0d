// Prints a dump the way py-spy dump and Node's stack traces do: one block per thread,
// innermost frame first, with file:line:column.
import type { DumpAnswer, InfoAnswer, ThreadDump } from '@stackring/runtime/client';
import { bold, cyan, dim, yellow } from './style.js';

function state(t: ThreadDump): string {
  if (t.idle) return 'idle';
  return t.live ? 'running; taken live, it did not answer' : 'running';
}

export function formatThread(t: ThreadDump): string {
  const lines = [`${bold(`Thread ${t.threadId}`)} ${cyan(JSON.stringify(t.name))} ${dim(`(${state(t)})`)}`];
  if (t.frames.length === 0) lines.push(dim(t.idle ? '    (waiting in the event loop)' : '    (no instrumented function on the stack)'));
  for (let i = t.frames.length - 1; i >= 0; i--) {
    const f = t.frames[i]!;
    lines.push(f.file ? `    ${yellow(f.name)} ${dim(`(${f.file}:${f.line}:${f.column})`)}` : `    ${yellow(f.name)}`);
  }
  if (t.unknownFrames > 0) lines.push(dim(`    (${t.unknownFrames} frame${t.unknownFrames === 1 ? '' : 's'} unknown: data was lost)`));
  return lines.join('\n');
}

export function formatDump(dump: DumpAnswer, info: InfoAnswer | null): string {
  const head = `${bold(`Process ${dump.pid}`)}${info ? `: ${info.argv.join(' ')}` : ''}`;
  return [head, ...dump.threads.map(formatThread)].join('\n\n') + '\n';
}
