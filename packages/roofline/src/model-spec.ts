import * as z from 'zod/mini';
import { bytesPerElement, DtypeSchema, type Dtype, type DtypeConfig } from './dtype.ts';
import { RooflineError, formatIssues } from './errors.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

const positiveInt = z.int().check(z.positive());
const nonNegativeInt = z.int().check(z.nonnegative());

/** A model's architecture, normalised from a Hugging Face `config.json` (see parseHuggingFaceConfig). */
export const ModelSpecSchema = z.object({
  name: z.string().check(z.minLength(1)),
  /** Hugging Face repository the config comes from, when known. */
  huggingFaceId: z.optional(z.string()),
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
  /** Biases on the q/k/v projections (Qwen2, gpt-oss). */
  attentionBias: z.boolean(),
  /** A bias on o_proj too (gpt-oss: `attention_bias` covers all four projections). */
  outputBias: z._default(z.boolean(), false),
  /** RMSNorm weights of head_dim on queries and keys (Qwen3, Gemma 3). */
  qkNorm: z._default(z.boolean(), false),
  /** One learned sink logit per attention head (gpt-oss): a column every softmax row also normalises over. */
  attentionSinks: z._default(z.boolean(), false),
  /** RMSNorms per decoder layer: 2 (before attention and MLP), 4 in Gemma (sandwich norms). */
  normsPerLayer: z._default(positiveInt, 2),
  /**
   * Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2): keys and values are stored as one compressed latent of
   * kvLoraRank plus a shared rotary key of qkRopeHeadDim per token and layer. kvLoraRank 0 means ordinary attention.
   */
  kvLoraRank: z._default(nonNegativeInt, 0),
  /** Rank of the query down-projection; 0 projects queries directly from the hidden state (DeepSeek-V2-Lite). */
  qLoraRank: z._default(nonNegativeInt, 0),
  qkNopeHeadDim: z._default(nonNegativeInt, 0),
  qkRopeHeadDim: z._default(nonNegativeInt, 0),
  vHeadDim: z._default(nonNegativeInt, 0),
  /**
   * Layers whose attention only sees a bounded span of tokens: `sliding` (the last attentionWindow tokens:
   * Gemma 3, gpt-oss, Mistral-7B) or `chunked` (the tokens of the current attentionWindow-sized chunk: Llama 4).
   */
  windowedLayers: z._default(nonNegativeInt, 0),
  attentionWindow: z._default(nonNegativeInt, 0),
  windowKind: z._default(z.enum(['none', 'sliding', 'chunked']), 'none'),
  /** Routed experts per MoE layer; 0 for a dense model. */
  numExperts: nonNegativeInt,
  numExpertsPerToken: nonNegativeInt,
  moeIntermediateSize: nonNegativeInt,
  /** Shared experts that every token goes through (DeepSeek, Qwen-MoE, Llama 4). */
  numSharedExperts: nonNegativeInt,
  sharedExpertIntermediateSize: nonNegativeInt,
  /** The first layers that stay dense in an MoE model (DeepSeek `first_k_dense_replace`). */
  firstDenseLayers: nonNegativeInt,
  /** Every n-th layer after the first dense ones has experts (Llama 4 Maverick: 2); the others are dense. */
  moeLayerInterval: z._default(positiveInt, 1),
  /** Biases on every expert's gate/up and down projections and on the router (gpt-oss). */
  expertBias: z._default(z.boolean(), false),
  /** A per-expert bias beside the router (DeepSeek-V3's e_score_correction_bias). */
  routerBias: z._default(z.boolean(), false),
  /** The precision the checkpoint is published in: linear layers' weights, and the routed experts' when apart. */
  weightsDtype: z._default(DtypeSchema, 'bf16'),
  expertWeightsDtype: z.optional(DtypeSchema),
});
/** A model's architecture as the roofline counts it (layers, widths, heads, experts, attention windows, precisions), parsed from a Hugging Face config.json. */
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

/** Model types this package knows how to count; any other config.json is refused with this list. */
export const SUPPORTED_ARCHITECTURES = [
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen2_moe',
  'qwen3',
  'qwen3_moe',
  'deepseek_v2',
  'deepseek_v3',
  'kimi_k2',
  'gpt_oss',
  'llama4',
  'llama4_text',
  'gemma3',
  'gemma3_text',
] as const;

const nullableInt = z.nullable(z.optional(nonNegativeInt));

