// Exit codes scripts can rely on.
export const ExitCode = {
  OK: 0,
  /** The command ran but something failed (a file did not instrument, the child failed). */
  FAILURE: 1,
  /** Bad arguments (yargs' own usage errors use it too). */
  USAGE: 2,
  /** The target process has no reachable agent (no such pid, no agent, stale socket). */
  UNREACHABLE: 3,
  /** Input file unreadable or corrupt (a trace). */
  BAD_INPUT: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A bad argument found by a command's check(): usage error, exit code 2. */
export class UsageError extends Error {}
