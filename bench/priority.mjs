// Whether the agent's priority biases what it sees (npm run bench:priority). A program busy
// half the time (bench/half-busy-app.cjs) is recorded at 1 kHz next to as many busy processes
// as there are cores, so every core is taken, with the agent at several nice values
// (--agent-nice). A sampler that only gets a core when the program sleeps charges the
// program's busy stretches to the idle sample before them; the table compares the busy share
// of the profile (time-weighted) with the share the program measured itself.
// Knobs: BENCH_ROUNDS (recordings per nice value, default 3), BENCH_NICE (comma-separated,
// default 0,5,10,19).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../packages/cli/dist/bin.js');
const app = here('./half-busy-app.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const niceValues = (process.env.BENCH_NICE ?? '0,5,10,19').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'stackring-priority-'));

function recordOnce(nice, i) {
  const trace = join(dir, `half-${nice}-${i}.srt`);
  const busy = Array.from({ length: availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  let out;
  try {
    out = execFileSync(process.execPath, [bin, 'record', '--agent-nice', String(nice), '-o', trace, '--', 'node', app], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } finally {
    for (const b of busy) b.kill();
  }
  const truth = JSON.parse(out.trim().split('\n').at(-1)).busyShare;
  const folded = join(dir, `half-${nice}-${i}.folded`);
  execFileSync(process.execPath, [bin, 'report', trace, '-f', 'folded', '-o', folded], { stdio: 'ignore' });
  let busyMs = 0;
  let allMs = 0;
  for (const line of readFileSync(folded, 'utf8').trim().split('\n')) {
    const at = line.lastIndexOf(' ');
    const stack = line.slice(0, at);
    const ms = Number(line.slice(at + 1));
    if (stack.startsWith('(stackring')) continue; // instrumenting at start-up, before the program ran
    allMs += ms;
    if (stack.startsWith('round')) busyMs += ms;
  }
  const counted = join(dir, `half-${nice}-${i}.samples`);
  execFileSync(process.execPath, [bin, 'report', trace, '-f', 'folded', '--weight', 'samples', '-o', counted], { stdio: 'ignore' });
  const samples = readFileSync(counted, 'utf8')
    .trim()
    .split('\n')
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { truth, seen: busyMs / allMs, samples };
}

try {
  console.log(`agent priority against bias: node ${process.version}, ${availableParallelism()} busy processes beside the program, ${rounds} recordings per nice value`);
  console.log('nice  program busy  profile busy  difference (points)  samples');
  for (const nice of niceValues) {
    const runs = Array.from({ length: rounds }, (_, i) => recordOnce(nice, i));
    const mean = (f) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
    const diffs = runs.map((r) => ((r.seen - r.truth) * 100).toFixed(1)).join(', ');
    console.log(`${String(nice).padEnd(6)}${(mean((r) => r.truth) * 100).toFixed(1).padStart(10)} %${(mean((r) => r.seen) * 100).toFixed(1).padStart(12)} %  ${diffs.padEnd(21)}${Math.round(mean((r) => r.samples))}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
