import { deviceShard, type DeviceShard } from './device-shard.ts';
import { bytesPerElement, expertWeightDtype, unquantizedWeightBytes, type DtypeConfig } from './dtype.ts';
import { RooflineError } from './errors.ts';
import { expectedGroupsPerToken, expectedMaxGroupLoad, expectedMaxOfNormals } from './expert-load.ts';
import { isMla, modelDtypes, type ModelSpec } from './model-spec.ts';
import { moeDevices, SINGLE_DEVICE, validateParallelism, type ParallelismSpec } from './parallelism.ts';
import { EMPTY_BATCH, type StepBatch } from './step-batch.ts';
import type { XpuSpec } from './xpu-spec.ts';

/** Operators priced as max(FLOPs / F, bytes / B), in breakdown order. */
export const COMPUTE_OPERATORS = ['embedding', 'qkv_proj', 'kv_up_proj', 'attention', 'o_proj', 'mlp', 'moe', 'norm', 'lm_head'] as const;
/** An operator whose work the roofline counts in FLOPs and bytes (communication is counted apart). */
export type ComputeOperator = (typeof COMPUTE_OPERATORS)[number];
export const OP_INDEX: Record<ComputeOperator, number> = {
  embedding: 0,
  qkv_proj: 1,
  kv_up_proj: 2,
  attention: 3,
  o_proj: 4,
  mlp: 5,
  moe: 6,
  norm: 7,
  lm_head: 8,
};
const EMB = OP_INDEX.embedding;
const QKV = OP_INDEX.qkv_proj;
const KV_UP = OP_INDEX.kv_up_proj;
const ATTN = OP_INDEX.attention;
const O = OP_INDEX.o_proj;
const MLP = OP_INDEX.mlp;
const MOE = OP_INDEX.moe;
const NORM = OP_INDEX.norm;
const LM_HEAD = OP_INDEX.lm_head;

/** One operator's FLOPs and bytes per device in a step. */
export interface OperatorWork {
  readonly op: ComputeOperator;
  /** Per device, summed over every layer of the model (all pipeline stages run one after the other). */
  readonly flops: number;
  readonly bytes: number;
}

/** A step's work per device: every compute operator's FLOPs and bytes, and the collective communication. */
export interface StepWork {
  readonly operators: readonly OperatorWork[];
  /** Tensor-parallel all-reduces (and the logits all-gather), from the interconnect spec. */
  readonly communicationSeconds: number;
  /** Pipeline-stage hand-offs of activations. */
  readonly pipelineSeconds: number;
  /** Bytes each device contributes to the tensor-parallel collectives (before the ring's 2(tp-1)/tp factor). */
  readonly communicationBytes: number;
  /** Bytes sent across all pipeline-stage boundaries. */
  readonly pipelineBytes: number;
  /** Expert-parallel dispatch and combine between data-parallel ranks (0 without dp > 1). */
  readonly allToAllSeconds: number;
  /** Bytes each device sends in them, summed over every all-to-all of the step. */
  readonly allToAllBytes: number;
}

/** What one step's all-to-alls are, for a model that prices them from measured tables. */
export interface AllToAllShape {
  /** All-to-alls in the step: a dispatch and a combine per MoE layer. */
  readonly count: number;
  /** Devices taking part. */
  readonly devices: number;
  /** Each device's send buffer per all-to-all, its own share included (nccl-tests' size for alltoall). */
  readonly bufferBytes: number;
}

/**
 * Sum over j = 1..n of min(c + j, w): the keys n new tokens see behind c cached ones through a window of w.
 * Non-integer n and c (per-sequence means of a batch) are allowed; the formula is then an upper bound of the
 * batch's exact sum, since min is concave.
 */
export function windowedPairs(n: number, c: number, w: number): number {
  if (n <= 0) return 0;
  if (c >= w) return n * w;
  const m = Math.min(n, w - c);
  return m * c + (m * (m + 1)) / 2 + (n - m) * w;
}

