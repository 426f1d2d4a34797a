import { z } from 'zod';
import { QuantileSketch } from './quantile-sketch.ts';
import { RequestStatus, type SimulationResult } from './simulate.ts';

/** SLOs for goodput, in milliseconds, as vLLM's `--goodput ttft:MS tpot:MS e2el:MS`. */
export const GoodputSloSchema = z.object({
  ttft: z.number().positive().optional(),
  tpot: z.number().positive().optional(),
  e2el: z.number().positive().optional(),
});
export type GoodputSlo = z.infer<typeof GoodputSloSchema>;

export const REPORTED_PERCENTILES = [50, 90, 95, 99] as const;

/** Linear interpolation between closest ranks, as numpy.percentile (what vLLM's benchmark uses). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export interface Distribution {
  readonly mean: number;
  readonly median: number;
  readonly std: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

function describeValues(values: Float64Array): Distribution {
  if (values.length === 0) return { mean: 0, median: 0, std: 0, p90: 0, p95: 0, p99: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / sorted.length;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) * (v - mean);
  return {
    mean,
    median: percentile(sorted, 50),
    std: Math.sqrt(sq / sorted.length),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

function describeSketch(s: QuantileSketch): Distribution {
  return { mean: s.mean, median: s.quantile(0.5), std: s.std, p90: s.quantile(0.9), p95: s.quantile(0.95), p99: s.quantile(0.99) };
}

/** Per-request latencies in milliseconds of the completed requests. */
export interface RequestLatencies {
  readonly ttftMs: Float64Array;
  /** Only requests with more than one output token, as vLLM. */
  readonly tpotMs: Float64Array;
  readonly e2elMs: Float64Array;
  readonly queueingDelayMs: Float64Array;
}

export function requestLatencies(result: SimulationResult): RequestLatencies {
  const r = result.requests;
  const n = r.status.length;
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2el: number[] = [];
  const queue: number[] = [];
  for (let i = 0; i < n; i++) {
    if (r.status[i] !== RequestStatus.finished) continue;
    const t = (r.firstTokenSeconds[i] - r.arrivalSeconds[i]) * 1000;
    const e = (r.finishSeconds[i] - r.arrivalSeconds[i]) * 1000;
    ttft.push(t);
    e2el.push(e);
    queue.push((r.firstScheduledSeconds[i] - r.arrivalSeconds[i]) * 1000);
    if (r.outputTokens[i] > 1) tpot.push((e - t) / (r.outputTokens[i] - 1));
  }
  return {
    ttftMs: Float64Array.from(ttft),
    tpotMs: Float64Array.from(tpot),
    e2elMs: Float64Array.from(e2el),
    queueingDelayMs: Float64Array.from(queue),
  };
}

/**
 * The result as `vllm bench serve` writes it (same keys where they mean the same), plus what only a
 * simulator can show.
 */
type LatencyKey = `${'mean' | 'median' | 'std' | 'p90' | 'p95' | 'p99'}_${'ttft' | 'tpot' | 'itl' | 'e2el'}_ms`;

export type BenchmarkSummary = BenchmarkSummaryBase & { [K in LatencyKey]: number };

interface BenchmarkSummaryBase {
  completed: number;
  failed: number;
  num_prompts: number;
  duration: number;
  total_input_tokens: number;
  total_output_tokens: number;
  request_throughput: number;
  request_goodput: number | null;
  output_throughput: number;
  total_token_throughput: number;
  mean_queueing_delay_ms: number;
  p99_queueing_delay_ms: number;
  preemptions: number;
  kv_cache_peak_utilization: number;
  kv_cache_blocks_per_replica: number;
  mean_batch_size: number;
  num_steps: number;
  num_replicas: number;
  failure_reasons: Record<string, number>;
  time_by_operator_s: Record<string, number>;
}

