import { ReportError } from './errors.ts';

/** An empirical CDF reduced to a few points: `probabilities[i]` is the share of samples <= `values[i]`. */
export interface CdfPoints {
  readonly values: number[];
  readonly probabilities: number[];
}

/**
 * Reduces samples to at most `maxPoints` points of their empirical CDF, taken at evenly spaced
 * quantiles, so a plot of a million latencies stays small while its shape, minimum and maximum
 * stay exact. Does not modify `values`.
 */
export function downsampleCdf(values: ArrayLike<number>, maxPoints: number): CdfPoints {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new ReportError('INVALID_ARGUMENT', `maxPoints: must be an integer >= 2, got ${maxPoints}`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new ReportError('INVALID_ARGUMENT', `values.${i}: must be a finite number, got ${values[i]}`);
    }
  }
  return downsampleSortedCdf(sortedCopy(values), maxPoints);
}

/** A sorted copy; a typed array sorts numerically and several times faster than `Array#sort`. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function downsampleSortedCdf(sorted: Float64Array, maxPoints: number): CdfPoints {
  const n = sorted.length;
  const result: CdfPoints = { values: [], probabilities: [] };
  if (n === 0) return result;
  const count = Math.min(n, maxPoints);
  let previousIndex = -1;
  for (let i = 0; i < count; i++) {
    // Always ends on index n - 1, so the last point is the maximum at probability 1.
    const index = count === 1 ? n - 1 : Math.round((i * (n - 1)) / (count - 1));
    if (index === previousIndex) continue;
    previousIndex = index;
    result.values.push(sorted[index]);
    result.probabilities.push((index + 1) / n);
  }
  return result;
}

/**
 * The p-th percentile (0..100) of sorted samples with linear interpolation between closest ranks,
 * numpy's default and so the definition vLLM's benchmark reports use.
 */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = (p / 100) * (n - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(lower + 1, n - 1);
  return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
}

/** Share of sorted samples <= threshold, by binary search. */
export function fractionAtMost(sorted: Float64Array, threshold: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= threshold) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length === 0 ? Number.NaN : lo / sorted.length;
}