/**
 * Per-model constants of the accounting, so that pricing a step is a handful of multiply-adds.
 *
 * What is counted, per device of a tensor-parallel group, over all layers:
 * - q/k/v and o projections with grouped-query attention (KV heads replicated when tp exceeds them);
 * - attention: 4 * heads * head_dim FLOPs per query/key pair (QK^T and PV), causal pairs for prefill chunks
 *   (given by the batch), cached context plus itself for a decode token; KV read for the whole context
 *   and written for the new tokens, in the KV-cache dtype. Sliding-window and chunked-local layers (Gemma 3,
 *   gpt-oss, Llama 4) see at most `attentionWindow` keys per query and read at most that much cache; the batch
 *   gives sums over sequences, so their pairs come from the per-sequence means (exact for equal sequences, an
 *   upper bound otherwise). Chunked layers are bounded like a window of the chunk size (an upper bound: a token
 *   sees only the part of its chunk behind it). gpt-oss's attention sinks add one logit per head and query
 *   (counted as weights; their work is negligible);
 * - multi-head latent attention (DeepSeek-V3, Kimi-K2), as vLLM runs it (vllm/v1/attention/backends/mla/common.py):
 *   qkv_proj holds the q and kv down-projections (replicated) and q's up-projection; the cache holds
 *   kv_lora_rank + qk_rope_head_dim per token and layer. Prefill decompresses the latent of every context token
 *   through kv_b_proj (op `kv_up_proj`) and runs ordinary attention with (nope + rope)-wide keys and v-wide values.
 *   Decode runs with absorbed weights: q_nope goes through W_UK into the latent space, attention reads the latent
 *   cache directly (2 * (kv_lora_rank + rope) + 2 * kv_lora_rank FLOPs per pair and head), and W_UV maps the
 *   output back, so `kv_up_proj` costs 2 * kv_b_proj FLOPs per decode token and no cache decompression;
 * - gated MLP (gate, up, down), or routed experts: only the experts that the step's tokens activate are read
 *   (the expected number of distinct experts hit by T tokens with top-k routing among E is
 *   E * (1 - (1 - k/E)^T)), shared experts always, the router replicated; expert weights in their own dtype
 *   (MXFP4 for gpt-oss);
 * - RMSNorms per layer (two, four in Gemma; MLA's latent norms too) and the final one; the embedding gather;
 *   lm_head for one token per scheduled sequence (vLLM V1 computes logits for the last token of every
 *   scheduled request). Embeddings, lm_head, norms and routers stay in 16 bits when weights are quantised;
 * - tensor parallel: two all-reduces of tokens x hidden per layer (after o_proj and after the MLP) plus one
 *   after the vocabulary-parallel embedding (each rank looks up only its slice of the vocabulary), each a ring
 *   all-reduce: 2(tp-1)/tp of the bytes at the per-direction link bandwidth plus a fixed latency; and a gather
 *   of the vocabulary-parallel logits;
 * - multi-node: where the xpu says how many devices a node joins and its per-device NIC, a tensor-parallel group
 *   larger than a node runs its collectives at the NIC's bandwidth, and a pipeline spanning nodes hands over on it;
 * - expert parallelism (ep groups of the tp x dp devices, see deviceShard): a device computes the token-expert
 *   assignments of its own experts, and the step waits for the most-loaded device: its expected load under uniform
 *   routing is expectedMaxGroupLoad (mean T k / ep plus the expected maximum of the multinomial's fluctuation), T
 *   the tokens of all data-parallel ranks. Without ep every device computes a slice of every assignment: no
 *   imbalance;
 * - data-parallel attention (dp > 1, MoE models only, vLLM's --data-parallel-size): the batch is the engine group's;
 *   its sequences are spread evenly over the dp ranks, so everything but the routed experts (attention, dense and
 *   shared MLPs, norms, lm_head, the tensor-parallel all-reduces) is priced for 1/dp of the batch. The routed
 *   experts see every rank's tokens, exchanged by a dispatch and a combine all-to-all per MoE layer among the
 *   tp x dp devices: each device sends its T / (tp x dp) tokens, hidden-wide, to the expected number of expert
 *   groups a token's k experts land on (expectedGroupsPerToken; every device when experts are sliced, ep = 1),
 *   priced as latency + (n - 1)/n of that buffer at the link's bandwidth (the NIC's when the group spans nodes);
 * - pipeline parallel: layers split over stages that a step crosses one after the other, plus (pp - 1)
 *   hand-offs of the hidden states and the residual (vLLM's IntermediateTensors), tokens x hidden each.
 *   This is the latency of one step, the sum over stages: vLLM keeps pp batches in flight so that every
 *   stage is busy, which multiplies throughput by up to pp; a simulator that wants that credit runs pp
 *   batches concurrently, each priced by this model.
 */
