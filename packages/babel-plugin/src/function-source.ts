// What `Function.prototype.toString` gives back for an instrumented function. The plain program
// shows the function's own source text (serialize-javascript, Playwright's page.evaluate and
// dependency injectors read it, and run or parse it elsewhere); instrumented, V8 would show the
// rewritten body, whose `_w` and `_b` exist only in this file. So each file tells the runtime
// where every function's text lies in the file it was made from, and names its base binding
// after that file's content: the runtime finds the name in a function's text, reads the file,
// checks its hash, and gives back the slice (runtime: function-source.ts).
//
// Only when the plugin's input is what the plain program runs: no other transforming plugin in
// the pass (preset-env and JSX compile the input into something else), and a file on disk to
// read. Otherwise nothing is recorded and toString shows the instrumented text. TypeScript is
// the exception: the file's text with its types blanked out is what Node's type stripping runs,
// so a .ts file compiled in the same pass records where its types lie (type-blanks.ts).
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';

/** Babel's resolved plugin list for a file (presets expanded). */
interface PluginInstance {
  key?: string | null;
  visitor?: object;
}

/** The file the plugin read, as the runtime will find it on disk. */
export interface SourceIdentity {
  /** Absolute path of the input file. */
  path: string;
  /** First 16 hex digits of the SHA-256 of the input text, as Babel parsed it (offsets are into it). */
  hash: string;
  /** The input is TypeScript, compiled in the same pass by Babel's TypeScript plugin alone. */
  typescript: boolean;
}

/** What the runtime's `register(file, table, source)` receives as `source`. */
export interface SourceInfo extends Omit<SourceIdentity, 'typescript'> {
  /** The base binding's name: found in a function's text, it says which file made it. */
  name: string;
  /** Per function of the table: [start, end) of its source text in the input, flat. */
  ranges: number[];
  /** Per class of the input: [start, end) of its source text, flat (a class is its constructor). */
  classes: number[];
  /** TypeScript: [start, end) ranges, flat and sorted, that type stripping turns into spaces. */
  blanks?: number[];
  /** TypeScript: [start, end) ranges, flat and sorted, of syntax type stripping refuses. */
  opaque?: number[];
}

/** The key of Babel's TypeScript plugin (what @babel/preset-typescript runs). */
const TYPESCRIPT_PLUGIN = 'transform-typescript';
/**
 * What @babel/preset-typescript adds for a .cts file; in a script (no import or export) it
 * changes nothing: it only compiles ES module syntax, which a script does not have.
 */
const COMMONJS_PLUGIN = 'transform-modules-commonjs';

/** Plugins that only parse (syntax plugins) have no visitor of their own. */
function transforms(plugin: PluginInstance): boolean {
  return Object.keys(plugin.visitor ?? {}).some((key) => !key.startsWith('_'));
}

/**
 * The input's identity, when the text the plugin reads is what the plain program runs: a file
 * named by an absolute path (or relative to `cwd`) and no other plugin of the pass transforms
 * (but TypeScript's: what it removes, type stripping blanks).
 */
export function sourceIdentity(code: string, filename: string | undefined, cwd: string, plugins: readonly PluginInstance[] | undefined, self: string, script: boolean): SourceIdentity | undefined {
  if (!filename) return undefined;
  const others = (plugins ?? []).filter((p) => p.key !== self && transforms(p));
  const typescript = others.some((p) => p.key === TYPESCRIPT_PLUGIN);
  if (others.some((p) => p.key !== TYPESCRIPT_PLUGIN && !(typescript && script && p.key === COMMONJS_PLUGIN))) return undefined;
  return {
    path: isAbsolute(filename) ? filename : resolve(cwd, filename),
    hash: createHash('sha256').update(code).digest('hex').slice(0, 16),
    typescript,
  };
}

/** `_b$` and ten hex digits of the content hash; a file with several tables numbers the others. */
export function baseName(identity: SourceIdentity, index: number): string {
  return `_b$${identity.hash.slice(0, 10)}${index === 0 ? '' : `_${index}`}`;
}
