import { z } from 'zod';
import { bytesPerElement, type Dtype } from './dtype.ts';
import { RooflineError, formatIssues } from './errors.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** A model's architecture, normalised from a Hugging Face `config.json` (see parseHuggingFaceConfig). */
export const ModelSpecSchema = z.object({
  name: z.string().min(1),
  /** Hugging Face repository the config comes from, when known. */
  huggingFaceId: z.string().optional(),
  /** `model_type` of the config (llama, mistral, mixtral, qwen2, deepseek_v2, ...). */
  architecture: z.string(),
  hiddenSize: positiveInt,
  numLayers: positiveInt,
  numAttentionHeads: positiveInt,
  numKeyValueHeads: positiveInt,
  headDim: positiveInt,
  /** Intermediate size of the dense (gated) MLP. */
  intermediateSize: positiveInt,
  vocabSize: positiveInt,
  tieWordEmbeddings: z.boolean(),
  maxPositionEmbeddings: positiveInt,
  /** Biases on the q/k/v projections (Qwen2). */
  attentionBias: z.boolean(),
  /** Routed experts per MoE layer; 0 for a dense model. */
  numExperts: nonNegativeInt,
  numExpertsPerToken: nonNegativeInt,
  moeIntermediateSize: nonNegativeInt,
  /** Shared experts that every token goes through (DeepSeek, Qwen-MoE). */
  numSharedExperts: nonNegativeInt,
  sharedExpertIntermediateSize: nonNegativeInt,
  /** The first layers that stay dense in an MoE model (DeepSeek `first_k_dense_replace`). */
  firstDenseLayers: nonNegativeInt,
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/** The keys of a Hugging Face config.json this package reads; everything else is ignored. */
const HuggingFaceConfigSchema = z.object({
  model_type: z.string().optional(),
  hidden_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.optional().nullable(),
  intermediate_size: positiveInt,
  vocab_size: positiveInt,
  tie_word_embeddings: z.boolean().optional(),
  max_position_embeddings: positiveInt.optional(),
  attention_bias: z.boolean().optional(),
  // Mixtral
  num_local_experts: nonNegativeInt.optional(),
  num_experts_per_tok: nonNegativeInt.optional().nullable(),
  // Qwen-MoE
  num_experts: nonNegativeInt.optional(),
  moe_intermediate_size: nonNegativeInt.optional().nullable(),
  shared_expert_intermediate_size: nonNegativeInt.optional(),
  // DeepSeek
  n_routed_experts: nonNegativeInt.optional().nullable(),
  n_shared_experts: nonNegativeInt.optional().nullable(),
  first_k_dense_replace: nonNegativeInt.optional(),
});
export type HuggingFaceConfig = z.input<typeof HuggingFaceConfigSchema>;

/** Model types whose q/k/v projections carry a bias even though config.json does not say so. */
const IMPLICIT_QKV_BIAS = new Set(['qwen2', 'qwen2_moe']);

/**
 * Reads a Hugging Face `config.json` (already parsed JSON) into a ModelSpec. Errors name the key.
 * Architectures that need keys this package does not model (e.g. DeepSeek's multi-head latent attention) are
 * approximated by their standard-attention equivalent.
 */
export function parseHuggingFaceConfig(json: unknown, name: string, huggingFaceId?: string): ModelSpec {
  const parsed = HuggingFaceConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new RooflineError('INVALID_MODEL_CONFIG', `model config '${name}' is not a usable config.json: ${formatIssues(parsed.error.issues)}`);
  }
  const c = parsed.data;
  const architecture = c.model_type ?? 'llama';
  const numExperts = c.num_local_experts ?? c.num_experts ?? c.n_routed_experts ?? 0;
  const numExpertsPerToken = numExperts > 0 ? (c.num_experts_per_tok ?? 2) : 0;
  const numSharedExperts = c.n_shared_experts ?? (c.shared_expert_intermediate_size ? 1 : 0);
  const moeIntermediateSize = numExperts > 0 ? (c.moe_intermediate_size ?? c.intermediate_size) : 0;
  const sharedExpertIntermediateSize =
    c.shared_expert_intermediate_size ?? (numSharedExperts > 0 ? moeIntermediateSize * numSharedExperts : 0);
  const numKeyValueHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKeyValueHeads !== 0) {
    throw new RooflineError(
      'INVALID_MODEL_CONFIG',
      `model config '${name}': num_attention_heads (${c.num_attention_heads}) must be a multiple of num_key_value_heads (${numKeyValueHeads})`,
    );
  }
  if (numExperts > 0 && numExpertsPerToken > numExperts) {
    throw new RooflineError(
      'INVALID_MODEL_CONFIG',
      `model config '${name}': num_experts_per_tok (${numExpertsPerToken}) exceeds the number of experts (${numExperts})`,
    );
  }
  return ModelSpecSchema.parse({
    name,
    huggingFaceId,
    architecture,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads,
    headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads,
    intermediateSize: c.intermediate_size,
    vocabSize: c.vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings ?? false,
    maxPositionEmbeddings: c.max_position_embeddings ?? 4096,
    attentionBias: c.attention_bias ?? IMPLICIT_QKV_BIAS.has(architecture),
    numExperts,
    numExpertsPerToken,
    moeIntermediateSize,
    numSharedExperts,
    sharedExpertIntermediateSize,
    firstDenseLayers: numExperts > 0 ? (c.first_k_dense_replace ?? 0) : 0,
  });
}

