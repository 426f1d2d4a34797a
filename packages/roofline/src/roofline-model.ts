import * as z from 'zod/mini';
import { computeDtype, unquantizedComputeDtype, type DtypeConfig } from './dtype.ts';
import { RooflineError, formatIssues } from './errors.ts';
import { modelDtypes, type ModelSpec } from './model-spec.ts';
import { describeParallelism, SINGLE_DEVICE, validateParallelism, type ParallelismSpec } from './parallelism.ts';
import {
  decodeBatch,
  prefillBatch,
  type Bound,
  type OperatorTime,
  type StepBatch,
  type StepTime,
} from './step-batch.ts';
import { COMPUTE_OPERATORS, OP_INDEX, StepWorkCounter, type StepWork } from './step-work.ts';
import { peakFlopsFor, type XpuSpec } from './xpu-spec.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

/** The figures one phase is priced with: peak ones from the spec sheet, or effective ones from calibration. */
export const PhaseFiguresSchema = z.object({
  flopsPerSecond: z.number().check(z.positive()),
  bandwidthBytesPerSecond: z.number().check(z.positive()),
  overheadSeconds: z.number().check(z.nonnegative()),
});
/** Effective figures of one phase: FLOP/s, bandwidth in bytes/s, and a fixed overhead per step in seconds. */
export type PhaseFigures = z.infer<typeof PhaseFiguresSchema>;

/** Effective figures for prefill and decode apart: what a calibration yields. */
export const EffectiveRooflineSchema = z.object({
  prefill: PhaseFiguresSchema,
  decode: PhaseFiguresSchema,
});
/** Effective figures for prefill and decode apart (see `EffectiveRooflineSchema`). */
export type EffectiveRoofline = z.infer<typeof EffectiveRooflineSchema>;

/**
 * A run of decode steps whose times are affine: step i of the run takes
 * firstStepSeconds + i * stepIncrementSeconds (the simulator's `DecodeRun`, met structurally).
 */
export interface DecodeRunTime {
  readonly steps: number;
  readonly firstStepSeconds: number;
  readonly stepIncrementSeconds: number;
}

/** What a roofline prices: the model, the xpu, the parallelism, the precisions, and optionally calibrated effective figures. */
export interface RooflineModelOptions {
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly parallelism?: Partial<ParallelismSpec>;
  readonly dtypes?: Partial<DtypeConfig>;
  /** Effective figures in place of the spec sheet's peaks (and a per-step overhead). */
  readonly efficiency?: EffectiveRoofline;
  /** Where the calibrated figures come from (a file path and how it was chosen): said by describe(). */
  readonly calibrationSource?: string;
}

/**
 * The roofline performance model: a step's time is, over operators, the sum of
 * max(FLOPs / F, bytes / B), plus tensor-parallel communication, pipeline hand-offs and a fixed per-step
 * overhead. With peak figures (the default) F and B are the spec sheet's and the overhead is zero.
 *
 * A step that mixes prefill chunks and decodes is priced with figures blended by the share of tokens
 * each phase computes: w = prefillTokens / tokens, 1/F = w/F_prefill + (1-w)/F_decode (likewise 1/B), and
 * overhead = w*O_prefill + (1-w)*O_decode. Pure steps get exactly their phase's figures; a step that is
 * mostly prompt tokens behaves like a prefill, one with a few chunk tokens like a decode.
 *
 * With pp > 1 a step crosses every stage in turn (see StepWorkCounter): its time is that of one step through
 * the whole pipeline, not the steady-state interval between steps when pp batches are in flight.
 */
/** Operators that compute in 16 bits whatever the linear layers are quantised to. */
const UNQUANTIZED_OPERATORS = ['embedding', 'attention', 'norm', 'lm_head'] as const;

/** The roofline performance model: each operator takes the longer of its FLOPs over peak FLOP/s and its bytes over bandwidth, plus communication; spec-sheet peaks unless calibrated figures are given. */
export class RooflinePerformanceModel {
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly parallelism: ParallelismSpec;
  readonly dtypes: DtypeConfig;
  readonly figures: EffectiveRoofline;
  readonly isCalibrated: boolean;
  readonly calibrationSource: string | undefined;
  private readonly counter: StepWorkCounter;
  private readonly flops = new Float64Array(COMPUTE_OPERATORS.length);
  /**
   * Per operator, how many times slower than F its FLOPs run: 1 for the quantised linear layers, and the
   * spec sheet's ratio of the matmul dtype's peak to the 16-bit peak for attention, embeddings, norms and
   * lm_head, which W8A8 leaves in 16 bits (2 for fp8 on Hopper). 1 everywhere without quantised activations.
   */
  private readonly flopsScale = new Float64Array(COMPUTE_OPERATORS.length).fill(1);
  private readonly bytes = new Float64Array(COMPUTE_OPERATORS.length);
  private readonly flopsGrowth = new Float64Array(COMPUTE_OPERATORS.length);
  private readonly bytesGrowth = new Float64Array(COMPUTE_OPERATORS.length);

