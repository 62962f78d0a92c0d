// Preloaded (-r) into both runs of a differential program. `__probe(label)` records the stack:
// in the plain run V8's own synchronous frames (CallSite API), in the instrumented run
// stackring's snapshot(). Both lists are written as JSON at exit to STACKRING_PROBE_FILE: a
// file, since stdout to a pipe is asynchronous on POSIX and what the pipe does not take at
// once is dropped when the process exits.
'use strict';
const { writeFileSync } = require('node:fs');
const probes = [];
const mode = process.env.STACKRING_PROBE_MODE;
Error.stackTraceLimit = Infinity;

function v8Frames() {
  const original = Error.prepareStackTrace;
  Error.prepareStackTrace = (_e, sites) => sites;
  const holder = {};
  Error.captureStackTrace(holder, globalThis.__probe);
  const sites = holder.stack;
  Error.prepareStackTrace = original;
  const frames = [];
  for (const cs of sites) {
    if (cs.isAsync && cs.isAsync()) continue; // only the synchronous stack
    const file = cs.getFileName() || '';
    if (!file || file.startsWith('node:')) continue;
    const text = String(cs).replace(/ \(.*\)$/, '').replace(/^(new|async) /, '').replace(/ \[as [^\]]*\]$/, '');
    frames.push({ file: file.replace(/^file:\/\//, ''), line: cs.getEnclosingLineNumber(), column: cs.getEnclosingColumnNumber(), fn: cs.getFunctionName() || '', text });
  }
  return frames.reverse();
}

globalThis.__probe = function (label) {
  if (mode === 'v8') probes.push({ label, frames: v8Frames() });
  else probes.push({ label, frames: require('@stackring/runtime').snapshot() });
};

process.on('exit', () => {
  writeFileSync(process.env.STACKRING_PROBE_FILE, JSON.stringify(probes));
});
