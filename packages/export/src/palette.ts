// Stable colours by category, varied a little by name so neighbours stay distinguishable. This
// function is also embedded, as its source text, in the HTML viewer: keep it self-contained
// plain JavaScript (no imports, no helpers outside it).

export function frameColour(category: string, name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  const v = ((hash >>> 0) % 1000) / 1000; // 0..1, the same for the same name
  switch (category) {
    case 'app': // your code: warm
      return `hsl(${Math.round(10 + v * 35)}, 80%, ${Math.round(58 + v * 8)}%)`;
    case 'dependency': // node_modules: blue
      return `hsl(${Math.round(195 + v * 30)}, 60%, ${Math.round(62 + v * 8)}%)`;
    case 'node': // Node internals: green
      return `hsl(${Math.round(95 + v * 40)}, 40%, ${Math.round(58 + v * 8)}%)`;
    case 'idle':
      return 'hsl(0, 0%, 84%)';
    case 'unknown': // lost frames: lavender, clearly not code
      return 'hsl(285, 45%, 74%)';
    default: // (root), (program), thread frames
      return `hsl(40, 10%, ${Math.round(70 + v * 6)}%)`;
  }
}

/** Legend entries, in display order. */
export const CATEGORY_LABELS: ReadonlyArray<[category: string, label: string]> = [
  ['app', 'app code'],
  ['dependency', 'dependencies (node_modules)'],
  ['node', 'Node internals (node:)'],
  ['idle', 'idle'],
  ['unknown', 'unknown (lost frames)'],
  ['other', 'other'],
];
