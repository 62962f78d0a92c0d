// Shapes and the maths on them. Types are erased by Babel; stackring still reports the
// functions at their positions in this file.
export interface Point {
  x: number;
  y: number;
}

export type Polygon = readonly Point[];

/** The area of a simple polygon (shoelace formula). */
export function polygonArea(polygon: Polygon): number {
  let twice = 0;
  for (let i = 0; i < polygon.length; i++) {
    const a = polygon[i]!;
    const b = polygon[(i + 1) % polygon.length]!;
    twice += a.x * b.y - b.x * a.y;
  }
  return Math.abs(twice) / 2;
}

/** A regular polygon with `sides` corners on a circle of the given radius. */
export function regularPolygon(sides: number, radius: number): Polygon {
  return Array.from({ length: sides }, (_, k): Point => ({
    x: radius * Math.cos((2 * Math.PI * k) / sides),
    y: radius * Math.sin((2 * Math.PI * k) / sides),
  }));
}
