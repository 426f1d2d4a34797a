/*
 * The performance-model interface as the simulator owns it (packages/simulator/src/performance-model.ts).
 * This package imports no other package of ours, so it declares the same shapes and meets the interface
 * structurally.
 */

/** One engine step's batch as sums over its sequences (the simulator's `StepBatch`, structurally). */
export interface StepBatch {
  readonly prefillSequences: number;
  readonly prefillTokens: number;
  readonly prefillCachedTokens: number;
  /** Sum over prefill sequences of newTokens * cachedTokens + newTokens * (newTokens + 1) / 2. */
  readonly prefillAttentionPairs: number;
  readonly decodeSequences: number;
  readonly decodeCachedTokens: number;
}

/** The operators a step's breakdown names. */
export type OperatorName =
  | 'embedding'
  | 'qkv_proj'
  | 'kv_up_proj'
  | 'attention'
  | 'o_proj'
  | 'mlp'
  | 'moe'
  | 'norm'
  | 'lm_head'
  | 'communication'
  | 'all_to_all'
  | 'pipeline'
  | 'overhead';

/** What limits an operator's time: arithmetic, memory traffic, communication, or fixed overhead. */
export type Bound = 'compute' | 'memory' | 'communication' | 'overhead';

/** One operator's share of a step: time, FLOPs, bytes and what bounds it. */
export interface OperatorTime {
  readonly op: OperatorName;
  readonly seconds: number;
  readonly flops: number;
  readonly bytes: number;
  readonly bound: Bound;
}

/** A step's wall time and its breakdown by operator. */
export interface StepTime {
  readonly totalSeconds: number;
  readonly breakdown: readonly OperatorTime[];
}

/** A batch with nothing scheduled. */
export const EMPTY_BATCH: StepBatch = {
  prefillSequences: 0,
  prefillTokens: 0,
  prefillCachedTokens: 0,
  prefillAttentionPairs: 0,
  decodeSequences: 0,
  decodeCachedTokens: 0,
};

/** Prefill of `batchSize` prompts of `inputLen` tokens each, in one step, nothing cached. */
export function prefillBatch(batchSize: number, inputLen: number, cachedTokens = 0): StepBatch {
  return {
    ...EMPTY_BATCH,
    prefillSequences: batchSize,
    prefillTokens: batchSize * inputLen,
    prefillCachedTokens: batchSize * cachedTokens,
    prefillAttentionPairs: batchSize * (inputLen * cachedTokens + (inputLen * (inputLen + 1)) / 2),
  };
}

/** One decode step of `batchSize` sequences with `contextLen` tokens cached each. */
export function decodeBatch(batchSize: number, contextLen: number): StepBatch {
  return { ...EMPTY_BATCH, decodeSequences: batchSize, decodeCachedTokens: batchSize * contextLen };
}

/** Every count of the batch times `factor` (one data-parallel rank's even share); the batch itself when factor is 1. */
export function scaleBatch(batch: StepBatch, factor: number): StepBatch {
  if (factor === 1) return batch;
  return {
    prefillSequences: batch.prefillSequences * factor,
    prefillTokens: batch.prefillTokens * factor,
    prefillCachedTokens: batch.prefillCachedTokens * factor,
    prefillAttentionPairs: batch.prefillAttentionPairs * factor,
    decodeSequences: batch.decodeSequences * factor,
    decodeCachedTokens: batch.decodeCachedTokens * factor,
  };
}

/** Tokens computed by the step: prompt tokens plus one per decoding sequence. */
export function batchTokens(batch: StepBatch): number {
  return batch.prefillTokens + batch.decodeSequences;
}

/** Sequences scheduled in the step, prefill and decode together. */
export function batchSequences(batch: StepBatch): number {
  return batch.prefillSequences + batch.decodeSequences;
}
