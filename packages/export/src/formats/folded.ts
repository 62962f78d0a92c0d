// FlameGraph collapsed stacks: one line per distinct stack, root first, ';'-joined, a space
// and an integer count (speedscope drops lines with decimals).

import { threadLabel, type Profile, type ThreadProfile } from '../profile.js';
import { nodeTotals, RunningRound } from '../node-totals.js';
import { stackFrames } from '../stack-table.js';
import { writeAtomic, type OutputChunks } from '../write-atomic.js';

export interface FoldedOptions {
  /** 'samples' (default) counts samples; 'ms' counts milliseconds, rounded so lines add up to the rounded total. */
  weight?: 'samples' | 'ms';
  /** Start every stack with a frame naming its thread. Default: when there is more than one thread. */
  threadRoot?: boolean;
}

/** A frame name safe for folded stacks: no ';' (the separator) and no line breaks. */
export function foldedName(name: string): string {
  return name.replace(/;/g, ':').replace(/[\r\n]+/g, ' ');
}


/** Stack (as a folded string, without count) -> count, per line in output order. */
export function foldedEntries(profile: Profile, options: FoldedOptions = {}): Array<[string, number]> {
  const byMs = options.weight === 'ms';
  const threadRoot = options.threadRoot ?? profile.threads.length > 1;
  const names = profile.frames.map((f) => foldedName(f.name));
  const out: Array<[string, number]> = [];
  const round = new RunningRound();
  for (const thread of profile.threads) {
    const totals = nodeTotals(profile, thread);
    const prefix = threadRoot ? foldedName(threadLabel(thread)) + ';' : '';
    for (let node = 1; node < profile.stacks.length; node++) {
      if (totals.selfSamples[node] === 0) continue;
      const count = byMs ? round.next(totals.selfTime[node]) : totals.selfSamples[node];
      if (count === 0) continue;
      out.push([prefix + stackFrames(profile.stacks, node).map((f) => names[f]).join(';'), count]);
    }
  }
  return out;
}

export function* foldedChunks(profile: Profile, options: FoldedOptions = {}): Generator<string> {
  for (const [stack, count] of foldedEntries(profile, options)) yield `${stack} ${count}\n`;
}

export function foldedText(profile: Profile, options: FoldedOptions = {}): string {
  return [...foldedChunks(profile, options)].join('');
}

export function writeFolded(profile: Profile, path: string, options: FoldedOptions = {}): void {
  writeAtomic(path, foldedChunks(profile, options) as OutputChunks);
}
