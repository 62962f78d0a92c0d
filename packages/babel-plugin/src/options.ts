// The plugin's options, validated up front: a typo in a Babel config should fail loudly,
// naming the option and the type it expects, not be ignored.

export interface StackringOptions {
  /** Globs on the file name; when given, only matching files are instrumented. */
  include?: string | string[];
  /** Globs on the file name; matching files are left alone. */
  exclude?: string | string[];
  /** Module specifier instrumented files import the runtime from. */
  runtime?: string;
  /** Leave alone functions whose body can run no other code (see README). */
  skipTrivialLeaves?: boolean;
}

export interface ResolvedOptions {
  include: string[];
  exclude: string[];
  runtime: string;
  skipTrivialLeaves: boolean;
}

const EXPECTED: Record<keyof StackringOptions, string> = {
  include: 'a glob string or an array of glob strings',
  exclude: 'a glob string or an array of glob strings',
  runtime: 'a non-empty module specifier string',
  skipTrivialLeaves: 'a boolean',
};

function fail(message: string): never {
  throw new TypeError(`@stackring/babel-plugin: ${message}`);
}

function globs(name: keyof StackringOptions, value: unknown): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((g) => typeof g !== 'string' || g === '')) {
    fail(`option "${name}" must be ${EXPECTED[name]}, got ${describe(value)}`);
  }
  return list as string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array ${JSON.stringify(value)}`;
  return typeof value === 'string' ? `string ${JSON.stringify(value)}` : `${typeof value} ${String(value)}`;
}

export function resolveOptions(raw: unknown): ResolvedOptions {
  const opts = (raw ?? {}) as Record<string, unknown>;
  if (typeof opts !== 'object' || Array.isArray(opts)) fail(`options must be an object, got ${describe(raw)}`);
  for (const key of Object.keys(opts)) {
    if (!Object.hasOwn(EXPECTED, key)) {
      fail(`unknown option "${key}"; known options: ${Object.keys(EXPECTED).join(', ')}`);
    }
  }
  const runtime = opts.runtime ?? '@stackring/runtime';
  if (typeof runtime !== 'string' || runtime === '') fail(`option "runtime" must be ${EXPECTED.runtime}, got ${describe(runtime)}`);
  const skip = opts.skipTrivialLeaves ?? false;
  if (typeof skip !== 'boolean') fail(`option "skipTrivialLeaves" must be ${EXPECTED.skipTrivialLeaves}, got ${describe(skip)}`);
  return {
    include: globs('include', opts.include),
    exclude: globs('exclude', opts.exclude),
    runtime,
    skipTrivialLeaves: skip,
  };
}
