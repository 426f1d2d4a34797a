import { MinHeap } from './min-heap.ts';

/**
 * When each request is sent, as `vllm bench serve --max-concurrency N` sends them: requests come due
 * at their drawn arrival times, in order, but at most N are outstanding; a due request waits (FIFO,
 * as the benchmark's asyncio semaphore queues) until one finishes, and is sent at that instant. With
 * `--request-rate inf` that is a closed loop: a new request as soon as one finishes. vLLM times a
 * request's latencies from when it is sent, so `take` writes the send time over the arrival time.
 *
 * With `previousTurn` (a conversation's turns, `RequestSet.previousTurn`), a request that follows
 * another comes due when that one finishes, as a multi-turn client sends the next question once the
 * answer is in (vLLM's `benchmarks/multi_turn`); a due next turn goes ahead of conversations not yet
 * started, so that N concurrent requests are N conversations carried through to their end.
 */
export class ArrivalGate {
  private readonly arrivalSeconds: Float64Array;
  private readonly maxConcurrency: number;
  private readonly follows: Int32Array | undefined;
  /** Per request: the request that follows it (-1: none). */
  private readonly nextTurn: Int32Array | undefined;
  /** Next turns come due as their previous turn finishes: keyed by that time, then id. */
  private readonly dueTurns = new MinHeap(16);
  private next = 0;
  private outstanding = 0;
  /** The last time a slot was freed: a request held by the cap is sent no earlier. */
  private releasedAtSeconds = -Infinity;

  constructor(arrivalSeconds: Float64Array, maxConcurrency = Infinity, previousTurn?: Int32Array) {
    this.arrivalSeconds = arrivalSeconds;
    this.maxConcurrency = maxConcurrency;
    if (previousTurn !== undefined) {
      this.follows = previousTurn;
      this.nextTurn = new Int32Array(arrivalSeconds.length).fill(-1);
      for (let i = 0; i < previousTurn.length; i++) if (previousTurn[i] >= 0) this.nextTurn[previousTurn[i]] = i;
      this.skipFollowers();
    }
  }

  /** When the next request is sent, given what has finished so far; Infinity when none can be. */
  nextSeconds(): number {
    if (this.outstanding >= this.maxConcurrency) return Infinity;
    const turn = this.dueTurns.size > 0 ? this.dueTurns.peekKey() : Infinity;
    const due = this.next < this.arrivalSeconds.length ? Math.min(this.arrivalSeconds[this.next], turn) : turn;
    return due >= this.releasedAtSeconds ? due : this.releasedAtSeconds;
  }

  /** Sends the next request at `nowSeconds` (call when `nextSeconds() === nowSeconds`); returns its id. */
  take(nowSeconds: number): number {
    let id: number;
    if (this.dueTurns.size > 0 && this.dueTurns.peekKey() <= nowSeconds) {
      id = this.dueTurns.pop();
    } else {
      id = this.next++;
      this.skipFollowers();
    }
    this.arrivalSeconds[id] = nowSeconds;
    this.outstanding++;
    return id;
  }

  /** Sent request `id` finished (or was rejected) at `nowSeconds`. */
  release(nowSeconds: number, id: number): void {
    this.outstanding--;
    if (this.maxConcurrency !== Infinity) this.releasedAtSeconds = nowSeconds;
    const following = this.nextTurn?.[id] ?? -1;
    if (following >= 0) this.dueTurns.push(nowSeconds, following, following);
  }

  private skipFollowers(): void {
    const follows = this.follows;
    if (follows === undefined) return;
    while (this.next < follows.length && follows[this.next] >= 0) this.next++;
  }
}