export class StepWorkCounter {
  readonly model: ModelSpec;
  readonly parallelism: ParallelismSpec;
  readonly dtypes: DtypeConfig;
  private readonly shard: DeviceShard;
  private readonly mla: boolean;
  private readonly wb: number;
  private readonly eb: number;
  private readonly pb: number;
  private readonly ab: number;
  private readonly kb: number;
  private readonly hidden: number;
  private readonly attentionFlopsPerPair: number;
  private readonly decodeAttentionFlopsPerPair: number;
  private readonly normWidthPerLayer: number;
  private readonly allReduceFactor: number;
  private readonly linkBandwidth: number;
  private readonly linkLatency: number;
  private readonly pipelineBandwidth: number;
  /** E[max of ep standard normals]: the imbalance constant of expectedMaxGroupLoad. */
  private readonly normalMaxOverGroups: number;
  private readonly moeDeviceCount: number;
  /** Expected devices one token's hidden state is dispatched to (own device included). */
  private readonly dispatchDevicesPerToken: number;
  private readonly allToAllBandwidth: number;
  private readonly crossing: { readonly tensorParallel: boolean; readonly pipeline: boolean; readonly expertParallel: boolean };
  /** Scratch for rankBatch, so that pricing a step allocates nothing. */
  private readonly rank: { -readonly [K in keyof StepBatch]: number } = { ...EMPTY_BATCH };

  constructor(model: ModelSpec, parallelism: ParallelismSpec, dtypes: DtypeConfig, xpu: XpuSpec) {
    this.model = model;
    this.parallelism = parallelism;
    this.dtypes = dtypes;
    const tp = parallelism.tp;
    this.shard = deviceShard(model, parallelism);
    this.mla = isMla(model);
    this.wb = bytesPerElement(dtypes.weights);
    this.eb = bytesPerElement(expertWeightDtype(dtypes));
    this.pb = unquantizedWeightBytes(dtypes);
    this.ab = bytesPerElement(dtypes.activations);
    this.kb = bytesPerElement(dtypes.kvCache);
    this.hidden = model.hiddenSize;
    const qHeads = this.shard.qHeads;
    if (this.mla) {
      const qHead = model.qkNopeHeadDim + model.qkRopeHeadDim;
      this.attentionFlopsPerPair = qHeads * (2 * qHead + 2 * model.vHeadDim);
      this.decodeAttentionFlopsPerPair = qHeads * (2 * (model.kvLoraRank + model.qkRopeHeadDim) + 2 * model.kvLoraRank);
    } else {
      this.attentionFlopsPerPair = 4 * qHeads * model.headDim;
      this.decodeAttentionFlopsPerPair = this.attentionFlopsPerPair;
    }
    this.normWidthPerLayer = model.normsPerLayer * model.hiddenSize + (this.mla ? model.qLoraRank + model.kvLoraRank : 0);
    this.allReduceFactor = tp > 1 ? (2 * (tp - 1)) / tp : 0;
    // A tensor-parallel group larger than a node rings through the nodes' NICs: its slowest hop sets the pace. A
    // pipeline that spans nodes hands activations over the network (stages are placed node by node).
    const network = xpu.network;
    const perNode = network?.devicesPerNode ?? Number.POSITIVE_INFINITY;
    const intra = xpu.interconnect.bandwidthBytesPerSecond;
    this.linkBandwidth = network && tp > perNode ? Math.min(intra, network.bandwidthBytesPerSecond) : intra;
    this.pipelineBandwidth = network && tp * parallelism.pp > perNode ? Math.min(intra, network.bandwidthBytesPerSecond) : intra;
    this.linkLatency = xpu.interconnect.latencySeconds;
    const ep = parallelism.ep;
    this.normalMaxOverGroups = expectedMaxOfNormals(ep);
    this.moeDeviceCount = moeDevices(parallelism);
    this.dispatchDevicesPerToken =
      model.numExperts > 0 ? (this.moeDeviceCount / ep) * expectedGroupsPerToken(model.numExpertsPerToken, model.numExperts, ep) : 0;
    this.allToAllBandwidth = network && this.moeDeviceCount > perNode ? Math.min(intra, network.bandwidthBytesPerSecond) : intra;
    this.crossing = {
      tensorParallel: tp > perNode,
      pipeline: tp * parallelism.pp > perNode,
      expertParallel: this.moeDeviceCount > perNode,
    };
  }

