import { DtypeSchema } from '@llm-sim/roofline';
import { z } from 'zod';
import { BenchmarkError, formatIssues } from './errors.ts';

/**
 * Which use a case may be put to. `validation` cases are only ever predicted; `fitting` cases are whole-run
 * measurements (a static-batch latency is a step measurement in disguise) that an engine-overhead fit may use.
 */
export const VALIDATION_SPLITS = ['fitting', 'validation'] as const;
/** Validates a `ValidationSplit`. */
export const ValidationSplitSchema = z.enum(VALIDATION_SPLITS);
/** Which use a case may be put to: `fitting` or `validation` (see `VALIDATION_SPLITS`). */
export type ValidationSplit = z.infer<typeof ValidationSplitSchema>;

/**
 * What was measured, named as `vllm bench` names it:
 * - `batch_latency`: the wall time of a whole static batch (`vllm bench latency`'s "Avg latency").
 * - `ttft`, `tpot`, `itl`, `e2el`: per-request latencies of a serving run.
 * - `output_throughput`, `request_throughput`: totals over the run's duration.
 */
export const VALIDATION_METRICS = ['batch_latency', 'ttft', 'tpot', 'itl', 'e2el', 'output_throughput', 'request_throughput'] as const;
/** Validates a `ValidationMetric`. */
export const ValidationMetricSchema = z.enum(VALIDATION_METRICS);
/** What a case measured, named as `vllm bench` names it (see `VALIDATION_METRICS`). */
export type ValidationMetric = z.infer<typeof ValidationMetricSchema>;

/** Which statistic of a metric a case states: the mean, the median or the 99th percentile. */
export const VALIDATION_STATISTICS = ['mean', 'median', 'p99'] as const;
/** `tok/s` on a per-request latency (`tpot`, `itl`) means tokens per second of one stream: 1000 / ms. */
export const VALIDATION_UNITS = ['ms', 's', 'tok/s', 'req/s'] as const;

const positiveInt = z.number().int().positive();

/** Where a case's figure was published: URL, title, publisher, date, licence and its place in the source. */
export const ValidationSourceSchema = z.strictObject({
  url: z.url(),
  title: z.string().min(1),
  publisher: z.string().min(1),
  /** When it was measured or published, as precisely as the source says (YYYY, YYYY-MM or YYYY-MM-DD). */
  date: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'YYYY, YYYY-MM or YYYY-MM-DD'),
  licence: z.string().min(1),
  /** Where in the source the value stands (table row, key, sentence): enough to find it again. */
  location: z.string().min(1),
});

/** Engine settings the run used that the simulation needs; absent ones take the simulator's defaults. */
export const ValidationEngineConfigSchema = z.strictObject({
  maxNumSeqs: positiveInt.optional(),
  maxNumBatchedTokens: positiveInt.optional(),
  enableChunkedPrefill: z.boolean().optional(),
  maxModelLen: positiveInt.optional(),
  gpuMemoryUtilization: z.number().gt(0).lte(1).optional(),
});
/** Engine settings a validation run used (see `ValidationEngineConfigSchema`). */
export type ValidationEngineConfig = z.infer<typeof ValidationEngineConfigSchema>;

const RequestLengthsSchema = z.strictObject({ inputLen: positiveInt, outputLen: z.number().int().nonnegative() });

/**
 * The workload as it was run.
 * - `static-batch`: `batchSize` prompts given to the engine at once (`vllm bench latency`).
 * - `burst`: these exact requests sent at once (`vllm bench serve --request-rate inf` with a small
 *   `--num-prompts`), lengths as the result file lists them; a request that returned 0 tokens was still prefilled.
 * - `poisson`: `numPrompts` requests at `requestRate` per second, Poisson arrivals, fixed lengths.
 * - `closed-loop`: `numPrompts` requests, at most `maxConcurrency` in flight, the next sent when one finishes
 *   (`vllm bench serve --max-concurrency N --request-rate inf`), fixed lengths.
 */
