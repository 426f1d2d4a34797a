import { bytesPerElement, DEFAULT_DTYPES, type DtypeConfig } from './dtype.ts';
import { RooflineError } from './errors.ts';
import { attentionParameters, moeLayerCount, type ModelSpec } from './model-spec.ts';
import { kvHeadsPerDevice, SINGLE_DEVICE, validateParallelism, type ParallelismSpec } from './parallelism.ts';
import type { StepBatch } from './step-batch.ts';
import type { XpuSpec } from './xpu-spec.ts';

/** Operators priced as max(FLOPs / F, bytes / B), in breakdown order. */
export const COMPUTE_OPERATORS = ['embedding', 'qkv_proj', 'attention', 'o_proj', 'mlp', 'moe', 'norm', 'lm_head'] as const;
export type ComputeOperator = (typeof COMPUTE_OPERATORS)[number];
export const OP_INDEX: Record<ComputeOperator, number> = {
  embedding: 0,
  qkv_proj: 1,
  attention: 2,
  o_proj: 3,
  mlp: 4,
  moe: 5,
  norm: 6,
  lm_head: 7,
};

export interface OperatorWork {
  readonly op: ComputeOperator;
  /** Per device, summed over every layer of the model (all pipeline stages run one after the other). */
  readonly flops: number;
  readonly bytes: number;
}

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
}

