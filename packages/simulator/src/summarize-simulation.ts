import * as z from 'zod/mini';
import { RequestStatus } from './request-table.ts';
import type { GoodputSlo, SimulationResult } from './simulate.ts';

type LatencyKey = `${'mean' | 'median' | 'std' | 'p90' | 'p95' | 'p99'}_${'ttft' | 'tpot' | 'itl' | 'e2el'}_ms`;
const LATENCY_KEYS = (['ttft', 'tpot', 'itl', 'e2el'] as const).flatMap((m) =>
  (['mean', 'median', 'std', 'p90', 'p95', 'p99'] as const).map((s) => `${s}_${m}_ms` as LatencyKey),
);

/**
 * The result JSON of `vllm bench serve` (v0.11 `vllm/benchmarks/serve.py`), keyed as vLLM keys it,
 * plus what only a simulator can report. Latencies in milliseconds, throughputs per second.
 */
export const BenchmarkSummarySchema = z.object({
  completed: z.int(),
  failed: z.int(),
  num_prompts: z.int(),
  duration: z.number(),
  total_input_tokens: z.int(),
  total_output_tokens: z.int(),
  request_throughput: z.number(),
  request_goodput: z.nullable(z.number()),
  output_throughput: z.number(),
  total_token_throughput: z.number(),
  ...(Object.fromEntries(LATENCY_KEYS.map((k) => [k, z.number()])) as Record<LatencyKey, z.ZodMiniNumber>),
  mean_queueing_delay_ms: z.number(),
  p99_queueing_delay_ms: z.number(),
  preemptions: z.int(),
  kv_cache_peak_utilization: z.number(),
  kv_cache_blocks_per_replica: z.int(),
  mean_batch_size: z.number(),
  mean_concurrent_requests: z.number(),
  num_steps: z.int(),
  num_replicas: z.int(),
  /** vLLM's `prefix_cache_hits / prefix_cache_queries` (prompt tokens found cached / looked up); 0 with caching off. */
  prefix_cache_hit_rate: z.number(),
  /** Prefill time the cache hits saved, in seconds (each priced as a lone prefill with and without the hit). */
  prefill_time_saved_s: z.number(),
  /** Speculative decoding: tokens emitted per verification (accepted drafts + 1), as vLLM's mean acceptance length; 0 without. */
  mean_acceptance_length: z.number(),
  failure_reasons: z.record(z.string(), z.number()),
  /** Busy seconds by operator, summed over replicas. */
  time_by_operator: z.record(z.string(), z.number()),
});
/** A run's metrics under `vllm bench serve`'s keys plus the simulator's own (see `BenchmarkSummarySchema`). */
export type BenchmarkSummary = z.infer<typeof BenchmarkSummarySchema>;

/** numpy.percentile's default (linear interpolation between closest ranks) over a sorted array. */
export function percentile(sorted: Float64Array, percent: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const position = (percent / 100) * (n - 1);
  const lo = Math.floor(position);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

function finiteSorted(values: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) count++;
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[j++] = values[i];
  return out.sort();
}

