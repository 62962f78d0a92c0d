// Time and peak memory to export a one-million-sample synthetic profile to each format.
// Each format runs in its own child process so that its peak RSS is its own; the "model" row
// is the profile alone (building it is part of every row's peak).
//
//   npm run bench -w @stackring/export [-- --samples 1000000 --threads 4]

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const samples = Number(option('samples', 1_000_000));
const threads = Number(option('threads', 4));

/** A trace file of `samples` keyframe sub-buffers (the worst case for the reader: whole stacks). */
async function writeBenchTrace(path) {
  const { TraceWriter, SwitchReason } = await import('@stackring/ring');
  const { seededRandom } = await import('../dist/index.js');
  const random = seededRandom(3);
  const trace = new TraceWriter(path);
  trace.writeFunctions(
    Array.from({ length: threads }, (_, threadId) =>
      Array.from({ length: 300 }, (_, id) => ({ threadId, id, name: `fn${id}`, file: `/srv/app/src/m${id % 20}.js`, line: id + 1, column: 1 })),
    ).flat(),
  );
  const stacks = Array.from({ length: threads }, () => [0]);
  const seq = new Array(threads).fill(0);
  for (let i = 0; i < samples; i++) {
    const t = i % threads;
    const stack = stacks[t];
    stack.length = Math.max(1, stack.length - Math.floor(random() * 3));
    for (let k = Math.floor(random() * 3); k > 0 && stack.length < 30; k--) stack.push(Math.floor(random() * 300));
    trace.writeSubBuffer({
      threadId: t, seq: seq[t]++, reason: SwitchReason.REQUEST, startDepth: 0, pops: 0, records: Int32Array.from(stack),
      recordWords: 1, lostSubBuffers: 0, lostEntries: 0, lostLowDepth: 0, request: 0, time: 1.75e12 + i,
    });
  }
  trace.close();
}

if (args[0] === '--child' && args[1] === 'trace') {
  const { profileFromTrace } = await import('../dist/index.js');
  const t = performance.now();
  const profile = await profileFromTrace(args[2]);
  const readMs = performance.now() - t;
  // And on to a flame graph, as `stackring report -f html` does: the end-to-end peak.
  const { exportProfile } = await import('../dist/index.js');
  const t2 = performance.now();
  await exportProfile(profile, 'html', `${args[2]}.html`);
  const htmlMs = performance.now() - t2;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ readMs, htmlMs, maxRssMB, samples: profile.threads.reduce((s, t) => s + t.length, 0) }));
} else if (args[0] === '--child') {
  const format = args[1];
  const { syntheticProfile, exportProfile, writeDiffHtml, writeDiffFolded } = await import('../dist/index.js');
  let t = performance.now();
  const profile = syntheticProfile({ samples, threads, seed: 1 });
  const buildMs = performance.now() - t;
  const dir = fs.mkdtempSync(join(tmpdir(), 'stackring-bench-'));
  let exportMs = 0;
  let bytes = 0;
  if (format.startsWith('diff-')) {
    // A differential of two profiles of `samples` each: the baseline is built here too (and is
    // in the peak), its build time is not in the export time.
    const before = syntheticProfile({ samples, threads, seed: 2 });
    const out = join(dir, 'out.diff');
    t = performance.now();
    (format === 'diff-html' ? writeDiffHtml : writeDiffFolded)(before, profile, out);
    exportMs = performance.now() - t;
    bytes = fs.statSync(out).size;
  } else if (format !== 'model') {
    t = performance.now();
    const files = await exportProfile(profile, format, join(dir, `out.${format}`));
    exportMs = performance.now() - t;
    bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ format, buildMs, exportMs, bytes, maxRssMB, nodes: profile.stacks.length }));
} else {
  const self = fileURLToPath(import.meta.url);
  const formats = ['model', 'folded', 'speedscope', 'cpuprofile', 'chrome', 'pprof', 'html', 'svg', 'diff-html', 'diff-folded'];
  console.log(`export of a synthetic profile: ${samples.toLocaleString('en')} samples, ${threads} threads (Node ${process.version})\n`);
  const rows = [];
  for (const format of formats) {
    const out = execFileSync(process.execPath, ['--max-old-space-size=8192', self, '--child', format, '--samples', String(samples), '--threads', String(threads)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    rows.push(JSON.parse(out));
  }
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${'format'.padEnd(11)}${pad('export ms', 11)}${pad('output MB', 11)}${pad('peak RSS MB', 13)}${pad('model ms', 10)}`);
  for (const r of rows) {
    console.log(
      `${r.format.padEnd(11)}${pad(r.format === 'model' ? '-' : r.exportMs.toFixed(0), 11)}${pad(r.format === 'model' ? '-' : (r.bytes / 1e6).toFixed(1), 11)}${pad(r.maxRssMB.toFixed(0), 13)}${pad(r.buildMs.toFixed(0), 10)}`,
    );
  }
  console.log(`\nstack table: ${rows[0].nodes.toLocaleString('en')} nodes`);

  // Reading a trace file streams it: the peak is the model, not the file.
  const dir = fs.mkdtempSync(join(tmpdir(), 'stackring-bench-'));
  const trace = join(dir, 'bench.trace');
  let t = performance.now();
  await writeBenchTrace(trace);
  const writeMs = performance.now() - t;
  const size = fs.statSync(trace).size;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--max-old-space-size=8192', self, '--child', 'trace', trace, '--samples', String(samples), '--threads', String(threads)], {
      encoding: 'utf8',
    }),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    `profileFromTrace: ${(size / 1e6).toFixed(1)} MB trace (${out.samples.toLocaleString('en')} keyframe sub-buffers, written in ${writeMs.toFixed(0)} ms) ` +
      `read in ${out.readMs.toFixed(0)} ms, then written as HTML in ${out.htmlMs.toFixed(0)} ms; peak RSS ${out.maxRssMB.toFixed(0)} MB`,
  );
}