/** The keys of a Hugging Face config.json this package reads; everything else is ignored (Hugging Face adds keys freely). */
export const HuggingFaceConfigSchema = z.object({
  model_type: z.optional(z.string()),
  hidden_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: z.optional(positiveInt),
  head_dim: z.nullable(z.optional(positiveInt)),
  intermediate_size: positiveInt,
  vocab_size: positiveInt,
  tie_word_embeddings: z.optional(z.boolean()),
  max_position_embeddings: z.optional(positiveInt),
  attention_bias: z.optional(z.boolean()),
  // Mixtral, gpt-oss, Llama 4
  num_local_experts: z.optional(nonNegativeInt),
  num_experts_per_tok: z.nullable(z.optional(nonNegativeInt)),
  experts_per_token: z.optional(nonNegativeInt),
  // Qwen-MoE
  num_experts: z.optional(nonNegativeInt),
  moe_intermediate_size: z.nullable(z.optional(nonNegativeInt)),
  shared_expert_intermediate_size: z.optional(nonNegativeInt),
  decoder_sparse_step: z.optional(positiveInt),
  mlp_only_layers: z.optional(z.array(nonNegativeInt)),
  // DeepSeek, Kimi-K2
  n_routed_experts: nullableInt,
  n_shared_experts: nullableInt,
  first_k_dense_replace: z.optional(nonNegativeInt),
  moe_layer_freq: z.optional(positiveInt),
  topk_method: z.optional(z.string()),
  kv_lora_rank: nullableInt,
  q_lora_rank: nullableInt,
  qk_nope_head_dim: nullableInt,
  qk_rope_head_dim: nullableInt,
  v_head_dim: nullableInt,
  // Sliding-window and chunked local attention
  sliding_window: nullableInt,
  use_sliding_window: z.optional(z.boolean()),
  sliding_window_pattern: z.optional(positiveInt),
  layer_types: z.optional(z.array(z.string())),
  attention_chunk_size: nullableInt,
  no_rope_layers: z.optional(z.array(nonNegativeInt)),
  // Llama 4
  interleave_moe_layer_step: z.optional(nonNegativeInt),
  intermediate_size_mlp: z.optional(positiveInt),
  // Precision of the checkpoint
  torch_dtype: z.nullable(z.optional(z.string())),
  quantization_config: z.optional(z.looseObject({ quant_method: z.optional(z.string()) })),
});
/** The config.json fields `parseHuggingFaceConfig` reads (unknown fields are ignored, as Hugging Face adds them freely). */
export type HuggingFaceConfig = z.input<typeof HuggingFaceConfigSchema>;

/** Keys by which other families' configs (OPT, GPT-2, T5) name their sizes: a config with them is not llama-like. */
const FOREIGN_ARCHITECTURE_KEYS = ['ffn_dim', 'n_embd', 'd_model', 'd_ff'] as const;

/** Model types whose q/k/v projections carry a bias even though config.json does not say so. */
const IMPLICIT_QKV_BIAS = new Set(['qwen2', 'qwen2_moe']);

/**
 * Multimodal checkpoints (Gemma 3, Llama 4) nest the language model under `text_config`; the top level keeps
 * the quantisation and the tying of embeddings. Only the language model is counted (the vision tower runs once
 * per image, outside the decode loop).
 */
function languageModelConfig(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  const top = json as Record<string, unknown>;
  const text = top.text_config;
  if (typeof text !== 'object' || text === null || Array.isArray(text)) return json;
  const inner = text as Record<string, unknown>;
  return {
    ...inner,
    model_type: inner.model_type ?? top.model_type,
    tie_word_embeddings: inner.tie_word_embeddings ?? top.tie_word_embeddings,
    quantization_config: inner.quantization_config ?? top.quantization_config,
    torch_dtype: inner.torch_dtype ?? top.torch_dtype,
  };
}

type ParsedConfig = z.infer<typeof HuggingFaceConfigSchema>;

