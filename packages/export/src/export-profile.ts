// Dispatch by format name, for the CLI and scripts.

import { writeChromeTrace } from './formats/chrome-trace.js';
import { writeCpuProfiles } from './formats/cpuprofile.js';
import { writeFolded } from './formats/folded.js';
import { writeHtml } from './formats/html.js';
import { writePprof } from './formats/pprof.js';
import { writeSpeedscope } from './formats/speedscope.js';
import { writeSvg } from './formats/svg.js';
import type { Profile } from './profile.js';

export const EXPORT_FORMATS = ['folded', 'speedscope', 'cpuprofile', 'chrome', 'pprof', 'html', 'svg'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Writes `profile` in `format` to `outPath` (atomically) and returns the files written:
 * one, except for cpuprofile with several threads (one file per thread, see cpuProfilePath).
 */
export interface ExportOptions {
  /**
   * What widths mean where a format offers the choice (folded, svg): 'time' (default) weighs
   * each sample by the time it covers, like every other format; 'samples' counts samples.
   */
  weight?: 'time' | 'samples';
}

export async function exportProfile(profile: Profile, format: ExportFormat, outPath: string, options: ExportOptions = {}): Promise<string[]> {
  const weight = options.weight ?? 'time';
  if (weight !== 'time' && weight !== 'samples') throw new Error(`unknown weight ${JSON.stringify(weight)}; expected time or samples`);
  switch (format) {
    case 'folded':
      writeFolded(profile, outPath, { weight: weight === 'time' ? 'ms' : 'samples' });
      return [outPath];
    case 'speedscope':
      writeSpeedscope(profile, outPath);
      return [outPath];
    case 'cpuprofile':
      return writeCpuProfiles(profile, outPath);
    case 'chrome':
      writeChromeTrace(profile, outPath);
      return [outPath];
    case 'pprof':
      writePprof(profile, outPath);
      return [outPath];
    case 'html':
      writeHtml(profile, outPath);
      return [outPath];
    case 'svg':
      writeSvg(profile, outPath, { weight });
      return [outPath];
    default:
      throw new Error(`unknown export format ${JSON.stringify(format)}; expected one of ${EXPORT_FORMATS.join(', ')}`);
  }
}
