import {
  attentionParameters,
  expertParameters,
  fullAttentionLayers,
  isMla,
  mlaParameters,
  moeLayerCount,
  routerParameters,
  type ModelSpec,
} from './model-spec.ts';
import { kvHeadsPerDevice, moeDevices, type ParallelismSpec } from './parallelism.ts';

/**
 * What one device of a tensor-parallel group holds and computes per layer, in elements: the one place that says
 * how vLLM shards each tensor, shared by the step accounting and the memory plan.
 *
 * - Ordinary attention: q and o split by heads; k and v split by KV heads, replicated when tp exceeds them.
 * - MLA (vLLM's DeepseekV2MLAAttention): the q and kv down-projections (q_a_proj, kv_a_proj_with_mqa) and their
 *   norms are replicated on every rank; q_b_proj, kv_b_proj and o_proj are split by heads. The latent cache is
 *   one entry per token that every rank keeps whole (vLLM does not shard MLA's cache over tp).
 * - Dense MLP and shared experts: split by tp (each data-parallel rank holds its own copy, like attention).
 *   Routed experts spread over the tp x dp devices of the MoE layers: without expert parallelism every device holds
 *   a 1/(tp x dp) slice of every expert; with ep groups each device holds numExperts/ep experts, each sliced over
 *   the tp x dp / ep devices of its group (whole when ep = tp x dp, vLLM's --enable-expert-parallel).
 * - Router, norms: replicated. Embedding and lm_head: vocabulary-parallel.
 */
export interface DeviceShard {
  readonly layers: number;
  readonly fullAttentionLayers: number;
  readonly windowedLayers: number;
  readonly moeLayers: number;
  readonly denseLayers: number;
  readonly qHeads: number;
  /** q/k/v projection weights (MLA: both down-projections and q's up-projection), biases and q/k norms included. */
  readonly qkvWeights: number;
  /** MLA's kv_b_proj (the latent's up-projection to per-head keys and values); 0 otherwise. */
  readonly kvUpWeights: number;
  readonly oWeights: number;
  /** Elements of q (per token) and of the KV cache (per token and layer) on this device. */
  readonly qOutPerToken: number;
  /** Elements of the attention output per token (o_proj's input): heads x v_head_dim. */
  readonly attentionOutPerToken: number;
  readonly kvElementsPerToken: number;
  /** Small weights that stay unquantised: sinks and MLA's latent norms (layer norms are counted by the norm op). */
  readonly attentionPlainWeights: number;
  readonly denseMlpWeights: number;
  readonly denseIntermediate: number;
  /** Experts this device holds per MoE layer, and the share of each it holds. */
  readonly expertsPerDevice: number;
  readonly expertShare: number;
  /** Gate, up and down matrices of one expert (this device's share), and their biases (gpt-oss) apart. */
  readonly expertWeights: number;
  readonly expertBiasWeights: number;
  readonly expertIntermediate: number;
  readonly sharedExpertWeights: number;
  readonly routerWeights: number;
  readonly vocabPerDevice: number;
}

/** The part of the model one device holds under this parallelism: layers, heads, experts, weights and vocabulary per device. */
export function deviceShard(model: ModelSpec, parallelism: ParallelismSpec): DeviceShard {
  const tp = parallelism.tp;
  const ep = parallelism.ep;
  const h = model.hiddenSize;
  const qHeads = model.numAttentionHeads / tp;
  const sinks = model.attentionSinks ? qHeads : 0;
  let qkvWeights: number;
  let kvUpWeights = 0;
  let oWeights: number;
  let qOutPerToken: number;
  let kvElementsPerToken: number;
  let attentionPlainWeights = sinks;
  if (isMla(model)) {
    const { kvUp } = mlaParameters(model);
    const qHead = model.qkNopeHeadDim + model.qkRopeHeadDim;
    const latent = model.kvLoraRank + model.qkRopeHeadDim;
    const qDown = model.qLoraRank > 0 ? h * model.qLoraRank : 0;
    const qUp = (model.qLoraRank > 0 ? model.qLoraRank : h) * model.numAttentionHeads * qHead;
    qkvWeights = qDown + h * latent + qUp / tp;
    kvUpWeights = kvUp / tp;
    oWeights = (model.numAttentionHeads * model.vHeadDim * h) / tp;
    qOutPerToken = qHeads * qHead;
    kvElementsPerToken = latent;
    attentionPlainWeights += model.qLoraRank + model.kvLoraRank;
  } else {
    const kvHeads = kvHeadsPerDevice(model, tp);
    const attention = attentionParameters(model) - sinks * tp;
    const oParams = model.numAttentionHeads * model.headDim * h + (model.outputBias ? h : 0);
    const qkvParams = attention - oParams;
    const kvReplication = (kvHeads * tp) / model.numKeyValueHeads;
    const kvParams = 2 * model.numKeyValueHeads * model.headDim * (h + (model.attentionBias ? 1 : 0));
    qkvWeights = (qkvParams - kvParams) / tp + (kvParams * kvReplication) / tp;
    oWeights = oParams / tp;
    qOutPerToken = qHeads * model.headDim;
    kvElementsPerToken = 2 * kvHeads * model.headDim;
  }
  const moeLayers = moeLayerCount(model);
  const expertShare = ep / moeDevices(parallelism);
  return {
    layers: model.numLayers,
    fullAttentionLayers: fullAttentionLayers(model),
    windowedLayers: model.windowedLayers,
    moeLayers,
    denseLayers: model.numLayers - moeLayers,
    qHeads,
    qkvWeights,
    kvUpWeights,
    oWeights,
    qOutPerToken,
    attentionOutPerToken: qHeads * (isMla(model) ? model.vHeadDim : model.headDim),
    kvElementsPerToken,
    attentionPlainWeights,
    denseMlpWeights: (3 * h * model.intermediateSize) / tp,
    denseIntermediate: model.intermediateSize / tp,
    expertsPerDevice: model.numExperts / ep,
    expertShare,
    expertWeights: 3 * h * model.moeIntermediateSize * expertShare,
    expertBiasWeights: (expertParameters(model) - 3 * h * model.moeIntermediateSize) * expertShare,
    expertIntermediate: model.moeIntermediateSize * expertShare,
    sharedExpertWeights: model.numSharedExperts > 0 ? (3 * h * model.sharedExpertIntermediateSize) / tp : 0,
    routerWeights: routerParameters(model),
    vocabPerDevice: model.vocabSize / tp,
  };
}
