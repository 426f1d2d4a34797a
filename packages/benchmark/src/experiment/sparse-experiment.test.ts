import { getModel, getXpu, planMemory, ridgePointFlopsPerByte } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRID, gridPoints, planExperiment } from './experiment-config.ts';
import { createSparseExperiment } from './sparse-experiment.ts';

describe('sparse experiments', () => {
  const config = createSparseExperiment({ model: 'llama-2-7b', xpu: 'h100-sxm' });
  const points = planExperiment(config);
  const ridge = ridgePointFlopsPerByte(getXpu('h100-sxm'), 'bf16');

  it('plans against the xpu ridge point (H100 SXM: 989 TFLOPS bf16 over 3.35 TB/s, about 295 FLOPs/byte)', () => {
    expect(config.kind).toBe('sparse');
    expect(config.ridgePointFlopsPerByte).toBeCloseTo(ridge, 9);
    expect(ridge).toBeGreaterThan(250);
    expect(ridge).toBeLessThan(350);
  });

  it('needs a fraction of the full grid', () => {
    expect(points.length).toBeLessThan(gridPoints(DEFAULT_GRID).length / 2);
    expect(points.length).toBeGreaterThanOrEqual(10);
  });

  it('covers both regimes: compute-bound prefills and memory-bound decodes', () => {
    expect(points.some((p) => p.prefillIntensityFlopsPerByte! > ridge)).toBe(true);
    expect(points.some((p) => p.prefillIntensityFlopsPerByte! < ridge)).toBe(true);
    expect(points.some((p) => p.decodeIntensityFlopsPerByte! < ridge / 10)).toBe(true);
  });

  it('brackets the prefill ridge and keeps every purpose', () => {
    const prefillRidge = points.filter((p) => p.purposes?.includes('prefill-ridge'));
    expect(prefillRidge.map((p) => p.prefillIntensityFlopsPerByte! >= ridge).sort()).toEqual([false, true]);
    const purposes = new Set(points.flatMap((p) => p.purposes ?? []));
    expect(purposes).toEqual(
      new Set(['prefill-sweep', 'prefill-ridge', 'decode-batch-sweep', 'decode-ridge', 'decode-long-context']),
    );
  });

  it('decode intensity grows with the batch (weights are read once per step)', () => {
    const sweep = points.filter((p) => p.purposes?.includes('decode-batch-sweep'));
    for (let i = 1; i < sweep.length; i++) {
      expect(sweep[i].decodeIntensityFlopsPerByte!).toBeGreaterThan(sweep[i - 1].decodeIntensityFlopsPerByte!);
    }
  });

  it('brackets the decode ridge where a GQA model crosses it (Llama-3.1-8B on H100)', () => {
    // 8 KV heads: 128 KiB of KV per token, so large batches at short context pass the ridge.
    const grid = { ...DEFAULT_GRID, batchSizes: [1, 16, 64, 256, 512, 1024, 2048] };
    const gqa = planExperiment(createSparseExperiment({ model: 'llama-3.1-8b', xpu: 'h100-sxm', grid }));
    const ridgePoints = gqa.filter((p) => p.purposes?.includes('decode-ridge'));
    expect(ridgePoints.some((p) => p.decodeIntensityFlopsPerByte! >= ridge)).toBe(true);
    expect(ridgePoints.some((p) => p.decodeIntensityFlopsPerByte! < ridge)).toBe(true);
  });

  it('drops runs whose KV cache cannot fit', () => {
    const model = getModel('llama-2-7b');
    const memory = planMemory({ model, xpu: getXpu('h100-sxm') });
    expect(points.every((p) => p.batchSize * (p.inputLen + p.outputLen) <= memory.maxKvCacheTokens)).toBe(true);
    // 512 sequences of 128 + 128 tokens need 131072 KV slots; an H100 holds about 107k for Llama-2-7B.
    expect(512 * 256).toBeGreaterThan(memory.maxKvCacheTokens);
    expect(points.some((p) => p.batchSize === 512)).toBe(false);
    expect(points.some((p) => p.batchSize === 256)).toBe(true);
  });
});