/** Which layers see a bounded span of tokens, from the keys each family uses to say so. */
function attentionWindows(c: ParsedConfig, architecture: string): { windowedLayers: number; attentionWindow: number; windowKind: 'none' | 'sliding' | 'chunked' } {
  const none = { windowedLayers: 0, attentionWindow: 0, windowKind: 'none' as const };
  const layers = c.num_hidden_layers;
  if (architecture.startsWith('llama4')) {
    // vLLM's Llama4Attention: chunked local attention on the RoPE layers; every 4th layer is a NoPE global one.
    const chunk = c.attention_chunk_size ?? 0;
    if (chunk === 0) return none;
    const ropeLayers = c.no_rope_layers && c.no_rope_layers.length === layers
      ? c.no_rope_layers.filter((v) => v !== 0).length
      : Array.from({ length: layers }, (_, i) => ((i + 1) % 4 !== 0 ? 1 : 0)).reduce<number>((a, b) => a + b, 0);
    return { windowedLayers: ropeLayers, attentionWindow: chunk, windowKind: 'chunked' };
  }
  const window = c.sliding_window ?? 0;
  if (window === 0 || c.use_sliding_window === false) return none;
  if (c.layer_types && c.layer_types.length > 0) {
    const windowed = c.layer_types.filter((t) => t === 'sliding_attention').length;
    return windowed > 0 ? { windowedLayers: windowed, attentionWindow: window, windowKind: 'sliding' } : none;
  }
  if (architecture.startsWith('gemma3')) {
    // Gemma 3: five local layers for each global one; the global ones are those with (i + 1) % pattern == 0.
    const pattern = c.sliding_window_pattern ?? 6;
    return { windowedLayers: layers - Math.floor(layers / pattern), attentionWindow: window, windowKind: 'sliding' };
  }
  return { windowedLayers: layers, attentionWindow: window, windowKind: 'sliding' };
}

/** The published precision: block-fp8 checkpoints (DeepSeek-V3, Kimi-K2) and MXFP4 experts (gpt-oss). */
function publishedDtypes(c: ParsedConfig): { weightsDtype: Dtype; expertWeightsDtype?: Dtype } {
  const method = c.quantization_config?.quant_method;
  if (method === 'fp8') return { weightsDtype: 'fp8' };
  if (method === 'mxfp4') return { weightsDtype: 'bf16', expertWeightsDtype: 'mxfp4' };
  return { weightsDtype: c.torch_dtype === 'float16' ? 'fp16' : 'bf16' };
}

/**
 * Reads a Hugging Face `config.json` (already parsed JSON) into a ModelSpec. Errors name the key; a `model_type`
 * this package does not know is refused with the list of those it does.
 */
export function parseHuggingFaceConfig(json: unknown, name: string, huggingFaceId?: string): ModelSpec {
  const config = languageModelConfig(json);
  // The architecture first: another family's config (OPT's ffn_dim, GPT-2's n_embd) lacks the keys read below,
  // and "not supported" is the answer, not a list of missing keys.
  const raw = typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
  const declared = raw.model_type;
  const foreignKey = typeof declared === 'string' ? undefined : FOREIGN_ARCHITECTURE_KEYS.find((k) => k in raw && !('intermediate_size' in raw));
  if ((typeof declared === 'string' && !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(declared)) || foreignKey !== undefined) {
    const what = typeof declared === 'string' ? `model_type '${declared}'` : `a config with ${foreignKey} and no model_type`;
    throw new RooflineError('UNSUPPORTED_ARCHITECTURE', `model config '${name}': ${what} is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`);
  }
  const parsed = HuggingFaceConfigSchema.safeParse(config, ENGLISH_ISSUES);
  if (!parsed.success) {
    throw new RooflineError('INVALID_MODEL_CONFIG', `model config '${name}' is not a usable config.json: ${formatIssues(parsed.error.issues)}`);
  }
  const c = parsed.data;
  const architecture = c.model_type ?? 'llama';
  const isLlama4 = architecture.startsWith('llama4');
  const isGemma3 = architecture.startsWith('gemma3');
  const isGptOss = architecture === 'gpt_oss';
  const numExperts = c.num_local_experts ?? c.num_experts ?? c.n_routed_experts ?? 0;
  const numExpertsPerToken = numExperts > 0 ? (c.num_experts_per_tok ?? c.experts_per_token ?? 2) : 0;
  // Llama 4: `intermediate_size` is an expert's (and the shared expert's); dense layers use intermediate_size_mlp.
  const denseIntermediate = isLlama4 ? (c.intermediate_size_mlp ?? c.intermediate_size) : c.intermediate_size;
  const numSharedExperts = isLlama4 && numExperts > 0 ? 1 : (c.n_shared_experts ?? (c.shared_expert_intermediate_size ? 1 : 0));
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
  const kvLoraRank = c.kv_lora_rank ?? 0;
  const mla = kvLoraRank > 0
    ? {
        kvLoraRank,
        qLoraRank: c.q_lora_rank ?? 0,
        qkNopeHeadDim: c.qk_nope_head_dim ?? 128,
        qkRopeHeadDim: c.qk_rope_head_dim ?? 64,
        vHeadDim: c.v_head_dim ?? 128,
      }
    : {};
  const moeLayerInterval = isLlama4 ? Math.max(1, c.interleave_moe_layer_step ?? 1) : (c.decoder_sparse_step ?? c.moe_layer_freq ?? 1);
  const headDim = c.head_dim ?? (kvLoraRank > 0 ? (c.qk_nope_head_dim ?? 128) + (c.qk_rope_head_dim ?? 64) : c.hidden_size / c.num_attention_heads);
  return ModelSpecSchema.parse({
    name,
    huggingFaceId,
    architecture,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    numKeyValueHeads,
    headDim,
    intermediateSize: denseIntermediate,
    vocabSize: c.vocab_size,
    tieWordEmbeddings: c.tie_word_embeddings ?? isGemma3,
    maxPositionEmbeddings: c.max_position_embeddings ?? 4096,
    attentionBias: c.attention_bias ?? IMPLICIT_QKV_BIAS.has(architecture),
    outputBias: isGptOss && (c.attention_bias ?? true),
    qkNorm: architecture.startsWith('qwen3') || isGemma3,
    attentionSinks: isGptOss,
    normsPerLayer: isGemma3 ? 4 : 2,
    ...mla,
    ...attentionWindows(c, architecture),
    numExperts,
    numExpertsPerToken,
    moeIntermediateSize,
    numSharedExperts,
    sharedExpertIntermediateSize,
    firstDenseLayers: numExperts > 0 ? (c.first_k_dense_replace ?? 0) : 0,
    moeLayerInterval,
    expertBias: isGptOss,
    routerBias: c.topk_method === 'noaux_tc',
    ...publishedDtypes(c),
  }, ENGLISH_ISSUES);
}

