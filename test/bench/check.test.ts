// bench:check's verdict (bench/check.ts judge): a ratio to its same-run floor against the
// committed baseline, within a noise band that is the largest of the measured spread, the
// baseline's spread and the benchmark's minimum.
import { judge } from '../../bench/check';

const base = { ratio: 10, spread: 0.05, runs: [9.8, 10.2] };

describe('bench:check judge', () => {
  it('passes a ratio within the minimum band of the baseline and reports it relative to it', () => {
    const v = judge('alloc', [8, 8.2], 0.25, base);
    expect(v).toMatchObject({ passed: true, ratio: 8.1, baseline: 10, band: 0.25, relative: 0.81 });
    expect(v.reason).toBeUndefined();
  });

  it('fails a ratio below the baseline less the band, naming both figures', () => {
    const v = judge('alloc', [7, 7.2], 0.25, base);
    expect(v.passed).toBe(false);
    expect(v.reason).toMatch(/ratio 7\.1 is below 7\.5 \(baseline 10 less the noise band 25 %\)/);
  });

  it('widens the band to the noise measured now, so a noisy run is judged by its own spread', () => {
    // Runs 5 and 9: spread 0.8, median 7 >= 10 * (1 - 0.8).
    const v = judge('composer', [5, 9], 0.3, base);
    expect(v).toMatchObject({ passed: true, band: 0.8 });
  });

  it('never lets the band swallow everything: capped at 90 %', () => {
    const v = judge('composer', [0.5, 100], 0.3, base);
    expect(v.band).toBe(0.9);
  });

  it('fails without a baseline, saying how to record one', () => {
    const v = judge('iac', [3], 0.3, undefined);
    expect(v.passed).toBe(false);
    expect(v.reason).toMatch(/no baseline for iac in bench\/baseline\.json: record one with --update/);
  });

  it('never fails a ratio above the baseline', () => {
    expect(judge('alloc', [30, 31], 0.25, base).passed).toBe(true);
  });
});
