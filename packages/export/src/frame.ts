// Frames: what a stack node shows. Function ids from the ring map to frames; a few synthetic
// frames make lost data, idle time and stack-less samples visible instead of dropping them.

export type FrameCategory = 'app' | 'dependency' | 'node' | 'idle' | 'unknown' | 'other';

export interface Frame {
  name: string;
  /** Source file (path or URL); '' when unknown. */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  category: FrameCategory;
  /** The ring's function id; undefined for synthetic frames. */
  functionId?: number;
}

/** Frame indices of the synthetic frames every profile starts with. */
export const ROOT_FRAME = 0;
/** A frame the ring lost (UNKNOWN_FRAME in a StackSample). */
export const UNKNOWN_FRAME_INDEX = 1;
/** The leaf of a sample taken while the thread's event loop waited. */
export const IDLE_FRAME_INDEX = 2;
/** The leaf of a busy sample with no instrumented frame: native or uninstrumented code. */
export const PROGRAM_FRAME_INDEX = 3;

export function syntheticFrames(): Frame[] {
  return [
    { name: '(root)', file: '', line: 0, column: 0, category: 'other' },
    { name: '(unknown)', file: '', line: 0, column: 0, category: 'unknown' },
    { name: '(idle)', file: '', line: 0, column: 0, category: 'idle' },
    { name: '(program)', file: '', line: 0, column: 0, category: 'other' },
  ];
}

/** Your code, a dependency (under node_modules) or Node itself (node: URLs, internal modules). */
export function categoryOfFile(file: string): FrameCategory {
  if (file === '') return 'other';
  if (file.startsWith('node:') || file.startsWith('internal/')) return 'node';
  if (/[\\/]node_modules[\\/]/.test(file)) return 'dependency';
  return 'app';
}

/** "file:line" or "file" or "" for display. */
export function frameLocation(frame: Frame): string {
  if (frame.file === '') return '';
  return frame.line > 0 ? `${frame.file}:${frame.line}` : frame.file;
}