/** Whether the model routes tokens to experts (any MoE layer). */
export function isMoe(model: ModelSpec): boolean {
  return model.numExperts > 0;
}

/** Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2). */
export function isMla(model: ModelSpec): boolean {
  return model.kvLoraRank > 0;
}

/**
 * Layers with routed experts (the rest have a dense MLP): after the first dense ones, every
 * moeLayerInterval-th layer, counted as vLLM does ((i + 1) % interval == 0).
 */
export function moeLayerCount(model: ModelSpec): number {
  if (!isMoe(model)) return 0;
  return Math.floor((model.numLayers - model.firstDenseLayers) / model.moeLayerInterval);
}

/** Layers that attend to every earlier token (the rest see a window or a chunk). */
export function fullAttentionLayers(model: ModelSpec): number {
  return model.numLayers - model.windowedLayers;
}

/** Per-layer weights of MLA's projections, apart: what TP replicates (the down-projections) and what it splits. */
export function mlaParameters(model: ModelSpec): { replicated: number; split: number; kvUp: number } {
  const h = model.hiddenSize;
  const heads = model.numAttentionHeads;
  const qHead = model.qkNopeHeadDim + model.qkRopeHeadDim;
  const latent = model.kvLoraRank + model.qkRopeHeadDim;
  // q_a_proj + q_a_layernorm and kv_a_proj_with_mqa + kv_a_layernorm: vLLM keeps them whole on every rank.
  const qDown = model.qLoraRank > 0 ? h * model.qLoraRank + model.qLoraRank : 0;
  const replicated = qDown + h * latent + model.kvLoraRank;
  const qUp = (model.qLoraRank > 0 ? model.qLoraRank : h) * heads * qHead;
  const kvUp = model.kvLoraRank * heads * (model.qkNopeHeadDim + model.vHeadDim);
  const o = heads * model.vHeadDim * h;
  return { replicated, split: qUp + kvUp + o, kvUp };
}

/** Parameters of one layer's attention block: q, k, v, o projections, their biases, q/k norms and sinks. */
export function attentionParameters(model: ModelSpec): number {
  const sinks = model.attentionSinks ? model.numAttentionHeads : 0;
  if (isMla(model)) {
    const { replicated, split } = mlaParameters(model);
    return replicated + split + sinks;
  }
  const q = model.numAttentionHeads * model.headDim;
  const kv = model.numKeyValueHeads * model.headDim;
  const weights = model.hiddenSize * (q + 2 * kv) + q * model.hiddenSize;
  const biases = (model.attentionBias ? q + 2 * kv : 0) + (model.outputBias ? model.hiddenSize : 0);
  return weights + biases + (model.qkNorm ? 2 * model.headDim : 0) + sinks;
}

