// For bench/priority.mjs: busy half the time, asleep the other half (every 10 ms, 5 ms of
// calls, then a 5 ms timer), for 3 s. Prints the share of its time it was busy, measured
// around its own busy stretches: the truth a fair sampler's profile should match.
function leaf(i) {
  return i * 2;
}
function spin(ms) {
  let s = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) for (let i = 0; i < 100; i++) s += leaf(i);
  return s;
}
const start = performance.now();
let busy = 0;
function round() {
  const t = performance.now();
  spin(5);
  busy += performance.now() - t;
  if (performance.now() - start < 3000) setTimeout(round, 5);
  else console.log(JSON.stringify({ busyShare: busy / (performance.now() - start) }));
}
round();