  /** The batch of one data-parallel rank: the engine group's sequences spread evenly over its dp ranks. */
  private rankBatch(batch: StepBatch): StepBatch {
    const dp = this.parallelism.dp;
    if (dp === 1) return batch;
    const r = this.rank;
    r.prefillSequences = batch.prefillSequences / dp;
    r.prefillTokens = batch.prefillTokens / dp;
    r.prefillCachedTokens = batch.prefillCachedTokens / dp;
    r.prefillAttentionPairs = batch.prefillAttentionPairs / dp;
    r.decodeSequences = batch.decodeSequences / dp;
    r.decodeCachedTokens = batch.decodeCachedTokens / dp;
    return r;
  }

  /** The step's all-to-alls (none unless dp > 1): what allToAllSeconds prices at the link's spec figures. */
  allToAllShape(batch: StepBatch): AllToAllShape {
    const groupTokens = batch.prefillTokens + batch.decodeSequences;
    if (this.parallelism.dp === 1 || this.shard.moeLayers === 0 || groupTokens <= 0) return { count: 0, devices: this.moeDeviceCount, bufferBytes: 0 };
    const n = this.moeDeviceCount;
    return {
      count: 2 * this.shard.moeLayers,
      devices: n,
      bufferBytes: (groupTokens / n) * this.dispatchDevicesPerToken * this.hidden * this.ab,
    };
  }

  /**
   * Fills `flops` and `bytes` (indexed by OP_INDEX) for the batch and returns the communication and
   * pipeline seconds. Allocation-free: the simulator calls this once per engine step.
   */
  fill(
    batch: StepBatch,
    flops: Float64Array,
    bytes: Float64Array,
  ): Omit<StepWork, 'operators'> {
    this.fillInto(batch, flops, bytes);
    return {
      communicationSeconds: this.lastCommunicationSeconds,
      pipelineSeconds: this.lastPipelineSeconds,
      communicationBytes: this.lastCommunicationBytes,
      pipelineBytes: this.lastPipelineBytes,
      allToAllSeconds: this.lastAllToAllSeconds,
      allToAllBytes: this.lastAllToAllBytes,
    };
  }

  /** Whether the tensor-parallel group, the pipeline or the expert-parallel group crosses nodes (their NICs). */
  get spansNodes(): { readonly tensorParallel: boolean; readonly pipeline: boolean; readonly expertParallel: boolean } {
    return this.crossing;
  }

  /** The communication, pipeline and all-to-all seconds of the step fillInto priced last, at the spec figures. */
  get lastSpecSeconds(): { readonly communication: number; readonly pipeline: number; readonly allToAll: number } {
    return this.specSeconds;
  }

  private readonly specSeconds = { communication: 0, pipeline: 0, allToAll: 0 };

  private lastCommunicationSeconds = 0;
  private lastPipelineSeconds = 0;
  private lastCommunicationBytes = 0;
  private lastPipelineBytes = 0;
  private lastAllToAllSeconds = 0;
  private lastAllToAllBytes = 0;

