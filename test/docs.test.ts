// Keeps the documentation honest: docs/plugin.md, docs/runtime-api.md and docs/formats.md are
// checked against the code they describe (option tables against the option validators, export
// tables against the entry points' real exports, format lists against the CLI's own --help,
// the plugin's example output against the plugin), their runnable examples are run, and every
// relative link in the Markdown files points at a file (and heading) that exists.
//
// Markers in the Markdown (HTML comments, invisible when rendered) tie a fenced block to a
// check: `<!-- docs-test: run node [flags] <file> -->` writes the next block to <file> in a
// scratch directory and runs it with those flags; a following `<!-- docs-test: stdout -->`
// block is the exact output it must print. `plugin-input <filename>` / `plugin-output` pair an
// input with the plugin's output for it.
import { transformSync } from '@babel/core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticFrames } from '@stackring/export';
import plugin from '../packages/babel-plugin/src/index.js';
import { resolveOptions } from '../packages/babel-plugin/src/options.js';
import { IGNORE_FILE, IGNORE_NEXT, MARKER } from '../packages/babel-plugin/src/visitor.js';
import { DEFAULT_AGENT_OPTIONS } from '../packages/runtime/src/agent/options.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'packages/cli/dist/bin.js');
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

// A scratch directory where `@stackring/*` and `stackring` resolve to this checkout, as they
// would for an app that installed them.
const scratch = mkdtempSync(join(tmpdir(), 'stackring-docs-'));
mkdirSync(join(scratch, 'node_modules', '@stackring'), { recursive: true });
for (const name of ['runtime', 'export', 'ring']) symlinkSync(join(root, 'packages', name), join(scratch, 'node_modules', '@stackring', name), 'dir');
symlinkSync(join(root, 'packages', 'cli'), join(scratch, 'node_modules', 'stackring'), 'dir');
writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module', private: true }));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of a child: no STACKRING_* from outside, a private transform cache. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', STACKRING_CACHE_DIR: join(scratch, 'cache') };
  for (const key of Object.keys(env)) if (key.startsWith('STACKRING_') && key !== 'STACKRING_CACHE_DIR') delete env[key];
  return env;
}

function cli(args: string[], cwd = scratch) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: childEnv(), timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---- Markdown ------------------------------------------------------------------------------

interface Block {
  lang: string;
  code: string;
  /** The `docs-test:` marker right before the block (blank lines allowed), if any. */
  marker: string | null;
  line: number;
}

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split('\n');
  let marker: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^<!-- docs-test: (.*?) -->$/.exec(line.trim());
    if (m) {
      marker = m[1]!;
      continue;
    }
    const fence = /^(\s*)(```+|~~~+)(\S*)/.exec(line);
    if (fence) {
      const [, indent, ticks, lang] = fence;
      const body: string[] = [];
      const start = i;
      for (i++; i < lines.length && !lines[i]!.trim().startsWith(ticks!); i++) body.push(lines[i]!.slice(indent!.length));
      out.push({ lang: lang!, code: body.join('\n') + '\n', marker, line: start + 1 });
      marker = null;
      continue;
    }
    if (line.trim() !== '') marker = null;
  }
  return out;
}

/** The Markdown without fenced blocks (lines replaced by blanks, so line numbers stay). */
function prose(md: string): string {
  let inFence: string | null = null;
  return md
    .split('\n')
    .map((line) => {
      const fence = /^\s*(```+|~~~+)/.exec(line);
      if (inFence !== null) {
        if (fence && line.trim().startsWith(inFence)) inFence = null;
        return '';
      }
      if (fence) {
        inFence = fence[1]!;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** Everything set as code: inline spans and fenced blocks. */
function codeText(md: string): string {
  const inline = [...prose(md).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return [...inline, ...blocks(md).map((b) => b.code)].join('\n');
}

/** The lines of a section: from its heading to the next heading of the same or a higher level. */
function section(md: string, heading: string): string {
  const lines = prose(md).split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Rows of the first table in `text`, as arrays of cells (header and separator dropped). */
function tableRows(text: string): string[][] {
  const firstTable: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('|')) firstTable.push(line);
    else if (firstTable.length > 0) break;
  }
  return firstTable.slice(2).map((l) =>
    l
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim()),
  );
}

/** The backticked names in a table cell. */
const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to '-'. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(md).split('\n')) {
    const m = /^#{1,6} (.*)$/.exec(line);
    if (m) {
      const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
      const base = text.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a (?:id|name)="([^"]+)"/g)) out.add(a[1]!);
  }
  return out;
}

// ---- runnable blocks -------------------------------------------------------------------------

