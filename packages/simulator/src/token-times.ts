/** Per request, the times its tokens reached the client, column by column: `secondsOf(i)` in time order. */
export interface TokenTimes {
  /** `seconds[offsets[i] .. offsets[i + 1])` are request i's token times (one per chunk streamed: with speculation a step's accepted tokens arrive together). */
  readonly offsets: Int32Array;
  readonly seconds: Float64Array;
}

class GrowableFloats {
  values = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.values.length) this.grow(this.length * 2);
    this.values[this.length++] = x;
  }
  set(i: number, x: number): void {
    if (i >= this.values.length) this.grow(Math.max(i + 1, this.values.length * 2));
    this.values[i] = x;
    if (i >= this.length) this.length = i + 1;
  }
  private grow(size: number): void {
    const grown = new Float64Array(size).fill(NaN);
    grown.set(this.values.subarray(0, this.length));
    this.values = grown;
  }
}

/**
 * Records when each request's tokens are emitted, for vLLM's per-request `itls` (`--save-detailed`).
 * Replicas never visit a plain decoding request step by step: they log its decode stint (first and
 * last step) and the end time of every step, and the stint's token times are read back from those.
 * Tokens the replicas do visit (a first token, the first after a recompute, a speculative step's
 * accepted tokens) are logged as they are emitted. Only kept when asked for: it costs memory per token.
 */
export class TokenTimeLog {
  private readonly tokenIds: number[] = [];
  private readonly tokenSeconds = new GrowableFloats();
  /** (request, replica, first step, last step) per decode stint. */
  private readonly stints: number[] = [];
  private readonly stepEnds: GrowableFloats[] = [];

  noteStepEnd(replica: number, step: number, seconds: number): void {
    (this.stepEnds[replica] ??= new GrowableFloats()).set(step, seconds);
  }

  noteToken(id: number, seconds: number): void {
    this.tokenIds.push(id);
    this.tokenSeconds.push(seconds);
  }

  /** Request `id` emitted one token at the end of each of `replica`'s steps `firstStep..lastStep`. */
  noteStint(id: number, replica: number, firstStep: number, lastStep: number): void {
    if (lastStep >= firstStep) this.stints.push(id, replica, firstStep, lastStep);
  }

  /** Every request's token times, in time order. */
  build(requestCount: number): TokenTimes {
    const counts = new Int32Array(requestCount + 1);
    for (const id of this.tokenIds) counts[id + 1]++;
    for (let s = 0; s < this.stints.length; s += 4) counts[this.stints[s] + 1] += this.stints[s + 3] - this.stints[s + 2] + 1;
    const offsets = new Int32Array(requestCount + 1);
    for (let i = 0; i < requestCount; i++) offsets[i + 1] = offsets[i] + counts[i + 1];
    const seconds = new Float64Array(offsets[requestCount]);
    const fill = offsets.slice(0, requestCount);
    this.tokenIds.forEach((id, j) => (seconds[fill[id]++] = this.tokenSeconds.values[j]));
    for (let s = 0; s < this.stints.length; s += 4) {
      const [id, replica, first, last] = [this.stints[s], this.stints[s + 1], this.stints[s + 2], this.stints[s + 3]];
      const ends = this.stepEnds[replica].values;
      for (let k = first; k <= last; k++) seconds[fill[id]++] = ends[k];
    }
    for (let i = 0; i < requestCount; i++) seconds.subarray(offsets[i], offsets[i + 1]).sort();
    return { offsets, seconds };
  }
}
