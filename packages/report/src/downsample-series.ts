/**
 * Thins a time series to about `maxPoints` points by keeping, in each of `maxPoints / 3` equal
 * slices of the index range, the first, minimum and maximum samples in time order: a step-by-step
 * series with 100k points then draws as a small SVG without hiding its spikes or dips.
 */
export function downsampleSeries(
  timeSeconds: readonly number[],
  values: readonly number[],
  maxPoints: number,
): { timeSeconds: number[]; values: number[] } {
  const n = Math.min(timeSeconds.length, values.length);
  if (n <= maxPoints) return { timeSeconds: timeSeconds.slice(0, n), values: values.slice(0, n) };
  const buckets = Math.max(1, Math.floor(maxPoints / 3));
  const keptIndices: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let minIndex = start;
    let maxIndex = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[minIndex]) minIndex = i;
      if (values[i] > values[maxIndex]) maxIndex = i;
    }
    for (const i of [...new Set([start, minIndex, maxIndex])].sort((x, y) => x - y)) keptIndices.push(i);
  }
  if (keptIndices[keptIndices.length - 1] !== n - 1) keptIndices.push(n - 1);
  return { timeSeconds: keptIndices.map((i) => timeSeconds[i]), values: keptIndices.map((i) => values[i]) };
}
