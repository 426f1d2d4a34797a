import { describe, expect, it } from 'vitest';
import { downsampleSeries } from './downsample-series.ts';

describe('downsampleSeries', () => {
  it('returns a short series unchanged', () => {
    expect(downsampleSeries([0, 1, 2], [5, 6, 7], 10)).toEqual({ timeSeconds: [0, 1, 2], values: [5, 6, 7] });
  });

  it('keeps a one-sample spike and dip, the ends, and time order when thinning 100k points', () => {
    const n = 100_000;
    const t = Array.from({ length: n }, (_, i) => i * 0.01);
    const v = Array.from({ length: n }, (_, i) => 10 + Math.sin(i / 500));
    v[31_337] = 1000;
    v[77_777] = -1000;
    const thin = downsampleSeries(t, v, 1500);
    expect(thin.values.length).toBeLessThanOrEqual(1501);
    expect(thin.values).toContain(1000);
    expect(thin.values).toContain(-1000);
    expect(thin.timeSeconds[0]).toBe(0);
    expect(thin.timeSeconds[thin.timeSeconds.length - 1]).toBe(t[n - 1]);
    for (let i = 1; i < thin.timeSeconds.length; i++) expect(thin.timeSeconds[i]).toBeGreaterThan(thin.timeSeconds[i - 1]);
  });
});