/** A gated MLP (gate, up, down) of the given intermediate size. */
export function gatedMlpParameters(hiddenSize: number, intermediateSize: number): number {
  return 3 * hiddenSize * intermediateSize;
}

/** One routed expert: a gated MLP, plus gpt-oss's biases on gate/up and down. */
export function expertParameters(model: ModelSpec): number {
  const bias = model.expertBias ? 2 * model.moeIntermediateSize + model.hiddenSize : 0;
  return gatedMlpParameters(model.hiddenSize, model.moeIntermediateSize) + bias;
}

/** The router of one MoE layer (hidden x experts) and its bias where there is one. */
export function routerParameters(model: ModelSpec): number {
  return model.numExperts * (model.hiddenSize + (model.expertBias || model.routerBias ? 1 : 0));
}

/** A model's parameters: in total, active per token (MoE), and by part. */
export interface ParameterCount {
  /** Every weight, all experts included. */
  readonly total: number;
  /** Weights that one token goes through (top-k routed experts plus shared ones). */
  readonly active: number;
}

/** Counts a model's parameters from its architecture alone (tests check the published totals). */
export function countParameters(model: ModelSpec): ParameterCount {
  const h = model.hiddenSize;
  const embeddings = model.vocabSize * h * (model.tieWordEmbeddings ? 1 : 2);
  const norms = model.numLayers * model.normsPerLayer * h + h;
  const attention = model.numLayers * attentionParameters(model);
  const moeLayers = moeLayerCount(model);
  const denseLayers = model.numLayers - moeLayers;
  const denseMlp = denseLayers * gatedMlpParameters(h, model.intermediateSize);
  const expert = expertParameters(model);
  const shared = model.numSharedExperts > 0 ? gatedMlpParameters(h, model.sharedExpertIntermediateSize) : 0;
  const router = routerParameters(model);
  const moeTotal = moeLayers * (model.numExperts * expert + shared + router);
  const moeActive = moeLayers * (model.numExpertsPerToken * expert + shared + router);
  const common = embeddings + norms + attention + denseMlp;
  return { total: common + moeTotal, active: common + moeActive };
}

/**
 * KV-cache elements one token adds to one layer: keys and values of every KV head, or MLA's compressed latent
 * plus its rotary key (one of each per token, shared by all heads).
 */
export function kvCacheElementsPerTokenPerLayer(model: ModelSpec): number {
  return isMla(model) ? model.kvLoraRank + model.qkRopeHeadDim : 2 * model.numKeyValueHeads * model.headDim;
}

/** KV cache bytes one token occupies across the whole model while every layer still keeps it (context <= window). */
export function kvCacheBytesPerToken(model: ModelSpec, kvCacheDtype: Dtype = 'bf16'): number {
  return model.numLayers * kvCacheElementsPerTokenPerLayer(model) * bytesPerElement(kvCacheDtype);
}

/**
 * KV-cache bytes of one sequence of `contextTokens`: full-attention layers keep every token, sliding-window and
 * chunked layers at most attentionWindow of them (vLLM frees the blocks that fall out of the window or chunk;
 * the bound is the window, as vLLM's SlidingWindowSpec and ChunkedLocalAttentionSpec size it).
 */
export function kvCacheBytesForContext(model: ModelSpec, contextTokens: number, kvCacheDtype: Dtype = 'bf16'): number {
  const perLayerToken = kvCacheElementsPerTokenPerLayer(model) * bytesPerElement(kvCacheDtype);
  const windowed = Math.min(contextTokens, model.attentionWindow);
  return perLayerToken * (fullAttentionLayers(model) * contextTokens + model.windowedLayers * windowed);
}

/**
 * The dtypes a model runs in: what the caller asks for, else the precision it is published in (DeepSeek-V3 and
 * Kimi-K2: fp8 weights; gpt-oss: MXFP4 experts; the rest bf16), with bf16 activations and KV cache. Asking for
 * weights alone sets the experts too (gpt-oss in bf16 is `{ weights: 'bf16' }`).
 */
export function modelDtypes(model: ModelSpec, overrides: Partial<DtypeConfig> = {}): DtypeConfig {
  const weights = overrides.weights ?? model.weightsDtype;
  const experts = overrides.experts ?? (overrides.weights !== undefined ? undefined : model.expertWeightsDtype);
  return {
    weights,
    activations: overrides.activations ?? 'bf16',
    kvCache: overrides.kvCache ?? 'bf16',
    ...(experts !== undefined && experts !== weights ? { experts } : {}),
  };
}
