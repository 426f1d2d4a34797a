import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { summarizeBatch } from './performance-model.ts';

describe('createConstantPerformanceModel', () => {
  const model = createConstantPerformanceModel({
    stepOverheadSeconds: 0.001,
    prefillSecondsPerToken: 1e-5,
    decodeSecondsPerStep: 0.004,
    decodeSecondsPerSequence: 1e-4,
    decodeSecondsPerCachedToken: 1e-7,
  });

  it('prices a mixed step as the sum of its terms, and its breakdown adds up to the total', () => {
    const batch = summarizeBatch([
      { newTokens: 100, cachedTokens: 0, isPrefill: true },
      { newTokens: 1, cachedTokens: 1000, isPrefill: false },
      { newTokens: 1, cachedTokens: 3000, isPrefill: false },
    ]);
    const expected = 0.001 + 100 * 1e-5 + 0.004 + 2 * 1e-4 + 4000 * 1e-7;
    expect(model.stepSeconds(batch)).toBeCloseTo(expected, 15);
    const step = model.stepTime(batch);
    expect(step.totalSeconds).toBe(model.stepSeconds(batch));
    expect(step.breakdown.reduce((a, p) => a + p.seconds, 0)).toBeCloseTo(expected, 15);
  });

  it('charges no decode terms to a prefill-only step and nothing to an empty one', () => {
    expect(model.stepSeconds(summarizeBatch([{ newTokens: 10, cachedTokens: 0, isPrefill: true }]))).toBeCloseTo(0.001 + 1e-4, 15);
    expect(model.stepSeconds(summarizeBatch([]))).toBe(0);
  });

  it('rejects a negative coefficient, naming it', () => {
    expect(() => createConstantPerformanceModel({ prefillSecondsPerToken: -1, decodeSecondsPerStep: 0 })).toThrow(/prefillSecondsPerToken/);
  });
});
