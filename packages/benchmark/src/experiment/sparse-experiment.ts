import {
  RooflinePerformanceModel,
  arithmeticIntensity,
  decodeBatch,
  getModel,
  getXpu,
  planMemory,
  prefillBatch,
  ridgePointFlopsPerByte,
  type Dtype,
  type ModelSpec,
  type XpuSpec,
} from '@llm-sim/roofline';
import { BenchmarkError, formatIssues } from '../errors.ts';
import {
  DEFAULT_GRID,
  ExperimentConfigSchema,
  GridSchema,
  type SparseExperimentConfig,
  type ExperimentPoint,
  type GridInput,
  type Purpose,
} from './experiment-config.ts';

/** What to plan a sparse experiment for: model, xpu, tp and pp (1), dtype (bf16), and the grid to draw from. */
export interface SparseExperimentOptions {
  /** Catalog name or alias, or a spec. */
  readonly model: string | ModelSpec;
  readonly xpu: string | XpuSpec;
  readonly tp?: number;
  readonly pp?: number;
  /** Weight and activation dtype (KV cache stays bf16). */
  readonly dtype?: Dtype;
  /** The full grid to draw from; DEFAULT_GRID when absent. */
  readonly grid?: GridInput;
  /** vLLM's --gpu-memory-utilization, for dropping runs whose KV cache would not fit (default 0.9). */
  readonly gpuMemoryUtilization?: number;
}

interface Candidate {
  readonly batchSize: number;
  readonly inputLen: number;
  readonly outputLen: number;
  readonly prefillIntensity: number;
  readonly decodeIntensity: number;
}

/**
 * A sparse plan: a few runs of the grid that still pin down both regimes of the roofline, so that a
 * calibration can fit effective FLOPS (compute-bound points) and effective bandwidth (memory-bound points)
 * for prefill and decode apart. Runs whose KV cache (batch x (input + output) tokens) would not fit the
 * memory left after weights are dropped first. Then, with Bmin, Lmin, Lmax, Omin, Omax the grid's extremes
 * and R the xpu's ridge point in the serving dtype, it keeps:
 * - prefill-sweep: (Bmin, L, Omin) for every input length L: prefill from memory-bound short prompts to
 *   compute-bound long ones;
 * - prefill-ridge: over all (B, L) at Omin, the run whose prefill intensity is the highest below R and the
 *   one with the lowest at or above R: the knee of the prefill roofline;
 * - decode-batch-sweep: (B, Lmin, Omin) for every batch size B: decode from one sequence (weights read
 *   for one token, memory-bound) to large batches (intensity growing with B);
 * - decode-ridge: for every L, the two batch sizes whose decode intensity (at the mean context
 *   L + Omin/2) brackets R; where the grid never reaches R (KV reads grow with the batch too, so decode of
 *   a multi-head-attention model may never cross it) the batch closest to it;
 * - decode-long-context: (Bmin, Lmax, Omax) and (Bmin, Lmin, Omax): decode steps dominated by KV reads,
 *   and the output length's effect.
 * Runs chosen for several reasons are kept once with all their purposes; they come ordered by batch size,
 * input length, output length.
 */
