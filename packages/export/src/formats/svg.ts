// A static SVG flame graph for documents and CI artefacts: root at the bottom, width by time
// (or samples), a <title> tooltip on every frame, colours by category with a legend.

import { frameLocation } from '../frame.js';
import { flameFrames, layoutTree, mergedFlameTree, threadFlameTree, type FlameFrames, type FlameTree } from '../flame-tree.js';
import { CATEGORY_LABELS, frameColour } from '../palette.js';
import { sampleCounts } from '../node-totals.js';
import type { Profile } from '../profile.js';
import { writeAtomic } from '../write-atomic.js';

export interface SvgOptions {
  /** One thread by id; default: every thread, each under a frame naming it (one thread: just it). */
  threadId?: number;
  weight?: 'samples' | 'time';
  width?: number;
  title?: string;
  /** Frames narrower than this (px) are left out, with their callees. */
  minWidth?: number;
}

const ROW = 17;
const FONT = 11;
const CHAR_WIDTH = FONT * 0.6; // monospace advance
const TOP = 44;
const BOTTOM = 40;

export function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd');
}

export function svgFlameGraph(profile: Profile, options: SvgOptions = {}): string {
  const weight = options.weight ?? 'time';
  const width = options.width ?? 1200;
  const minWidth = options.minWidth ?? 0.3;
  const frames: FlameFrames = flameFrames(profile);
  const threads = options.threadId === undefined ? profile.threads : profile.threads.filter((t) => t.threadId === options.threadId);
  if (threads.length === 0 && options.threadId !== undefined) throw new Error(`no thread ${options.threadId} in the profile`);
  const trees = threads.map((t) => threadFlameTree(profile, t));
  const tree: FlameTree = trees.length === 1 ? trees[0] : mergedFlameTree(trees, frames);
  const { total, children } = layoutTree(tree, weight, frames);
  const all = total[0];
  const totalSamples = tree.samples.reduce((a, b) => a + b, 0);
  // The header counts what the boxes cannot show, live copies, and the idle and lost-frame samples.
  const counts = { idle: 0, live: 0, unknown: 0 };
  for (const t of threads) {
    const c = sampleCounts(profile, t);
    counts.idle += c.idle;
    counts.live += c.live;
    counts.unknown += c.unknown;
  }
  // Sample counts per node, for the tooltips (layoutTree gave the chosen weight's totals).
  const sampleTotals = weight === 'samples' ? total : layoutTree(tree, 'samples', frames).total;

  // Lay out first (the height depends on the deepest frame drawn), then draw.
  const rows: Array<[node: number, x: number, depth: number, w: number]> = [];
  let maxDepth = 0;
  const scale = all > 0 ? (width - 20) / all : 0;
  const visit = (node: number, x: number, depth: number) => {
    const w = total[node] * scale;
    if (w < minWidth) return;
    maxDepth = Math.max(maxDepth, depth);
    rows.push([node, x, depth, w]);
    let cx = x;
    for (const child of children[node]) {
      visit(child, cx, depth + 1);
      cx += total[child] * scale;
    }
  };
  visit(0, 10, 0);
  const boxes: string[] = [];
  const height = TOP + (maxDepth + 1) * ROW + BOTTOM;
  for (const [node, x, depth, w] of rows) {
    const f = tree.frame[node];
    const name = node === 0 ? tree.name : frames.name[f];
    const location = frameLocation({ name, file: frames.file[f], line: frames.line[f], column: 0, category: 'other' });
    const samples = sampleTotals[node];
    const pct = all > 0 ? ((total[node] / all) * 100).toFixed(2) : '0';
    const amount = weight === 'time' ? `${total[node].toFixed(1)} ms, ` : '';
    const tip = `${name}${location ? ` (${location})` : ''}\n${amount}${samples} samples, ${pct}%`;
    const y = height - BOTTOM - (depth + 1) * ROW;
    const chars = Math.floor((w - 6) / CHAR_WIDTH);
    const label = chars < 3 ? '' : name.length <= chars ? name : `${name.slice(0, chars - 1)}…`;
    boxes.push(
      `<g><title>${xmlEscape(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" rx="2" fill="${frameColour(frames.category[f], name)}"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="${y + ROW - 5}">${xmlEscape(label)}</text>` : '') +
        '</g>',
    );
  }
  const title = options.title ?? `Flame graph: ${profile.meta.source ?? 'stackring profile'}`;
  let lx = 10;
  const legend = CATEGORY_LABELS.map(([category, label]) => {
    const item = `<rect x="${lx}" y="${height - 24}" width="12" height="12" rx="2" fill="${frameColour(category, label)}"/><text x="${lx + 16}" y="${height - 14}">${xmlEscape(label)}</text>`;
    lx += 28 + label.length * CHAR_WIDTH;
    return item;
  }).join('');
  return [
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="${FONT}">\n`,
    `<rect width="100%" height="100%" fill="#fdfdfb"/>\n`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-family="sans-serif">${xmlEscape(title)}</text>\n`,
    `<text x="${width / 2}" y="36" text-anchor="middle" fill="#666" font-family="sans-serif">${xmlEscape(`${totalSamples} samples, ${(weight === 'time' ? total[0].toFixed(1) + ' ms, ' : '')}width by ${weight} · ${counts.idle} idle · ${counts.live} live · ${counts.unknown} with lost frames`)}</text>\n`,
    `<g fill="#222">\n${boxes.join('\n')}\n</g>\n`,
    `<g fill="#333">${legend}</g>\n`,
    '</svg>\n',
  ].join('');
}

export function writeSvg(profile: Profile, path: string, options: SvgOptions = {}): void {
  writeAtomic(path, [svgFlameGraph(profile, options)]);
}
