import { z } from 'zod';
import { DtypeSchema } from '@llm-sim/roofline';
import { BenchmarkError, formatIssues } from '../errors.ts';

const lengths = (what: string) =>
  z
    .array(z.number().int().positive())
    .min(1, `at least one ${what} is needed`)
    .refine((xs) => new Set(xs).size === xs.length, `${what} values must be distinct`);

/** Why a sparse plan kept a run; what the CLI prints beside it. */
export const PURPOSES = [
  'prefill-sweep',
  'prefill-ridge',
  'decode-batch-sweep',
  'decode-ridge',
  'decode-long-context',
] as const;
/** Validates a `Purpose` (see `PURPOSES`). */
export const PurposeSchema = z.enum(PURPOSES);
/** Why a sparse plan kept a run (see `PURPOSES`). */
export type Purpose = z.infer<typeof PurposeSchema>;

/**
 * One run to measure: `batchSize` prompts of `inputLen` tokens, each generating `outputLen` tokens, timed
 * `repeats` times after `warmup` untimed runs. A run yields a prefill measurement (the batch's TTFT) and
 * decode measurements (its TPOT, at cached contexts inputLen + 1 … inputLen + outputLen - 1).
 */
export const ExperimentPointSchema = z.object({
  batchSize: z.number().int().positive(),
  inputLen: z.number().int().positive(),
  outputLen: z.number().int().positive(),
  repeats: z.number().int().positive(),
  warmup: z.number().int().nonnegative(),
  /** Set by the sparse planner: what the run is there to measure. */
  purposes: z.array(PurposeSchema).optional(),
  /** Roofline arithmetic intensity of the run's prefill step (FLOPs per byte), when planned against an xpu. */
  prefillIntensityFlopsPerByte: z.number().nonnegative().optional(),
  /** The same for a decode step at the run's mean context, inputLen + outputLen / 2. */
  decodeIntensityFlopsPerByte: z.number().nonnegative().optional(),
});
/** One run to measure: batch size, input and output lengths, repeats and warmup runs. */
export type ExperimentPoint = z.infer<typeof ExperimentPointSchema>;

const TargetSchema = z.object({
  model: z.string().min(1),
  xpu: z.string().min(1),
  tp: z.number().int().positive().default(1),
  pp: z.number().int().positive().default(1),
  dtype: z._default(DtypeSchema, 'bf16'),
});

/** A measurement grid: every batch size x input length x output length; 3 timed repeats after 1 warmup by default. */
export const GridSchema = z.object({
  batchSizes: lengths('batch size'),
  inputLens: lengths('input length'),
  outputLens: lengths('output length'),
  /** Timed runs per point: the median of these is the point's latency. */
  repeats: z.number().int().positive().default(3),
  /** Untimed runs first (CUDA graphs capture, caches warm up). */
  warmup: z.number().int().nonnegative().default(1),
});
/** A measurement grid, defaults filled in (see `GridSchema`). */
export type Grid = z.infer<typeof GridSchema>;
/** A measurement grid as written: `repeats` and `warmup` may be left out. */
export type GridInput = z.input<typeof GridSchema>;

/**
 * What to measure. `grid`: every batch size x input length x output length. `sparse`: chosen runs of such a
 * grid (see `createSparseExperiment`), the grid kept for reference.
 */
export const ExperimentConfigSchema = z.discriminatedUnion('kind', [
  TargetSchema.extend({ kind: z.literal('grid'), grid: GridSchema }),
  TargetSchema.extend({
    kind: z.literal('sparse'),
    grid: GridSchema,
    /** Ridge point the plan was made against (FLOPs per byte). */
    ridgePointFlopsPerByte: z.number().positive(),
    points: z.array(ExperimentPointSchema).min(1),
  }),
]);
/** What to measure on which model, xpu, tp, pp and dtype: a full grid or a sparse plan of it. */
export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;
/** An experiment of chosen runs (`kind: 'sparse'`), as `createSparseExperiment` plans it. */
export type SparseExperimentConfig = Extract<ExperimentConfig, { kind: 'sparse' }>;
/** An experiment config as written: tp, pp (1), dtype (bf16) and grid defaults may be left out. */
export type ExperimentConfigInput = z.input<typeof ExperimentConfigSchema>;

/**
 * A grid that spans decode from one sequence to a batch past the ridge of current GPUs, and prompts
 * from short chat turns to long documents. Output lengths: a short answer and a long one.
 */
export const DEFAULT_GRID: Grid = {
  batchSizes: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  inputLens: [128, 256, 512, 1024, 2048, 4096],
  outputLens: [128, 512],
  repeats: 3,
  warmup: 1,
};

/** Validates an experiment config (parsed JSON); a `BenchmarkError` (`INVALID_EXPERIMENT`) names the bad field. */
export function parseExperimentConfig(json: unknown, origin = 'experiment config'): ExperimentConfig {
  const parsed = ExperimentConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new BenchmarkError('INVALID_EXPERIMENT', `${origin} is invalid: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/** Every run of a grid, batch size outermost, then input length, then output length. */
export function gridPoints(grid: Grid): ExperimentPoint[] {
  const points: ExperimentPoint[] = [];
  for (const batchSize of grid.batchSizes) {
    for (const inputLen of grid.inputLens) {
      for (const outputLen of grid.outputLens) {
        points.push({ batchSize, inputLen, outputLen, repeats: grid.repeats, warmup: grid.warmup });
      }
    }
  }
  return points;
}

/** The runs a config asks for, in the order to run them. */
export function planExperiment(config: ExperimentConfigInput): ExperimentPoint[] {
  const parsed = parseExperimentConfig(config);
  return parsed.kind === 'grid' ? gridPoints(parsed.grid) : parsed.points.map((p) => ({ ...p }));
}
