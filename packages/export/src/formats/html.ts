// A self-contained interactive flame graph: one .html file with inline CSS, JS and data that
// opens offline. The data is the call tree (stack table and self weights per node), never
// per-sample arrays, so a million-sample profile embeds in the size of its distinct stacks.

import { flameFrames, threadFlameTree, type FlameFrames, type FlameTree } from '../flame-tree.js';
import { sampleCounts } from '../node-totals.js';
import { CATEGORY_LABELS, frameColour } from '../palette.js';
import type { Profile } from '../profile.js';
import { flameViewer } from '../viewer/flame-viewer.js';
import { writeAtomic } from '../write-atomic.js';

export interface ViewerData {
  title: string;
  subtitle: string;
  frames: FlameFrames;
  threads: FlameTree[];
  /** A differential graph: trees carry baseSamples/baseTime. */
  diff: boolean;
}

export interface HtmlOptions {
  title?: string;
}

export function htmlViewerData(profile: Profile, options: HtmlOptions = {}): ViewerData {
  const c = sampleCounts(profile);
  return {
    title: options.title ?? `Flame graph: ${profile.meta.source ?? 'stackring profile'}`,
    subtitle:
      `${c.samples} samples, ${Math.round(c.timeMs)} ms, ${profile.threads.length} thread(s)` +
      ` · ${c.idle} idle · ${c.live} live (thread did not answer; copied) · ${c.unknown} with lost frames` +
      (profile.startTime > 0 ? ` · started ${new Date(profile.startTime).toISOString()}` : ''),
    frames: flameFrames(profile),
    threads: profile.threads.map((t) => threadFlameTree(profile, t)),
    diff: false,
  };
}

/** JSON safe inside a <script> element: no "</script>", no "<!--". */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function htmlEscape(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;background:#fdfdfb}
header{padding:10px 14px 6px;border-bottom:1px solid #ddd;background:#f6f5f1;position:sticky;top:0;z-index:2}
h1{font-size:16px;margin:0 0 2px}
.sub{color:#666;font-size:12px;margin-bottom:6px}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center}
.controls label{display:flex;gap:4px;align-items:center}
#search{width:260px;padding:3px 6px}
#status{color:#333;font-variant-numeric:tabular-nums}
#legend{display:flex;flex-wrap:wrap;gap:12px;margin-top:6px;font-size:12px;color:#444}
#legend span{display:inline-flex;gap:4px;align-items:center}
#legend i{display:inline-block;width:12px;height:12px;border-radius:2px}
#chart{padding:8px 10px}
canvas{display:block}
#tooltip{position:fixed;pointer-events:none;background:#fffff4;border:1px solid #999;border-radius:3px;padding:4px 7px;
  font:12px/1.35 Menlo,Consolas,monospace;white-space:pre;box-shadow:0 2px 6px rgba(0,0,0,.2);z-index:3;max-width:80vw;overflow:hidden}
`;

export function htmlPage(data: ViewerData): string {
  const legend = data.diff
    ? '<span><i style="background:rgb(255,60,60)"></i>larger self share than baseline (slower)</span>' +
      '<span><i style="background:rgb(60,60,255)"></i>smaller self share (faster)</span><span>width: after</span>'
    : CATEGORY_LABELS.map(([category, label]) => `<span><i style="background:${frameColour(category, label)}"></i>${htmlEscape(label)}</span>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${htmlEscape(data.title)}</h1>
<div class="sub">${htmlEscape(data.subtitle)}</div>
<div class="controls">
<label>Thread <select id="thread"></select></label>
<label>Width by <select id="weight"><option value="time">time (ms)</option><option value="samples">samples</option></select></label>
<label><input type="checkbox" id="icicle"> Icicle (root at top)</label>
<label><input type="checkbox" id="callers"> Inverted (callers)</label>
<input type="search" id="search" placeholder="Search: text or /regex/" autocomplete="off">
<button id="reset" type="button">Reset zoom</button>
<span id="status"></span>
</div>
<div id="legend">${legend}</div>
</header>
<div id="chart"><canvas id="flame"></canvas></div>
<div id="tooltip" hidden></div>
<script type="application/json" id="profile-data">${scriptJson(data)}</script>
<script>
"use strict";
const frameColour = ${frameColour.toString()};
const flameViewer = ${flameViewer.toString()};
flameViewer(JSON.parse(document.getElementById("profile-data").textContent), frameColour);
</script>
</body>
</html>
`;
}

export function htmlFlameGraph(profile: Profile, options: HtmlOptions = {}): string {
  return htmlPage(htmlViewerData(profile, options));
}

export function writeHtml(profile: Profile, path: string, options: HtmlOptions = {}): void {
  writeAtomic(path, [htmlFlameGraph(profile, options)]);
}
