/**
 * A streaming histogram of positive values in logarithmic buckets (the DDSketch idea): each bucket
 * spans a factor (1 + 2 alpha), so any quantile it reports is within a relative error `alpha` of a
 * value of the stream at that rank. Weighted inserts (value, count) cost O(1) and memory is fixed,
 * which is how a million requests' inter-token gaps (hundreds of millions of them) are summarised.
 * Count, mean, std, min and max are exact; reported quantiles are clamped to [min, max], so a stream
 * of one repeated value reports that value exactly.
 */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  private readonly logGamma: number;
  private readonly minIndex: number;
  private readonly counts: Float64Array;
  private zeroCount = 0;
  private total = 0;
  private sum = 0;
  private sumSquares = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;

  /** Covers 1 ns .. 1e6 s with the given accuracy; values outside land in the end buckets (min/max stay exact). */
  constructor(relativeAccuracy = 1e-4, minValue = 1e-9, maxValue = 1e6) {
    this.relativeAccuracy = relativeAccuracy;
    const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(gamma);
    this.minIndex = Math.floor(Math.log(minValue) / this.logGamma);
    const maxIndex = Math.ceil(Math.log(maxValue) / this.logGamma);
    this.counts = new Float64Array(maxIndex - this.minIndex + 1);
  }

  get count(): number {
    return this.total;
  }

  /** Records a value (`weight` times); a weight of 0 or less records nothing. */
  add(value: number, weight = 1): void {
    if (weight <= 0) return;
    this.total += weight;
    this.sum += value * weight;
    this.sumSquares += value * value * weight;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
    if (value <= 0) {
      this.zeroCount += weight;
      return;
    }
    let i = Math.ceil(Math.log(value) / this.logGamma) - this.minIndex;
    if (i < 0) i = 0;
    else if (i >= this.counts.length) i = this.counts.length - 1;
    this.counts[i] += weight;
  }

  /**
   * Adds the `count` values first, first + increment, ..., first + (count - 1) * increment, each with
   * `weight`: the inter-token gaps of a run of decode steps whose time grows by a constant step. Count,
   * sum and sum of squares come in closed form; the buckets are filled by walking the ones the values
   * span, so the cost follows the buckets touched, not the count.
   */
  addArithmeticRun(first: number, increment: number, count: number, weight = 1): void {
    if (count <= 0 || weight <= 0) return;
    const last = first + increment * (count - 1);
    const low = Math.min(first, last);
    if (count === 1 || increment === 0 || !(low > 0)) {
      for (let j = 0; j < count; j++) this.add(first + j * increment, weight);
      return;
    }
    const n = count;
    const s1 = (n * (n - 1)) / 2;
    const s2 = ((n - 1) * n * (2 * n - 1)) / 6;
    this.total += n * weight;
    this.sum += weight * (n * first + increment * s1);
    this.sumSquares += weight * (n * first * first + 2 * first * increment * s1 + increment * increment * s2);
    const high = Math.max(first, last);
    if (low < this.minValue) this.minValue = low;
    if (high > this.maxValue) this.maxValue = high;
    const step = Math.abs(increment);
    let k = Math.ceil(Math.log(low) / this.logGamma);
    const kHigh = Math.ceil(Math.log(high) / this.logGamma);
    if (kHigh - k >= n) {
      for (let j = 0; j < n; j++) this.counts[this.bucketOf(Math.ceil(Math.log(low + j * step) / this.logGamma))] += weight;
      return;
    }
    // Bucket k holds (gamma^(k-1), gamma^k]: the values low + j * step up to gamma^k, bucket by bucket.
    const gamma = Math.exp(this.logGamma);
    let upper = Math.exp(k * this.logGamma);
    let placed = 0;
    while (placed < n) {
      const upTo = k >= kHigh ? n : Math.min(n, Math.floor((upper - low) / step) + 1);
      if (upTo > placed) {
        this.counts[this.bucketOf(k)] += (upTo - placed) * weight;
        placed = upTo;
      }
      k++;
      upper *= gamma;
    }
  }

  private bucketOf(k: number): number {
    const i = k - this.minIndex;
    return i < 0 ? 0 : i >= this.counts.length ? this.counts.length - 1 : i;
  }

  /** The exact mean of the recorded values; NaN when none were recorded. */
  mean(): number {
    return this.total > 0 ? this.sum / this.total : NaN;
  }

  /** Population standard deviation, as numpy's np.std which vLLM's benchmark uses. */
  std(): number {
    if (this.total === 0) return NaN;
    const m = this.sum / this.total;
    return Math.sqrt(Math.max(0, this.sumSquares / this.total - m * m));
  }

  /** The exact smallest recorded value; NaN when none were recorded. */
  min(): number {
    return this.total > 0 ? this.minValue : NaN;
  }

  /** The exact largest recorded value; NaN when none were recorded. */
  max(): number {
    return this.total > 0 ? this.maxValue : NaN;
  }

  /** The q-quantile (q in [0, 1]) at rank q * (count - 1), as numpy's default percentile locates it. */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const rank = q * (this.total - 1);
    let seen = this.zeroCount;
    let value = this.maxValue;
    if (rank < seen) {
      value = 0;
    } else {
      for (let i = 0; i < this.counts.length; i++) {
        seen += this.counts[i];
        if (rank < seen) {
          // The bucket's representative: the point of least relative error within (gamma^(k-1), gamma^k].
          const k = i + this.minIndex;
          value = (2 * Math.exp(k * this.logGamma)) / (1 + Math.exp(this.logGamma));
          break;
        }
      }
    }
    return Math.min(this.maxValue, Math.max(this.minValue, value));
  }
}
