import type { BenchmarkPoint, Phase } from '../benchmark-point.ts';

/** What the runner needs of a planned run (an `ExperimentPoint` has all of it). */
export interface RunnerPoint {
  readonly batchSize: number;
  readonly inputLen: number;
  readonly outputLen: number;
  /** Timed batches; the points are their medians. */
  readonly repeats: number;
  /** Untimed batches first. */
  readonly warmup: number;
}

/**
 * The phases a run yields: always `prefill`; `decode` when each request has more than `skipGaps` gaps to
 * measure, i.e. outputLen >= skipGaps + 2.
 */
export function runPhases(run: Pick<RunnerPoint, 'outputLen'>, skipGaps: number): Phase[] {
  return run.outputLen >= skipGaps + 2 ? ['prefill', 'decode'] : ['prefill'];
}

function key(phase: Phase, batchSize: number, inputLen: number, outputLen: number): string {
  return `${phase}/${batchSize}/${inputLen}/${outputLen}`;
}

/**
 * For resuming: the phases of `run` that `existing` does not already hold, matched on phase, batch size, input
 * and output length. Pass the points of the raw file the run appends to (same model, xpu and engine); an empty
 * answer means the run can be skipped.
 */
export function missingPhases(run: RunnerPoint, existing: readonly BenchmarkPoint[], skipGaps: number): Phase[] {
  const have = new Set(existing.map((p) => key(p.phase, p.batchSize, p.inputLen, p.outputLen)));
  return runPhases(run, skipGaps).filter((phase) => !have.has(key(phase, run.batchSize, run.inputLen, run.outputLen)));
}
