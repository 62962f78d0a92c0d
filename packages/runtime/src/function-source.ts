// Function.prototype.toString of an instrumented function gives back the function's own source
// text, as in the plain program: serialize-javascript, Playwright's page.evaluate, worker pools
// and dependency injectors read a function's text and run or parse it elsewhere, where the
// instrumented body's `_w` and `_b$...` do not exist.
//
// The plugin names each file's base binding after the file's content (`_b$` and ten hex digits)
// and registers, with the file's function table, the input file's path and hash and where each
// function's and class's text lies in it (babel-plugin: function-source.ts). Given a function's
// instrumented text, the functions it refers to (`_b$... + K`) say which file made it: the
// outermost of them is the function itself (a method's computed key and its parameters' and
// body's functions lie inside it); a class is the innermost class around all of them. The file
// is read from disk once, and used only while its hash is the registered one; otherwise, and
// for everything else, toString answers what V8 answers.
import { createRequire } from 'node:module';
import { setThreadSingleton, threadSingleton } from './thread-holder.js';

/** The third argument of `register(file, table, source)`, as the plugin writes it. */
export interface SourceInfo {
  /** The base binding's name, as it appears in the file's functions. */
  name: string;
  /** Absolute path of the file the plugin read. */
  path: string;
  /** First 16 hex digits of the SHA-256 of that file's text. */
  hash: string;
  /** Per function of the table: [start, end) of its text in the file, flat. */
  ranges: number[];
  /** [start, end) of each class's text, flat. */
  classes: number[];
  /** A TypeScript file: [start, end) ranges, flat and sorted, that type stripping turns into spaces. */
  blanks?: number[];
  /** A TypeScript file: [start, end) ranges, flat and sorted, of syntax type stripping refuses. */
  opaque?: number[];
}

interface InputFile {
  path: string;
  hash: string;
  classes: number[];
  blanks: number[];
  opaque: number[];
  /** The file's text once read: null when it is gone or no longer has the registered hash. */
  text?: string | null;
}

/** What the runtime knows per thread, shared by every copy of it (see thread-holder.ts). */
interface FunctionSources {
  readonly version: 1;
  /** Realms whose Function.prototype.toString gives back source text (their prototypes). */
  readonly patched: WeakSet<object>;
  /** Keeps a file's source info (checked by registerFunctionSource). */
  add(info: SourceInfo): void;
  /** The plain program's text for an instrumented function's `text`, if known. */
  originalText(text: string): string | undefined;
}