  /** As fill, returning communication + pipeline + all-to-all seconds only (the hot path). */
  fillInto(groupBatch: StepBatch, flops: Float64Array, bytes: Float64Array): number {
    const groupTokens = groupBatch.prefillTokens + groupBatch.decodeSequences;
    const groupSequences = groupBatch.prefillSequences + groupBatch.decodeSequences;
    if (!(groupTokens >= 0) || !(groupSequences >= 0) || !Number.isFinite(groupTokens)) {
      throw new RooflineError('INVALID_BATCH', `invalid batch: tokens=${groupTokens}, sequences=${groupSequences}`);
    }
    const batch = this.rankBatch(groupBatch);
    const T = batch.prefillTokens + batch.decodeSequences;
    const S = batch.prefillSequences + batch.decodeSequences;
    const { wb, eb, pb, ab, kb, hidden: H, shard } = this;
    const L = shard.layers;
    const m = this.model;

    // Embedding: gather one row per token.
    flops[EMB] = 0;
    bytes[EMB] = T * H * (pb + ab);

    flops[QKV] = 2 * T * shard.qkvWeights * L;
    bytes[QKV] = L * (shard.qkvWeights * wb + T * (H + shard.qOutPerToken + shard.kvElementsPerToken) * ab);

    if (this.mla) this.fillMla(batch, flops, bytes);
    else this.fillAttention(batch, flops, bytes);

    flops[O] = 2 * T * shard.oWeights * L;
    bytes[O] = L * (shard.oWeights * wb + T * (shard.attentionOutPerToken + H) * ab);

    const denseLayers = shard.denseLayers;
    flops[MLP] = 2 * T * shard.denseMlpWeights * denseLayers;
    bytes[MLP] = denseLayers * (shard.denseMlpWeights * wb + T * (2 * H + 3 * shard.denseIntermediate) * ab);

    if (shard.moeLayers > 0 && T > 0) {
      const E = m.numExperts;
      const k = m.numExpertsPerToken;
      const ep = this.parallelism.ep;
      // A device holds expertsPerDevice of the E experts (a share of each): it reads the ones of its own that the
      // tokens of every data-parallel rank touch, and computes the assignments routed to its expert group, of
      // which the step waits for the most-loaded group's (all T k of them, sliced, without expert parallelism).
      const distinctExperts = shard.expertsPerDevice * (1 - Math.pow(1 - k / E, groupTokens));
      const assignments = expectedMaxGroupLoad(groupTokens, k, E, ep, this.normalMaxOverGroups);
      flops[MOE] =
        shard.moeLayers *
        (2 * assignments * shard.expertWeights + 2 * T * shard.sharedExpertWeights + 2 * T * shard.routerWeights);
      bytes[MOE] =
        shard.moeLayers *
        (distinctExperts * (shard.expertWeights * eb + shard.expertBiasWeights * pb) +
          shard.sharedExpertWeights * wb +
          shard.routerWeights * pb +
          (T * 2 * H + assignments * 3 * shard.expertIntermediate) * ab);
    } else {
      flops[MOE] = 0;
      bytes[MOE] = 0;
    }

    // RMSNorms of every layer plus the final one: read and write tokens x width, a few FLOPs per element.
    const normWidth = L * this.normWidthPerLayer + H;
    flops[NORM] = 4 * T * normWidth;
    bytes[NORM] = 2 * T * normWidth * ab + normWidth * pb + (m.attentionSinks ? L * shard.qHeads * pb : 0);

    flops[LM_HEAD] = 2 * S * shard.vocabPerDevice * H;
    bytes[LM_HEAD] = S > 0 ? shard.vocabPerDevice * H * pb + S * (H + shard.vocabPerDevice) * ab : 0;

    let communicationSeconds = 0;
    let communicationBytes = 0;
    if (this.allReduceFactor > 0 && T > 0) {
      const perAllReduce = T * H * ab;
      const allReduces = 2 * L + 1;
      const logitsBytes = S * m.vocabSize * ab;
      communicationBytes = allReduces * perAllReduce + logitsBytes;
      communicationSeconds =
        allReduces * ((this.allReduceFactor * perAllReduce) / this.linkBandwidth + this.linkLatency) +
        (((this.parallelism.tp - 1) / this.parallelism.tp) * logitsBytes) / this.linkBandwidth +
        this.linkLatency;
    }
    const handOffs = this.parallelism.pp - 1;
    let pipelineSeconds = 0;
    let pipelineBytes = 0;
    if (handOffs > 0 && T > 0) {
      pipelineBytes = handOffs * 2 * T * H * ab;
      pipelineSeconds = pipelineBytes / this.pipelineBandwidth + handOffs * this.linkLatency;
    }
    const a2a = this.allToAllShape(groupBatch);
    const allToAllSeconds =
      a2a.count > 0 ? a2a.count * (this.linkLatency + (((a2a.devices - 1) / a2a.devices) * a2a.bufferBytes) / this.allToAllBandwidth) : 0;
    this.lastCommunicationSeconds = communicationSeconds;
    this.lastPipelineSeconds = pipelineSeconds;
    this.lastCommunicationBytes = communicationBytes;
    this.lastPipelineBytes = pipelineBytes;
    this.lastAllToAllSeconds = allToAllSeconds;
    this.lastAllToAllBytes = a2a.count * a2a.bufferBytes;
    this.specSeconds.communication = communicationSeconds;
    this.specSeconds.pipeline = pipelineSeconds;
    this.specSeconds.allToAll = allToAllSeconds;
    return communicationSeconds + pipelineSeconds + allToAllSeconds;
  }

