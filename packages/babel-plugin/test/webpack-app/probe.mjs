// Called once, at a known point (priceOf, for the pear). Records stackring's view of the stack
// (empty when not instrumented) and V8's own: each frame's function start, where the plugin
// says V8 puts it (CallSite.getEnclosing*; in the bundle these are the bundle's positions).
import { snapshot } from '@stackring/runtime';

export const seen = { snapshot: [], v8: [] };

export function probe() {
  seen.snapshot = snapshot();
  const prepare = Error.prepareStackTrace;
  Error.prepareStackTrace = (_error, sites) => sites;
  const sites = new Error().stack;
  Error.prepareStackTrace = prepare;
  seen.v8 = sites.map((s) => ({ file: s.getFileName() ?? '', line: s.getEnclosingLineNumber(), column: s.getEnclosingColumnNumber() }));
}
