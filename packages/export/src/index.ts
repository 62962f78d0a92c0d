// @stackring/export: one profile model, one module per output format.

export * from './frame.js';
export * from './stack-table.js';
export * from './profile.js';
export * from './node-totals.js';
export * from './synthetic.js';
export * from './write-atomic.js';
export * from './palette.js';
export * from './flame-tree.js';
export * from './formats/folded.js';
export * from './formats/speedscope.js';
export * from './formats/cpuprofile.js';
export * from './formats/chrome-trace.js';
export * from './formats/pprof.js';
export * from './formats/html.js';
export * from './formats/svg.js';
export * from './formats/diff.js';
export { exportProfile, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './export-profile.js';
