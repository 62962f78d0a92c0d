// Checks of each output format against the rules its viewers enforce (shared/brief/formats.md),
// each returning the totals it read back (samples and milliseconds, per thread where the format
// keeps threads apart), so tests can compare every format with the profile.

import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import { expect } from 'vitest';
import { foldedName, SPEEDSCOPE_SCHEMA, type CpuProfile, type TraceEvent } from '../src/index.js';

export interface Totals {
  samples: number;
  timeMs: number;
  /** cpuprofile: milliseconds from the first sample to the last (the sum of the deltas after the first). */
  spanMs?: number;
}

const FOLDED_LINE = /^(.+) (\d+)$/;

/** Every line "stack count"; returns the sum of counts. */
export function checkFolded(text: string): { total: number; lines: Array<[string, number]> } {
  expect(text === '' || text.endsWith('\n')).toBe(true);
  const lines: Array<[string, number]> = [];
  let total = 0;
  for (const line of text.split('\n').slice(0, -1)) {
    const m = FOLDED_LINE.exec(line);
    expect(m, `folded line ${JSON.stringify(line)}`).not.toBeNull();
    const count = Number(m![2]);
    expect(Number.isSafeInteger(count)).toBe(true);
    lines.push([m![1], count]);
    total += count;
  }
  return { total, lines };
}

const UNITS = ['none', 'nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes'];

/** speedscope's file-format schema, for the parts we write (sampled profiles). Returns ms per profile. */
export function checkSpeedscope(file: any): Totals[] {
  expect(file.$schema).toBe(SPEEDSCOPE_SCHEMA);
  expect(Array.isArray(file.shared?.frames)).toBe(true);
  for (const f of file.shared.frames) {
    expect(typeof f.name).toBe('string');
    for (const k of Object.keys(f)) expect(['name', 'file', 'line', 'col']).toContain(k);
    if ('file' in f) expect(typeof f.file).toBe('string');
    if ('line' in f) expect(Number.isInteger(f.line) && f.line > 0).toBe(true);
    if ('col' in f) expect(Number.isInteger(f.col) && f.col > 0).toBe(true);
  }
  if ('name' in file) expect(typeof file.name).toBe('string');
  if ('exporter' in file) expect(typeof file.exporter).toBe('string');
  expect(Array.isArray(file.profiles)).toBe(true);
  if ('activeProfileIndex' in file) {
    expect(Number.isInteger(file.activeProfileIndex)).toBe(true);
    if (file.profiles.length > 0) expect(file.activeProfileIndex).toBeLessThan(file.profiles.length);
  }
  return file.profiles.map((p: any) => {
    expect(p.type).toBe('sampled');
    expect(typeof p.name).toBe('string');
    expect(UNITS).toContain(p.unit);
    expect(typeof p.startValue).toBe('number');
    expect(typeof p.endValue).toBe('number');
    expect(p.samples.length).toBe(p.weights.length);
    let sum = 0;
    for (const stack of p.samples) {
      expect(Array.isArray(stack)).toBe(true);
      for (const index of stack) expect(Number.isInteger(index) && index >= 0 && index < file.shared.frames.length).toBe(true);
    }
    for (const w of p.weights) {
      expect(typeof w).toBe('number');
      expect(w).toBeGreaterThanOrEqual(0);
      if (p.unit === 'nanoseconds') expect(Number.isInteger(w)).toBe(true);
      sum += w;
    }
    expect(p.endValue - p.startValue).toBeCloseTo(sum, 3);
    const scale = p.unit === 'nanoseconds' ? 1e-6 : 1;
    return { samples: p.samples.length, timeMs: sum * scale };
  });
}

/** Tree consistency of a .cpuprofile; returns its totals. */
export function checkCpuProfile(p: CpuProfile): Totals {
  expect(p.nodes.length).toBeGreaterThan(0);
  const root = p.nodes[0];
  expect(root.callFrame).toEqual({ functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 });
  const ids = new Map(p.nodes.map((n) => [n.id, n]));
  expect(ids.size).toBe(p.nodes.length);
  const seenAsChild = new Set<number>();
  for (const n of p.nodes) {
    expect(Number.isInteger(n.id) && n.id > 0).toBe(true);
    expect(typeof n.callFrame.scriptId).toBe('string');
    expect(typeof n.callFrame.url).toBe('string');
    expect(n.callFrame.lineNumber).toBeGreaterThanOrEqual(-1);
    expect(n.callFrame.columnNumber).toBeGreaterThanOrEqual(-1);
    if (n.callFrame.url !== '') expect(n.callFrame.url).toMatch(/^(file:\/\/|node:)/);
    expect(Number.isInteger(n.hitCount) && n.hitCount >= 0).toBe(true);
    for (const c of n.children) {
      expect(ids.has(c), `child ${c} of node ${n.id}`).toBe(true);
      expect(seenAsChild.has(c), `node ${c} has one parent`).toBe(false);
      seenAsChild.add(c);
    }
  }
  expect(seenAsChild.has(root.id)).toBe(false);
  expect(seenAsChild.size).toBe(p.nodes.length - 1);
  expect(p.samples.length).toBe(p.timeDeltas.length);
  const hits = new Map<number, number>();
  for (const s of p.samples) {
    expect(ids.has(s), `sample node ${s}`).toBe(true);
    hits.set(s, (hits.get(s) ?? 0) + 1);
  }
  for (const n of p.nodes) expect(n.hitCount).toBe(hits.get(n.id) ?? 0);
  let sum = 0;
  for (const d of p.timeDeltas) {
    expect(Number.isInteger(d) && d >= 0).toBe(true);
    sum += d;
  }
  // The deltas lead from startTime to the last sample; the last sample lasts until endTime.
  expect(Number.isInteger(p.startTime) && Number.isInteger(p.endTime)).toBe(true);
  expect(p.startTime + sum).toBeLessThanOrEqual(p.endTime);
  return { samples: p.samples.length, timeMs: (p.endTime - p.startTime) / 1000, spanMs: (sum - (p.timeDeltas[0] ?? 0)) / 1000 };
}

