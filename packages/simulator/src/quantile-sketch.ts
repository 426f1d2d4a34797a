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

  mean(): number {
    return this.total > 0 ? this.sum / this.total : NaN;
  }

  /** Population standard deviation, as numpy's np.std which vLLM's benchmark uses. */
  std(): number {
    if (this.total === 0) return NaN;
    const m = this.sum / this.total;
    return Math.sqrt(Math.max(0, this.sumSquares / this.total - m * m));
  }

  min(): number {
    return this.total > 0 ? this.minValue : NaN;
  }

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
