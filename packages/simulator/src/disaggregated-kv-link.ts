import { MinHeap } from './min-heap.ts';

/**
 * How concurrent KV transfers share one link: `fifo` sends them one at a time at full bandwidth in
 * the order they start; `fair` splits the bandwidth equally among those in flight (processor
 * sharing, as TCP/RDMA flows on one bottleneck roughly do). Either way the link never moves more
 * than its bandwidth: a transfer waits or slows down, never gets a free lunch.
 */
export type KvLinkSharing = 'fifo' | 'fair';

/**
 * One link between the pools. Bytes move at `bandwidthBytesPerSecond` shared per `sharing`; a
 * transfer's propagation latency is added after its last byte and does not occupy the link.
 * `fair` keeps a virtual clock (bytes served to each active transfer so far), so adding or finishing
 * a transfer costs O(log n).
 */
export class KvLink {
  private readonly bandwidth: number;
  private readonly sharing: KvLinkSharing;
  /** fifo: when the link finishes its queued bytes. */
  private freeAtSeconds = 0;
  /** fair: bytes served to every active transfer since the start, and when that was last brought up to date. */
  private virtualBytes = 0;
  private updatedSeconds = 0;
  private readonly active = new MinHeap(16);
  private sequence = 0;
  /** The pending completion event's time (fair), so stale heap entries are recognised. */
  scheduledSeconds = Infinity;
  busySeconds = 0;
  bytes = 0;

  constructor(bandwidthBytesPerSecond: number, sharing: KvLinkSharing) {
    this.bandwidth = bandwidthBytesPerSecond;
    this.sharing = sharing;
  }

  get sharesFairly(): boolean {
    return this.sharing === 'fair';
  }

  /** fifo: queues the bytes and returns when the last byte leaves. */
  sendFifo(nowSeconds: number, bytes: number): number {
    const start = Math.max(nowSeconds, this.freeAtSeconds);
    const seconds = bytes / this.bandwidth;
    this.freeAtSeconds = start + seconds;
    this.busySeconds += seconds;
    this.bytes += bytes;
    return this.freeAtSeconds;
  }

  /** fair: adds a transfer of `bytes` for request `id`; call `nextCompletionSeconds` after. */
  addFair(nowSeconds: number, id: number, bytes: number, done: (id: number, timeSeconds: number) => void): void {
    this.advance(nowSeconds, done);
    if (this.active.size === 0) this.updatedSeconds = nowSeconds;
    this.active.push(this.virtualBytes + bytes, this.sequence++, id);
    this.bytes += bytes;
  }

  /** fair: completes every transfer whose last byte has left by `nowSeconds`, calling `done(id, seconds)`. */
  advance(nowSeconds: number, done: (id: number, timeSeconds: number) => void): void {
    while (this.active.size > 0) {
      const n = this.active.size;
      const finishVirtual = this.active.peekKey();
      const finishSeconds = this.updatedSeconds + ((finishVirtual - this.virtualBytes) * n) / this.bandwidth;
      // A nanosecond of slack absorbs rounding between the scheduled and the recomputed finish time.
      if (finishSeconds <= nowSeconds + 1e-9) {
        const at = Math.min(finishSeconds, nowSeconds);
        this.busySeconds += at - this.updatedSeconds;
        this.virtualBytes = finishVirtual;
        this.updatedSeconds = at;
        const id = this.active.pop();
        done(id, at);
        continue;
      }
      this.busySeconds += nowSeconds - this.updatedSeconds;
      this.virtualBytes += ((nowSeconds - this.updatedSeconds) * this.bandwidth) / n;
      this.updatedSeconds = nowSeconds;
      return;
    }
    this.updatedSeconds = nowSeconds;
  }

  /** fair: when the next transfer in flight completes if none is added; Infinity when idle. */
  nextCompletionSeconds(): number {
    if (this.active.size === 0) return Infinity;
    return this.updatedSeconds + ((this.active.peekKey() - this.virtualBytes) * this.active.size) / this.bandwidth;
  }
}