/**
 * Per-model constants of the accounting, so that pricing a step is a handful of multiply-adds.
 *
 * What is counted, per device of a tensor-parallel group, over all layers:
 * - q/k/v and o projections with grouped-query attention (KV heads replicated when tp exceeds them);
 * - attention: 4 * heads * head_dim FLOPs per query/key pair (QK^T and PV), causal pairs for prefill chunks
 *   (given by the batch), cached context plus itself for a decode token; KV read for the whole context
 *   and written for the new tokens, in the KV-cache dtype;
 * - gated MLP (gate, up, down), or routed experts: only the experts that the step's tokens activate are read
 *   (the expected number of distinct experts hit by T tokens with top-k routing among E is
 *   E * (1 - (1 - k/E)^T)), shared experts always, the router replicated;
 * - two RMSNorms per layer and the final one; the embedding gather; lm_head for one token per scheduled
 *   sequence (vLLM V1 computes logits for the last token of every scheduled request);
 * - tensor parallel: two all-reduces of tokens x hidden per layer (after o_proj and after the MLP) plus one
 *   after the vocabulary-parallel embedding (each rank looks up only its slice of the vocabulary), each a ring
 *   all-reduce: 2(tp-1)/tp of the bytes at the per-direction link bandwidth plus a fixed latency; and a gather
 *   of the vocabulary-parallel logits;
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
  private readonly wb: number;
  private readonly ab: number;
  private readonly kb: number;
  private readonly layers: number;
  private readonly denseLayers: number;
  private readonly moeLayers: number;
  private readonly hidden: number;
  private readonly qkvOutPerToken: number;
  private readonly qOutPerToken: number;
  private readonly kvElementsPerToken: number;
  private readonly qkvWeightsPerLayer: number;
  private readonly oWeightsPerLayer: number;
  private readonly mlpWeightsPerLayer: number;
  private readonly mlpIntermediatePerDevice: number;
  private readonly expertWeights: number;
  private readonly sharedWeightsPerLayer: number;
  private readonly routerWeightsPerLayer: number;
  private readonly moeIntermediatePerDevice: number;
  private readonly vocabPerDevice: number;
  private readonly attentionFlopsPerPair: number;
  private readonly allReduceFactor: number;
  private readonly linkBandwidth: number;
  private readonly linkLatency: number;

  constructor(model: ModelSpec, parallelism: ParallelismSpec, dtypes: DtypeConfig, xpu: XpuSpec) {
    this.model = model;
    this.parallelism = parallelism;
    this.dtypes = dtypes;
    const tp = parallelism.tp;
    this.wb = bytesPerElement(dtypes.weights);
    this.ab = bytesPerElement(dtypes.activations);
    this.kb = bytesPerElement(dtypes.kvCache);
    this.layers = model.numLayers;
    this.moeLayers = moeLayerCount(model);
    this.denseLayers = model.numLayers - this.moeLayers;
    this.hidden = model.hiddenSize;
    const qHeads = model.numAttentionHeads / tp;
    const kvHeads = kvHeadsPerDevice(model, tp);
    this.qOutPerToken = qHeads * model.headDim;
    this.kvElementsPerToken = 2 * kvHeads * model.headDim;
    this.qkvOutPerToken = this.qOutPerToken + this.kvElementsPerToken;
    // Attention parameters split like the heads (biases included); o_proj is q-sized.
    const attention = attentionParameters(model);
    const oParams = model.numAttentionHeads * model.headDim * model.hiddenSize;
    const qkvParams = attention - oParams;
    const kvReplication = kvHeads * tp / model.numKeyValueHeads;
    const kvParams = (2 * model.numKeyValueHeads * model.headDim) * (model.hiddenSize + (model.attentionBias ? 1 : 0));
    this.qkvWeightsPerLayer = (qkvParams - kvParams) / tp + (kvParams * kvReplication) / tp;
    this.oWeightsPerLayer = oParams / tp;
    this.mlpWeightsPerLayer = (3 * model.hiddenSize * model.intermediateSize) / tp;
    this.mlpIntermediatePerDevice = model.intermediateSize / tp;
    this.expertWeights = (3 * model.hiddenSize * model.moeIntermediateSize) / tp;
    this.sharedWeightsPerLayer =
      model.numSharedExperts > 0 ? (3 * model.hiddenSize * model.sharedExpertIntermediateSize) / tp : 0;
    this.routerWeightsPerLayer = model.hiddenSize * model.numExperts;
    this.moeIntermediatePerDevice = model.moeIntermediateSize / tp;
    this.vocabPerDevice = model.vocabSize / tp;
    this.attentionFlopsPerPair = 4 * qHeads * model.headDim;
    this.allReduceFactor = tp > 1 ? (2 * (tp - 1)) / tp : 0;
    this.linkBandwidth = xpu.interconnect.bandwidthBytesPerSecond;
    this.linkLatency = xpu.interconnect.latencySeconds;
  }

  /**
   * Fills `flops` and `bytes` (indexed by OP_INDEX) for the batch and returns the communication and
   * pipeline seconds. Allocation-free: the simulator calls this once per engine step.
   */
  fill(
    batch: StepBatch,
    flops: Float64Array,
    bytes: Float64Array,
  ): { communicationSeconds: number; pipelineSeconds: number; communicationBytes: number; pipelineBytes: number } {
    this.fillInto(batch, flops, bytes);
    return {
      communicationSeconds: this.lastCommunicationSeconds,
      pipelineSeconds: this.lastPipelineSeconds,
      communicationBytes: this.lastCommunicationBytes,
      pipelineBytes: this.lastPipelineBytes,
    };
  }

  private lastCommunicationSeconds = 0;
  private lastPipelineSeconds = 0;
  private lastCommunicationBytes = 0;
  private lastPipelineBytes = 0;

  /** As fill, returning communication + pipeline seconds only (the hot path). */
  fillInto(batch: StepBatch, flops: Float64Array, bytes: Float64Array): number {
    const T = batch.prefillTokens + batch.decodeSequences;
    const S = batch.prefillSequences + batch.decodeSequences;
    if (!(T >= 0) || !(S >= 0) || !Number.isFinite(T)) {
      throw new RooflineError('INVALID_BATCH', `invalid batch: tokens=${T}, sequences=${S}`);
    }
    const { wb, ab, kb, layers, hidden: H } = this;
    const L = layers;

    // Embedding: gather one row per token.
    flops[0] = 0;
    bytes[0] = T * H * (wb + ab);

    flops[1] = 2 * T * this.qkvWeightsPerLayer * L;
    bytes[1] = L * (this.qkvWeightsPerLayer * wb + T * (H + this.qkvOutPerToken) * ab);

    const pairs = batch.prefillAttentionPairs + batch.decodeCachedTokens + batch.decodeSequences;
    const contextRead = batch.prefillCachedTokens + batch.decodeCachedTokens + T;
    flops[2] = L * this.attentionFlopsPerPair * pairs;
    bytes[2] = L * ((contextRead + T) * this.kvElementsPerToken * kb + 2 * T * this.qOutPerToken * ab);

    flops[3] = 2 * T * this.oWeightsPerLayer * L;
    bytes[3] = L * (this.oWeightsPerLayer * wb + T * (this.qOutPerToken + H) * ab);

    flops[4] = 2 * T * this.mlpWeightsPerLayer * this.denseLayers;
    bytes[4] = this.denseLayers * (this.mlpWeightsPerLayer * wb + T * (2 * H + 3 * this.mlpIntermediatePerDevice) * ab);

    if (this.moeLayers > 0 && T > 0) {
      const m = this.model;
      const E = m.numExperts;
      const k = m.numExpertsPerToken;
      const distinctExperts = E * (1 - Math.pow(1 - k / E, T));
      flops[5] =
        this.moeLayers *
        (2 * T * (k * this.expertWeights + this.sharedWeightsPerLayer) + 2 * T * this.routerWeightsPerLayer);
      bytes[5] =
        this.moeLayers *
        ((distinctExperts * this.expertWeights + this.sharedWeightsPerLayer + this.routerWeightsPerLayer) * wb +
          T * (2 * H + 3 * k * this.moeIntermediatePerDevice) * ab);
    } else {
      flops[5] = 0;
      bytes[5] = 0;
    }

    // Two RMSNorms per layer plus the final one: read and write tokens x hidden, a few FLOPs per element.
    const norms = 2 * L + 1;
    flops[6] = norms * 4 * T * H;
    bytes[6] = norms * (2 * T * H * ab + H * wb);

    flops[7] = 2 * S * this.vocabPerDevice * H;
    bytes[7] = S > 0 ? this.vocabPerDevice * H * wb + S * (H + this.vocabPerDevice) * ab : 0;

    let communicationSeconds = 0;
    let communicationBytes = 0;
    if (this.allReduceFactor > 0 && T > 0) {
      const perAllReduce = T * H * ab;
      const allReduces = 2 * L + 1;
      const logitsBytes = S * this.model.vocabSize * ab;
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
      pipelineSeconds = pipelineBytes / this.linkBandwidth + handOffs * this.linkLatency;
    }
    this.lastCommunicationSeconds = communicationSeconds;
    this.lastPipelineSeconds = pipelineSeconds;
    this.lastCommunicationBytes = communicationBytes;
    this.lastPipelineBytes = pipelineBytes;
    return communicationSeconds + pipelineSeconds;
  }

  /** The work of one step as plain objects: what calibration annotates measured points with. */
  count(batch: StepBatch): StepWork {
    const flops = new Float64Array(COMPUTE_OPERATORS.length);
    const bytes = new Float64Array(COMPUTE_OPERATORS.length);
    const { communicationSeconds, pipelineSeconds, communicationBytes, pipelineBytes } = this.fill(batch, flops, bytes);
    return {
      operators: COMPUTE_OPERATORS.map((op, i) => ({ op, flops: flops[i], bytes: bytes[i] })),
      communicationSeconds,
      pipelineSeconds,
      communicationBytes,
      pipelineBytes,
    };
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
  return new StepWorkCounter(model, p, { ...DEFAULT_DTYPES, ...dtypes }, xpu).count(batch);
}
