import { RequestStatus, FAILURE_REASONS, percentile, type BenchmarkSummary, type SimulationResult } from '@llm-sim/simulator';
import { z } from 'zod';
import type { SimulationConfig } from './config.ts';
import { FactoryError, formatIssues } from './errors.ts';

/** The latencies `vllm bench serve --percentile-metrics` may choose. */
export const SERVE_PERCENTILE_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
/** One of `SERVE_PERCENTILE_METRICS`. */
export type ServePercentileMetric = (typeof SERVE_PERCENTILE_METRICS)[number];

/**
 * The options of `vllm bench serve` that shape its result file (v0.11 `vllm/benchmarks/serve.py`):
 * `--percentile-metrics` (default ttft,tpot,itl), `--metric-percentiles` (default 99), `--label`,
 * `--metadata KEY=VALUE`, `--save-detailed`; the date comes from the caller's clock.
 */
export const VllmResultOptionsSchema = z
  .object({
    percentile_metrics: z.array(z.enum(SERVE_PERCENTILE_METRICS)).min(1).default(['ttft', 'tpot', 'itl']),
    metric_percentiles: z.array(z.number().gt(0).lte(100)).min(1).default([99]),
    label: z.string().min(1).optional(),
    metadata: z.record(z.string(), z.string()).default({}),
    save_detailed: z.boolean().default(false),
  })
  .strict();
/** The `vllm bench serve` options that shape a result file, defaults filled in. */
export type VllmResultOptions = z.infer<typeof VllmResultOptionsSchema>;
/** The `vllm bench serve` options as given: defaults may be left out. */
export type VllmResultOptionsInput = z.input<typeof VllmResultOptionsSchema>;

/** What a run must offer to be written as a vLLM result. */
export interface VllmResultSource {
  readonly config: SimulationConfig;
  readonly model: { readonly name: string };
  readonly result: SimulationResult;
  readonly summary: BenchmarkSummary;
  /** Name of the xpu, and TP of the (decode) instances: written as metadata the importer reads back. */
  readonly xpuName: string;
  readonly tp: number;
}

/** vLLM's `%Y%m%d-%H%M%S` of the client's local time. */
export function formatVllmDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/** A number as Python's str() prints a float: 5 -> "5.0", Infinity -> "inf". */
export function pythonFloat(x: number): string {
  if (x === Infinity) return 'inf';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** vLLM writes percentile P as `p{P}`, P without a trailing ".0" (99 -> p99, 99.9 -> p99.9), as JS prints numbers. */
function percentileKey(p: number, metric: ServePercentileMetric): string {
  return `p${p}_${metric}_ms`;
}

function sortedFinite(values: Float64Array): Float64Array {
  return Float64Array.from(Array.from(values).filter((v) => !Number.isNaN(v))).sort();
}

/** Most requests outstanding at once (vLLM's `max_concurrent_requests`), from send and finish times. */
export function peakConcurrentRequests(result: SimulationResult): number {
  const r = result.requests;
  const events: [number, number][] = [];
  for (let i = 0; i < r.status.length; i++) {
    if (r.status[i] !== RequestStatus.finished) continue;
    events.push([r.arrivalSeconds[i], 1], [r.finishSeconds[i], -1]);
  }
  // A finish and a send at the same instant: the finish first, as the closed loop sends on it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of events) {
    now += delta;
    if (now > peak) peak = now;
  }
  return peak;
}

/**
 * The result file `vllm bench serve --save-result` writes, key for key, from a simulated run, so that
 * scripts reading vLLM's files read ours unchanged: request_rate "inf" or a number, max_concurrency
 * null when uncapped, the chosen metrics' mean/median/std and percentiles, `--metadata` pairs as
 * top-level keys, and with `save_detailed` the per-request arrays (seconds; 0 for a failed request,
 * as vLLM records one): `input_lens`, `output_lens`, `ttfts`, `itls` (each request's gaps between
 * streamed chunks, when the run kept its token times: `recordTokenTimes`), `latencies`, `start_times`
 * (when each was sent, so that `--trace` replays the file) and `errors`. No text is generated, so
 * `generated_texts` and `max_output_tokens_per_s` are not written. `xpu` and `tp` are added as metadata (a user's
 * `--metadata` wins), so the project's importer reads the file back without options.
 */
