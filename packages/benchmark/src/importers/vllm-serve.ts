import { z } from 'zod';
import type { BenchmarkPoint, LatencySpread } from '../benchmark-point.ts';
import { BenchmarkError, formatIssues, issuePath } from '../errors.ts';
import { parseJsonDocuments } from './json-text.ts';
import { requireField, toPoint, type PointMetadataOptions } from './to-point.ts';

const num = z.number();
const optionalMs = z.number().nonnegative().nullish();

/**
 * The result file of `vllm bench serve --save-result` (and of the older `benchmarks/benchmark_serving.py`),
 * key for key. Checked against vllm-project/vllm `vllm/benchmarks/serve.py` at commit 009e6d4a (the
 * `result_json` of `main` merged with the dict `benchmark()` returns). Unknown keys (e.g. `--metadata
 * KEY=VALUE` pairs, speculative-decoding stats) are kept. Percentiles come as `p{P}_{metric}_ms` for the
 * `--metric-percentiles` chosen (default 99); per-request arrays only with `--save-detailed`, in seconds.
 * The simulator reports its results with the same keys, so this schema also reads simulated summaries.
 */
export const VllmServeResultSchema = z.looseObject({
  /** `%Y%m%d-%H%M%S`, local time of the client. */
  date: z.string().optional(),
  endpoint_type: z.string().optional(),
  backend: z.string().optional(),
  label: z.string().nullish(),
  model_id: z.string().optional(),
  tokenizer_id: z.string().optional(),
  num_prompts: z.number().int().nonnegative().optional(),
  /** Requests per second, or the string "inf" (all sent at time 0). */
  request_rate: z.union([num.nonnegative(), z.literal('inf')]).optional(),
  burstiness: num.optional(),
  max_concurrency: z.number().int().positive().nullish(),
  duration: num.positive(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative().optional(),
  total_input_tokens: z.number().int().nonnegative(),
  total_output_tokens: z.number().int().nonnegative(),
  request_throughput: num.nonnegative(),
  /** Null unless `--goodput` SLOs were given. */
  request_goodput: num.nullish(),
  output_throughput: num.nonnegative(),
  total_token_throughput: num.nonnegative().optional(),
  max_output_tokens_per_s: num.nonnegative().optional(),
  max_concurrent_requests: num.nonnegative().optional(),
  mean_ttft_ms: optionalMs,
  median_ttft_ms: optionalMs,
  std_ttft_ms: optionalMs,
  mean_tpot_ms: optionalMs,
  median_tpot_ms: optionalMs,
  std_tpot_ms: optionalMs,
  mean_itl_ms: optionalMs,
  median_itl_ms: optionalMs,
  std_itl_ms: optionalMs,
  mean_e2el_ms: optionalMs,
  median_e2el_ms: optionalMs,
  std_e2el_ms: optionalMs,
  input_lens: z.array(z.number().int().nonnegative()).optional(),
  output_lens: z.array(z.number().int().nonnegative()).optional(),
  /** Seconds, one per request. */
  ttfts: z.array(num).optional(),
  /** Seconds, one list per request. */
  itls: z.array(z.array(num)).optional(),
  latencies: z.array(num).optional(),
});
export type VllmServeResult = z.infer<typeof VllmServeResultSchema>;

export const SERVE_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
export type ServeMetric = (typeof SERVE_METRICS)[number];

/** The `p{P}_{metric}_ms` entries of a result, keyed by P as written ("99", "99.9"). */
export function servePercentilesMs(result: VllmServeResult, metric: ServeMetric): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`^p(\\d+(?:\\.\\d+)?)_${metric}_ms$`);
  for (const [key, value] of Object.entries(result)) {
    const m = pattern.exec(key);
    if (m && typeof value === 'number') out[m[1]] = value;
  }
  return out;
}

/** The older benchmark_serving.py wrote `"request_goodput:"` (with the colon); both spellings mean the same. */
function normaliseLegacyKeys(json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  const record = json as Record<string, unknown>;
  if (!('request_goodput:' in record)) return json;
  const { 'request_goodput:': legacy, ...rest } = record;
  return 'request_goodput' in rest ? rest : { ...rest, request_goodput: legacy };
}

/** One parsed result object; errors name the file, the line the object starts on and the field. */
export function parseVllmServeResult(json: unknown, file: string, line = 1): VllmServeResult {
  const parsed = VllmServeResultSchema.safeParse(normaliseLegacyKeys(json));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BenchmarkError('INVALID_FILE', `${file}:${line}: not a vllm bench serve result: ${formatIssues(parsed.error.issues)}`, {
      file,
      line,
      field: first ? issuePath(first) : undefined,
    });
  }
  return parsed.data;
}

/** Every result in a file: one JSON object, or one per line as `--append-result` writes them. */
export function parseVllmServeResults(text: string, file: string): VllmServeResult[] {
  return parseJsonDocuments(text, file).map((d) => parseVllmServeResult(d.value, file, d.line));
}

export interface VllmServeImportOptions extends PointMetadataOptions {
  /** Concurrency to assume when the run had no --max-concurrency (default 1). */
  readonly batchSize?: number;
}

