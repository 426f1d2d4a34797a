import { bytesPerElement, computeDtype } from './dtype.ts';
import { RooflineError } from './errors.ts';
import { lookUp, prepareLatencyTable, type LatencyTable, type PreparedLatencyTable } from './latency-table.ts';
import { isMla, moeLayerCount } from './model-spec.ts';
import { describeParallelism, kvHeadsPerDevice } from './parallelism.ts';
import { RooflinePerformanceModel, type DecodeRunTime, type RooflineModelOptions } from './roofline-model.ts';
import { decodeBatch, scaleBatch, type Bound, type OperatorName, type OperatorTime, type StepBatch, type StepTime } from './step-batch.ts';
import { COMPUTE_OPERATORS, OP_INDEX, StepWorkCounter } from './step-work.ts';
import { peakFlopsFor } from './xpu-spec.ts';

/**
 * What one xpu's kernels cost, measured (bf16 weights, activations and KV cache): the operator-level
 * calibration a calibration file of format 2 carries. Kernel prices belong to the xpu, not to a model.
 */
export interface KernelProfile {
  /** The xpu the kernels were measured on (a catalog name). */
  readonly xpu: string;
  /** Its dense bf16 peak and memory bandwidth: what the efficiencies are taken against when transferred. */
  readonly peakFlopsPerSecond: number;
  readonly memoryBandwidthBytesPerSecond: number;
  /** Its interconnect (per direction) and collective latency: to transfer the collectives' prices. */
  readonly linkBandwidthBytesPerSecond: number;
  readonly linkLatencySeconds: number;
  /** Dense GEMM, axes m (tokens), n, k. */
  readonly gemm: LatencyTable;
  /** Prefill attention (causal, nothing cached), axes sequences, tokens per sequence, query heads per device; head_dim 128. */
  readonly contextAttention: LatencyTable;
  /** Decode attention, axes sequences, cached tokens per sequence, query heads, KV heads per device; head_dim 128. */
  readonly generationAttention: LatencyTable;
  /** The all-reduce vLLM runs between tensor-parallel ranks, axes devices, message bytes. */
  readonly allReduce: LatencyTable;
  /** All-gather, axes devices, total message bytes. */
  readonly allGather: LatencyTable;
  /** NCCL all-to-all, axes devices, each device's send buffer in bytes (nccl-tests' size); absent in older files. */
  readonly allToAll?: LatencyTable;
  /** Norms, rotary embedding, activation, embedding gather: a launch plus bytes at a sustained bandwidth. */
  readonly elementwise: { readonly bandwidthBytesPerSecond: number; readonly launchSeconds: number };
  /** Operators without a measured table (experts, operators added later): the roofline at these figures. */
  readonly fallback: { readonly flopsPerSecond: number; readonly bandwidthBytesPerSecond: number };
}

/** Time the engine spends per step outside the kernels: scheduling, input preparation, sampling, launches. */
export interface EngineOverhead {
  readonly perStepSeconds: number;
  readonly perSequenceSeconds: number;
}

/**
 * How much of its spec sheet the target xpu sustains, relative to the profile's xpu, where both were measured by
 * the same microbenchmarks: 1 keeps the measured xpu's efficiencies unchanged (the default).
 */
export interface AchievedRelative {
  /** The target's sustained fraction of peak FLOP/s over the profile xpu's (large GEMMs). */
  readonly compute: number;
  /** The target's sustained fraction of memory bandwidth over the profile xpu's (STREAM-like copies). */
  readonly memory: number;
  /**
   * How many times longer the target's all-reduce takes than the profile xpu's at the messages of a step, measured
   * by the same collective benchmark on both; without it, collectives scale by the two interconnects' spec figures.
   */
  readonly collective?: number;
}

/** A roofline priced from measured kernel tables: the xpu's kernel profile and the engine's per-step overhead. */
export interface KernelCalibratedModelOptions extends RooflineModelOptions {
  readonly profile: KernelProfile;
  readonly overhead: EngineOverhead;
  /** Only for a transferred profile: the target's achieved fractions relative to the profile xpu's. */
  readonly achievedRelative?: AchievedRelative;
}