export const ValidationWorkloadSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('static-batch'), batchSize: positiveInt, inputLen: positiveInt, outputLen: positiveInt }),
  z.strictObject({
    kind: z.literal('burst'),
    requests: z.array(RequestLengthsSchema).min(1),
    /** Totals the source reports, to check the listed lengths against. */
    reportedTotals: z.strictObject({ inputTokens: positiveInt, outputTokens: positiveInt }).optional(),
  }),
  z.strictObject({
    kind: z.literal('closed-loop'),
    maxConcurrency: positiveInt,
    numPrompts: positiveInt,
    inputLen: positiveInt,
    outputLen: positiveInt,
  }),
  z.strictObject({
    kind: z.literal('poisson'),
    requestRate: z.number().positive(),
    numPrompts: positiveInt,
    inputLen: positiveInt,
    outputLen: positiveInt,
  }),
]);
/** The requests a validation run sent (see `ValidationWorkloadSchema`). */
export type ValidationWorkload = z.infer<typeof ValidationWorkloadSchema>;

/** One public end-to-end measurement, with everything needed to simulate it and to find it again. */
export const ValidationCaseSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lowercase letters, digits, dots and dashes'),
  split: ValidationSplitSchema,
  source: ValidationSourceSchema,
  engine: z.strictObject({ name: z.string().min(1), version: z.string().min(1) }),
  /** `xpu` is the catalog name; `description` what the source says the machine was. */
  hardware: z.strictObject({ description: z.string().min(1), xpu: z.string().min(1) }),
  /** `name` is the catalog model with these layer shapes; `checkpoint` the repository the run served. */
  model: z.strictObject({ name: z.string().min(1), checkpoint: z.string().min(1) }),
  precision: z.strictObject({ weights: DtypeSchema, activations: DtypeSchema, kvCache: DtypeSchema }),
  parallelism: z.strictObject({ tp: positiveInt, pp: positiveInt }),
  engineConfig: ValidationEngineConfigSchema.optional(),
  workload: ValidationWorkloadSchema,
  metric: z.strictObject({ name: ValidationMetricSchema, statistic: z.enum(VALIDATION_STATISTICS) }),
  measured: z.strictObject({ value: z.number().positive(), unit: z.enum(VALIDATION_UNITS) }),
  /** What the case assumes where the source is silent (lengths it does not report, say). */
  assumptions: z.string().min(1).optional(),
  /** How this case relates to data a shipped calibration was fitted on, where it does. */
  fitOverlap: z.string().min(1).optional(),
  notes: z.string().min(1),
});
/** One public end-to-end measurement and everything needed to simulate it (see `ValidationCaseSchema`). */
export type ValidationCase = z.infer<typeof ValidationCaseSchema>;

/** The validation set: cases with distinct ids; a burst's listed requests must add up to the totals its source reports. */
export const ValidationSetSchema = z
  .strictObject({ cases: z.array(ValidationCaseSchema).min(1) })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.cases.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'id'], message: `duplicate case id '${c.id}'` });
      seen.add(c.id);
      const w = c.workload;
      if (w.kind === 'burst' && w.reportedTotals) {
        const input = w.requests.reduce((s, r) => s + r.inputLen, 0);
        const output = w.requests.reduce((s, r) => s + r.outputLen, 0);
        if (input !== w.reportedTotals.inputTokens || output !== w.reportedTotals.outputTokens) {
          ctx.addIssue({
            code: 'custom',
            path: ['cases', i, 'workload', 'reportedTotals'],
            message: `the listed requests hold ${input} input and ${output} output tokens, the source reports ${w.reportedTotals.inputTokens} and ${w.reportedTotals.outputTokens}`,
          });
        }
      }
    });
  });
/** The validation set (`benchmark_data/validation/cases.json`), see `ValidationSetSchema`. */
export type ValidationSet = z.infer<typeof ValidationSetSchema>;

/** Parses a validation set (the JSON text of `benchmark_data/validation/cases.json`); errors name the case and field. */
export function parseValidationSet(text: string, source = 'validation set'): ValidationSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BenchmarkError('INVALID_FILE', `${source}: not JSON (${(error as Error).message})`, { file: source });
  }
  const parsed = ValidationSetSchema.safeParse(json);
  if (!parsed.success) {
    throw new BenchmarkError('INVALID_FILE', `${source}: ${formatIssues(parsed.error.issues)}`, { file: source });
  }
  return parsed.data;
}
