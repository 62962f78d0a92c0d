// A small TypeScript app: estimates pi from ever finer regular polygons, and then, to have
// something to look at with `stackring dump`, keeps doing it in one long synchronous call.
import { polygonArea, regularPolygon, type Polygon } from './geometry.js';

const blockMs: number = Number(process.argv[2] ?? 60_000);

class Estimator {
  private readonly cache = new Map<number, Polygon>();

  constructor(private readonly radius: number) {}

  estimatePi(sides: number): number {
    let polygon = this.cache.get(sides);
    if (polygon === undefined) {
      polygon = regularPolygon(sides, this.radius);
      this.cache.set(sides, polygon);
    }
    return polygonArea(polygon) / (this.radius * this.radius);
  }
}

function refineForever(estimator: Estimator, until: number): number {
  let best = 0;
  for (let sides = 3; Date.now() < until; sides = sides >= 20_000 ? 3 : sides * 2) {
    best = estimator.estimatePi(sides);
  }
  return best;
}

const estimator = new Estimator(1);
console.log(JSON.stringify({ ready: true, pid: process.pid, pi: estimator.estimatePi(1024) }));
refineForever(estimator, Date.now() + blockMs);