/** `20250102-030405` (vLLM's `date`) as an ISO local date-time. */
function isoFromVllmDate(date: string | undefined): string | undefined {
  const m = date === undefined ? null : /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(date);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : undefined;
}

function metadataString(result: VllmServeResult, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = result[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function metricSpread(result: VllmServeResult, metric: ServeMetric, samplesSeconds?: readonly number[]): LatencySpread {
  const spread: LatencySpread = {};
  const mean = result[`mean_${metric}_ms`];
  const std = result[`std_${metric}_ms`];
  if (typeof mean === 'number') spread.meanMs = mean;
  if (typeof std === 'number') spread.stdMs = std;
  const percentiles = servePercentilesMs(result, metric);
  if (Object.keys(percentiles).length > 0) spread.percentilesMs = percentiles;
  if (samplesSeconds && samplesSeconds.length > 0) {
    spread.minMs = Math.min(...samplesSeconds) * 1000;
    spread.maxMs = Math.max(...samplesSeconds) * 1000;
  }
  return spread;
}

/** The serving backends that are vLLM itself or its OpenAI-compatible front end. */
const VLLM_BACKENDS = new Set(['vllm', 'openai', 'openai-chat', 'openai-audio']);

/**
 * Points from a serving summary. With C the run's concurrency (--max-concurrency, else `batchSize`, else 1),
 * L and O the mean input and output lengths (total tokens / completed requests):
 * - a prefill point: batch C, input L, latency = median TTFT;
 * - a decode point: batch C, context L + O/2 (the mean cached context over a request's decode), latency =
 *   median TPOT.
 * Both count `completed` requests as repeats and carry mean/std/percentiles as spread. Serving numbers include
 * queueing and steps shared with other requests' prefills, so they bound the step times from above; the
 * notes say so. Model: the `model` option, else `model_id`; xpu, tp, engine version: the options, else the
 * `--metadata` keys `xpu`/`gpu`, `tp`/`tensor_parallel_size`, `vllm_version`/`version`.
 */
export function importVllmServe(text: string, file: string, options: VllmServeImportOptions = {}): BenchmarkPoint[] {
  const documents = parseJsonDocuments(text, file);
  const points: BenchmarkPoint[] = [];
  for (const doc of documents) {
    const result = parseVllmServeResult(doc.value, file, doc.line);
    const location = { file, line: doc.line };
    const before = points.length;
    if (result.completed === 0) {
      throw new BenchmarkError('INVALID_FILE', `${file}:${doc.line}: completed is 0: no request finished, nothing to import`, {
        ...location,
        field: 'completed',
      });
    }
    const model = requireField(options.model ?? result.model_id, 'model_id', 'pass the model option (--model)', location);
    const xpu = requireField(
      options.xpu ?? metadataString(result, ['xpu', 'gpu']),
      'xpu',
      'pass the xpu option (--xpu) or run vllm bench serve with --metadata xpu=<name>',
      location,
    );
    const tpText = metadataString(result, ['tp', 'tensor_parallel_size']);
    const tp = options.tp ?? (tpText === undefined ? undefined : Number(tpText));
    const engineVersion = options.engineVersion ?? metadataString(result, ['vllm_version', 'version']);
    const assumed = result.max_concurrency == null;
    const batchSize = result.max_concurrency ?? options.batchSize ?? 1;
    const inputLen = Math.round(result.total_input_tokens / result.completed);
    const outputLen = Math.round(result.total_output_tokens / result.completed);
    const backend = result.backend ?? result.endpoint_type;
    const engine = backend === undefined || VLLM_BACKENDS.has(backend) ? 'vllm' : backend;
    const concurrencyNote = assumed
      ? `concurrency not recorded (no --max-concurrency; request_rate ${String(result.request_rate ?? 'unknown')}): batch ${batchSize} assumed`
      : `max_concurrency ${batchSize}`;
    const common = {
      model,
      xpu,
      tp,
      batchSize,
      inputLen,
      outputLen,
      repeats: result.completed,
      engine,
      engineVersion,
      date: isoFromVllmDate(result.date),
      source: file,
    };
    if (typeof result.median_ttft_ms === 'number') {
      points.push(
        toPoint(
          {
            ...common,
            phase: 'prefill',
            contextLen: 0,
            latencyMs: result.median_ttft_ms,
            spread: metricSpread(result, 'ttft', result.ttfts),
            notes: `vllm bench serve median TTFT (includes queueing); ${concurrencyNote}`,
          },
          options,
          location,
        ),
      );
    }
    if (typeof result.median_tpot_ms === 'number' && outputLen > 1) {
      points.push(
        toPoint(
          {
            ...common,
            phase: 'decode',
            contextLen: inputLen + Math.round(outputLen / 2),
            latencyMs: result.median_tpot_ms,
            spread: metricSpread(result, 'tpot'),
            notes: `vllm bench serve median TPOT at the mean context (steps may include other requests' prefills); ${concurrencyNote}`,
          },
          options,
          location,
        ),
      );
    }
    if (points.length === before) {
      throw new BenchmarkError(
        'MISSING_METADATA',
        `${file}:${doc.line}: neither median_ttft_ms nor median_tpot_ms is recorded; run vllm bench serve with --percentile-metrics ttft,tpot`,
        { ...location, field: 'median_ttft_ms' },
      );
    }
  }
  return points;
}
