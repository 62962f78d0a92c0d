// Wall-clock timestamps for sub-buffer headers. Worker threads have their own performance
// time origin, so absolute epoch milliseconds are what makes threads comparable. Only ever
// called at a switch, never on the enter/exit fast path (a clock read costs 40 to 60 ns).

// The thread's own `performance`, of its main context: code loaded into a vm context (Jest's
// test files) sees that context's, which fake timers replace (a frozen clock would time every
// sub-buffer alike).
import { createRequire } from 'node:module';

const hostPerformance = (createRequire(process.execPath)('node:vm') as typeof import('node:vm')).runInThisContext('performance') as typeof performance;
const origin = hostPerformance.timeOrigin;

/** Milliseconds since the Unix epoch, with sub-millisecond precision. */
export function epochMillis(): number {
  return origin + hostPerformance.now();
}
