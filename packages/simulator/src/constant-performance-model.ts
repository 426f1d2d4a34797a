import * as z from 'zod/mini';
import type { DecodeRun, OperatorTime, PerformanceModel, StepBatch, StepTime } from './performance-model.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

/** Validates the coefficients of `createConstantPerformanceModel` (all in seconds, non-negative). */
export const ConstantPerformanceModelOptionsSchema = z.object({
  /** Seconds per prompt token computed in a step. */
  prefillSecondsPerToken: z.number().check(z.nonnegative()),
  /** Seconds added once to any step that decodes at least one sequence. */
  decodeSecondsPerStep: z.number().check(z.nonnegative()),
  /** Seconds per decoding sequence (grows the step with the batch). */
  decodeSecondsPerSequence: z._default(z.number().check(z.nonnegative()), 0),
  /** Seconds per cached token read by the decoding sequences (grows the step with context). */
  decodeSecondsPerCachedToken: z._default(z.number().check(z.nonnegative()), 0),
  /** Seconds added to every non-empty step. */
  stepOverheadSeconds: z._default(z.number().check(z.nonnegative()), 0),
});
/** The coefficients of `createConstantPerformanceModel`, as a caller writes them (defaults optional). */
export type ConstantPerformanceModelOptions = z.input<typeof ConstantPerformanceModelOptionsSchema>;

/**
 * The test double of `PerformanceModel`: a step costs a fixed linear function of the batch's sums,
 * so tests can predict every latency exactly. The breakdown labels each term with the operator it
 * stands for: prompt tokens 'mlp', the decode step and per-sequence terms 'lm_head', cached-token
 * reads 'attention', the fixed part 'overhead'.
 */
export function createConstantPerformanceModel(options: ConstantPerformanceModelOptions): Required<PerformanceModel> {
  const o = ConstantPerformanceModelOptionsSchema.parse(options, ENGLISH_ISSUES);
  const stepSeconds = (b: StepBatch): number => {
    if (b.prefillTokens === 0 && b.decodeSequences === 0) return 0;
    let seconds = o.stepOverheadSeconds + b.prefillTokens * o.prefillSecondsPerToken;
    if (b.decodeSequences > 0) {
      seconds +=
        o.decodeSecondsPerStep +
        b.decodeSequences * o.decodeSecondsPerSequence +
        b.decodeCachedTokens * o.decodeSecondsPerCachedToken;
    }
    return seconds;
  };
  const stepTime = (b: StepBatch): StepTime => {
    const totalSeconds = stepSeconds(b);
    if (totalSeconds === 0) return { totalSeconds, breakdown: [] };
    const decoding = b.decodeSequences > 0;
    const parts: OperatorTime[] = [
      { op: 'mlp', seconds: b.prefillTokens * o.prefillSecondsPerToken, flops: 0, bytes: 0, bound: 'compute' },
      {
        op: 'lm_head',
        seconds: decoding ? o.decodeSecondsPerStep + b.decodeSequences * o.decodeSecondsPerSequence : 0,
        flops: 0,
        bytes: 0,
        bound: 'memory',
      },
      {
        op: 'attention',
        seconds: decoding ? b.decodeCachedTokens * o.decodeSecondsPerCachedToken : 0,
        flops: 0,
        bytes: 0,
        bound: 'memory',
      },
      { op: 'overhead', seconds: o.stepOverheadSeconds, flops: 0, bytes: 0, bound: 'overhead' },
    ];
    return { totalSeconds, breakdown: parts.filter((p) => p.seconds > 0) };
  };
  // Affine in the cached tokens everywhere: one answer covers any run.
  const decodeRun = (b: StepBatch, maxSteps: number): DecodeRun => ({
    steps: b.prefillTokens === 0 ? maxSteps : 1,
    firstStepSeconds: stepSeconds(b),
    stepIncrementSeconds: b.decodeSequences * o.decodeSecondsPerCachedToken,
  });
  return { stepTime, stepSeconds, decodeRun };
}
