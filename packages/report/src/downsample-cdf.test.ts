import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleCdf, fractionAtMost, percentileOfSorted, sortedCopy } from './downsample-cdf.ts';
import { ReportError } from './errors.ts';

describe('downsampleCdf', () => {
  it('keeps the minimum and the maximum, at most maxPoints points, non-decreasing in both coordinates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 500 }),
        fc.integer({ min: 2, max: 64 }),
        (values, maxPoints) => {
          const cdf = downsampleCdf(values, maxPoints);
          expect(cdf.values.length).toBeLessThanOrEqual(maxPoints);
          expect(cdf.values.length).toBe(cdf.probabilities.length);
          expect(cdf.values[0]).toBe(Math.min(...values));
          expect(cdf.values[cdf.values.length - 1]).toBe(Math.max(...values));
          expect(cdf.probabilities[cdf.probabilities.length - 1]).toBe(1);
          for (let i = 1; i < cdf.values.length; i++) {
            expect(cdf.values[i]).toBeGreaterThanOrEqual(cdf.values[i - 1]);
            expect(cdf.probabilities[i]).toBeGreaterThan(cdf.probabilities[i - 1]);
          }
        },
      ),
    );
  });

  it('returns every sample when there are no more than maxPoints', () => {
    expect(downsampleCdf([30, 10, 20], 10)).toEqual({ values: [10, 20, 30], probabilities: [1 / 3, 2 / 3, 1] });
  });

  it('reduces a million samples to exact empirical quantiles', () => {
    const n = 1_000_000;
    // A permutation of 0..n-1 (7919 is prime, so coprime with n): value v has CDF (v + 1) / n.
    const values = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const cdf = downsampleCdf(values, 2000);
    expect(cdf.values.length).toBe(2000);
    cdf.values.forEach((v, i) => expect(cdf.probabilities[i]).toBe((v + 1) / n));
  }, 10_000);

  it('rejects a bad maxPoints and non-finite samples, naming them', () => {
    expect(() => downsampleCdf([1, 2], 1)).toThrow(/maxPoints/);
    let error: unknown;
    try {
      downsampleCdf([1, Number.NaN], 10);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReportError);
    expect((error as ReportError).code).toBe('INVALID_ARGUMENT');
    expect((error as ReportError).message).toMatch(/^values\.1: /);
  });
});

describe('percentileOfSorted', () => {
  it('interpolates linearly between closest ranks like numpy.percentile', () => {
    // numpy.percentile([1, 2, 3, 4], [50, 90, 99]) == [2.5, 3.7, 3.97]
    const sorted = sortedCopy([4, 1, 3, 2]);
    expect(percentileOfSorted(sorted, 50)).toBeCloseTo(2.5, 12);
    expect(percentileOfSorted(sorted, 90)).toBeCloseTo(3.7, 12);
    expect(percentileOfSorted(sorted, 99)).toBeCloseTo(3.97, 12);
  });
});

describe('fractionAtMost', () => {
  it('counts samples at or below the threshold', () => {
    const sorted = sortedCopy([5, 1, 3, 3, 9]);
    expect(fractionAtMost(sorted, 3)).toBe(3 / 5);
    expect(fractionAtMost(sorted, 0.5)).toBe(0);
    expect(fractionAtMost(sorted, 9)).toBe(1);
  });
});
