import { predictSeconds, type AnnotatedPoint, type PhaseFigures } from '../annotated-point.ts';
import { H100_NVLINK, llama2_70bStepWork } from './llama-2-70b-work.ts';

/** H100 SXM, dense bf16 and HBM3, from NVIDIA's datasheet. */
export const H100_PEAK = { peakFlopsPerSecond: 989.4e12, peakBandwidthBytesPerSecond: 3.35e12 } as const;

/** [batch, new tokens per sequence, cached tokens per sequence] */
export type Shape = readonly [number, number, number];

/**
 * Points of Llama-2-70B at TP 4 on H100 whose measured time is what `figures` predict, times (1 + noise[i]):
 * the estimator must find `figures` back.
 */
export function synthesise(phase: 'prefill' | 'decode', figures: PhaseFigures, shapes: readonly Shape[], noise: readonly number[] = []): AnnotatedPoint[] {
  return shapes.map(([batchSize, newTokens, cachedTokens], i) => {
    const work = llama2_70bStepWork({ batchSize, newTokens, cachedTokens }, { tp: 4, ...H100_NVLINK });
    const point: AnnotatedPoint = {
      label: `${phase} b${batchSize} n${newTokens} c${cachedTokens}`,
      phase,
      measuredSeconds: 1,
      operators: work.operators,
      communicationSeconds: work.communicationSeconds ?? 0,
      batchSize,
    };
    return { ...point, measuredSeconds: predictSeconds(point, figures) * (1 + (noise[i] ?? 0)) };
  });
}

/** Prompts from 16 tokens (memory-bound: arithmetic intensity below the ridge) to 8192 (compute-bound). */
export const PREFILL_SHAPES: readonly Shape[] = [[1, 16, 0], [1, 64, 0], [1, 128, 0], [1, 512, 0], [1, 2048, 0], [4, 1024, 0], [1, 8192, 0]];
/** Batch 1 to 256 at contexts up to 8k: weights and KV reads, and the largest batches compute-bound. */
export const DECODE_SHAPES: readonly Shape[] = [[1, 1, 512], [8, 1, 4096], [32, 1, 2048], [64, 1, 8192], [128, 1, 1024], [256, 1, 512], [256, 1, 4096]];