  /**
   * How the work of a decode-only batch grows from one step to the next, when every sequence has one
   * more cached token: fills the FLOPs and bytes added per step, by operator (OP_INDEX), and returns
   * for how many steps from `batch` the work stays affine in context (Infinity unless a sliding
   * window fills up on the way). Only attention reads the context; this mirrors fillAttention and
   * fillMla, and the roofline's decodeRun test checks it against them.
   */
  decodeWorkGrowth(groupBatch: StepBatch, flopsPerStep: Float64Array, bytesPerStep: Float64Array): number {
    flopsPerStep.fill(0);
    bytesPerStep.fill(0);
    const batch = this.rankBatch(groupBatch);
    const { kb, shard } = this;
    const D = batch.decodeSequences;
    if (this.mla) {
      flopsPerStep[ATTN] = shard.layers * this.decodeAttentionFlopsPerPair * D;
      bytesPerStep[ATTN] = shard.layers * D * shard.kvElementsPerToken * kb;
      return Infinity;
    }
    // A windowed layer sees min(c + 1, w) keys per sequence (c its mean context): it grows until c + 1 reaches w.
    let windowed = 0;
    let steps = Infinity;
    if (shard.windowedLayers > 0 && D > 0) {
      const c = batch.decodeCachedTokens / D;
      const w = this.model.attentionWindow;
      if (c + 1 < w) {
        windowed = D;
        steps = Math.floor(w - c - 1) + 1;
      }
    }
    const pairs = shard.fullAttentionLayers * D + shard.windowedLayers * windowed;
    flopsPerStep[ATTN] = this.attentionFlopsPerPair * pairs;
    bytesPerStep[ATTN] = pairs * shard.kvElementsPerToken * kb;
    return steps;
  }

