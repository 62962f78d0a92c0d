// The call tree a flame graph draws: one thread's stack nodes with their self weights,
// renumbered densely (root 0, parent < child). Both the SVG writer and the HTML viewer's
// embedded data use it; the diff view builds one from two profiles (with baseline weights).

import { nodeTotals } from './node-totals.js';
import { threadLabel, type Profile, type ThreadProfile } from './profile.js';

export interface FlameFrames {
  name: string[];
  file: string[];
  line: number[];
  category: string[];
}

export interface FlameTree {
  name: string;
  parent: number[];
  frame: number[];
  /** Self weights: samples, and milliseconds. */
  samples: number[];
  time: number[];
  /** The baseline's self weights, for a differential graph. */
  baseSamples?: number[];
  baseTime?: number[];
}

export function flameFrames(profile: Profile): FlameFrames {
  return {
    name: profile.frames.map((f) => f.name),
    file: profile.frames.map((f) => f.file),
    line: profile.frames.map((f) => f.line),
    category: profile.frames.map((f) => f.category),
  };
}

export function threadFlameTree(profile: Profile, thread: ThreadProfile): FlameTree {
  const totals = nodeTotals(profile, thread);
  const table = profile.stacks;
  const index = new Int32Array(table.length).fill(-1);
  const tree: FlameTree = { name: threadLabel(thread), parent: [], frame: [], samples: [], time: [] };
  for (let node = 0; node < table.length; node++) {
    if (node !== 0 && totals.totalSamples[node] === 0) continue;
    index[node] = tree.parent.length;
    tree.parent.push(node === 0 ? -1 : index[table.parent[node]]);
    tree.frame.push(table.frame[node]);
    tree.samples.push(totals.selfSamples[node]);
    tree.time.push(Math.round(totals.selfTime[node] * 1000) / 1000);
  }
  return tree;
}

/** Totals and name-sorted children of a flame tree, for laying it out. */
export interface FlameLayoutTree {
  total: Float64Array;
  children: number[][];
}

export function layoutTree(tree: FlameTree, weight: 'samples' | 'time', frames: FlameFrames): FlameLayoutTree {
  const n = tree.parent.length;
  const total = Float64Array.from(tree[weight]);
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = n - 1; i > 0; i--) total[tree.parent[i]] += total[i];
  for (let i = 1; i < n; i++) children[tree.parent[i]].push(i);
  // Alphabetical, as flamegraph.pl does: the x axis is not time, and merges are easy to see.
  for (const list of children) list.sort((a, b) => compare(frames.name[tree.frame[a]], frames.name[tree.frame[b]]));
  return { total, children };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every thread under one root, each behind a frame naming it (appended to `frames`). */
export function mergedFlameTree(trees: FlameTree[], frames: FlameFrames, name = 'all threads'): FlameTree {
  const merged: FlameTree = { name, parent: [-1], frame: [0], samples: [0], time: [0] };
  const withBase = trees.some((t) => t.baseSamples);
  if (withBase) merged.baseSamples = [0], merged.baseTime = [0];
  for (const tree of trees) {
    frames.name.push(tree.name);
    frames.file.push('');
    frames.line.push(0);
    frames.category.push('other');
    const threadNode = merged.parent.length;
    merged.parent.push(0);
    merged.frame.push(frames.name.length - 1);
    merged.samples.push(0);
    merged.time.push(0);
    if (withBase) merged.baseSamples!.push(0), merged.baseTime!.push(0);
    const offset = merged.parent.length - 1; // tree node i (i >= 1) becomes offset + i
    for (let i = 1; i < tree.parent.length; i++) {
      merged.parent.push(tree.parent[i] === 0 ? threadNode : offset + tree.parent[i]);
      merged.frame.push(tree.frame[i]);
      merged.samples.push(tree.samples[i]);
      merged.time.push(tree.time[i]);
      if (withBase) merged.baseSamples!.push(tree.baseSamples?.[i] ?? 0), merged.baseTime!.push(tree.baseTime?.[i] ?? 0);
    }
    // Samples on a thread's root itself (none today) would be charged to its thread frame.
    merged.samples[threadNode] += tree.samples[0];
    merged.time[threadNode] += tree.time[0];
  }
  return merged;
}
