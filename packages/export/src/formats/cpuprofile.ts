// Chrome DevTools .cpuprofile (also VS Code and speedscope): one file per thread, as
// `node --cpu-prof` writes. Times are whole microseconds; a sample's time is when it was taken
// and DevTools charges it the time until the next one, so the thread's last sample ends at
// endTime.

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Frame } from '../frame.js';
import { nodeTotals } from '../node-totals.js';
import type { Profile, ThreadProfile } from '../profile.js';
import { writeAtomic } from '../write-atomic.js';

export interface CpuProfileCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CpuProfileCallFrame;
  hitCount: number;
  children: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ThreadCpuProfile {
  threadId: number;
  /** In a profile of several processes. */
  pid?: number;
  name: string;
  profile: CpuProfile;
}

/** A file path as DevTools expects it (file:// URL); node: and other URLs stay as they are. */
export function fileUrl(file: string): string {
  if (file === '') return '';
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file)) return file;
  return isAbsolute(file) ? pathToFileURL(file).href : file;
}

export function threadCpuProfile(profile: Profile, thread: ThreadProfile): CpuProfile {
  const totals = nodeTotals(profile, thread);
  const table = profile.stacks;
  // Ids for the nodes this thread uses, root first (id 1); parent < child keeps ids ordered.
  const ids = new Int32Array(table.length);
  const nodes: CpuProfileNode[] = [];
  const scriptIds = new Map<string, string>([['', '0']]);
  const callFrame = (frame: Frame): CpuProfileCallFrame => {
    const url = fileUrl(frame.file);
    let scriptId = scriptIds.get(url);
    if (scriptId === undefined) scriptIds.set(url, (scriptId = String(scriptIds.size)));
    return {
      functionName: frame.name,
      scriptId,
      url,
      lineNumber: frame.line > 0 ? frame.line - 1 : -1,
      columnNumber: frame.column > 0 ? frame.column - 1 : -1,
    };
  };
  for (let node = 0; node < table.length; node++) {
    if (node !== 0 && totals.totalSamples[node] === 0) continue;
    const id = nodes.length + 1;
    ids[node] = id;
    nodes.push({
      id,
      callFrame:
        node === 0
          ? { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }
          : callFrame(profile.frames[table.frame[node]]),
      hitCount: totals.selfSamples[node],
      children: [],
    });
    if (node !== 0) nodes[ids[table.parent[node]] - 1].children.push(id);
  }
  const micros = (ms: number) => Math.round(ms * 1000);
  const samples = new Array<number>(thread.length);
  const timeDeltas = new Array<number>(thread.length);
  const startTime = thread.length === 0 ? micros(profile.startTime) : micros(thread.times[0]);
  let previous = startTime;
  for (let i = 0; i < thread.length; i++) {
    samples[i] = ids[thread.stacks[i]];
    const at = micros(thread.times[i]);
    timeDeltas[i] = at - previous;
    previous = at;
  }
  const endTime = thread.length === 0 ? startTime : micros(thread.times[thread.length - 1] + thread.weights[thread.length - 1]);
  return { nodes, startTime, endTime, samples, timeDeltas };
}

export function cpuProfiles(profile: Profile): ThreadCpuProfile[] {
  return profile.threads.map((t) => ({ threadId: t.threadId, ...(t.pid !== undefined && { pid: t.pid }), name: t.name, profile: threadCpuProfile(profile, t) }));
}

/**
 * `out.cpuprofile` for a single thread; `out.thread-<id>.cpuprofile` per thread otherwise, and
 * `out.pid-<pid>.thread-<id>.cpuprofile` in a profile of several processes (thread ids repeat).
 */
export function cpuProfilePath(path: string, threadId: number, threadCount: number, pid?: number): string {
  if (threadCount <= 1) return path;
  const dot = path.toLowerCase().endsWith('.cpuprofile') ? path.length - '.cpuprofile'.length : path.length;
  return `${path.slice(0, dot)}${pid === undefined ? '' : `.pid-${pid}`}.thread-${threadId}${path.slice(dot) || '.cpuprofile'}`;
}

/** Writes one file per thread; returns the paths. */
export function writeCpuProfiles(profile: Profile, path: string): string[] {
  return profile.threads.map((thread) => {
    const out = cpuProfilePath(path, thread.threadId, profile.threads.length, thread.pid);
    writeAtomic(out, cpuProfileChunks(threadCpuProfile(profile, thread)));
    return out;
  });
}

function* cpuProfileChunks(p: CpuProfile): Generator<string> {
  yield `{"nodes":[`;
  for (let i = 0; i < p.nodes.length; i++) yield (i === 0 ? '' : ',') + JSON.stringify(p.nodes[i]);
  yield `],"startTime":${p.startTime},"endTime":${p.endTime},"samples":[`;
  for (let i = 0; i < p.samples.length; i += 10_000) yield (i === 0 ? '' : ',') + p.samples.slice(i, i + 10_000).join(',');
  yield '],"timeDeltas":[';
  for (let i = 0; i < p.timeDeltas.length; i += 10_000) yield (i === 0 ? '' : ',') + p.timeDeltas.slice(i, i + 10_000).join(',');
  yield ']}\n';
}