  /** Ordinary (grouped-query) attention, full and windowed layers apart. */
  private fillAttention(batch: StepBatch, flops: Float64Array, bytes: Float64Array): void {
    const { ab, kb, shard } = this;
    const T = batch.prefillTokens + batch.decodeSequences;
    const fullPairs = batch.prefillAttentionPairs + batch.decodeCachedTokens + batch.decodeSequences;
    const fullRead = batch.prefillCachedTokens + batch.decodeCachedTokens + T;
    let windowPairs = 0;
    let windowRead = 0;
    if (shard.windowedLayers > 0) {
      const w = this.model.attentionWindow;
      const Sd = batch.decodeSequences;
      const Sp = batch.prefillSequences;
      if (Sd > 0) {
        const c = batch.decodeCachedTokens / Sd;
        windowPairs += Sd * Math.min(c + 1, w);
        windowRead += Sd * Math.min(c + 1, w);
      }
      if (Sp > 0) {
        const n = batch.prefillTokens / Sp;
        const c = batch.prefillCachedTokens / Sp;
        windowPairs += Sp * windowedPairs(n, c, w);
        windowRead += Sp * Math.min(c + n, w + n);
      }
    }
    const Lf = shard.fullAttentionLayers;
    const Lw = shard.windowedLayers;
    flops[ATTN] = this.attentionFlopsPerPair * (Lf * fullPairs + Lw * windowPairs);
    bytes[ATTN] =
      (Lf * (fullRead + T) + Lw * (windowRead + T)) * shard.kvElementsPerToken * kb +
      shard.layers * 2 * T * shard.qOutPerToken * ab;
    flops[KV_UP] = 0;
    bytes[KV_UP] = 0;
  }

  /** Multi-head latent attention: MHA-style prefill over decompressed keys and values, absorbed decode. */
  private fillMla(batch: StepBatch, flops: Float64Array, bytes: Float64Array): void {
    const { wb, ab, kb, shard } = this;
    const m = this.model;
    const L = shard.layers;
    const latent = shard.kvElementsPerToken;
    const hq = shard.qHeads;
    const Td = batch.decodeSequences;
    const Tp = batch.prefillTokens;
    const prefillContext = batch.prefillCachedTokens + Tp;
    const perHeadKv = m.qkNopeHeadDim + m.vHeadDim;
    const anyTokens = Td + Tp > 0;
    flops[KV_UP] = L * 2 * shard.kvUpWeights * (prefillContext + Td);
    bytes[KV_UP] =
      L *
      ((anyTokens ? shard.kvUpWeights * wb : 0) +
        prefillContext * (m.kvLoraRank + hq * perHeadKv) * ab +
        Td * hq * (m.qkNopeHeadDim + 2 * m.kvLoraRank + m.vHeadDim) * ab);
    const decodePairs = batch.decodeCachedTokens + Td;
    flops[ATTN] = L * (this.attentionFlopsPerPair * batch.prefillAttentionPairs + this.decodeAttentionFlopsPerPair * decodePairs);
    bytes[ATTN] =
      L *
      ((batch.prefillCachedTokens + Tp + decodePairs + Td) * latent * kb +
        prefillContext * hq * perHeadKv * ab +
        Tp * hq * (m.qkNopeHeadDim + m.qkRopeHeadDim + m.vHeadDim) * ab +
        Td * hq * (latent + m.kvLoraRank) * ab);
  }

  /** The work of one step as plain objects: what calibration annotates measured points with. */
  count(batch: StepBatch): StepWork {
    const flops = new Float64Array(COMPUTE_OPERATORS.length);
    const bytes = new Float64Array(COMPUTE_OPERATORS.length);
    const rest = this.fill(batch, flops, bytes);
    return { operators: COMPUTE_OPERATORS.map((op, i) => ({ op, flops: flops[i], bytes: bytes[i] })), ...rest };
  }
}

/**
 * Per-operator FLOPs and bytes of one step, per device of the tensor-parallel group and summed over every
 * layer (all pipeline stages), with the communication the interconnect of `xpu` prices. A one-off
 * convenience; a caller pricing many steps keeps one StepWorkCounter (or a RooflinePerformanceModel).
 */
export function countStepWork(
  model: ModelSpec,
  parallelism: Partial<ParallelismSpec>,
  dtypes: Partial<DtypeConfig>,
  batch: StepBatch,
  xpu: XpuSpec,
): StepWork {
  const p = validateParallelism(model, { ...SINGLE_DEVICE, ...parallelism });
  return new StepWorkCounter(model, p, modelDtypes(model, dtypes), xpu).count(batch);
}
