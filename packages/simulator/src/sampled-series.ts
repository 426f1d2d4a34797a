/** A time series of bounded size: (timeSeconds, value) points. */
export interface TimeSeries {
  readonly timeSeconds: Float64Array;
  readonly values: Float64Array;
}

/**
 * Records one point per event but keeps at most `capacity` of them: when full it drops every other
 * point and from then on keeps only every 2nd (then 4th, ...) offered point. Deterministic, O(1)
 * amortised, and the kept points stay evenly spread over the run whatever its length.
 */
export class SampledSeries {
  private readonly capacity: number;
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private length = 0;
  private stride = 1;
  private offered = 0;

  constructor(capacity = 2048) {
    this.capacity = capacity - (capacity % 2);
    this.times = new Float64Array(this.capacity);
    this.values = new Float64Array(this.capacity);
  }

  offer(timeSeconds: number, value: number): void {
    const keep = this.offered % this.stride === 0;
    this.offered++;
    if (!keep) return;
    if (this.length === this.capacity) {
      for (let i = 0; i < this.capacity / 2; i++) {
        this.times[i] = this.times[2 * i];
        this.values[i] = this.values[2 * i];
      }
      this.length = this.capacity / 2;
      this.stride *= 2;
      if ((this.offered - 1) % this.stride !== 0) return;
    }
    this.times[this.length] = timeSeconds;
    this.values[this.length] = value;
    this.length++;
  }

  /** Offers to come that will not be kept: that many can be skipped with `skipOffers`. */
  quietOffers(): number {
    return quietOffers(this.offered, this.stride);
  }

  /** Counts offers that are not kept (see `quietOffers`) without recording them. */
  skipOffers(count: number): void {
    this.offered += count;
  }

  toSeries(): TimeSeries {
    return { timeSeconds: this.times.slice(0, this.length), values: this.values.slice(0, this.length) };
  }
}

/** With `offered` offers so far and every `stride`th kept: offers to come before the next kept one. */
export function quietOffers(offered: number, stride: number): number {
  const r = offered % stride;
  return r === 0 ? 0 : stride - r;
}
