// Where a child process that inherited a recording writes its trace, and how `stackring record`
// finds those traces again: one naming, checked both ways on generated paths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childRecordPath, childRecordPid, recordPathOfProcess } from '../src/agent/options.js';

const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
const path = fc.tuple(fc.array(segment, { maxLength: 3 }), segment).map(([dirs, name]) => ['/tmp', ...dirs, name].join('/'));
const pid = fc.integer({ min: 1, max: 4_194_304 });

describe('child trace paths', () => {
  it('a child\'s trace is found again with its pid, and nothing else is taken for one', () => {
    fc.assert(
      fc.property(path, pid, pid, (trace, child, other) => {
        const file = childRecordPath(trace, child);
        expect(file).not.toBe(trace);
        expect(childRecordPid(trace, file)).toBe(child);
        expect(childRecordPid(trace, trace)).toBeUndefined();
        // Another recording's children are not this one's.
        const elsewhere = childRecordPath(`${trace}x`, other);
        if (elsewhere !== file) expect(childRecordPid(trace, elsewhere)).not.toBe(other);
      }),
    );
  });

  it('puts the pid before the extension, and only for processes that did not claim the path', () => {
    expect(childRecordPath('/t/app.srt', 12345)).toBe('/t/app.12345.srt');
    expect(childRecordPath('/t.d/app', 7)).toBe('/t.d/app.7');
    expect(childRecordPath('/t/.srt', 7)).toBe('/t/.srt.7');
    expect(childRecordPid('/t/app.srt', '/t/app.0.srt')).toBeUndefined();
    expect(childRecordPid('/t/app.srt', '/t/app.12a.srt')).toBeUndefined();
    expect(recordPathOfProcess('/t/app.srt', undefined, 5)).toBe('/t/app.srt');
    expect(recordPathOfProcess('/t/app.srt', '5', 5)).toBe('/t/app.srt');
    expect(recordPathOfProcess('/t/app.srt', '4', 5)).toBe('/t/app.5.srt');
  });
});