export function buildVllmServeResult(run: VllmResultSource, dateTime: Date, optionsInput: VllmResultOptionsInput = {}): Record<string, unknown> {
  const parsed = VllmResultOptionsSchema.safeParse(optionsInput);
  if (!parsed.success) {
    throw new FactoryError('INVALID_CONFIG', `invalid result-file options: ${formatIssues(parsed.error.issues)}`);
  }
  const o = parsed.data;
  const { config, summary, result } = run;
  const w = config.workload;
  const out: Record<string, unknown> = {
    date: formatVllmDate(dateTime),
    endpoint_type: 'llm-sim',
    backend: 'llm-sim',
    label: o.label ?? null,
    model_id: run.model.name,
    tokenizer_id: run.model.name,
    num_prompts: summary.num_prompts,
    request_rate: w.request_rate === 'inf' ? 'inf' : w.request_rate,
    burstiness: w.burstiness,
    max_concurrency: w.max_concurrency ?? null,
    duration: summary.duration,
    completed: summary.completed,
    failed: summary.failed,
    total_input_tokens: summary.total_input_tokens,
    total_output_tokens: summary.total_output_tokens,
    request_throughput: summary.request_throughput,
    request_goodput: summary.request_goodput,
    output_throughput: summary.output_throughput,
    total_token_throughput: summary.total_token_throughput,
    max_concurrent_requests: peakConcurrentRequests(result),
  };
  const perRequest: Record<Exclude<ServePercentileMetric, 'itl'>, Float64Array> = {
    ttft: result.requests.ttftSeconds,
    tpot: result.requests.tpotSeconds,
    e2el: result.requests.e2elSeconds,
  };
  const s = summary as unknown as Record<string, number>;
  for (const metric of o.percentile_metrics) {
    out[`mean_${metric}_ms`] = s[`mean_${metric}_ms`];
    out[`median_${metric}_ms`] = s[`median_${metric}_ms`];
    out[`std_${metric}_ms`] = s[`std_${metric}_ms`];
    const sorted = metric === 'itl' ? undefined : sortedFinite(perRequest[metric]);
    for (const p of o.metric_percentiles) {
      const itl = result.itlSeconds;
      out[percentileKey(p, metric)] = sorted ? percentile(sorted, p) * 1000 : itl.count > 0 ? itl.quantile(p / 100) * 1000 : 0;
    }
  }
  if (o.save_detailed) {
    const r = result.requests;
    const n = r.status.length;
    const done = (i: number) => r.status[i] === RequestStatus.finished;
    out.input_lens = Array.from({ length: n }, (_, i) => r.inputTokens[i]);
    out.output_lens = Array.from({ length: n }, (_, i) => (done(i) ? r.outputTokens[i] : 0));
    out.ttfts = Array.from({ length: n }, (_, i) => (done(i) ? r.ttftSeconds[i] : 0));
    const times = result.tokenTimes;
    if (times !== undefined) {
      out.itls = Array.from({ length: n }, (_, i) => {
        const own = times.seconds.subarray(times.offsets[i], times.offsets[i + 1]);
        return Array.from({ length: Math.max(0, own.length - 1) }, (_, j) => own[j + 1] - own[j]);
      });
    }
    out.latencies = Array.from({ length: n }, (_, i) => (done(i) ? r.e2elSeconds[i] : 0));
    // When each request was sent, on the simulation's clock (vLLM's are the client's perf_counter): --trace replays them.
    out.start_times = Array.from(r.arrivalSeconds);
    out.errors = Array.from({ length: n }, (_, i) => (done(i) ? '' : FAILURE_REASONS[r.failureReason[i]]));
  }
  return { ...out, xpu: run.xpuName, tp: String(run.tp), ...o.metadata };
}

/**
 * vLLM's default result file name: `{label}-{rate}qps[-concurrency{N}]-{model}-{date}.json`, the
 * label defaulting to the endpoint type and the model to its last path part.
 */
export function defaultVllmResultFilename(config: SimulationConfig, modelName: string, dateTime: Date, label?: string): string {
  const rate = config.workload.request_rate === 'inf' ? 'inf' : pythonFloat(config.workload.request_rate);
  const concurrency = config.workload.max_concurrency === undefined ? '' : `-concurrency${config.workload.max_concurrency}`;
  const model = modelName.split('/').pop();
  return `${label ?? 'llm-sim'}-${rate}qps${concurrency}-${model}-${formatVllmDate(dateTime)}.json`;
}

/**
 * What vLLM prints before its table, for the run as simulated:
 * "Traffic request rate: inf", "Burstiness factor: 1.0 (Poisson process)", "Maximum request concurrency: 16".
 */
export function formatTrafficHeader(config: SimulationConfig): string {
  const w = config.workload;
  const rate = w.request_rate === 'inf' ? 'inf' : pythonFloat(w.request_rate);
  const process = w.burstiness === 1 ? 'Poisson process' : 'Gamma distribution';
  return (
    `Traffic request rate: ${rate}\n` +
    `Burstiness factor: ${pythonFloat(w.burstiness)} (${process})\n` +
    `Maximum request concurrency: ${w.max_concurrency ?? 'None'}\n`
  );
}