export function summarizeSimulation(result: SimulationResult, goodput?: GoodputSlo): BenchmarkSummary {
  const r = result.requests;
  const lat = requestLatencies(result);
  let inputTokens = 0;
  let outputTokens = 0;
  let good = 0;
  for (let i = 0; i < r.status.length; i++) {
    if (r.status[i] !== RequestStatus.finished) continue;
    inputTokens += r.inputTokens[i];
    outputTokens += r.outputTokens[i];
    if (goodput) {
      const ttft = (r.firstTokenSeconds[i] - r.arrivalSeconds[i]) * 1000;
      const e2el = (r.finishSeconds[i] - r.arrivalSeconds[i]) * 1000;
      const tpot = r.outputTokens[i] > 1 ? (e2el - ttft) / (r.outputTokens[i] - 1) : 0;
      if (
        (goodput.ttft === undefined || ttft <= goodput.ttft) &&
        (goodput.tpot === undefined || tpot <= goodput.tpot) &&
        (goodput.e2el === undefined || e2el <= goodput.e2el)
      ) {
        good++;
      }
    }
  }
  const duration = result.durationSeconds;
  const per = (x: number) => (duration > 0 ? x / duration : 0);
  const summary: Record<string, unknown> = {
    completed: result.completed,
    failed: result.failed,
    num_prompts: r.status.length,
    duration,
    total_input_tokens: inputTokens,
    total_output_tokens: outputTokens,
    request_throughput: per(result.completed),
    request_goodput: goodput ? per(good) : null,
    output_throughput: per(outputTokens),
    total_token_throughput: per(inputTokens + outputTokens),
  };
  const itlMs = describeSketch(result.itlSeconds);
  const dists: Record<string, Distribution> = {
    ttft: describeValues(lat.ttftMs),
    tpot: describeValues(lat.tpotMs),
    itl: { mean: itlMs.mean * 1000, median: itlMs.median * 1000, std: itlMs.std * 1000, p90: itlMs.p90 * 1000, p95: itlMs.p95 * 1000, p99: itlMs.p99 * 1000 },
    e2el: describeValues(lat.e2elMs),
  };
  for (const [metric, d] of Object.entries(dists)) {
    summary[`mean_${metric}_ms`] = d.mean;
    summary[`median_${metric}_ms`] = d.median;
    summary[`std_${metric}_ms`] = d.std;
    summary[`p90_${metric}_ms`] = d.p90;
    summary[`p95_${metric}_ms`] = d.p95;
    summary[`p99_${metric}_ms`] = d.p99;
  }
  const queue = describeValues(lat.queueingDelayMs);
  summary.mean_queueing_delay_ms = queue.mean;
  summary.p99_queueing_delay_ms = queue.p99;
  summary.preemptions = result.preemptions;
  summary.kv_cache_peak_utilization = result.kvCachePeakUtilization;
  summary.kv_cache_blocks_per_replica = result.kvCacheBlocksPerReplica;
  summary.mean_batch_size = result.meanBatchSize;
  summary.num_steps = result.steps;
  summary.num_replicas = result.numReplicas;
  summary.failure_reasons = { ...result.failures };
  summary.time_by_operator_s = { ...result.operatorSeconds };
  return summary as unknown as BenchmarkSummary;
}

const line = (label: string, value: string) => `${label.padEnd(40)}${value.padStart(12)}\n`;
const num = (x: number, digits = 2) => x.toFixed(digits);

/** A readable summary in the shape of vLLM's "Serving Benchmark Result". */
export function formatBenchmarkSummary(s: BenchmarkSummary, title = 'Serving Simulation Result'): string {
  let out = `${` ${title} `.padStart(30 + title.length / 2, '=').padEnd(52, '=')}\n`;
  out += line('Successful requests:', String(s.completed));
  if (s.failed > 0) out += line('Failed requests:', String(s.failed));
  out += line('Benchmark duration (s):', num(s.duration));
  out += line('Total input tokens:', String(s.total_input_tokens));
  out += line('Total generated tokens:', String(s.total_output_tokens));
  out += line('Request throughput (req/s):', num(s.request_throughput));
  if (s.request_goodput !== null) out += line('Request goodput (req/s):', num(s.request_goodput));
  out += line('Output token throughput (tok/s):', num(s.output_throughput));
  out += line('Total Token throughput (tok/s):', num(s.total_token_throughput));
  const section = (name: string, key: 'ttft' | 'tpot' | 'itl' | 'e2el', label: string) => {
    out += `${`${name}`.padStart(26 + name.length / 2, '-').padEnd(52, '-')}\n`;
    out += line(`Mean ${label} (ms):`, num(s[`mean_${key}_ms`]));
    out += line(`Median ${label} (ms):`, num(s[`median_${key}_ms`]));
    out += line(`P90 ${label} (ms):`, num(s[`p90_${key}_ms`]));
    out += line(`P99 ${label} (ms):`, num(s[`p99_${key}_ms`]));
  };
  section('Time to First Token', 'ttft', 'TTFT');
  section('Time per Output Token (excl. 1st token)', 'tpot', 'TPOT');
  section('Inter-token Latency', 'itl', 'ITL');
  section('End-to-end Latency', 'e2el', 'E2EL');
  out += `${'Simulator'.padStart(30, '-').padEnd(52, '-')}\n`;
  out += line('Mean queueing delay (ms):', num(s.mean_queueing_delay_ms));
  out += line('Preemptions:', String(s.preemptions));
  out += line('Peak KV-cache utilization (%):', num(s.kv_cache_peak_utilization * 100, 1));
  out += line('Mean batch size (seqs/step):', num(s.mean_batch_size, 1));
  out += line('Engine steps:', String(s.num_steps));
  const ops = Object.entries(s.time_by_operator_s).sort((a, b) => b[1] - a[1]);
  const busy = ops.reduce((a, [, v]) => a + v, 0);
  if (busy > 0) {
    out += line('Step time by operator:', '');
    for (const [op, seconds] of ops) out += line(`  ${op}`, `${num((100 * seconds) / busy, 1)} %`);
  }
  if (Object.keys(s.failure_reasons).length > 0) {
    for (const [reason, count] of Object.entries(s.failure_reasons)) out += line(`Failed (${reason}):`, String(count));
  }
  out += `${'='.repeat(52)}\n`;
  return out;
}
