/**
 * When each request is sent, as `vllm bench serve --max-concurrency N` sends them: requests come due
 * at their drawn arrival times, in order, but at most N are outstanding; a due request waits (FIFO,
 * as the benchmark's asyncio semaphore queues) until one finishes, and is sent at that instant. With
 * `--request-rate inf` that is a closed loop: a new request as soon as one finishes. vLLM times a
 * request's latencies from when it is sent, so `take` writes the send time over the arrival time.
 */
export class ArrivalGate {
  private readonly arrivalSeconds: Float64Array;
  private readonly maxConcurrency: number;
  private next = 0;
  private outstanding = 0;
  /** The last time a slot was freed: a request held by the cap is sent no earlier. */
  private releasedAtSeconds = -Infinity;

  constructor(arrivalSeconds: Float64Array, maxConcurrency = Infinity) {
    this.arrivalSeconds = arrivalSeconds;
    this.maxConcurrency = maxConcurrency;
  }

  /** When the next request is sent, given what has finished so far; Infinity when none can be. */
  nextSeconds(): number {
    if (this.next >= this.arrivalSeconds.length || this.outstanding >= this.maxConcurrency) return Infinity;
    const due = this.arrivalSeconds[this.next];
    return due >= this.releasedAtSeconds ? due : this.releasedAtSeconds;
  }

  /** Sends the next request at `nowSeconds` (call when `nextSeconds() === nowSeconds`); returns its id. */
  take(nowSeconds: number): number {
    const id = this.next++;
    this.arrivalSeconds[id] = nowSeconds;
    this.outstanding++;
    return id;
  }

  /** A sent request finished (or was rejected) at `nowSeconds`. */
  release(nowSeconds: number): void {
    this.outstanding--;
    if (this.maxConcurrency !== Infinity) this.releasedAtSeconds = nowSeconds;
  }
}
