// npm run demo: records the quick-start app with stackring, dumps it from outside while its
// event loop is blocked, and writes an interactive flame graph.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../../packages/cli/dist/bin.js');
const outDir = here('./out/');
mkdirSync(outDir, { recursive: true });
const trace = `${outDir}app.srt`;

console.log('$ stackring record -o examples/quick-start/out/app.srt -f html --watchdog 500 -- node examples/quick-start/app.mjs');
const record = spawn(process.execPath, [bin, 'record', '-o', trace, '-f', 'html', '--watchdog', '500', '--', 'node', here('./app.mjs')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let dumpFailed = false;
const lines = createInterface({ input: record.stdout });
lines.on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    console.log(line);
    return;
  }
  if (!message.ready) return;
  // The app is now inside its slow synchronous export: ask stackring where it is.
  setTimeout(() => {
    console.log(`\n$ stackring dump ${message.pid}`);
    const dump = spawnSync(process.execPath, [bin, 'dump', String(message.pid)], { encoding: 'utf8' });
    process.stdout.write(dump.stdout || dump.stderr);
    console.log('');
    if (dump.status !== 0) dumpFailed = true;
  }, 300);
});
record.on('exit', (code) => {
  console.log(`\nFlame graph: ${outDir}app.html (open it in a browser)`);
  console.log(`Other formats: node packages/cli/dist/bin.js report ${trace} -f speedscope|cpuprofile|chrome|pprof|svg|folded`);
  // The demo shows two things; either failing fails it.
  process.exitCode = dumpFailed ? 1 : code ?? 1;
});
