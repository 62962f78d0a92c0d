// Runs a program twice, plain and instrumented, with the probe preload: the plain run records
// V8's own synchronous frames at each __probe(label), the instrumented run stackring's
// snapshot(). V8's frames are restricted to instrumented functions (file + enclosing
// line/column found in the plugin's function table) and compared frame by frame.
import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageDir, runNode } from './helpers.js';

const INITIALIZERS = new Set(['<instance_members_initializer>', '<static_initializer>']);

interface V8Frame { file: string; line: number; column: number; fn: string; text: string }
interface RingFrame { name: string; file: string; line: number; column: number }
interface Probe<F> { label: string; frames: F[] }

export interface DifferentialResult {
  probes: number;
  mismatches: string[];
  plainOutput: string;
  instOutput: string;
  labelsMatch: boolean;
  stderr: string[];
}

function readProbes<F>(file: string, run: { stdout: string; stderr: string }): Probe<F>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no probes written (${file}):\n` + (run.stdout + run.stderr).slice(-2000));
  }
  return JSON.parse(text);
}

/**
 * V8 qualifies a method by its receiver's type at run time ("Object.m", or nothing for a
 * static method called through an alias); the table knows the class statically ("C.m").
 * Accepted: V8's function name, V8's printed name, or the table's `X.name` with V8's name.
 */
function sameName(ours: string, f: V8Frame): boolean {
  if (ours === f.fn || ours === f.text) return true;
  if (f.fn === '') return ours === '<anonymous>';
  return ours.endsWith('.' + f.fn);
}

/**
 * `table` maps "<path relative to its variant dir>:<line>:<column>" to the function's name,
 * from the plugin's metadata for every instrumented file.
 */
/** Maps a position V8 reports in the plain run (which another Babel pass may have compiled) to the source's. */
export type PlainPosition = (file: string, line: number, column: number) => { line: number; column: number } | undefined;

export async function differentialRun(plainDir: string, instDir: string, entry: string, table: Map<string, string>, nodeArgs: string[] = [], plainPosition?: PlainPosition, node = process.execPath): Promise<DifferentialResult> {
  const preload = join(packageDir, 'test', 'differential', 'probe-preload.cjs');
  const probeFile = (dir: string) => join(dir, '.probes.json');
  const run = (dir: string, mode: string) => {
    rmSync(probeFile(dir), { force: true }); // a stale file would hide a run that wrote none
    return runNode(join(dir, entry), [...nodeArgs, '-r', preload], 240_000, { STACKRING_PROBE_MODE: mode, STACKRING_PROBE_FILE: probeFile(dir) }, node);
  };
  const [plainRun, instRun] = await Promise.all([run(plainDir, 'v8'), run(instDir, 'ring')]);
  const plain = { output: plainRun.stdout, probes: readProbes<V8Frame>(probeFile(plainDir), plainRun) };
  const inst = { output: instRun.stdout, probes: readProbes<RingFrame>(probeFile(instDir), instRun) };
  const mismatches: string[] = [];
  const labelsMatch = JSON.stringify(plain.probes.map((p) => p.label)) === JSON.stringify(inst.probes.map((p) => p.label));
  for (let i = 0; labelsMatch && i < plain.probes.length; i++) {
    const expected = plain.probes[i]!.frames
      .map((f) => {
        const file = relative(plainDir, f.file);
        const at = plainPosition ? plainPosition(file, f.line, f.column) : f;
        return { key: at ? `${file}:${at.line}:${at.column}` : `${file}:unmapped`, f };
      })
      // A class's default constructor (no source of its own, so never instrumented) shares its
      // position with the class's `<instance_members_initializer>` (V8 11), and on V8 12 both
      // initialisers share one: the table's name there tells an initialiser, not which one.
      .filter(({ key, f }) => table.has(key) && (!INITIALIZERS.has(table.get(key)!) || INITIALIZERS.has(f.fn)));
    const actual = inst.probes[i]!.frames.map((f) => ({ key: `${relative(instDir, f.file)}:${f.line}:${f.column}`, name: f.name }));
    const same =
      expected.length === actual.length &&
      expected.every(({ key, f }, j) => {
        const a = actual[j]!;
        return a.key === key && sameName(a.name, f);
      });
    if (!same) {
      mismatches.push(
        `${plain.probes[i]!.label}\n  v8:   ${expected.map(({ key, f }) => `${f.text}[${f.fn}]@${key}`).join(' > ')}\n  ring: ${actual.map((a) => `${a.name}@${a.key}`).join(' > ')}`,
      );
    }
  }
  return { probes: plain.probes.length, mismatches, plainOutput: plain.output, instOutput: inst.output, labelsMatch, stderr: [plainRun.stderr, instRun.stderr] };
}
