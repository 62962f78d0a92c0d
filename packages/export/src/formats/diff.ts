// Differential flame graphs of two profiles (before, after): two-column folded stacks
// ("stack before after", as flamegraph.pl's difffolded reads them) and an HTML flame graph of
// the after profile coloured by the change in each frame's normalised self share: red grew
// (slower), blue shrank (faster). Frames are matched by name, file and line, not by id: the
// two profiles come from different runs.

import type { FlameFrames, FlameTree } from '../flame-tree.js';
import { nodeTotals, sampleCounts } from '../node-totals.js';
import { threadLabel, type Profile } from '../profile.js';
import { writeAtomic } from '../write-atomic.js';
import { foldedEntries, type FoldedOptions } from './folded.js';
import { htmlPage, type ViewerData } from './html.js';

/** [stack, before, after] for every stack in either profile. */
export function diffFoldedEntries(before: Profile, after: Profile, options: FoldedOptions = {}): Array<[string, number, number]> {
  const opts = { threadRoot: false, ...options };
  const rows = new Map<string, [number, number]>();
  for (const [stack, count] of foldedEntries(before, opts)) {
    const row = rows.get(stack) ?? [0, 0];
    row[0] += count;
    rows.set(stack, row);
  }
  for (const [stack, count] of foldedEntries(after, opts)) {
    const row = rows.get(stack) ?? [0, 0];
    row[1] += count;
    rows.set(stack, row);
  }
  return [...rows].map(([stack, [b, a]]) => [stack, b, a]);
}

export function diffFoldedText(before: Profile, after: Profile, options: FoldedOptions = {}): string {
  return diffFoldedEntries(before, after, options)
    .map(([stack, b, a]) => `${stack} ${b} ${a}\n`)
    .join('');
}

export function writeDiffFolded(before: Profile, after: Profile, path: string, options: FoldedOptions = {}): void {
  writeAtomic(path, [diffFoldedText(before, after, options)]);
}

export interface DiffOptions {
  /** Keep threads apart (under a frame naming each); default: merge all threads. */
  threadRoot?: boolean;
  title?: string;
}

/** One tree holding both profiles: after's weights as samples/time, before's as baseSamples/baseTime. */
export function diffViewerData(before: Profile, after: Profile, options: DiffOptions = {}): ViewerData {
  const frames: FlameFrames = { name: ['(root)'], file: [''], line: [0], category: ['other'] };
  const frameIndex = new Map<string, number>();
  const frameOf = (name: string, file: string, line: number, category: string) => {
    const key = `${name}\0${file}\0${line}\0${category}`;
    let index = frameIndex.get(key);
    if (index === undefined) {
      index = frames.name.length;
      frames.name.push(name), frames.file.push(file), frames.line.push(line), frames.category.push(category);
      frameIndex.set(key, index);
    }
    return index;
  };
  const tree: Required<FlameTree> = { name: 'after vs before', parent: [-1], frame: [0], samples: [0], time: [0], baseSamples: [0], baseTime: [0] };
  const childOf = new Map<string, number>();
  const child = (parent: number, frame: number) => {
    const key = `${parent}:${frame}`;
    let node = childOf.get(key);
    if (node === undefined) {
      node = tree.parent.length;
      tree.parent.push(parent), tree.frame.push(frame);
      tree.samples.push(0), tree.time.push(0), tree.baseSamples.push(0), tree.baseTime.push(0);
      childOf.set(key, node);
    }
    return node;
  };
  const add = (profile: Profile, samples: number[], time: number[]) => {
    const frameIds = profile.frames.map((f) => frameOf(f.name, f.file, f.line, f.category));
    for (const thread of profile.threads) {
      const totals = nodeTotals(profile, thread);
      const top = options.threadRoot ? child(0, frameOf(threadLabel(thread), '', 0, 'other')) : 0;
      const mapped = new Int32Array(profile.stacks.length);
      mapped[0] = top;
      for (let node = 1; node < profile.stacks.length; node++) {
        if (totals.totalSamples[node] === 0) continue;
        mapped[node] = child(mapped[profile.stacks.parent[node]], frameIds[profile.stacks.frame[node]]);
        samples[mapped[node]] += totals.selfSamples[node];
        time[mapped[node]] += Math.round(totals.selfTime[node] * 1000) / 1000;
      }
    }
  };
  add(before, tree.baseSamples, tree.baseTime);
  add(after, tree.samples, tree.time);
  const b = sampleCounts(before);
  const a = sampleCounts(after);
  return {
    title: options.title ?? `Differential flame graph: ${before.meta.source ?? 'before'} → ${after.meta.source ?? 'after'}`,
    subtitle: `before: ${b.samples} samples, ${Math.round(b.timeMs)} ms · after: ${a.samples} samples, ${Math.round(a.timeMs)} ms · colour: change in self share, red = larger (slower), blue = smaller (faster)`,
    frames,
    threads: [tree],
    diff: true,
  };
}

export function diffHtml(before: Profile, after: Profile, options: DiffOptions = {}): string {
  return htmlPage(diffViewerData(before, after, options));
}

export function writeDiffHtml(before: Profile, after: Profile, path: string, options: DiffOptions = {}): void {
  writeAtomic(path, [diffHtml(before, after, options)]);
}