export function isMoe(model: ModelSpec): boolean {
  return model.numExperts > 0;
}

/** Layers with routed experts (the rest have a dense MLP). */
export function moeLayerCount(model: ModelSpec): number {
  return isMoe(model) ? model.numLayers - model.firstDenseLayers : 0;
}

/** Parameters of one layer's attention block: q, k, v, o projections and their biases. */
export function attentionParameters(model: ModelSpec): number {
  const q = model.numAttentionHeads * model.headDim;
  const kv = model.numKeyValueHeads * model.headDim;
  const weights = model.hiddenSize * (q + 2 * kv) + q * model.hiddenSize;
  return weights + (model.attentionBias ? q + 2 * kv : 0);
}

/** A gated MLP (gate, up, down) of the given intermediate size. */
export function gatedMlpParameters(hiddenSize: number, intermediateSize: number): number {
  return 3 * hiddenSize * intermediateSize;
}

export interface ParameterCount {
  /** Every weight, all experts included. */
  readonly total: number;
  /** Weights that one token goes through (top-k routed experts plus shared ones). */
  readonly active: number;
}

export function countParameters(model: ModelSpec): ParameterCount {
  const h = model.hiddenSize;
  const embeddings = model.vocabSize * h * (model.tieWordEmbeddings ? 1 : 2);
  const norms = model.numLayers * 2 * h + h;
  const attention = model.numLayers * attentionParameters(model);
  const moeLayers = moeLayerCount(model);
  const denseLayers = model.numLayers - moeLayers;
  const denseMlp = denseLayers * gatedMlpParameters(h, model.intermediateSize);
  const expert = gatedMlpParameters(h, model.moeIntermediateSize);
  const shared = model.numSharedExperts > 0 ? gatedMlpParameters(h, model.sharedExpertIntermediateSize) : 0;
  const router = h * model.numExperts;
  const moeTotal = moeLayers * (model.numExperts * expert + shared + router);
  const moeActive = moeLayers * (model.numExpertsPerToken * expert + shared + router);
  const common = embeddings + norms + attention + denseMlp;
  return { total: common + moeTotal, active: common + moeActive };
}

/** KV cache bytes one token occupies across the whole model: keys and values of every layer. */
export function kvCacheBytesPerToken(model: ModelSpec, kvCacheDtype: Dtype = 'bf16'): number {
  return 2 * model.numLayers * model.numKeyValueHeads * model.headDim * bytesPerElement(kvCacheDtype);
}
