import { z } from 'zod';
import { DtypeSchema } from '@llm-sim/roofline';
import type { BenchmarkPoint, LatencySpread } from '../benchmark-point.ts';
import { BenchmarkError, formatIssues, issuePath } from '../errors.ts';
import { parseJsonDocuments } from './json-text.ts';
import { requireField, toPoint, type PointMetadataOptions } from './to-point.ts';

/**
 * `vllm bench latency --output-json` (vllm-project/vllm `vllm/benchmarks/latency.py`, checked at commit
 * 00cae075): seconds throughout; percentiles keyed "10", "25", "50", "75", "90", "99".
 */
export const VllmLatencyResultSchema = z.looseObject({
  avg_latency: z.number().positive(),
  std_latency: z.number().nonnegative().optional(),
  latencies: z.array(z.number().positive()).optional(),
  percentiles: z.record(z.string(), z.number().nonnegative()).optional(),
});
/** A `vllm bench latency --output-json` result (seconds); see `VllmLatencyResultSchema`. */
export type VllmLatencyResult = z.infer<typeof VllmLatencyResultSchema>;

/**
 * The run's settings, which the result file does not record: a sidecar `<file>.meta.json` (or `--meta`),
 * keys spelled like `vllm bench latency`'s flags.
 */
export const LatencyRunMetaSchema = z.object({
  model: z.string().min(1).optional(),
  xpu: z.string().min(1).optional(),
  tp: z.number().int().positive().optional(),
  pp: z.number().int().positive().optional(),
  dtype: z.optional(DtypeSchema),
  batch_size: z.number().int().positive().optional(),
  input_len: z.number().int().positive().optional(),
  output_len: z.number().int().positive().optional(),
  num_iters_warmup: z.number().int().nonnegative().optional(),
  engine_version: z.string().min(1).optional(),
  date: z.string().optional(),
  notes: z.string().optional(),
});
/** A latency run's settings from its sidecar file, keys spelled like `vllm bench latency`'s flags. */
export type LatencyRunMeta = z.infer<typeof LatencyRunMetaSchema>;

export interface VllmLatencyImportOptions extends PointMetadataOptions {
  readonly batchSize?: number;
  readonly inputLen?: number;
  readonly outputLen?: number;
  /** Sidecar JSON (`LatencyRunMeta`); options win over it. */
  readonly meta?: unknown;
  /** Name of the sidecar, for error messages. */
  readonly metaSource?: string;
}

/** Validates a latency run's sidecar settings; a `BenchmarkError` (`INVALID_FILE`) names `source` and the field. */
export function parseLatencyRunMeta(json: unknown, source: string): LatencyRunMeta {
  const parsed = LatencyRunMetaSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BenchmarkError('INVALID_FILE', `${source}: invalid latency run metadata: ${formatIssues(parsed.error.issues)}`, {
      file: source,
      field: first ? issuePath(first) : undefined,
    });
  }
  return parsed.data;
}

/**
 * Points from one `vllm bench latency` result: one per timed iteration in `latencies` (or, when the file
 * lacks them, one at the median with the file's spread). A run times `llm.generate` of `batch_size` prompts
 * of `input_len` tokens generating `output_len` tokens each: one prefill of the batch plus output_len - 1
 * decode steps. So:
 * - output_len = 1: a 'prefill' point (the batch's prefill, plus sampling one token);
 * - output_len > 1: a 'mixed' point covering the whole run; `deriveDecodeFromLatencyRuns` turns a pair of
 *   runs (output 1 and output O, same batch and input) into decode-step points.
 * Batch size, lengths, model and xpu come from the options, else the sidecar; missing ones are refused.
 */
export function importVllmLatency(text: string, file: string, options: VllmLatencyImportOptions = {}): BenchmarkPoint[] {
  const [doc] = parseJsonDocuments(text, file);
  const parsed = VllmLatencyResultSchema.safeParse(doc.value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BenchmarkError('INVALID_FILE', `${file}:${doc.line}: not a vllm bench latency result: ${formatIssues(parsed.error.issues)}`, {
      file,
      line: doc.line,
      field: first ? issuePath(first) : undefined,
    });
  }
  const result = parsed.data;
  const metaSource = options.metaSource ?? `${file}.meta.json`;
  const meta: LatencyRunMeta = options.meta === undefined ? {} : parseLatencyRunMeta(options.meta, metaSource);
  const location = { file };
  // --model and --xpu exist on `benchmark import` and `calibrate`; the run's shape flags only on `benchmark import`.
  const how = (flag: string, key: string) =>
    flag === 'model' || flag === 'xpu'
      ? `pass --${flag} or put "${key}" in the sidecar ${metaSource}`
      : `put "${key}" in the sidecar ${metaSource} (or pass --${flag} to benchmark import)`;
  const batchSize = requireField(options.batchSize ?? meta.batch_size, 'batch_size', how('batch-size', 'batch_size'), location);
  const inputLen = requireField(options.inputLen ?? meta.input_len, 'input_len', how('input-len', 'input_len'), location);
  const outputLen = requireField(options.outputLen ?? meta.output_len, 'output_len', how('output-len', 'output_len'), location);
  const model = requireField(options.model ?? meta.model, 'model', how('model', 'model'), location);
  const xpu = requireField(options.xpu ?? meta.xpu, 'xpu', how('xpu', 'xpu'), location);

  const phase = outputLen === 1 ? 'prefill' : 'mixed';
  const what =
    outputLen === 1
      ? 'vllm bench latency, output_len 1: prefill of the batch plus sampling one token'
      : `vllm bench latency whole run: prefill of the batch plus ${outputLen - 1} decode steps`;
  const common = {
    phase,
    // What the sidecar records; the options fill in the rest and may not contradict it (see toPoint).
    model: meta.model ?? model,
    xpu: meta.xpu ?? xpu,
    tp: meta.tp,
    pp: meta.pp,
    dtype: meta.dtype,
    batchSize,
    inputLen,
    contextLen: 0,
    outputLen,
    engine: 'vllm',
    engineVersion: meta.engine_version,
    date: meta.date,
    source: file,
    notes: meta.notes ? `${what}; ${meta.notes}` : what,
  } as const;

  if (result.latencies && result.latencies.length > 0) {
    return result.latencies.map((seconds) => toPoint({ ...common, latencyMs: seconds * 1000 }, options, location));
  }
  const spread: LatencySpread = { meanMs: result.avg_latency * 1000 };
  if (result.std_latency !== undefined) spread.stdMs = result.std_latency * 1000;
  if (result.percentiles) {
    spread.percentilesMs = Object.fromEntries(Object.entries(result.percentiles).map(([p, s]) => [p, s * 1000]));
  }
  const medianSeconds = result.percentiles?.['50'] ?? result.avg_latency;
  return [toPoint({ ...common, latencyMs: medianSeconds * 1000, spread }, options, location)];
}
