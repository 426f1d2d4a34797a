import { z } from 'zod';
import type { BenchmarkPoint, LatencySpread } from '../benchmark-point.ts';
import { BenchmarkError, formatIssues, issuePath } from '../errors.ts';
import { parseGpuString } from './catalog-names.ts';
import { parseJsonRecords } from './json-text.ts';
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
/** A `vllm bench serve --save-result` file (see `VllmServeResultSchema`); unknown keys kept. */
export type VllmServeResult = z.infer<typeof VllmServeResultSchema>;

/** The per-request latencies `vllm bench serve` reports percentiles of: `p{P}_{metric}_ms`. */
export const SERVE_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
/** One of `SERVE_METRICS`: time to first token, time per output token, inter-token latency, end-to-end latency. */
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

/**
 * Every result in a file: one JSON object, one per line as `--append-result` writes them, or a JSON array of them
 * (`vllm bench sweep`'s summary.json).
 */
export function parseVllmServeResults(text: string, file: string): VllmServeResult[] {
  return parseJsonRecords(text, file).map((d) => parseVllmServeResult(d.value, file, d.line));
}

export interface VllmServeImportOptions extends PointMetadataOptions {
  /** Concurrency to assume when the run had no --max-concurrency, instead of estimating it (see `importVllmServe`). */
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

/** A positive integer the file records under one of `keys` (`--metadata tp=4`, a sweep's serve parameters). */
function metadataInt(result: VllmServeResult, keys: readonly string[], location: { file: string; line: number }): number | undefined {
  const key = keys.find((k) => result[k] !== undefined && result[k] !== null && result[k] !== '');
  if (key === undefined) return undefined;
  const value = Number(result[key]);
  if (!Number.isInteger(value) || value < 1) {
    throw new BenchmarkError('INVALID_FILE', `${location.file}:${location.line}: ${key} must be a positive integer, got ${JSON.stringify(result[key])}`, {
      ...location,
      field: key,
    });
  }
  return value;
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

/** `--metadata` keys (and sweep parameters) that name the GPU, the tensor- and the pipeline-parallel degree. */
const GPU_KEYS = ['xpu', 'gpu', 'gpu_type', 'gpu_name', 'hardware'] as const;
const TP_KEYS = ['tp', 'tensor_parallel_size'] as const;
const PP_KEYS = ['pp', 'pipeline_parallel_size'] as const;

/**
 * The most prompt tokens one engine step prefills: vLLM's smallest default `max_num_batched_tokens` for online
 * serving is 2048, the GPU default 8192 (vllm/engine/arg_utils.py). Prompts sent together beyond this are
 * prefilled over several steps, so their TTFT is not one step.
 */
export const SINGLE_STEP_PREFILL_TOKENS = 8192;

/** Mean end-to-end latency in seconds: recorded (`mean_e2el_ms`, older `mean_latency_ms`) or TTFT + (O-1) x TPOT. */
function meanLatencySeconds(result: VllmServeResult, outputLen: number): number | undefined {
  const recorded = result.mean_e2el_ms ?? (typeof result.mean_latency_ms === 'number' ? result.mean_latency_ms : undefined);
  if (typeof recorded === 'number' && recorded > 0) return recorded / 1000;
  if (typeof result.mean_ttft_ms === 'number' && typeof result.mean_tpot_ms === 'number') {
    return (result.mean_ttft_ms + Math.max(0, outputLen - 1) * result.mean_tpot_ms) / 1000;
  }
  return undefined;
}

const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toPrecision(2));

/**
 * Points from a serving summary (one result, appended results one per line, or the JSON array of a `vllm bench
 * sweep` summary.json). L and O are the mean input and output lengths (total tokens / completed requests); C the
 * requests in flight per replica: `max_concurrency` when the run had --max-concurrency (else the `batchSize`
 * option), otherwise estimated by Little's law as request throughput x mean end-to-end latency, with a warning
 * (a run with neither is refused). Replicas: the devices a `4xNVIDIA_L40S`-style GPU string counts, over tp x pp.
 *
 * - TTFT. Only two shapes are one engine step: C = 1 (each prompt prefilled alone), and all prompts sent at once
 *   (request_rate inf, no more than --max-concurrency, at most SINGLE_STEP_PREFILL_TOKENS together): one prefill
 *   of the batch. Otherwise, in steady state, each prompt is prefilled beside the C - 1 running decodes: the
 *   median TTFT is a `mixed` point (batch C: one prompt of L tokens and C - 1 decodes at context L + O/2), which
 *   the fit sets aside, never a prefill of C prompts.
 * - TPOT: a decode point, batch C, at the mean cached context L + O/2; the steps include other requests'
 *   prefills, so it bounds the decode step from above (the notes say so).
 * Both count `completed` requests as repeats and carry mean/std/percentiles as spread. What the file records of
 * the deployment (`model_id`; `--metadata` gpu/xpu, tp/tensor_parallel_size, pp/pipeline_parallel_size; a sweep's
 * serve parameters) is read and mapped to catalog names; the options fill in the rest and may not contradict it.
 */
export function importVllmServe(text: string, file: string, options: VllmServeImportOptions = {}): BenchmarkPoint[] {
  const documents = parseJsonRecords(text, file);
  const points: BenchmarkPoint[] = [];
  const warn = (message: string) => options.onWarning?.(message);
  for (const doc of documents) {
    const where = doc.index === undefined ? `${file}:${doc.line}` : `${file}:${doc.line} (run ${doc.index})`;
    const result = parseVllmServeResult(doc.value, file, doc.line);
    const location = { file, line: doc.line };
    if (result.completed === 0) {
      throw new BenchmarkError('INVALID_FILE', `${where}: completed is 0: no request finished, nothing to import`, {
        ...location,
        field: 'completed',
      });
    }
    requireField(options.model ?? result.model_id, 'model_id', 'pass --model', location);
    const gpuText = metadataString(result, GPU_KEYS);
    const gpu = gpuText === undefined ? undefined : parseGpuString(gpuText);
    requireField(options.xpu ?? gpu?.xpu, 'xpu', 'pass --xpu, or run vllm bench serve with --metadata gpu=<name>', location);
    const recordedTp = metadataInt(result, TP_KEYS, location);
    const recordedPp = metadataInt(result, PP_KEYS, location);
    const tp = options.tp ?? recordedTp ?? 1;
    const pp = options.pp ?? recordedPp ?? 1;
    const replicas = gpu?.devices !== undefined && gpu.devices % (tp * pp) === 0 && gpu.devices > tp * pp ? gpu.devices / (tp * pp) : 1;
    const engineVersion = metadataString(result, ['vllm_version', 'version']);
    const inputLen = Math.round(result.total_input_tokens / result.completed);
    const outputLen = Math.round(result.total_output_tokens / result.completed);
    const backend = result.backend ?? result.endpoint_type;
    const engine = backend === undefined || VLLM_BACKENDS.has(backend) ? 'vllm' : backend;
    const perReplica = replicas > 1 ? ` over ${replicas} replicas (${gpuText}, tp ${tp} x pp ${pp})` : '';

    let concurrency: number;
    let concurrencyNote: string;
    if (result.max_concurrency != null) {
      concurrency = Math.max(1, Math.round(result.max_concurrency / replicas));
      concurrencyNote = `max_concurrency ${result.max_concurrency}${perReplica}`;
    } else if (options.batchSize !== undefined) {
      concurrency = options.batchSize;
      concurrencyNote = `no --max-concurrency recorded: concurrency ${concurrency} as stated by the caller`;
    } else {
      const latencySeconds = meanLatencySeconds(result, outputLen);
      if (latencySeconds === undefined) {
        warn(
          `${where}: point refused: the run had no --max-concurrency and records no mean latency, so the concurrency the server ran cannot be told`,
        );
        continue;
      }
      const inFlight = result.request_throughput * latencySeconds;
      concurrency = Math.max(1, Math.round(inFlight / replicas));
      concurrencyNote =
        `no --max-concurrency recorded (request_rate ${String(result.request_rate ?? 'unknown')}): concurrency estimated by Little's law at ` +
        `${fmt(inFlight)} in flight (${fmt(result.request_throughput)} req/s x ${fmt(latencySeconds)} s mean latency)${perReplica}`;
      warn(`${where}: ${concurrencyNote}: batch ${concurrency}`);
    }

    const common = {
      model: result.model_id,
      xpu: gpu?.xpu,
      tp: recordedTp,
      pp: recordedPp,
      batchSize: concurrency,
      inputLen,
      outputLen,
      repeats: result.completed,
      engine,
      engineVersion,
      date: isoFromVllmDate(result.date),
      source: file,
    };
    const before = points.length;
    if (typeof result.median_ttft_ms === 'number') {
      const sentTogether = result.request_rate === 'inf' && replicas === 1 && (result.max_concurrency == null || result.completed <= result.max_concurrency);
      const togetherTokens = result.completed * inputLen;
      let shape: { phase: 'prefill' | 'mixed'; batchSize: number; contextLen: number; what: string };
      if (sentTogether && togetherTokens <= SINGLE_STEP_PREFILL_TOKENS) {
        shape = {
          phase: 'prefill',
          batchSize: result.completed,
          contextLen: 0,
          what: `all ${result.completed} prompts sent at once (request_rate inf, ${togetherTokens} tokens): one prefill of the batch`,
        };
      } else if (concurrency === 1) {
        shape = { phase: 'prefill', batchSize: 1, contextLen: 0, what: `one request in flight: each prompt prefilled alone; ${concurrencyNote}` };
      } else if (sentTogether) {
        shape = {
          phase: 'mixed',
          batchSize: result.completed,
          contextLen: 0,
          what: `all ${result.completed} prompts sent at once (${togetherTokens} tokens, more than one step's ${SINGLE_STEP_PREFILL_TOKENS}): their prefills queue over several steps, so TTFT is not one step`,
        };
      } else {
        shape = {
          phase: 'mixed',
          batchSize: concurrency,
          contextLen: inputLen + Math.round(outputLen / 2),
          what:
            `${concurrencyNote}: in steady state each prompt of ${inputLen} tokens is prefilled beside ${concurrency - 1} running decodes ` +
            `(context about ${inputLen + Math.round(outputLen / 2)}): a mixed step, not a prefill of ${concurrency} prompts`,
        };
      }
      if (shape.phase === 'mixed') warn(`${where}: median TTFT kept as a mixed step and set aside by the fit: ${shape.what}`);
      points.push(
        toPoint(
          {
            ...common,
            phase: shape.phase,
            batchSize: shape.batchSize,
            contextLen: shape.contextLen,
            latencyMs: result.median_ttft_ms,
            spread: metricSpread(result, 'ttft', result.ttfts),
            notes: `vllm bench serve median TTFT (includes queueing); ${shape.what}`,
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
        `${where}: neither median_ttft_ms nor median_tpot_ms is recorded; run vllm bench serve with --percentile-metrics ttft,tpot`,
        { ...location, field: 'median_ttft_ms' },
      );
    }
  }
  if (points.length === 0) {
    throw new BenchmarkError(
      'MISSING_METADATA',
      `${file}: no point could be imported: no run records --max-concurrency or a mean latency to estimate the concurrency from`,
      { file, field: 'max_concurrency' },
    );
  }
  return points;
}