  constructor(options: RooflineModelOptions) {
    this.model = options.model;
    this.xpu = options.xpu;
    this.parallelism = validateParallelism(options.model, { ...SINGLE_DEVICE, ...options.parallelism });
    this.dtypes = modelDtypes(options.model, options.dtypes);
    if (options.efficiency) {
      const parsed = EffectiveRooflineSchema.safeParse(options.efficiency, ENGLISH_ISSUES);
      if (!parsed.success) {
        throw new RooflineError('INVALID_EFFICIENCY', `invalid effective figures: ${formatIssues(parsed.error.issues)}`);
      }
      this.figures = parsed.data;
      this.isCalibrated = true;
    } else {
      const peak: PhaseFigures = {
        flopsPerSecond: peakFlopsFor(options.xpu, computeDtype(this.dtypes)),
        bandwidthBytesPerSecond: options.xpu.memoryBandwidthBytesPerSecond,
        overheadSeconds: 0,
      };
      this.figures = { prefill: peak, decode: peak };
      this.isCalibrated = false;
    }
    this.calibrationSource = options.calibrationSource;
    this.counter = new StepWorkCounter(this.model, this.parallelism, this.dtypes, this.xpu);
    const matmul = computeDtype(this.dtypes);
    const sixteen = unquantizedComputeDtype(this.dtypes);
    if (matmul !== sixteen) {
      const ratio = peakFlopsFor(options.xpu, matmul) / peakFlopsFor(options.xpu, sixteen);
      for (const op of UNQUANTIZED_OPERATORS) this.flopsScale[OP_INDEX[op]] = ratio;
    }
  }

  /** The step's wall time alone: allocation-free, the simulator's hot path. */
  stepSeconds(batch: StepBatch): number {
    const tokens = batch.prefillTokens + batch.decodeSequences;
    if (tokens === 0) return 0;
    const extraSeconds = this.counter.fillInto(batch, this.flops, this.bytes);
    const w = batch.prefillTokens / tokens;
    const { prefill, decode } = this.figures;
    const secondsPerFlop = w / prefill.flopsPerSecond + (1 - w) / decode.flopsPerSecond;
    const secondsPerByte = w / prefill.bandwidthBytesPerSecond + (1 - w) / decode.bandwidthBytesPerSecond;
    let total = extraSeconds + w * prefill.overheadSeconds + (1 - w) * decode.overheadSeconds;
    for (let i = 0; i < COMPUTE_OPERATORS.length; i++) {
      const compute = this.flops[i] * this.flopsScale[i] * secondsPerFlop;
      const memory = this.bytes[i] * secondsPerByte;
      total += compute > memory ? compute : memory;
    }
    return total;
  }

  /**
   * Decode steps of an unchanged batch priced at once (the simulator asks this between events): each
   * step every sequence has one more cached token, which grows only attention's work, by the same
   * FLOPs and bytes each step (see StepWorkCounter.decodeWorkGrowth). So the step time is affine while
   * every operator stays on the same side of its roofline and the work itself stays affine (a sliding
   * window not yet full); the run stops where either would change. With spec-sheet peaks decode
   * attention sits far below the ridge and runs stop only at window edges; calibrated figures can
   * move the ridge into range.
   */
  decodeRun(batch: StepBatch, maxSteps: number): DecodeRunTime {
    const first = this.stepSeconds(batch);
    if (batch.prefillTokens > 0 || batch.decodeSequences === 0 || maxSteps <= 1) return { steps: 1, firstStepSeconds: first, stepIncrementSeconds: 0 };
    // stepSeconds just filled this.flops / this.bytes; a decode-only step is priced with the decode figures, as there.
    let steps = Math.min(maxSteps, this.counter.decodeWorkGrowth(batch, this.flopsGrowth, this.bytesGrowth));
    const { prefill, decode } = this.figures;
    const secondsPerFlop = 0 / prefill.flopsPerSecond + 1 / decode.flopsPerSecond;
    const secondsPerByte = 0 / prefill.bandwidthBytesPerSecond + 1 / decode.bandwidthBytesPerSecond;
    let increment = 0;
    for (let i = 0; i < COMPUTE_OPERATORS.length; i++) {
      const compute = this.flops[i] * secondsPerFlop;
      const memory = this.bytes[i] * secondsPerByte;
      const computeGrowth = this.flopsGrowth[i] * secondsPerFlop;
      const memoryGrowth = this.bytesGrowth[i] * secondsPerByte;
      // Step j is compute-bound while compute + j * computeGrowth > memory + j * memoryGrowth.
      if (compute > memory) {
        increment += computeGrowth;
        if (memoryGrowth > computeGrowth) steps = Math.min(steps, Math.ceil((compute - memory) / (memoryGrowth - computeGrowth)));
      } else {
        increment += memoryGrowth;
        if (computeGrowth > memoryGrowth) steps = Math.min(steps, Math.floor((memory - compute) / (computeGrowth - memoryGrowth)) + 1);
      }
    }
    return { steps: Math.max(1, steps), firstStepSeconds: first, stepIncrementSeconds: increment };
  }