/** Head dimension the attention tables were measured at; other head sizes are scaled by their ratio. */
const TABLE_HEAD_DIM = 128;
const BF16_BYTES = 2;
const OPS = COMPUTE_OPERATORS.length;
const { embedding: EMB, qkv_proj: QKV, kv_up_proj: KV_UP, attention: ATTN, o_proj: O, mlp: MLP, moe: MOE, norm: NORM, lm_head: LM_HEAD } = OP_INDEX;
/** Relative difference above which the counted FLOPs of an operator are not those of the dense shapes priced here. */
const SHAPE_TOLERANCE = 0.02;
/** The GEMMs a step runs, one memo each: qkv_proj, o_proj, the MLP's gate-up and down, lm_head. */
const GEMM_QKV = 0;
const GEMM_O = 1;
const GEMM_GATE_UP = 2;
const GEMM_DOWN = 3;
const GEMM_LM_HEAD = 4;
/** Whole keys below this are remembered in an array (a token count), others in a map. */
const DIRECT_KEYS = 1 << 16;
/** Entries the map keeps before it starts afresh: more distinct keys than any run of steps yields. */
const MAP_LIMIT = 1 << 16;

/**
 * Kernel prices already looked up, by the one figure of the step they depend on (its tokens, its sequences,
 * a message's bytes): a price is positive, so 0 means not known yet. Whole keys (the common case) index a
 * growing array, which costs far less per step than a map.
 */
class PriceMemo {
  private direct = new Float64Array(0);
  private readonly other = new Map<number, number>();

  get(key: number): number {
    if (Number.isInteger(key) && key >= 0 && key < DIRECT_KEYS) return key < this.direct.length ? this.direct[key] : 0;
    return this.other.get(key) ?? 0;
  }

  /** Remembers `seconds` (positive) under `key`; returns it. */
  set(key: number, seconds: number): number {
    if (Number.isInteger(key) && key >= 0 && key < DIRECT_KEYS) {
      if (key >= this.direct.length) {
        const grown = new Float64Array(Math.max(64, 2 ** Math.ceil(Math.log2(key + 1))));
        grown.set(this.direct);
        this.direct = grown;
      }
      this.direct[key] = seconds;
    } else {
      if (this.other.size >= MAP_LIMIT) this.other.clear();
      this.other.set(key, seconds);
    }
    return seconds;
  }
}

/**
 * The roofline's operators priced by measured kernels: a step's time is, over the layers, the measured
 * latency of each GEMM at its shape (m = the step's tokens), of prefill and decode attention at the batch's
 * shape, of the element-wise kernels and of every all-reduce at its message size, plus the engine's per-step
 * overhead. Work comes from StepWorkCounter, so operators it adds are priced too: those without a matching
 * table (experts, shapes the dense formulas do not describe) at the roofline with the profile's fitted
 * efficiency.
 *
 * On an xpu other than the profile's (or with weights or KV cache in another dtype than the tables' bf16),
 * each kernel keeps its measured efficiency: its time is scaled by the ratio of its roofline times,
 * max(FLOPs / peak, bytes / bandwidth), on the target and on the measured xpu.
 */
export class KernelCalibratedModel extends RooflinePerformanceModel {
  readonly profile: KernelProfile;
  readonly overhead: EngineOverhead;
  /** The measured xpu whose efficiencies this one borrows, when it is not the target itself. */
  readonly transferredFrom: string | undefined;
  readonly achievedRelative: AchievedRelative;
  private readonly kernelCounter: StepWorkCounter;
  private readonly gemm: PreparedLatencyTable;
  private readonly context: PreparedLatencyTable;
  private readonly generation: PreparedLatencyTable;
  private readonly allReduce: PreparedLatencyTable;
  private readonly allGather: PreparedLatencyTable;
  private readonly allToAll: PreparedLatencyTable | undefined;
  private readonly maxContextHeads: number;
  private readonly maxGenerationHeads: number;
  private readonly maxGenerationKvHeads: number;
  private readonly work = { flops: new Float64Array(OPS), bytes: new Float64Array(OPS) };
  /**
   * Prices already looked up, by the step's tokens (or sequences for lm_head and the logits' all-gather):
   * consecutive decode steps of one batch differ only in context, so all but attention repeat. Same numbers as
   * a fresh lookup, without its logarithms and interpolation.
   */
  private readonly gemmMemo = [0, 1, 2, 3, 4].map(() => new PriceMemo());
  private readonly allReduceMemo = new PriceMemo();
  private readonly allGatherMemo = new PriceMemo();
  /** Operators in COMPUTE_OPERATORS order, then communication, all-to-all, pipeline, overhead. */
  private readonly seconds = new Float64Array(OPS + 4);
  private readonly shapes: {
    readonly qHeads: number;
    readonly kvHeads: number;
    readonly qkvN: number;
    readonly qOut: number;
    readonly mlpPerDevice: number;
    readonly vocabPerDevice: number;
    readonly denseLayers: number;
  };
  /** Whether the dense-shape GEMMs describe the counted work of qkv_proj, o_proj, mlp and lm_head. */
  private readonly priced: { qkv: boolean; o: boolean; mlp: boolean; lmHead: boolean };
  /** The target's peak FLOP/s and bandwidth, scaled by what it sustains relative to the profile xpu. */
  private readonly targetPeak: number;
  private readonly targetBandwidth: number;
  private readonly sameXpu: boolean;
  private readonly mla: boolean;
  private readonly wb: number;
  private readonly ab: number;
  private readonly kb: number;