/** B/E nesting per thread with the same args on both, non-decreasing ts, M names; returns totals per tid from the outermost slices. */
export function checkChromeTrace(file: any): Map<number, Totals> {
  const events: TraceEvent[] = Array.isArray(file) ? file : file.traceEvents;
  expect(Array.isArray(events)).toBe(true);
  const named = new Set<number>();
  let processNamed = false;
  const open = new Map<number, TraceEvent[]>();
  const lastTs = new Map<number, number>();
  const totals = new Map<number, Totals>();
  const childSamples = new Map<TraceEvent, number>(); // per open B: samples of its closed children
  for (const e of events) {
    expect(typeof e.name).toBe('string');
    expect(['B', 'E', 'X', 'M', 'i']).toContain(e.ph);
    expect(typeof e.ts).toBe('number');
    expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
    if (e.ph === 'M') {
      if (e.name === 'process_name') processNamed = true;
      if (e.name === 'thread_name') named.add(e.tid);
      expect(typeof e.args?.name).toBe('string');
      continue;
    }
    expect(named.has(e.tid), `thread ${e.tid} named before its events`).toBe(true);
    expect(e.ts).toBeGreaterThanOrEqual(lastTs.get(e.tid) ?? -Infinity);
    lastTs.set(e.tid, e.ts);
    const stack = open.get(e.tid) ?? [];
    open.set(e.tid, stack);
    if (e.ph === 'B') {
      if (typeof e.cat !== 'string') expect(e.cat, `cat of B ${e.name} at ${e.ts}`).toBeTypeOf('string');
      stack.push(e);
    } else if (e.ph === 'E') {
      const begin = stack.pop();
      expect(begin, `E without B on thread ${e.tid}`).toBeDefined();
      expect(e.name).toBe(begin!.name);
      // The same args, as text, on B and E: speedscope keys a slice by name + JSON of its args.
      // (Plain comparisons first: expect() on every event of a large trace is slow.)
      const [endArgs, beginArgs] = [JSON.stringify(e.args), JSON.stringify(begin!.args)];
      if (endArgs !== beginArgs) expect(endArgs, `args of E ${e.name} at ${e.ts}`).toBe(beginArgs);
      const samples = e.args?.samples as number;
      if (!(Number.isInteger(samples) && samples > 0)) expect(samples, `args.samples of ${e.name} at ${e.ts}`).toBe('a positive integer');
      // A slice spans at least the samples of the slices nested in it.
      const nested = childSamples.get(begin!) ?? 0;
      if (nested > samples) expect(nested, `samples nested in ${e.name} at ${e.ts}`).toBeLessThanOrEqual(samples);
      childSamples.delete(begin!);
      const parent = stack[stack.length - 1];
      if (parent) childSamples.set(parent, (childSamples.get(parent) ?? 0) + samples);
      if (stack.length === 0) {
        const t = totals.get(e.tid) ?? { samples: 0, timeMs: 0 };
        t.samples += samples;
        t.timeMs += (e.ts - begin!.ts) / 1000;
        totals.set(e.tid, t);
      }
    }
  }
  expect(processNamed).toBe(true);
  for (const [tid, stack] of open) expect(stack.length, `unclosed slices on thread ${tid}`).toBe(0);
  return totals;
}

