import type { DecodeRunLimits, Replica } from './replica.ts';

/** What the engines' cluster series offers for run extension: how many samples a run may skip. */
export interface SkippableSeries {
  quietOffers(): number;
  skipOffers(count: number): void;
}

/**
 * Replicas that started a decode-only step at the current instant and may extend it into a
 * closed-form decode run (`Replica.extendDecodeRun`). Extension waits until every replica has
 * started its step at this instant, so that each run's horizon sees every step in flight: a run
 * then ends before any other replica's next event, no two runs' steps interleave, and the samples
 * a run skips are exactly those the step-by-step engine would not keep.
 */
export class PendingDecodeRuns {
  private readonly replicas: number[] = [];
  private readonly ties: number[] = [];
  private readonly endSeconds: number[] = [];
  private readonly limits: { horizonSeconds: number; maxExtraSteps: number } = { horizonSeconds: 0, maxExtraSteps: 0 };

  get size(): number {
    return this.replicas.length;
  }

  /** A replica whose first step ends at `endSeconds`; `tie` is the order its end event would have had. */
  add(replica: number, tie: number, endSeconds: number): void {
    this.replicas.push(replica);
    this.ties.push(tie);
    this.endSeconds.push(endSeconds);
  }

  /**
   * Extends each pending replica's step, in the order they started, and hands its end to `push`.
   * `nextEventSeconds` is the engine's next event outside the pending replicas (the next arrival, the
   * earliest queued event), read again after each push.
   */
  flush(
    replicas: readonly Replica[],
    nextEventSeconds: () => number,
    series: SkippableSeries,
    push: (replica: number, endSeconds: number, tie: number) => void,
  ): void {
    const count = this.replicas.length;
    const limits: DecodeRunLimits = this.limits;
    for (let i = 0; i < count; i++) {
      let horizon = nextEventSeconds();
      for (let j = i + 1; j < count; j++) horizon = Math.min(horizon, this.endSeconds[j]);
      this.limits.horizonSeconds = horizon;
      this.limits.maxExtraSteps = series.quietOffers();
      const r = this.replicas[i];
      const replica = replicas[r];
      const endSeconds = replica.extendDecodeRun(this.endSeconds[i], limits);
      series.skipOffers(replica.runExtraSteps);
      push(r, endSeconds, this.ties[i]);
    }
    this.replicas.length = 0;
    this.ties.length = 0;
    this.endSeconds.length = 0;
  }
}