  /** The step's time with its breakdown by operator and the bound of each. */
  stepTime(batch: StepBatch): StepTime {
    const tokens = batch.prefillTokens + batch.decodeSequences;
    if (tokens === 0) return { totalSeconds: 0, breakdown: [] };
    const work = this.counter.count(batch);
    const w = batch.prefillTokens / tokens;
    const { prefill, decode } = this.figures;
    const secondsPerFlop = w / prefill.flopsPerSecond + (1 - w) / decode.flopsPerSecond;
    const secondsPerByte = w / prefill.bandwidthBytesPerSecond + (1 - w) / decode.bandwidthBytesPerSecond;
    const breakdown: OperatorTime[] = [];
    let total = 0;
    for (const { op, flops, bytes } of work.operators) {
      if (flops === 0 && bytes === 0) continue;
      const compute = flops * this.flopsScale[OP_INDEX[op]] * secondsPerFlop;
      const memory = bytes * secondsPerByte;
      const bound: Bound = compute > memory ? 'compute' : 'memory';
      const seconds = Math.max(compute, memory);
      breakdown.push({ op, seconds, flops, bytes, bound });
      total += seconds;
    }
    if (work.communicationSeconds > 0) {
      breakdown.push({
        op: 'communication',
        seconds: work.communicationSeconds,
        flops: 0,
        bytes: work.communicationBytes,
        bound: 'communication',
      });
      total += work.communicationSeconds;
    }
    if (work.allToAllSeconds > 0) {
      breakdown.push({ op: 'all_to_all', seconds: work.allToAllSeconds, flops: 0, bytes: work.allToAllBytes, bound: 'communication' });
      total += work.allToAllSeconds;
    }
    if (work.pipelineSeconds > 0) {
      breakdown.push({
        op: 'pipeline',
        seconds: work.pipelineSeconds,
        flops: 0,
        bytes: work.pipelineBytes,
        bound: 'communication',
      });
      total += work.pipelineSeconds;
    }
    const overhead = w * prefill.overheadSeconds + (1 - w) * decode.overheadSeconds;
    if (overhead > 0) {
      breakdown.push({ op: 'overhead', seconds: overhead, flops: 0, bytes: 0, bound: 'overhead' });
      total += overhead;
    }
    return { totalSeconds: total, breakdown };
  }

  /** Per-operator FLOPs and bytes of a step: what calibration annotates a measured point with. */
  stepWork(batch: StepBatch): StepWork {
    return this.counter.count(batch);
  }

  /** Prefill of `batchSize` prompts of `inputLen` tokens in one step. */
  prefillTime(batchSize: number, inputLen: number): StepTime {
    return this.stepTime(prefillBatch(batchSize, inputLen));
  }

  /** One decode step of `batchSize` sequences with `contextLen` cached tokens each. */
  decodeTime(batchSize: number, contextLen: number): StepTime {
    return this.stepTime(decodeBatch(batchSize, contextLen));
  }

  /** One line naming the model, the xpu, the parallelism and which figures price it, for outputs that must say what was used. */
  describe(): string {
    const p = this.parallelism;
    const kind = this.isCalibrated ? 'calibrated roofline' : 'roofline (spec-sheet peaks)';
    const source = this.calibrationSource ? `; calibration ${this.calibrationSource}` : '';
    return `${kind}: ${this.model.name} on ${this.xpu.name}, ${describeParallelism(p)}, weights ${this.dtypes.weights}, KV ${this.dtypes.kvCache}${source}`;
  }
}

/**
 * The seeds' VLLMRooflineModel: the same roofline, priced with effective figures fitted to vLLM
 * measurements (prefill and decode apart).
 */
export class VLLMRooflineModel extends RooflinePerformanceModel {
  constructor(options: RooflineModelOptions & { readonly efficiency: EffectiveRoofline }) {
    super(options);
  }
}

/** Summed FLOPs over summed bytes of a step: where it sits against the ridge point. */
export function arithmeticIntensity(work: StepWork): number {
  let flops = 0;
  let bytes = 0;
  for (const o of work.operators) {
    flops += o.flops;
    bytes += o.bytes;
  }
  return bytes > 0 ? flops / bytes : 0;
}

/** Summed FLOPs and bytes of a step time's breakdown. */
export function stepTotals(step: StepTime): { flops: number; bytes: number; bound: 'compute' | 'memory' } {
  let flops = 0;
  let bytes = 0;
  let computeSeconds = 0;
  let memorySeconds = 0;
  for (const o of step.breakdown) {
    if (o.bound === 'compute' || o.bound === 'memory') {
      flops += o.flops;
      bytes += o.bytes;
      if (o.bound === 'compute') computeSeconds += o.seconds;
      else memorySeconds += o.seconds;
    }
  }
  return { flops, bytes, bound: computeSeconds > memorySeconds ? 'compute' : 'memory' };
}
