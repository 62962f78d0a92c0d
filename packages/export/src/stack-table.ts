// Stacks deduplicated in a prefix tree: a sample stores one node index, a node its parent and
// frame. A million samples of a real program share a few thousand nodes. A child is always
// created after its parent, so parent < child: totals accumulate in one reverse pass.

import { ROOT_FRAME } from './frame.js';

/** Frame indices must fit this many bits for the (parent, frame) child key. */
const FRAME_BITS = 22;
const FRAME_LIMIT = 2 ** FRAME_BITS;

export interface StackTable {
  /** Number of nodes; node 0 is the root (frame ROOT_FRAME, parent -1). */
  readonly length: number;
  readonly parent: Int32Array;
  readonly frame: Int32Array;
  /** 0 for the root, 1 for its children... */
  readonly depth: Int32Array;
}

export class StackTableBuilder implements StackTable {
  length = 1;
  parent = new Int32Array(1024);
  frame = new Int32Array(1024);
  depth = new Int32Array(1024);
  private readonly children = new Map<number, number>();

  constructor() {
    this.parent[0] = -1;
    this.frame[0] = ROOT_FRAME;
  }

  /** The node for `frame` called from `parent`, created on first use. */
  child(parent: number, frame: number): number {
    if (frame >= FRAME_LIMIT) throw new RangeError(`too many distinct frames (limit ${FRAME_LIMIT})`);
    const key = parent * FRAME_LIMIT + frame;
    const found = this.children.get(key);
    if (found !== undefined) return found;
    const node = this.length;
    if (node === this.parent.length) this.grow();
    this.parent[node] = parent;
    this.frame[node] = frame;
    this.depth[node] = this.depth[parent] + 1;
    this.length = node + 1;
    this.children.set(key, node);
    return node;
  }

  /** A compact copy holding exactly `length` nodes. */
  freeze(): StackTable {
    return {
      length: this.length,
      parent: this.parent.slice(0, this.length),
      frame: this.frame.slice(0, this.length),
      depth: this.depth.slice(0, this.length),
    };
  }

  private grow(): void {
    const size = this.parent.length * 2;
    for (const key of ['parent', 'frame', 'depth'] as const) {
      const next = new Int32Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

/** Frame indices of `node`'s stack, outermost first, without the root. */
export function stackFrames(table: StackTable, node: number): number[] {
  const out = new Array<number>(table.depth[node]);
  for (let n = node, i = out.length - 1; n > 0; n = table.parent[n], i--) out[i] = table.frame[n];
  return out;
}

/** Node indices from the root's child down to `node`. */
export function stackNodes(table: StackTable, node: number): number[] {
  const out = new Array<number>(table.depth[node]);
  for (let n = node, i = out.length - 1; n > 0; n = table.parent[n], i--) out[i] = n;
  return out;
}
