// Wall-clock timestamps for sub-buffer headers. Worker threads have their own performance
// time origin, so absolute epoch milliseconds are what makes threads comparable. Only ever
// called at a switch, never on the enter/exit fast path (a clock read costs 40 to 60 ns).

const origin = performance.timeOrigin;

/** Milliseconds since the Unix epoch, with sub-millisecond precision. */
export function epochMillis(): number {
  return origin + performance.now();
}
