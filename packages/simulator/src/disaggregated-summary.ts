import * as z from 'zod/mini';
import type { DisaggregatedSimulationResult } from './disaggregated-simulate.ts';
import type { GoodputSlo } from './simulate.ts';
import { BenchmarkSummarySchema, describeValues, summarizeSimulation } from './summarize-simulation.ts';

/** `summarizeSimulation`'s keys plus the KV transfer and per-pool figures of a disaggregated run. */
export const DisaggregatedSummarySchema = z.extend(BenchmarkSummarySchema, {
  num_prefill_instances: z.int(),
  num_decode_instances: z.int(),
  /** Decode blocks reserved to KV arrived (link queueing or sharing and latency included). */
  mean_kv_transfer_ms: z.number(),
  median_kv_transfer_ms: z.number(),
  p99_kv_transfer_ms: z.number(),
  /** Prompt computed to transfer start: waiting for KV blocks on the decode instance. */
  mean_kv_transfer_wait_ms: z.number(),
  p99_kv_transfer_wait_ms: z.number(),
  kv_transfer_bytes: z.number(),
  /** Busy time over duration, averaged over the pool's instances. */
  prefill_utilization: z.number(),
  decode_utilization: z.number(),
  prefill_kv_cache_peak_utilization: z.number(),
  decode_kv_cache_peak_utilization: z.number(),
  /** Busiest link's share of the duration spent moving bytes. */
  kv_link_peak_utilization: z.number(),
});
/** A disaggregated run's metrics: `BenchmarkSummary` plus the pools' sizes, KV transfer times and utilizations. */
export type DisaggregatedSummary = z.infer<typeof DisaggregatedSummarySchema>;

/** A disaggregated run's metrics: the aggregated summary plus per-pool and KV transfer figures. */
export function summarizeDisaggregatedSimulation(result: DisaggregatedSimulationResult, goodput?: GoodputSlo): DisaggregatedSummary {
  const transfer = describeValues(result.kvTransfer.transferSeconds);
  const wait = describeValues(result.kvTransfer.waitSeconds);
  const { prefill, decode } = result.pools;
  return {
    ...summarizeSimulation(result, goodput),
    num_prefill_instances: prefill.instances,
    num_decode_instances: decode.instances,
    mean_kv_transfer_ms: transfer.mean * 1000,
    median_kv_transfer_ms: transfer.median * 1000,
    p99_kv_transfer_ms: transfer.p99 * 1000,
    mean_kv_transfer_wait_ms: wait.mean * 1000,
    p99_kv_transfer_wait_ms: wait.p99 * 1000,
    kv_transfer_bytes: result.kvTransfer.totalBytes,
    prefill_utilization: prefill.utilization,
    decode_utilization: decode.utilization,
    prefill_kv_cache_peak_utilization: prefill.kvCachePeakUtilization,
    decode_kv_cache_peak_utilization: decode.kvCachePeakUtilization,
    kv_link_peak_utilization: Math.max(0, ...result.kvTransfer.linkUtilization),
  };
}