/** Gunzips and decodes a pprof file; every id referenced exists; totals per thread label. */
export function checkPprof(bytes: Uint8Array): { profile: PprofProfile; byThread: Map<string, Totals>; strings: string[] } {
  const profile = PprofProfile.decode(gunzipSync(bytes));
  const strings = profile.stringTable.strings;
  expect(strings[0]).toBe('');
  const str = (i: unknown) => {
    const n = Number(i);
    expect(Number.isInteger(n) && n >= 0 && n < strings.length, `string index ${n}`).toBe(true);
    return strings[n];
  };
  expect(profile.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`)).toEqual(['samples/count', 'wall/nanoseconds']);
  expect(`${str(profile.periodType!.type)}/${str(profile.periodType!.unit)}`).toBe('wall/nanoseconds');
  expect(Number(profile.period)).toBeGreaterThan(0);
  expect(Number(profile.timeNanos)).toBeGreaterThanOrEqual(0);
  expect(Number(profile.durationNanos)).toBeGreaterThanOrEqual(0);
  const functions = new Set<number>();
  for (const f of profile.function) {
    expect(Number(f.id)).toBeGreaterThan(0);
    str(f.name), str(f.filename), str(f.systemName);
    functions.add(Number(f.id));
  }
  const locations = new Set<number>();
  for (const l of profile.location) {
    expect(Number(l.id)).toBeGreaterThan(0);
    expect(l.line.length).toBeGreaterThan(0);
    for (const line of l.line) expect(functions.has(Number(line.functionId)), `function ${line.functionId}`).toBe(true);
    locations.add(Number(l.id));
  }
  const byThread = new Map<string, Totals>();
  for (const s of profile.sample) {
    expect(s.value.length).toBe(profile.sampleType.length);
    expect(s.locationId.length).toBeGreaterThan(0);
    for (const id of s.locationId) expect(locations.has(Number(id)), `location ${id}`).toBe(true);
    const thread = s.label.find((l) => str(l.key) === 'thread');
    expect(thread).toBeDefined();
    const name = str(thread!.str);
    const t = byThread.get(name) ?? { samples: 0, timeMs: 0 };
    t.samples += Number(s.value[0]);
    t.timeMs += Number(s.value[1]) / 1e6;
    byThread.set(name, t);
  }
  return { profile, byThread, strings };
}

/** The viewer data embedded in an HTML page. */
export function embeddedViewerData(html: string): any {
  const m = /<script type="application\/json" id="profile-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]);
}

/** Totals per embedded tree. */
export function checkHtml(html: string): Totals[] {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  // Self-contained: nothing loaded from elsewhere.
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|https?:\/\/(?!www\.speedscope)/);
  const data = embeddedViewerData(html);
  return data.threads.map((t: any) => {
    expect(t.parent[0]).toBe(-1);
    for (let i = 1; i < t.parent.length; i++) expect(t.parent[i]).toBeLessThan(i);
    return { samples: t.samples.reduce((a: number, b: number) => a + b, 0), timeMs: t.time.reduce((a: number, b: number) => a + b, 0) };
  });
}

/** Well-formed enough for a browser: one root <svg>, balanced <g>, titles; totals from the root frame's title. */
export function checkSvg(svg: string): Totals {
  expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect((svg.match(/<g[ >]/g) ?? []).length).toBe((svg.match(/<\/g>/g) ?? []).length);
  expect(svg).not.toMatch(/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/);
  const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
  expect(titles.length).toBeGreaterThan(0);
  // The first box drawn is the root: "name\n[X ms, ]N samples, 100.00%".
  const m = /(?:([\d.]+) ms, )?(\d+) samples, 100\.00%$/.exec(titles[0]);
  expect(m, titles[0]).not.toBeNull();
  return { samples: Number(m![2]), timeMs: Number(m![1] ?? NaN) };
}

// Stacks read back from each format, as "frame;frame;..." (root first) -> samples, to compare
// with the folded output: the same stacks with the same counts, in the right order.

/** Folded entries as a map (stacks that escaping made equal add up). */
export function stackMap(entries: Array<[string, number]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of entries) addTo(out, k, v);
  return out;
}

export function addTo(map: Map<string, number>, key: string, count: number): void {
  map.set(key, (map.get(key) ?? 0) + count);
}

export function pprofStacks(profile: PprofProfile): Map<string, number> {
  const strings = profile.stringTable.strings;
  const fnName = new Map(profile.function.map((f) => [Number(f.id), strings[Number(f.name)]]));
  const locName = new Map(profile.location.map((l) => [Number(l.id), fnName.get(Number(l.line[0].functionId))!]));
  const out = new Map<string, number>();
  for (const s of profile.sample) {
    const thread = strings[Number(s.label.find((l) => strings[Number(l.key)] === 'thread')!.str)];
    const names = s.locationId.map((id) => locName.get(Number(id))!).reverse(); // leaf first in pprof
    addTo(out, [thread, ...names].map(foldedName).join(';'), Number(s.value[0]));
  }
  return out;
}

export function cpuProfileStacks(p: CpuProfile, prefix: string): Map<string, number> {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  for (const leaf of p.samples) {
    const names: string[] = [];
    for (let id: number | undefined = leaf; id !== undefined && id !== p.nodes[0].id; id = parent.get(id)) names.unshift(byId.get(id)!.callFrame.functionName);
    addTo(out, [prefix, ...names].map(foldedName).join(';'), 1);
  }
  return out;
}

export function speedscopeStacks(file: any): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of file.profiles) {
    for (const stack of p.samples) addTo(out, [p.name, ...stack.map((i: number) => file.shared.frames[i].name)].map(foldedName).join(';'), 1);
  }
  return out;
}