/** Runs every `docs-test: run` block of `doc` in `cwd`; checks exit code and documented stdout. */
function runBlocks(doc: string, cwd: string): number {
  const all = blocks(read(doc));
  let ran = 0;
  for (let i = 0; i < all.length; i++) {
    const block = all[i]!;
    const m = /^run (.+)$/.exec(block.marker ?? '');
    if (!m) continue;
    const words = m[1]!.split(/\s+/);
    expect(words[0], `${doc}:${block.line}: the command runs node`).toBe('node');
    const file = words.at(-1)!;
    writeFileSync(join(cwd, file), block.code);
    const r = spawnSync(process.execPath, [...words.slice(1, -1), file], { cwd, encoding: 'utf8', env: childEnv(), timeout: 60_000 });
    expect(r.status, `${doc}:${block.line} (${file}) failed:\n${r.stderr}`).toBe(0);
    const next = all[i + 1];
    if (next?.marker === 'stdout') expect(r.stdout, `${doc}:${next.line}: documented output of ${file}`).toBe(next.code);
    ran++;
  }
  return ran;
}

// ---- the pages -------------------------------------------------------------------------------

describe('docs/plugin.md', () => {
  const doc = read('docs/plugin.md');

  it('documents every option of the plugin, and no other, with its default', () => {
    const defaults = resolveOptions({});
    const rows = tableRows(section(doc, 'Options'));
    const documented = rows.map((r) => ticked(r[0]!)[0]);
    expect(documented.sort()).toEqual(Object.keys(defaults).sort());
    for (const row of rows) {
      const key = ticked(row[0]!)[0] as keyof typeof defaults;
      const value = defaults[key];
      const defaultCell = row[2]!;
      if (Array.isArray(value)) {
        expect(value, key).toEqual([]);
        expect(defaultCell, key).toMatch(/none/);
      } else {
        expect(ticked(defaultCell), key).toContain(JSON.stringify(value));
      }
    }
  });

  it('quotes the validator\'s real error message', () => {
    let message = '';
    try {
      resolveOptions({ includes: 'x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/unknown option/);
    expect(doc).toContain(message);
  });

  it('names the ignore comments and the marker exactly as the plugin spells them', () => {
    const code = codeText(doc);
    expect(code).toContain(`/* ${IGNORE_NEXT} */`);
    expect(code).toContain(`/* ${IGNORE_FILE} */`);
    expect(code).toContain(`/* ${MARKER} */`);
  });

  it('shows the plugin\'s real output for its example', () => {
    const all = blocks(doc);
    const input = all.find((b) => b.marker?.startsWith('plugin-input '));
    const output = all.find((b) => b.marker === 'plugin-output');
    expect(input && output).toBeTruthy();
    const filename = input!.marker!.slice('plugin-input '.length);
    const transform = (options: object) =>
      transformSync(input!.code, { filename, babelrc: false, configFile: false, plugins: [[plugin, options]] })!.code + '\n';
    expect(transform({})).toBe(output!.code);
    // The sentence about skipTrivialLeaves quotes the table it registers.
    const claimed = /With `skipTrivialLeaves: true` the same file registers only `(\[[^`]*\])`/.exec(prose(doc));
    expect(claimed).not.toBeNull();
    const registered = /_r\("[^"]*", (\[[^\]]*\])[,)]/.exec(transform({ skipTrivialLeaves: true }));
    expect(registered?.[1]).toBe(claimed![1]);
  });
});

const runtimeEntries = ['packages/runtime/src/index.ts', 'packages/runtime/src/client.ts'].map((e) => join(root, e));
let entryProgram: ts.Program | null = null;

/** Every export of a TypeScript entry point of the runtime, values and types. */
function exportsOf(entry: string): string[] {
  entryProgram ??= ts.createProgram(runtimeEntries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  });
  const program = entryProgram;
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  return checker.getExportsOfModule(symbol).map((s) => s.getName());
}

describe('docs/runtime-api.md', () => {
  const doc = read('docs/runtime-api.md');

  for (const [entry, heading] of [
    ['packages/runtime/src/index.ts', 'Exports of `@stackring/runtime`'],
    ['packages/runtime/src/client.ts', '`@stackring/runtime/client`'],
  ] as const) {
    it(`lists exactly the exports of ${entry}, and shows each in code`, () => {
      const exported = exportsOf(join(root, entry));
      expect(exported.length).toBeGreaterThan(3);
      const listed = tableRows(section(doc, heading)).flatMap((r) => ticked(r[0]!));
      expect(listed.sort()).toEqual([...exported].sort());
      const code = codeText(doc);
      for (const name of exported) expect(code, name).toMatch(new RegExp(`\\b${name}\\b`));
    });
  }

  it('documents every agent option, and no other, with its default', () => {
    const rows = tableRows(section(doc, '`start(options)` and `stop()`'));
    const documented = rows.map((r) => ticked(r[0]!)[0]);
    expect(documented.sort()).toEqual(Object.keys(DEFAULT_AGENT_OPTIONS).sort());
    for (const row of rows) {
      const key = ticked(row[0]!)[0] as keyof typeof DEFAULT_AGENT_OPTIONS;
      expect(ticked(row[2]!), key).toContain(JSON.stringify(DEFAULT_AGENT_OPTIONS[key]));
    }
  });

  it('documents every STACKRING_* variable the runtime reads, and no other', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) sources.push(readFileSync(path, 'utf8'));
      }
    };
    walk(join(root, 'packages/runtime/src'));
    const used = new Set(sources.flatMap((s) => [...s.matchAll(/\bSTACKRING_[A-Z][A-Z0-9_]*/g)].map((m) => m[0])));
    const documented = tableRows(section(doc, 'Environment variables')).map((r) => ticked(r[0]!)[0]);
    expect(documented.sort()).toEqual([...used].sort());
  });

  it('runs its runnable examples, with the documented output', () => {
    const dir = join(scratch, 'runtime');
    mkdirSync(dir);
    expect(runBlocks('docs/runtime-api.md', dir)).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, 'agent.srt'))).toBe(true);
  });
});

describe('docs/formats.md', () => {
  const doc = read('docs/formats.md');
  const choices = (help: string) => {
    const m = /\[choices: ([^\]]*)\]/.exec(help.replace(/\s+/g, ' '));
    return [...m![1]!.matchAll(/"([^"]+)"/g)].map((c) => c[1]!);
  };
  let reportFormats: string[] = [];
  const dir = join(scratch, 'formats');

  beforeAll(() => {
    reportFormats = choices(cli(['report', '--help']).stdout);
    // A real trace to convert: recorded through the CLI, as a user would.
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.mjs'), 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nfib(24);\n');
    const r = cli(['record', '-o', 'app.srt', '--', 'node', 'app.mjs'], dir);
    expect(r.code, r.stderr).toBe(0);
  });

  it('has a section and a table row for every format `stackring report` accepts, and no other', () => {
    expect(reportFormats).toContain('html');
    const headed = prose(doc)
      .split('\n')
      .map((l) => /^## `([a-z]+)`$/.exec(l)?.[1])
      .filter((f): f is string => f !== undefined && f !== 'diff');
    expect(headed.sort()).toEqual([...reportFormats].sort());
    const rows = tableRows(doc).filter((r) => r[1]!.startsWith('`') && !r[1]!.includes('stackring'));
    expect(rows.map((r) => ticked(r[1]!)[0]).sort()).toEqual([...reportFormats].sort());
    expect(section(doc, 'Getting them').replace(/\s+/g, ' ')).toContain(reportFormats.map((f) => `\`${f}\``).join(', '));
  });

  it('names the file `stackring report` really writes for each format', () => {
    const rows = tableRows(doc);
    for (const format of reportFormats) {
      const r = cli(['report', 'app.srt', '-f', format], dir);
      expect(r.code, r.stderr).toBe(0);
      const written = r.stdout.trim().split('\n').map((p) => basename(p));
      const row = rows.find((cells) => ticked(cells[1]!)[0] === format)!;
      expect(ticked(row[2]!), format).toEqual(written);
    }
  });

  it('documents the formats `stackring diff` accepts', () => {
    const diff = section(doc, '`diff`');
    for (const format of choices(cli(['diff', '--help']).stdout)) expect(diff, format).toContain(`\`-f ${format}\``);
  });

  it('names the synthetic frames as the exporter does', () => {
    const table = tableRows(section(doc, 'Idle, program, unknown')).map((r) => ticked(r[0]!)[0]);
    const synthetic = syntheticFrames().map((f) => f.name).filter((n) => n !== '(root)');
    expect(table.sort()).toEqual(synthetic.sort());
  });

  it('runs its API example on a real trace', () => {
    expect(runBlocks('docs/formats.md', dir)).toBe(1);
    for (const file of ['app.html', 'app.ms.folded', 'app.json', 'main.svg']) expect(existsSync(join(dir, file)), file).toBe(true);
  });
});

describe('links', () => {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
    ...readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`).filter((f) => existsSync(join(root, f))),
  ];

  it('the README lists every page in docs/', () => {
    const readme = section(read('README.md'), 'Documentation');
    for (const f of files.filter((f) => f.startsWith('docs/'))) expect(readme, f).toContain(`](${f})`);
  });

  for (const file of files) {
    it(`every relative link in ${file} points at a file, and heading, that exists`, () => {
      const text = prose(read(file)).replace(/`[^`\n]*`/g, '');
      const links = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
      for (const link of links) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? join(root, file) : resolve(dirname(join(root, file)), decodeURIComponent(path));
        expect(existsSync(target), `${file}: ${link}`).toBe(true);
        if (anchor !== undefined && target.endsWith('.md')) {
          expect([...anchors(readFileSync(target, 'utf8'))], `${file}: ${link}`).toContain(anchor);
        }
      }
    });
  }
});
