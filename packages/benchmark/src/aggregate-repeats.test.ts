import { describe, expect, it } from 'vitest';
import { aggregateRepeats } from './aggregate-repeats.ts';
import { BenchmarkPointSchema, type BenchmarkPoint } from './benchmark-point.ts';

// The five token_time repeats of Splitwise's Llama-2-70B TP4 on DGX-H100, batch 1, prompt 512, 128 outputs.
const TOKEN_TIMES_MS = [29.762305037895818, 29.26659482709081, 29.738654877062828, 29.54404005335321, 29.7180637341418];
const base = BenchmarkPointSchema.parse({
  phase: 'decode', model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4, batchSize: 1, inputLen: 512, contextLen: 576,
  outputLen: 128, latencyMs: 1, engine: 'unknown', source: 'splitwise_perf_model.csv',
});
const repeats: BenchmarkPoint[] = TOKEN_TIMES_MS.map((latencyMs, i) => ({ ...base, latencyMs, date: `2023-11-0${i + 1}` }));

describe('aggregating repeats', () => {
  it('folds repeats into the median with mean, std, min, max and percentiles', () => {
    const [point] = aggregateRepeats(repeats);
    expect(point.repeats).toBe(5);
    expect(point.latencyMs).toBe(29.7180637341418);
    const mean = TOKEN_TIMES_MS.reduce((a, b) => a + b) / 5;
    expect(point.spread?.meanMs).toBeCloseTo(mean, 12);
    expect(point.spread?.stdMs).toBeCloseTo(Math.sqrt(TOKEN_TIMES_MS.reduce((a, v) => a + (v - mean) ** 2, 0) / 5), 12);
    expect(point.spread?.minMs).toBe(29.26659482709081);
    expect(point.spread?.maxMs).toBe(29.762305037895818);
    // numpy.percentile(x, 25) with linear interpolation: the second smallest of five.
    expect(point.spread?.percentilesMs?.['25']).toBe(29.54404005335321);
    expect(point.date).toBe('2023-11-05');
  });

  it('keeps different setups apart, in first-seen order', () => {
    const tp8 = repeats.map((p) => ({ ...p, tp: 8 }));
    const out = aggregateRepeats([...tp8, ...repeats]);
    expect(out.map((p) => p.tp)).toEqual([8, 4]);
  });

  it('leaves a lone point, and the spread it came with, untouched', () => {
    const lone = { ...base, repeats: 10, spread: { meanMs: 920.4, stdMs: 64.9 } };
    expect(aggregateRepeats([lone])).toEqual([lone]);
  });
});
