/**
 * A series sampled over simulated time that never holds more than `capacity` points: when full, every
 * other point is dropped and the sampling stride doubles, so a run of any length yields an even picture.
 */
export class DecimatingSeries {
  readonly names: readonly string[];
  private readonly capacity: number;
  private stride = 1;
  private sinceLast = 0;
  private length = 0;
  private readonly time: Float64Array;
  private readonly values: Float64Array[];

  constructor(names: readonly string[], capacity = 2048) {
    this.names = names;
    this.capacity = capacity;
    this.time = new Float64Array(capacity);
    this.values = names.map(() => new Float64Array(capacity));
  }

  /** Offers a sample; it is kept when the stride says so. Values are in `names` order. */
  offer(timeSeconds: number, values: ArrayLike<number>): void {
    if (++this.sinceLast < this.stride) return;
    this.sinceLast = 0;
    if (this.length === this.capacity) {
      for (let i = 0; i < this.capacity / 2; i++) {
        this.time[i] = this.time[2 * i + 1];
        for (const v of this.values) v[i] = v[2 * i + 1];
      }
      this.length = this.capacity / 2;
      this.stride *= 2;
    }
    this.time[this.length] = timeSeconds;
    for (let k = 0; k < this.values.length; k++) this.values[k][this.length] = values[k];
    this.length++;
  }

  toJSON(): { timeSeconds: number[] } & Record<string, number[]> {
    const out: Record<string, number[]> = { timeSeconds: Array.from(this.time.subarray(0, this.length)) };
    this.names.forEach((name, k) => {
      out[name] = Array.from(this.values[k].subarray(0, this.length));
    });
    return out as { timeSeconds: number[] } & Record<string, number[]>;
  }
}