export function createSparseExperiment(options: SparseExperimentOptions): SparseExperimentConfig {
  const model = typeof options.model === 'string' ? getModel(options.model) : options.model;
  const xpu = typeof options.xpu === 'string' ? getXpu(options.xpu) : options.xpu;
  const dtype = options.dtype ?? 'bf16';
  const tp = options.tp ?? 1;
  const pp = options.pp ?? 1;
  const gridParsed = GridSchema.safeParse(options.grid ?? DEFAULT_GRID);
  if (!gridParsed.success) {
    throw new BenchmarkError('INVALID_EXPERIMENT', `grid is invalid: ${formatIssues(gridParsed.error.issues)}`, {
      field: 'grid',
    });
  }
  const grid = gridParsed.data;
  const dtypes = { weights: dtype, activations: dtype };
  const roofline = new RooflinePerformanceModel({ model, xpu, parallelism: { tp, pp }, dtypes });
  const ridge = ridgePointFlopsPerByte(xpu, dtype);
  const memory = planMemory({ model, xpu, parallelism: { tp, pp }, dtypes, gpuMemoryUtilization: options.gpuMemoryUtilization });

  const batchSizes = [...grid.batchSizes].sort((a, b) => a - b);
  const inputLens = [...grid.inputLens].sort((a, b) => a - b);
  const outputLens = [...grid.outputLens].sort((a, b) => a - b);
  const bMin = batchSizes[0];
  const lMin = inputLens[0];
  const lMax = inputLens[inputLens.length - 1];
  const oMin = outputLens[0];
  const oMax = outputLens[outputLens.length - 1];

  const fits = (b: number, l: number, o: number) => memory.fits && b * (l + o) <= memory.maxKvCacheTokens;
  const candidates = new Map<string, Candidate>();
  const candidate = (b: number, l: number, o: number): Candidate | undefined => {
    if (!fits(b, l, o)) return undefined;
    const key = `${b}/${l}/${o}`;
    let c = candidates.get(key);
    if (!c) {
      c = {
        batchSize: b,
        inputLen: l,
        outputLen: o,
        prefillIntensity: arithmeticIntensity(roofline.stepWork(prefillBatch(b, l))),
        decodeIntensity: arithmeticIntensity(roofline.stepWork(decodeBatch(b, l + o / 2))),
      };
      candidates.set(key, c);
    }
    return c;
  };

  const chosen = new Map<Candidate, Set<Purpose>>();
  const keep = (c: Candidate | undefined, purpose: Purpose) => {
    if (!c) return;
    const purposes = chosen.get(c) ?? new Set<Purpose>();
    purposes.add(purpose);
    chosen.set(c, purposes);
  };

  for (const l of inputLens) keep(candidate(bMin, l, oMin), 'prefill-sweep');

  const atOMin = batchSizes.flatMap((b) => inputLens.map((l) => candidate(b, l, oMin))).filter((c) => c !== undefined);
  for (const c of bracket(atOMin, (x) => x.prefillIntensity, ridge)) keep(c, 'prefill-ridge');

  for (const b of batchSizes) keep(candidate(b, lMin, oMin), 'decode-batch-sweep');

  for (const l of inputLens) {
    const row = batchSizes.map((b) => candidate(b, l, oMin)).filter((c) => c !== undefined);
    for (const c of bracket(row, (x) => x.decodeIntensity, ridge)) keep(c, 'decode-ridge');
  }

  keep(candidate(bMin, lMax, oMax), 'decode-long-context');
  keep(candidate(bMin, lMin, oMax), 'decode-long-context');

  if (chosen.size === 0) {
    throw new BenchmarkError(
      'INVALID_EXPERIMENT',
      `no run of the grid fits ${model.name} on ${xpu.name} at tp=${tp} pp=${pp}: ` +
        `${memory.maxKvCacheTokens} KV-cache tokens available, the smallest run needs ${bMin * (lMin + oMin)}`,
      { field: 'grid' },
    );
  }

  const points: ExperimentPoint[] = [...chosen.entries()]
    .sort(([a], [b]) => a.batchSize - b.batchSize || a.inputLen - b.inputLen || a.outputLen - b.outputLen)
    .map(([c, purposes]) => ({
      batchSize: c.batchSize,
      inputLen: c.inputLen,
      outputLen: c.outputLen,
      repeats: grid.repeats,
      warmup: grid.warmup,
      purposes: [...purposes],
      prefillIntensityFlopsPerByte: c.prefillIntensity,
      decodeIntensityFlopsPerByte: c.decodeIntensity,
    }));
  const config = ExperimentConfigSchema.parse({
    kind: 'sparse',
    model: model.name,
    xpu: xpu.name,
    tp,
    pp,
    dtype,
    grid,
    ridgePointFlopsPerByte: ridge,
    points,
  });
  // The schema only re-checks what was built above; the variant is known.
  return config as SparseExperimentConfig;
}

/**
 * The candidate with the highest value below `ridge` and the one with the lowest at or above it; where
 * all lie on one side, the one closest to the ridge.
 */
function bracket<T>(items: readonly T[], value: (t: T) => number, ridge: number): T[] {
  let below: T | undefined;
  let above: T | undefined;
  for (const t of items) {
    const v = value(t);
    if (v < ridge) {
      if (below === undefined || v > value(below)) below = t;
    } else if (above === undefined || v < value(above)) {
      above = t;
    }
  }
  return [below, above].filter((t): t is T => t !== undefined);
}