  constructor(options: KernelCalibratedModelOptions) {
    super({ ...options, efficiency: undefined });
    const { profile, overhead } = options;
    this.profile = profile;
    this.overhead = overhead;
    this.transferredFrom = profile.xpu === this.xpu.name ? undefined : profile.xpu;
    this.gemm = prepareLatencyTable(profile.gemm, 'gemm table');
    this.context = prepareLatencyTable(profile.contextAttention, 'context attention table');
    this.generation = prepareLatencyTable(profile.generationAttention, 'generation attention table');
    this.allReduce = prepareLatencyTable(profile.allReduce, 'all-reduce table');
    const last = (axis: readonly number[]) => axis[axis.length - 1];
    this.maxContextHeads = last(profile.contextAttention.axes[2]);
    this.maxGenerationHeads = last(profile.generationAttention.axes[2]);
    this.maxGenerationKvHeads = last(profile.generationAttention.axes[3]);
    this.allGather = prepareLatencyTable(profile.allGather, 'all-gather table');
    this.allToAll = profile.allToAll ? prepareLatencyTable(profile.allToAll, 'all-to-all table') : undefined;
    if (!(overhead.perStepSeconds >= 0) || !(overhead.perSequenceSeconds >= 0)) {
      throw new RooflineError('INVALID_EFFICIENCY', 'engine overhead must be non-negative');
    }
    this.kernelCounter = new StepWorkCounter(this.model, this.parallelism, this.dtypes, this.xpu);
    const m = this.model;
    const tp = this.parallelism.tp;
    const qHeads = m.numAttentionHeads / tp;
    const kvHeads = kvHeadsPerDevice(m, tp);
    this.shapes = {
      qHeads,
      kvHeads,
      qkvN: (qHeads + 2 * kvHeads) * m.headDim,
      qOut: qHeads * m.headDim,
      mlpPerDevice: m.intermediateSize / tp,
      vocabPerDevice: m.vocabSize / tp,
      denseLayers: m.numLayers - moeLayerCount(m),
    };
    // One decode token: the counted FLOPs are 2 x weights, which must be those of the shapes priced here.
    const probe = this.kernelCounter.count(decodeBatch(this.parallelism.dp, 1)).operators;
    const close = (counted: number, expected: number) =>
      expected === 0 ? counted === 0 : Math.abs(counted - expected) <= SHAPE_TOLERANCE * expected;
    const s = this.shapes;
    const L = m.numLayers;
    this.priced = {
      qkv: close(probe[1].flops, 2 * L * s.qkvN * m.hiddenSize),
      o: close(probe[3].flops, 2 * L * m.hiddenSize * s.qOut),
      mlp: close(probe[4].flops, 2 * s.denseLayers * 3 * m.hiddenSize * s.mlpPerDevice),
      lmHead: close(probe[7].flops, 2 * s.vocabPerDevice * m.hiddenSize),
    };
    const achieved = options.achievedRelative ?? { compute: 1, memory: 1 };
    this.achievedRelative = achieved;
    if (!(achieved.compute > 0) || !(achieved.memory > 0) || (achieved.collective !== undefined && !(achieved.collective > 0))) {
      throw new RooflineError('INVALID_EFFICIENCY', 'achieved fractions relative to the measured xpu must be positive');
    }
    if (this.transferredFrom === undefined && (achieved.compute !== 1 || achieved.memory !== 1 || achieved.collective !== undefined)) {
      throw new RooflineError('INVALID_EFFICIENCY', 'achieved fractions apply only to a profile transferred from another xpu');
    }
    this.targetPeak = peakFlopsFor(this.xpu, computeDtype(this.dtypes)) * achieved.compute;
    this.targetBandwidth = this.xpu.memoryBandwidthBytesPerSecond * achieved.memory;
    this.mla = isMla(m);
    this.wb = bytesPerElement(this.dtypes.weights);
    this.ab = bytesPerElement(this.dtypes.activations);
    this.kb = bytesPerElement(this.dtypes.kvCache);
    this.sameXpu =
      this.transferredFrom === undefined &&
      this.wb === BF16_BYTES &&
      this.ab === BF16_BYTES &&
      this.kb === BF16_BYTES &&
      this.targetPeak === profile.peakFlopsPerSecond;
  }

