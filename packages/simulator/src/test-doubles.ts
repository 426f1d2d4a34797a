import type { OperatorTime, PerformanceModel, StepBatch, StepTime } from './performance-model.ts';

export interface ConstantModelOptions {
  /** Fixed cost of every step. */
  readonly stepOverheadSeconds?: number;
  /** Added per prompt token computed. */
  readonly secondsPerPrefillToken?: number;
  /** Added per decoding sequence. */
  readonly secondsPerDecodeSequence?: number;
  /** Added per cached token attended to by decoding sequences. */
  readonly secondsPerDecodeContextToken?: number;
}

/**
 * A performance model with exactly known step times, for tests of anything that consumes the interface:
 * step = overhead + a * prompt tokens + b * decode sequences + c * decode context tokens.
 */
export function createConstantPerformanceModel(options: ConstantModelOptions = {}): PerformanceModel {
  const overhead = options.stepOverheadSeconds ?? 0.005;
  const a = options.secondsPerPrefillToken ?? 0;
  const b = options.secondsPerDecodeSequence ?? 0;
  const c = options.secondsPerDecodeContextToken ?? 0;
  const stepSeconds = (batch: StepBatch) =>
    overhead + a * batch.prefillTokens + b * batch.decodeSequences + c * batch.decodeCachedTokens;
  return {
    stepSeconds,
    stepTime(batch: StepBatch): StepTime {
      const prefill = a * batch.prefillTokens;
      const decode = b * batch.decodeSequences + c * batch.decodeCachedTokens;
      const breakdown: OperatorTime[] = [
        { op: 'overhead', seconds: overhead, flops: 0, bytes: 0, bound: 'overhead' },
        { op: 'mlp', seconds: prefill + decode, flops: 0, bytes: 0, bound: 'memory' },
      ];
      return { totalSeconds: stepSeconds(batch), breakdown };
    },
  };
}

/**
 * A model that looks step times up in a table keyed by (prefill tokens, decode sequences), falling back
 * to a given model: how measured step times plug in.
 */
export function createTablePerformanceModel(
  table: ReadonlyMap<string, number>,
  fallback: PerformanceModel,
): PerformanceModel {
  const key = (b: StepBatch) => `${b.prefillTokens}:${b.decodeSequences}`;
  return {
    stepSeconds: (batch) => table.get(key(batch)) ?? fallback.stepSeconds(batch),
    stepTime(batch) {
      const measured = table.get(key(batch));
      if (measured === undefined) return fallback.stepTime(batch);
      return { totalSeconds: measured, breakdown: [{ op: 'overhead', seconds: measured, flops: 0, bytes: 0, bound: 'overhead' }] };
    },
  };
}
