import { describe, expect, it } from 'vitest';
import { BenchmarkError } from '../errors.ts';
import { DEFAULT_GRID, planExperiment } from './experiment-config.ts';

describe('grid experiments', () => {
  it('plans every batch size x input length x output length, with repeats and warm-up', () => {
    const points = planExperiment({
      kind: 'grid', model: 'llama-2-7b', xpu: 'h100-sxm',
      grid: { batchSizes: [1, 8], inputLens: [128, 1024], outputLens: [128], repeats: 5, warmup: 2 },
    });
    expect(points).toEqual([
      { batchSize: 1, inputLen: 128, outputLen: 128, repeats: 5, warmup: 2 },
      { batchSize: 1, inputLen: 1024, outputLen: 128, repeats: 5, warmup: 2 },
      { batchSize: 8, inputLen: 128, outputLen: 128, repeats: 5, warmup: 2 },
      { batchSize: 8, inputLen: 1024, outputLen: 128, repeats: 5, warmup: 2 },
    ]);
  });

  it('has a default grid of 10 x 6 x 2 runs', () => {
    expect(planExperiment({ kind: 'grid', model: 'm', xpu: 'x', grid: DEFAULT_GRID })).toHaveLength(120);
  });

  it('refuses an empty or repeated axis, naming it', () => {
    const attempt = () =>
      planExperiment({ kind: 'grid', model: 'm', xpu: 'x', grid: { batchSizes: [], inputLens: [128, 128], outputLens: [1] } });
    expect(attempt).toThrow(BenchmarkError);
    expect(attempt).toThrow(/grid\.batchSizes: at least one batch size.*grid\.inputLens: input length values must be distinct/);
  });
});