/** Mean, median, std and tail percentiles of a set of values, as `vllm bench serve` reports them. */
export interface Distribution {
  readonly mean: number;
  readonly median: number;
  readonly std: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * Mean, median, population std (np.std) and percentiles of the non-NaN values; all 0 when there
 * are none, as vLLM reports a metric with no samples.
 */
export function describeValues(values: Float64Array): Distribution {
  const sorted = finiteSorted(values);
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = n > 0 ? sum / n : 0;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  return {
    mean,
    median: percentile(sorted, 50),
    std: n > 0 ? Math.sqrt(squares / n) : 0,
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

type Metric = 'ttft' | 'tpot' | 'e2el';
type MetricStats<M extends Metric> = Record<`${'mean' | 'median' | 'std' | 'p90' | 'p95' | 'p99'}_${M}_ms`, number>;

function msStats<M extends Metric>(name: M, values: Float64Array): MetricStats<M> {
  const d = describeValues(values);
  return {
    [`mean_${name}_ms`]: d.mean * 1000,
    [`median_${name}_ms`]: d.median * 1000,
    [`std_${name}_ms`]: d.std * 1000,
    [`p90_${name}_ms`]: d.p90 * 1000,
    [`p95_${name}_ms`]: d.p95 * 1000,
    [`p99_${name}_ms`]: d.p99 * 1000,
  } as MetricStats<M>;
}

/**
 * Counts requests meeting every given SLO as vLLM's `--goodput` does: TTFT, TPOT (0 for a one-token
 * output) and E2E latency each at most its bound.
 */
export function countGoodRequests(result: SimulationResult, slo: GoodputSlo): number {
  // vLLM compares in milliseconds; a request must be finished to count.
  const r = result.requests;
  let good = 0;
  for (let i = 0; i < r.ttftSeconds.length; i++) {
    if (r.status[i] !== RequestStatus.finished) continue;
    const tpot = Number.isNaN(r.tpotSeconds[i]) ? 0 : r.tpotSeconds[i];
    if (slo.ttft !== undefined && r.ttftSeconds[i] * 1000 > slo.ttft) continue;
    if (slo.tpot !== undefined && tpot * 1000 > slo.tpot) continue;
    if (slo.e2el !== undefined && r.e2elSeconds[i] * 1000 > slo.e2el) continue;
    good++;
  }
  return good;
}

/**
 * The run's metrics as `vllm bench serve` names and defines them: duration from the first arrival
 * to the last response; token totals over completed requests; TPOT over requests with more than
 * one output token; ITL over every inter-token gap (quantiles within the sketch's accuracy);
 * goodput (null without SLOs) counts requests meeting every given SLO, per second.
 */
export function summarizeSimulation(result: SimulationResult, goodput?: GoodputSlo): BenchmarkSummary {
  const r = result.requests;
  let totalInput = 0;
  let totalOutput = 0;
  for (let i = 0; i < r.status.length; i++) {
    if (r.status[i] !== RequestStatus.finished) continue;
    totalInput += r.inputTokens[i];
    totalOutput += r.outputTokens[i];
  }
  const d = result.durationSeconds;
  const perSecond = (x: number) => (d > 0 ? x / d : 0);
  const itl = result.itlSeconds;
  const queue = describeValues(r.queueingDelaySeconds);
  const hasGoodput = goodput !== undefined && Object.values(goodput).some((v) => v !== undefined);
  return {
    completed: result.completed,
    failed: result.failed,
    num_prompts: r.status.length,
    duration: d,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    request_throughput: perSecond(result.completed),
    request_goodput: hasGoodput ? perSecond(countGoodRequests(result, goodput)) : null,
    output_throughput: perSecond(totalOutput),
    total_token_throughput: perSecond(totalInput + totalOutput),
    ...msStats('ttft', r.ttftSeconds),
    ...msStats('tpot', r.tpotSeconds),
    mean_itl_ms: itl.count > 0 ? itl.mean() * 1000 : 0,
    median_itl_ms: itl.count > 0 ? itl.quantile(0.5) * 1000 : 0,
    std_itl_ms: itl.count > 0 ? itl.std() * 1000 : 0,
    p90_itl_ms: itl.count > 0 ? itl.quantile(0.9) * 1000 : 0,
    p95_itl_ms: itl.count > 0 ? itl.quantile(0.95) * 1000 : 0,
    p99_itl_ms: itl.count > 0 ? itl.quantile(0.99) * 1000 : 0,
    ...msStats('e2el', r.e2elSeconds),
    mean_queueing_delay_ms: queue.mean * 1000,
    p99_queueing_delay_ms: queue.p99 * 1000,
    preemptions: result.preemptions,
    kv_cache_peak_utilization: result.kvCachePeakUtilization,
    kv_cache_blocks_per_replica: result.kvCacheBlocksPerReplica,
    mean_batch_size: result.meanBatchSize,
    mean_concurrent_requests: result.meanConcurrentRequests,
    num_steps: result.steps,
    num_replicas: result.numReplicas,
    prefix_cache_hit_rate: result.prefixCacheQueries > 0 ? result.prefixCacheHits / result.prefixCacheQueries : 0,
    prefill_time_saved_s: result.prefillSecondsSaved,
    mean_acceptance_length: result.speculativeVerifications > 0 ? result.speculativeTokensEmitted / result.speculativeVerifications : 0,
    failure_reasons: { ...result.failures } as Record<string, number>,
    time_by_operator: { ...result.operatorSeconds } as Record<string, number>,
  };
}
