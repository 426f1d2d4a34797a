import { decodeBatch, prefillBatch, type RooflinePerformanceModel } from '@llm-sim/roofline';
import type { AnnotatedPointInput } from '@llm-sim/calibration';

/** What calibration needs of a measured point: its shape and its measured time. */
export interface MeasuredStep {
  readonly phase: 'prefill' | 'decode' | 'mixed';
  readonly batchSize: number;
  /** Prompt tokens per sequence (prefill). */
  readonly inputLen?: number;
  /** Cached tokens per sequence (decode). */
  readonly contextLen?: number;
  readonly latencyMs: number;
  readonly label?: string;
}

/**
 * Annotates measured steps with the work the roofline counts for them (per-operator FLOPs and bytes,
 * communication time): the estimator then fits effective figures to exactly the formula the roofline
 * prices steps with. Prefill: the whole batch's prompts in one step; decode: one step at the context.
 */
export function annotatePoints(points: readonly MeasuredStep[], roofline: RooflinePerformanceModel): AnnotatedPointInput[] {
  return points.map((p, i) => {
    const label = p.label ?? `${p.phase} b${p.batchSize} ${p.phase === 'prefill' ? `in${p.inputLen}` : `ctx${p.contextLen}`}`;
    if (p.phase === 'mixed') {
      return { label, phase: 'mixed', measuredSeconds: p.latencyMs / 1000, operators: [], batchSize: p.batchSize };
    }
    const batch = p.phase === 'prefill' ? prefillBatch(p.batchSize, p.inputLen ?? 0) : decodeBatch(p.batchSize, p.contextLen ?? 0);
    const work = roofline.stepWork(batch);
    return {
      label: label || `point ${i + 1}`,
      phase: p.phase,
      measuredSeconds: p.latencyMs / 1000,
      operators: work.operators.map((o) => ({ op: o.op, flops: o.flops, bytes: o.bytes })),
      communicationSeconds: work.communicationSeconds + work.pipelineSeconds,
      batchSize: p.batchSize,
      inputLen: p.inputLen,
      contextLen: p.contextLen,
    };
  });
}