const KEY = Symbol.for('stackring.runtime.function-sources');
const MARK = '_b$';
const REFERENCE = /(_b\$[0-9a-f]{10}(?:_\d+)?)\s*\+\s*(\d+)/g;
const CLASS = /^class\b(?!\s*\()/;
const builtin = createRequire(process.execPath);

function functionSources(): FunctionSources {
  const existing = threadSingleton<FunctionSources>(KEY);
  if (existing !== undefined && existing.version === 1) return existing;
  const created = createFunctionSources();
  setThreadSingleton(KEY, created);
  return created;
}

// Made by the first copy of the runtime in the thread, so that what it keeps is allocated in
// that copy's context, not in a test file's vm context that would then stay alive.
function createFunctionSources(): FunctionSources {
  const inputs = new Map<string, InputFile>();
  const bases = new Map<string, Array<{ input: InputFile; ranges: number[] }>>();

  function read(input: InputFile): string | null {
    if (input.text !== undefined) return input.text;
    input.text = null;
    try {
      const raw = (builtin('node:fs') as typeof import('node:fs')).readFileSync(input.path, 'utf8');
      const { createHash } = builtin('node:crypto') as typeof import('node:crypto');
      // As Babel read it: with its byte order mark, or without (Node's loaders drop it).
      for (const text of raw.charCodeAt(0) === 0xfeff ? [raw, raw.slice(1)] : [raw]) {
        if (createHash('sha256').update(text).digest('hex').slice(0, 16) === input.hash) input.text = text;
      }
    } catch {
      // Gone or unreadable: the instrumented text it is.
    }
    return input.text;
  }

  function answer(input: InputFile, refs: Array<[number, number]>, text: string): string | undefined {
    const file = read(input);
    if (file === null) return undefined;
    if (CLASS.test(text)) {
      // The innermost class around every function the text refers to whose name is the text's.
      const name = className(text);
      let best: [number, number] | undefined;
      for (let i = 0; i + 1 < input.classes.length; i += 2) {
        const start = input.classes[i]!;
        const end = input.classes[i + 1]!;
        if (!refs.every(([s, e]) => start <= s && e <= end)) continue;
        if (className(file.slice(start, end)) !== name) continue;
        if (best === undefined || end - start < best[1] - best[0]) best = [start, end];
      }
      return best && strippedText(file, best[0], best[1], input.blanks, input.opaque);
    }
    let widest = refs[0]!;
    for (const r of refs) if (r[1] - r[0] > widest[1] - widest[0]) widest = r;
    const original = strippedText(file, widest[0], widest[1], input.blanks, input.opaque);
    // Instrumentation never changes a function's first word (`function`, `async`, `get`, its
    // name, an arrow's first parameter, which Babel prints in parentheses).
    return original !== undefined && firstWord(original) === firstWord(text) && !CLASS.test(original) ? original : undefined;
  }

  return {
    version: 1,
    patched: new WeakSet(),
    add(info) {
      const key = `${info.hash}\0${info.path}`;
      let input = inputs.get(key);
      const numbers = (list: unknown) => (Array.isArray(list) ? Array.from(list, Number) : []);
      if (input === undefined) inputs.set(key, (input = { path: String(info.path), hash: String(info.hash), classes: numbers(info.classes), blanks: numbers(info.blanks), opaque: numbers(info.opaque) }));
      else if (info.classes.length > 0 && input.classes.length === 0) Object.assign(input, { classes: numbers(info.classes), blanks: numbers(info.blanks), opaque: numbers(info.opaque) });
      const name = String(info.name);
      const list = bases.get(name) ?? [];
      if (!list.some((entry) => entry.input === input)) list.push({ input, ranges: Array.from(info.ranges, Number) });
      bases.set(name, list);
    },
    originalText(text) {
      // Per input file (copies of one file elsewhere on disk have the same name and ranges).
      const refsByInput = new Map<InputFile, Array<[number, number]>>();
      for (const match of text.matchAll(REFERENCE)) {
        const k = Number(match[2]);
        for (const { input, ranges } of bases.get(match[1]!) ?? []) {
          if (2 * k + 1 >= ranges.length) continue;
          const refs = refsByInput.get(input) ?? [];
          refs.push([ranges[2 * k]!, ranges[2 * k + 1]!]);
          refsByInput.set(input, refs);
        }
      }
      for (const [input, refs] of refsByInput) {
        const original = answer(input, refs, text);
        if (original !== undefined) return original;
      }
      return undefined;
    },
  };
}

/**
 * [start, end) of a file's text as Node's type stripping leaves it: `blanks` (flat, sorted
 * ranges) turned into white space, line breaks kept, and the spaces this leaves at either end
 * trimmed (V8's text starts and ends with a token); undefined when syntax stripping refuses
 * (`opaque`) lies in it. A JavaScript file has neither: its slice, as it is.
 */
export function strippedText(file: string, start: number, end: number, blanks: readonly number[], opaque: readonly number[]): string | undefined {
  for (let i = 0; i + 1 < opaque.length; i += 2) if (opaque[i]! < end && opaque[i + 1]! > start) return undefined;
  // The first blank that ends after `start` (blanks are sorted and disjoint).
  let lo = 0;
  let hi = blanks.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (blanks[2 * mid + 1]! <= start) lo = mid + 1;
    else hi = mid;
  }
  if (2 * lo >= blanks.length || blanks[2 * lo]! >= end) return file.slice(start, end);
  let out = '';
  let at = start;
  for (let i = 2 * lo; i + 1 < blanks.length && blanks[i]! < end; i += 2) {
    const from = Math.max(blanks[i]!, start);
    const to = Math.min(blanks[i + 1]!, end);
    out += file.slice(at, from) + file.slice(from, to).replace(/[^\n\r\u2028\u2029]/gu, blankOf);
    at = to;
  }
  return (out + file.slice(at, end)).trim();
}

/**
 * What stripping puts in a character's place: as many UTF-8 bytes (so as many UTF-16 units)
 * of white space, as Node's stripping (amaro) writes them.
 */
function blankOf(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code < 0x80 ? ' ' : code < 0x800 ? '\u00a0' : code < 0x10000 ? '\ufeff' : ' \ufeff';
}

function isSourceInfo(value: unknown): value is SourceInfo {
  const v = value as SourceInfo | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.path === 'string' && typeof v.hash === 'string' && Array.isArray(v.ranges) && Array.isArray(v.classes);
}

function firstWord(text: string): string {
  return /^\(*([\w$#]*)/.exec(text)![1]!;
}

function className(text: string): string {
  const name = /^class\s+([\w$]+)/.exec(text)?.[1];
  return name === undefined || name === 'extends' ? '' : name;
}

/**
 * Keeps a file's source info, and makes the toString of the realm `FunctionConstructor` belongs
 * to give back instrumented functions' text (once per realm: each copy of the runtime, in each
 * vm context, passes its own `Function`).
 */
export function registerFunctionSource(info: unknown, FunctionConstructor: FunctionConstructor): void {
  if (!isSourceInfo(info)) return;
  const sources = functionSources();
  sources.add(info);
  const proto = FunctionConstructor.prototype;
  if (sources.patched.has(proto)) return;
  sources.patched.add(proto);
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'toString');
  const native = descriptor?.value as ((this: unknown) => string) | undefined;
  if (typeof native !== 'function' || !descriptor!.writable || !descriptor!.configurable) return;
  const nativeText = Reflect.apply(native, native, []) as string;
  // A method: like the built-in, it has no prototype and cannot be called with `new`; for
  // itself it answers the built-in's text, so it still looks native.
  const replacement = {
    toString(this: unknown): string {
      if (this === replacement) return nativeText;
      const text = Reflect.apply(native, this, []) as string;
      if (!text.includes(MARK)) return text;
      try {
        return sources.originalText(text) ?? text;
      } catch {
        return text;
      }
    },
  }.toString;
  Object.defineProperty(proto, 'toString', { ...descriptor, value: replacement });
}
