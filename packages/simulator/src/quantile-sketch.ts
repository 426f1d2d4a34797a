/**
 * A weighted quantile sketch with bounded relative error (log-spaced buckets, as DDSketch): a million
 * requests produce hundreds of millions of inter-token gaps, which cannot all be kept. Any quantile it
 * returns is within `relativeAccuracy` of a value at that rank; the mean and count are exact.
 */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  private readonly logGamma: number;
  private readonly gamma: number;
  private counts = new Float64Array(4096);
  private offset = 0;
  private zeroCount = 0;
  private total = 0;
  private sum = 0;
  private sumSquares = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;

  constructor(relativeAccuracy = 0.005) {
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
    // Bucket 0 holds values near 1e-9 (a nanosecond): latencies below that are counted as zero.
    this.offset = -Math.ceil(Math.log(1e-9) / this.logGamma);
  }

  /** Adds `value` (>= 0) `weight` times. */
  add(value: number, weight = 1): void {
    if (weight <= 0) return;
    this.total += weight;
    this.sum += value * weight;
    this.sumSquares += value * value * weight;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
    if (value <= 1e-9) {
      this.zeroCount += weight;
      return;
    }
    const index = Math.ceil(Math.log(value) / this.logGamma) + this.offset;
    if (index >= this.counts.length) {
      const grown = new Float64Array(Math.max(index + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[index < 0 ? 0 : index] += weight;
  }

  get count(): number {
    return this.total;
  }

  get mean(): number {
    return this.total > 0 ? this.sum / this.total : 0;
  }

  get std(): number {
    if (this.total === 0) return 0;
    const m = this.mean;
    return Math.sqrt(Math.max(0, this.sumSquares / this.total - m * m));
  }

  /** The value at quantile q in [0, 1]. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    if (q <= 0) return this.minValue;
    if (q >= 1) return this.maxValue;
    const rank = q * (this.total - 1);
    let seen = this.zeroCount;
    if (rank < seen) return 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen > rank) {
        const value = (2 * Math.pow(this.gamma, i - this.offset)) / (1 + this.gamma);
        return Math.min(this.maxValue, Math.max(this.minValue, value));
      }
    }
    return this.maxValue;
  }
}