  /**
   * A measured kernel time carried over to this xpu and these dtypes: its efficiency (roofline time over
   * measured time) is kept, so the time scales with the roofline time here over the roofline time there.
   */
  private carried(measuredSeconds: number, flops: number, bytesHere: number, bytesMeasured: number): number {
    if (this.sameXpu) return measuredSeconds;
    const p = this.profile;
    const there = Math.max(flops / p.peakFlopsPerSecond, bytesMeasured / p.memoryBandwidthBytesPerSecond);
    const here = Math.max(flops / this.targetPeak, bytesHere / this.targetBandwidth);
    return there > 0 ? (measuredSeconds * here) / there : measuredSeconds;
  }

  /** gemmSeconds through the memo of one call site (whose n and k never change). */
  private gemmAt(site: number, m: number, n: number, k: number): number {
    if (m <= 0) return 0;
    const memo = this.gemmMemo[site];
    return memo.get(m) || memo.set(m, this.gemmSeconds(m, n, k));
  }

  private gemmSeconds(m: number, n: number, k: number): number {
    if (m <= 0) return 0;
    const measured = lookUp(this.gemm, m, n, k);
    return this.carried(
      measured,
      2 * m * n * k,
      m * k * this.ab + k * n * this.wb + m * n * this.ab,
      BF16_BYTES * (m * k + k * n + m * n),
    );
  }

  private elementwiseSeconds(bytes: number, kernels: number): number {
    const e = this.profile.elementwise;
    const bandwidth = e.bandwidthBytesPerSecond * (this.targetBandwidth / this.profile.memoryBandwidthBytesPerSecond);
    return kernels * e.launchSeconds + bytes / bandwidth;
  }

  private fallbackSeconds(flops: number, bytes: number): number {
    const f = this.profile.fallback;
    const computeScale = this.targetPeak / this.profile.peakFlopsPerSecond;
    const memoryScale = this.targetBandwidth / this.profile.memoryBandwidthBytesPerSecond;
    return Math.max(flops / (f.flopsPerSecond * computeScale), bytes / (f.bandwidthBytesPerSecond * memoryScale));
  }

  /** A collective's measured latency, carried over to this interconnect by the ratio of its ring times. */
  private collectiveSeconds(table: PreparedLatencyTable, devices: number, bytes: number, ringFactor: number): number {
    if (devices <= 1 || bytes <= 0) return 0;
    const measured = lookUp(table, devices, bytes);
    if (this.transferredFrom === undefined) return measured;
    if (this.achievedRelative.collective !== undefined) return measured * this.achievedRelative.collective;
    const p = this.profile;
    const ic = this.xpu.interconnect;
    const there = p.linkLatencySeconds + (ringFactor * bytes) / p.linkBandwidthBytesPerSecond;
    const here = ic.latencySeconds + (ringFactor * bytes) / ic.bandwidthBytesPerSecond;
    return (measured * here) / there;
  }

