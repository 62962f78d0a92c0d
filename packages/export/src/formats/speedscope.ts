// speedscope's JSON file format: shared frames, one sampled profile per thread (speedscope
// shows a thread selector). Written as a text stream: a million samples never become a million
// arrays. One entry per sample by default; mergeRepeats merges consecutive samples with the
// same stack (weights add), which keeps the time order view exact in a smaller file.

import { sampleCounts, RunningRound } from '../node-totals.js';
import { threadLabel, type Profile } from '../profile.js';
import { stackFrames } from '../stack-table.js';
import { writeAtomic } from '../write-atomic.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export interface SpeedscopeOptions {
  /** Weights in milliseconds (default, fractional) or whole nanoseconds. */
  unit?: 'milliseconds' | 'nanoseconds';
  name?: string;
  mergeRepeats?: boolean;
}

export function* speedscopeChunks(profile: Profile, options: SpeedscopeOptions = {}): Generator<string> {
  const nanos = options.unit === 'nanoseconds';
  const counts = sampleCounts(profile);
  const name =
    options.name ??
    `stackring profile: ${counts.samples} samples, ${counts.idle} idle, ${counts.live} live, ${counts.unknown} with lost frames`;
  yield `{"$schema":${JSON.stringify(SPEEDSCOPE_SCHEMA)},"name":${JSON.stringify(name)},"exporter":"@stackring/export","activeProfileIndex":0,"shared":{"frames":[`;
  yield profile.frames
    .map((f) => {
      const frame: Record<string, unknown> = { name: f.name };
      if (f.file !== '') frame.file = f.file;
      if (f.line > 0) frame.line = f.line;
      if (f.column > 0) frame.col = f.column;
      return JSON.stringify(frame);
    })
    .join(',');
  yield ']},"profiles":[';
  const stackText = new Map<number, string>();
  const textOf = (node: number) => {
    let text = stackText.get(node);
    if (text === undefined) stackText.set(node, (text = `[${stackFrames(profile.stacks, node).join(',')}]`));
    return text;
  };
  const scale = nanos ? 1e6 : 1;
  for (let t = 0; t < profile.threads.length; t++) {
    const thread = profile.threads[t];
    const round = new RunningRound(scale);
    const startValue = thread.length === 0 ? 0 : toUnit(thread.times[0] - profile.startTime, nanos);
    const samples: string[] = [];
    const weights: number[] = [];
    let total = 0;
    for (let i = 0; i < thread.length; ) {
      const node = thread.stacks[i];
      let weight = 0;
      do weight += nanos ? round.next(thread.weights[i]) : thread.weights[i];
      while (++i < thread.length && options.mergeRepeats && thread.stacks[i] === node);
      samples.push(textOf(node));
      weights.push(weight);
      total += weight;
    }
    yield `${t === 0 ? '' : ','}{"type":"sampled","name":${JSON.stringify(threadLabel(thread))},"unit":"${options.unit ?? 'milliseconds'}","startValue":${startValue},"endValue":${startValue + total},"samples":[`;
    for (let i = 0; i < samples.length; i += 10_000) yield (i === 0 ? '' : ',') + samples.slice(i, i + 10_000).join(',');
    yield '],"weights":[';
    for (let i = 0; i < weights.length; i += 10_000) yield (i === 0 ? '' : ',') + weights.slice(i, i + 10_000).join(',');
    yield ']}';
  }
  yield ']}\n';
}

function toUnit(ms: number, nanos: boolean): number {
  return nanos ? Math.round(ms * 1e6) : ms;
}

export function speedscopeText(profile: Profile, options: SpeedscopeOptions = {}): string {
  return [...speedscopeChunks(profile, options)].join('');
}

export function writeSpeedscope(profile: Profile, path: string, options: SpeedscopeOptions = {}): void {
  writeAtomic(path, speedscopeChunks(profile, options));
}
