import type { LatencySpread } from './benchmark-point.ts';

/** numpy.percentile's default (linear interpolation between closest ranks), on sorted values. */
export function percentileOfSorted(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (percent / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** The percentiles `vllm bench latency` reports; reused so spreads from every source look alike. */
export const SPREAD_PERCENTILES = [10, 25, 50, 75, 90, 99] as const;

/** Median and spread of repeated measurements (ms); std is the population one, as numpy and vLLM report. */
export function summarizeLatencies(valuesMs: readonly number[]): { medianMs: number; spread: LatencySpread } {
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const percentilesMs: Record<string, number> = {};
  for (const p of SPREAD_PERCENTILES) percentilesMs[String(p)] = percentileOfSorted(sorted, p);
  return {
    medianMs: percentileOfSorted(sorted, 50),
    spread: { meanMs: mean, stdMs: Math.sqrt(variance), minMs: sorted[0], maxMs: sorted[n - 1], percentilesMs },
  };
}