  /**
   * Fills this.seconds (operators in COMPUTE_OPERATORS order, then communication, pipeline, overhead) and
   * this.work; returns the total.
   */
  private price(groupBatch: StepBatch): number {
    const { flops, bytes } = this.work;
    const sec = this.seconds;
    this.kernelCounter.fillInto(groupBatch, flops, bytes);
    // With data-parallel attention the kernels other than the routed experts run on one rank's share of the batch.
    const batch = scaleBatch(groupBatch, 1 / this.parallelism.dp);
    const T = batch.prefillTokens + batch.decodeSequences;
    const S = batch.prefillSequences + batch.decodeSequences;
    const m = this.model;
    const s = this.shapes;
    const L = m.numLayers;
    const H = m.hiddenSize;
    const ab = this.ab;

    sec[EMB] = this.elementwiseSeconds(bytes[EMB], 1);
    sec[QKV] = this.priced.qkv ? L * this.gemmAt(GEMM_QKV, T, s.qkvN, H) : this.fallbackSeconds(flops[QKV], bytes[QKV]);

    // Attention: the measured kernels at the batch's shape. A prefill chunk over a cached prefix is priced as
    // the causal prefill with as many query/key pairs per sequence (the tables hold no cached prefix), so a
    // one-token chunk over a long context costs what that much attention work costs, not a full prefill.
    if (this.mla) {
      // MLA reads one latent per cached token instead of per-head keys and values: the measured (MHA) attention
      // kernels do not describe it, so the roofline's figures price it, as they price kv_up_proj.
      sec[ATTN] = this.fallbackSeconds(flops[ATTN], bytes[ATTN]);
    } else {
      let attention = 0;
      const headScale = m.headDim / TABLE_HEAD_DIM;
      if (batch.prefillSequences > 0) {
        const b = batch.prefillSequences;
        const pairsPerSequence = batch.prefillAttentionPairs / b;
        const equivalentTokens = (Math.sqrt(1 + 8 * pairsPerSequence) - 1) / 2;
        // More heads than measured: the heads split into groups the table holds, priced one after the other.
        const groups = Math.max(1, s.qHeads / this.maxContextHeads);
        attention += groups * lookUp(this.context, b, equivalentTokens, s.qHeads / groups);
      }
      if (batch.decodeSequences > 0) {
        const b = batch.decodeSequences;
        const cached = batch.decodeCachedTokens / b + 1;
        const groups = Math.max(1, s.kvHeads / this.maxGenerationKvHeads, s.qHeads / this.maxGenerationHeads);
        attention += groups * lookUp(this.generation, b, cached, s.qHeads / groups, s.kvHeads / groups);
      }
      const densePairs = batch.prefillAttentionPairs + batch.decodeCachedTokens + batch.decodeSequences;
      const denseFlops = L * 4 * s.qHeads * m.headDim * densePairs;
      const variantScale = denseFlops > 0 && flops[ATTN] > 0 ? flops[ATTN] / denseFlops : 1;
      const kvScale = this.kb / BF16_BYTES;
      attention = L * headScale * variantScale * this.carried(attention, flops[ATTN] / L, bytes[ATTN] / L, bytes[ATTN] / L / kvScale);
      // Rotary embedding on q and k: read and write them once per layer.
      sec[ATTN] = attention + this.elementwiseSeconds(L * 2 * T * (s.qOut + (s.kvHeads * m.headDim)) * ab, L);
    }

    sec[O] = this.priced.o ? L * this.gemmAt(GEMM_O, T, H, s.qOut) : this.fallbackSeconds(flops[O], bytes[O]);
    if (this.priced.mlp) {
      const I = s.mlpPerDevice;
      const gemms = this.gemmAt(GEMM_GATE_UP, T, 2 * I, H) + this.gemmAt(GEMM_DOWN, T, H, I);
      // SiLU-and-multiply reads the gate and up halves and writes the product.
      sec[MLP] = s.denseLayers * gemms + this.elementwiseSeconds(s.denseLayers * 3 * T * I * ab, s.denseLayers);
    } else {
      sec[MLP] = this.fallbackSeconds(flops[MLP], bytes[MLP]);
    }
    sec[MOE] = flops[MOE] > 0 || bytes[MOE] > 0 ? this.fallbackSeconds(flops[MOE], bytes[MOE]) : 0;
    // MLA's latent up-projection has no measured table: the roofline's figures price it.
    sec[KV_UP] = flops[KV_UP] > 0 || bytes[KV_UP] > 0 ? this.fallbackSeconds(flops[KV_UP], bytes[KV_UP]) : 0;
    sec[NORM] = this.elementwiseSeconds(bytes[NORM], 2 * L + 1);
    sec[LM_HEAD] = this.priced.lmHead ? this.gemmAt(GEMM_LM_HEAD, S, s.vocabPerDevice, H) : this.fallbackSeconds(flops[LM_HEAD], bytes[LM_HEAD]);

    const tp = this.parallelism.tp;
    const crossing = this.kernelCounter.spansNodes;
    let communication = 0;
    if (crossing.tensorParallel) {
      // The measured collectives ran inside one node; a group spanning nodes rings through the NICs as the roofline prices it.
      communication = this.kernelCounter.lastSpecSeconds.communication;
    } else if (tp > 1 && T > 0) {
      const ringFactor = (2 * (tp - 1)) / tp;
      const reduceBytes = T * H * ab;
      const gatherBytes = S * m.vocabSize * ab;
      const reduce = this.allReduceMemo.get(T) || this.allReduceMemo.set(T, this.collectiveSeconds(this.allReduce, tp, reduceBytes, ringFactor));
      const gather = this.allGatherMemo.get(S) || this.allGatherMemo.set(S, this.collectiveSeconds(this.allGather, tp, gatherBytes, (tp - 1) / tp));
      communication = (2 * L + 1) * reduce + gather;
    }
    sec[OPS] = communication;
    sec[OPS + 1] = this.allToAllSeconds(groupBatch);
    // No measured table of point-to-point sends: the hand-offs as the roofline prices them (on the NIC across nodes).
    sec[OPS + 2] = this.kernelCounter.lastSpecSeconds.pipeline;
    sec[OPS + 3] = T > 0 ? this.overhead.perStepSeconds + S * this.overhead.perSequenceSeconds : 0;
    let total = 0;
    for (let i = 0; i < sec.length; i++) total += sec[i];
    return total;
  }

  /**
   * Expert-parallel dispatch and combine: the measured NCCL all-to-all at each device's buffer when the profile has
   * one (carried over to this interconnect like the other collectives), else the roofline's spec-sheet price.
   */
  private allToAllSeconds(batch: StepBatch): number {
    const shape = this.kernelCounter.allToAllShape(batch);
    if (shape.count === 0) return 0;
    // Measured inside one node (2 to 8 GPUs); a group spanning nodes, or a file without the table, takes the spec price.
    if (!this.allToAll || this.kernelCounter.spansNodes.expertParallel) return this.kernelCounter.lastSpecSeconds.allToAll;
    return shape.count * this.collectiveSeconds(this.allToAll, shape.devices, shape.bufferBytes, (shape.devices - 1) / shape.devices);
  }

  override stepSeconds(batch: StepBatch): number {
    if (batch.prefillTokens + batch.decodeSequences === 0) return 0;
    return this.price(batch);
  }

  /**
   * Measured kernel latencies are interpolated in log space, so consecutive decode steps are not exactly
   * affine in the context: every step is priced on its own (a run of one step, which the interface allows).
   */
  override decodeRun(batch: StepBatch): DecodeRunTime {
    return { steps: 1, firstStepSeconds: this.stepSeconds(batch), stepIncrementSeconds: 0 };
  }

  override stepTime(batch: StepBatch): StepTime {
    if (batch.prefillTokens + batch.decodeSequences === 0) return { totalSeconds: 0, breakdown: [] };
    const totalSeconds = this.price(batch);
    const { flops, bytes } = this.work;
    const breakdown: OperatorTime[] = [];
    const bandwidth = this.targetBandwidth;
    COMPUTE_OPERATORS.forEach((op, i) => {
      if (this.seconds[i] === 0 && flops[i] === 0 && bytes[i] === 0) return;
      const bound: Bound = flops[i] / this.targetPeak > bytes[i] / bandwidth ? 'compute' : 'memory';
      breakdown.push({ op, seconds: this.seconds[i], flops: flops[i], bytes: bytes[i], bound });
    });
    const extra: [OperatorName, Bound][] = [
      ['communication', 'communication'],
      ['all_to_all', 'communication'],
      ['pipeline', 'communication'],
      ['overhead', 'overhead'],
    ];
    const allToAll = this.kernelCounter.allToAllShape(batch);
    extra.forEach(([op, bound], j) => {
      const seconds = this.seconds[OPS + j];
      const moved = op === 'all_to_all' ? allToAll.count * allToAll.bufferBytes : 0;
      if (seconds > 0) breakdown.push({ op, seconds, flops: 0, bytes: moved, bound });
    });
    return { totalSeconds, breakdown };
  }

  /** One line naming the model, the xpu, the parallelism and the kernel calibration used. */
  override describe(): string {
    const p = this.parallelism;
    const a = this.achievedRelative;
    const collective = a.collective !== undefined ? `, all-reduce ${a.collective.toFixed(2)}x its time` : '';
    const scaled =
      a.compute !== 1 || a.memory !== 1 || a.collective !== undefined
        ? ` (sustaining ${a.compute.toFixed(3)}x its compute and ${a.memory.toFixed(3)}x its bandwidth fraction${collective})`
        : '';
    const from = this.transferredFrom ? `, efficiencies transferred from ${this.transferredFrom}${scaled}` : '';
    const source = this.calibrationSource ? `; calibration ${this.calibrationSource}` : '';
    return `kernel-calibrated roofline (measured kernels): ${this.model.name} on ${this.xpu.name}${from}, ${describeParallelism(p)}, weights ${this.dtypes.weights}, KV ${this.dtypes.kvCache}${source}`;
  }
}
