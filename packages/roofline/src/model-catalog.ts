import { RooflineError } from './errors.ts';
import { parseHuggingFaceConfig, type HuggingFaceConfig, type ModelSpec } from './model-spec.ts';

interface CatalogModel {
  readonly huggingFaceId: string;
  readonly aliases: readonly string[];
  /** The published config.json values (the keys this package reads), copied from the repository. */
  readonly config: HuggingFaceConfig;
}

const llama2 = { model_type: 'llama', vocab_size: 32000, max_position_embeddings: 4096, tie_word_embeddings: false };
const llama31 = { model_type: 'llama', vocab_size: 128256, max_position_embeddings: 131072, tie_word_embeddings: false };

/** DeepSeek-V3's config.json (DeepSeek-R1 shares it): MLA, 256 routed experts top-8 plus one shared, block-fp8. */
const deepseekV3 = {
  model_type: 'deepseek_v3', hidden_size: 7168, num_hidden_layers: 61, num_attention_heads: 128, num_key_value_heads: 128,
  intermediate_size: 18432, moe_intermediate_size: 2048, vocab_size: 129280, max_position_embeddings: 163840,
  tie_word_embeddings: false, attention_bias: false,
  q_lora_rank: 1536, kv_lora_rank: 512, qk_nope_head_dim: 128, qk_rope_head_dim: 64, v_head_dim: 128,
  n_routed_experts: 256, n_shared_experts: 1, num_experts_per_tok: 8, first_k_dense_replace: 3, moe_layer_freq: 1,
  topk_method: 'noaux_tc', torch_dtype: 'bfloat16', quantization_config: { quant_method: 'fp8' },
};

/** gpt-oss's config.json keys shared by both sizes: MXFP4 experts, attention sinks, 128-token sliding window. */
const gptOss = {
  model_type: 'gpt_oss', hidden_size: 2880, num_attention_heads: 64, num_key_value_heads: 8, head_dim: 64,
  intermediate_size: 2880, vocab_size: 201088, max_position_embeddings: 131072, tie_word_embeddings: false,
  attention_bias: true, num_experts_per_tok: 4, experts_per_token: 4, sliding_window: 128,
  torch_dtype: 'bfloat16', quantization_config: { quant_method: 'mxfp4' },
};

/** Llama 4's text_config keys shared by Scout and Maverick: chunked local attention over 8192-token chunks. */
const llama4 = {
  model_type: 'llama4_text', hidden_size: 5120, num_hidden_layers: 48, num_attention_heads: 40, num_key_value_heads: 8,
  head_dim: 128, intermediate_size: 8192, intermediate_size_mlp: 16384, vocab_size: 202048, tie_word_embeddings: false,
  attention_bias: false, num_experts_per_tok: 1, attention_chunk_size: 8192, torch_dtype: 'bfloat16',
};

function alternate(layers: number, even: string, odd: string): string[] {
  return Array.from({ length: layers }, (_, i) => (i % 2 === 0 ? even : odd));
}

/** Built-in models. Values are the published `config.json` of each Hugging Face repository. */
export const MODEL_CATALOG = {
  'llama-2-7b': {
    huggingFaceId: 'meta-llama/Llama-2-7b-hf',
    aliases: ['llama-7b', 'llama2-7b'],
    config: { ...llama2, hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 32, intermediate_size: 11008 },
  },
  'llama-2-13b': {
    huggingFaceId: 'meta-llama/Llama-2-13b-hf',
    aliases: ['llama-13b', 'llama2-13b'],
    config: { ...llama2, hidden_size: 5120, num_hidden_layers: 40, num_attention_heads: 40, num_key_value_heads: 40, intermediate_size: 13824 },
  },
  'llama-2-70b': {
    huggingFaceId: 'meta-llama/Llama-2-70b-hf',
    aliases: ['llama-70b', 'llama2-70b'],
    config: { ...llama2, hidden_size: 8192, num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8, intermediate_size: 28672 },
  },
  'llama-3.1-8b': {
    huggingFaceId: 'meta-llama/Llama-3.1-8B',
    aliases: ['llama3.1-8b', 'llama-3-8b'],
    config: { ...llama31, hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 14336 },
  },
  'llama-3.1-70b': {
    huggingFaceId: 'meta-llama/Llama-3.1-70B',
    aliases: ['llama3.1-70b', 'llama-3-70b'],
    config: { ...llama31, hidden_size: 8192, num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8, intermediate_size: 28672 },
  },
  'llama-3.1-405b': {
    huggingFaceId: 'meta-llama/Llama-3.1-405B',
    aliases: ['llama3.1-405b'],
    config: { ...llama31, hidden_size: 16384, num_hidden_layers: 126, num_attention_heads: 128, num_key_value_heads: 8, intermediate_size: 53248 },
  },
  'mistral-7b': {
    huggingFaceId: 'mistralai/Mistral-7B-v0.1',
    aliases: ['mistral-7b-v0.1'],
    config: {
      model_type: 'mistral', hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
      intermediate_size: 14336, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
    },
  },
  'mixtral-8x7b': {
    huggingFaceId: 'mistralai/Mixtral-8x7B-v0.1',
    aliases: ['mixtral-8x7b-v0.1'],
    config: {
      model_type: 'mixtral', hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
      intermediate_size: 14336, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
      num_local_experts: 8, num_experts_per_tok: 2,
    },
  },
  'mixtral-8x22b': {
    huggingFaceId: 'mistralai/Mixtral-8x22B-v0.1',
    aliases: ['mixtral-8x22b-v0.1'],
    config: {
      model_type: 'mixtral', hidden_size: 6144, num_hidden_layers: 56, num_attention_heads: 48, num_key_value_heads: 8,
      intermediate_size: 16384, vocab_size: 32768, max_position_embeddings: 65536, tie_word_embeddings: false,
      num_local_experts: 8, num_experts_per_tok: 2,
    },
  },
  'qwen2.5-7b': {
    huggingFaceId: 'Qwen/Qwen2.5-7B',
    aliases: ['qwen2.5-7b-instruct'],
    config: {
      model_type: 'qwen2', hidden_size: 3584, num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4,
      intermediate_size: 18944, vocab_size: 152064, max_position_embeddings: 131072, tie_word_embeddings: false,
    },
  },
  'qwen2.5-72b': {
    huggingFaceId: 'Qwen/Qwen2.5-72B',
    aliases: ['qwen2.5-72b-instruct'],
    config: {
      model_type: 'qwen2', hidden_size: 8192, num_hidden_layers: 80, num_attention_heads: 64, num_key_value_heads: 8,
      intermediate_size: 29568, vocab_size: 152064, max_position_embeddings: 131072, tie_word_embeddings: false,
    },
  },
  'qwen3-8b': {
    huggingFaceId: 'Qwen/Qwen3-8B',
    aliases: [],
    config: {
      model_type: 'qwen3', hidden_size: 4096, num_hidden_layers: 36, num_attention_heads: 32, num_key_value_heads: 8,
      head_dim: 128, intermediate_size: 12288, vocab_size: 151936, max_position_embeddings: 40960,
      tie_word_embeddings: false, attention_bias: false,
    },
  },
  'qwen1.5-moe-a2.7b': {
    huggingFaceId: 'Qwen/Qwen1.5-MoE-A2.7B',
    aliases: ['qwen-moe-a2.7b'],
    config: {
      model_type: 'qwen2_moe', hidden_size: 2048, num_hidden_layers: 24, num_attention_heads: 16, num_key_value_heads: 16,
      intermediate_size: 5632, vocab_size: 151936, max_position_embeddings: 8192, tie_word_embeddings: false,
      num_experts: 60, num_experts_per_tok: 4, moe_intermediate_size: 1408, shared_expert_intermediate_size: 5632,
    },
  },
  'qwen3-32b': {
    huggingFaceId: 'Qwen/Qwen3-32B',
    aliases: [],
    config: {
      model_type: 'qwen3', hidden_size: 5120, num_hidden_layers: 64, num_attention_heads: 64, num_key_value_heads: 8,
      head_dim: 128, intermediate_size: 25600, vocab_size: 151936, max_position_embeddings: 40960,
      tie_word_embeddings: false, attention_bias: false, sliding_window: null, use_sliding_window: false,
    },
  },
  'qwen3-30b-a3b': {
    huggingFaceId: 'Qwen/Qwen3-30B-A3B',
    aliases: [],
    config: {
      model_type: 'qwen3_moe', hidden_size: 2048, num_hidden_layers: 48, num_attention_heads: 32, num_key_value_heads: 4,
      head_dim: 128, intermediate_size: 6144, vocab_size: 151936, max_position_embeddings: 40960,
      tie_word_embeddings: false, attention_bias: false, sliding_window: null, use_sliding_window: false,
      num_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 768, decoder_sparse_step: 1, mlp_only_layers: [],
    },
  },
  'qwen3-235b-a22b': {
    huggingFaceId: 'Qwen/Qwen3-235B-A22B',
    aliases: [],
    config: {
      model_type: 'qwen3_moe', hidden_size: 4096, num_hidden_layers: 94, num_attention_heads: 64, num_key_value_heads: 4,
      head_dim: 128, intermediate_size: 12288, vocab_size: 151936, max_position_embeddings: 40960,
      tie_word_embeddings: false, attention_bias: false, sliding_window: null, use_sliding_window: false,
      num_experts: 128, num_experts_per_tok: 8, moe_intermediate_size: 1536, decoder_sparse_step: 1, mlp_only_layers: [],
    },
  },
  'deepseek-v3': {
    huggingFaceId: 'deepseek-ai/DeepSeek-V3',
    aliases: ['deepseek-v3-0324'],
    config: deepseekV3,
  },
  'deepseek-r1': {
    huggingFaceId: 'deepseek-ai/DeepSeek-R1',
    aliases: ['deepseek-r1-0528'],
    config: deepseekV3,
  },
  'kimi-k2': {
    huggingFaceId: 'moonshotai/Kimi-K2-Instruct',
    aliases: ['kimi-k2-instruct'],
    config: {
      ...deepseekV3, model_type: 'kimi_k2', num_attention_heads: 64, num_key_value_heads: 64, n_routed_experts: 384,
      first_k_dense_replace: 1, vocab_size: 163840, max_position_embeddings: 131072,
    },
  },
  'gpt-oss-120b': {
    huggingFaceId: 'openai/gpt-oss-120b',
    aliases: [],
    config: { ...gptOss, num_hidden_layers: 36, num_local_experts: 128, layer_types: alternate(36, 'sliding_attention', 'full_attention') },
  },
  'gpt-oss-20b': {
    huggingFaceId: 'openai/gpt-oss-20b',
    aliases: [],
    config: { ...gptOss, num_hidden_layers: 24, num_local_experts: 32, layer_types: alternate(24, 'sliding_attention', 'full_attention') },
  },
  'llama-4-scout': {
    huggingFaceId: 'meta-llama/Llama-4-Scout-17B-16E-Instruct',
    aliases: ['llama-4-scout-17b-16e', 'meta-llama/Llama-4-Scout-17B-16E'],
    config: { ...llama4, num_local_experts: 16, interleave_moe_layer_step: 1, max_position_embeddings: 10485760 },
  },
  'llama-4-maverick': {
    huggingFaceId: 'meta-llama/Llama-4-Maverick-17B-128E-Instruct',
    aliases: ['llama-4-maverick-17b-128e', 'meta-llama/Llama-4-Maverick-17B-128E'],
    config: { ...llama4, num_local_experts: 128, interleave_moe_layer_step: 2, max_position_embeddings: 1048576 },
  },
  'gemma-3-27b': {
    huggingFaceId: 'google/gemma-3-27b-it',
    aliases: ['gemma-3-27b-it', 'google/gemma-3-27b-pt'],
    config: {
      // text_config of the published config.json, with Gemma3TextConfig's defaults for the keys it leaves out
      // (vocab_size, max_position_embeddings, sliding_window_pattern, tie_word_embeddings).
      model_type: 'gemma3_text', hidden_size: 5376, num_hidden_layers: 62, num_attention_heads: 32, num_key_value_heads: 16,
      head_dim: 128, intermediate_size: 21504, vocab_size: 262208, max_position_embeddings: 131072,
      sliding_window: 1024, sliding_window_pattern: 6, tie_word_embeddings: true, attention_bias: false,
    },
  },
} as const satisfies Record<string, CatalogModel>;

/** The canonical name of a catalog model, e.g. `llama-3.1-8b`. */
export type CatalogModelName = keyof typeof MODEL_CATALOG;
/** Every other name a catalog model answers to: its aliases and its Hugging Face id. */
export type CatalogModelAlias = (typeof MODEL_CATALOG)[CatalogModelName]['aliases'][number] | (typeof MODEL_CATALOG)[CatalogModelName]['huggingFaceId'];
/**
 * What `getModel` takes: an editor completes the catalog's names and aliases, and any other string is still
 * accepted (and refused at run time with the list of known names when it names nothing).
 */
export type ModelNameOrAlias = CatalogModelName | CatalogModelAlias | (string & {});

const byName = new Map<string, CatalogModelName>();
for (const [name, entry] of Object.entries(MODEL_CATALOG) as [CatalogModelName, CatalogModel][]) {
  byName.set(name, name);
  // The Hugging Face id is an alias too: `--model Qwen/Qwen3-32B` names what `serve` calls its model.
  byName.set(entry.huggingFaceId.toLowerCase(), name);
  for (const alias of entry.aliases) byName.set(alias.toLowerCase(), name);
}

/** A catalog model with its names, Hugging Face id, source link and parsed spec. */
export interface CatalogModelEntry {
  readonly name: CatalogModelName;
  readonly aliases: readonly string[];
  readonly huggingFaceId: string;
  readonly spec: ModelSpec;
}

function entryFor(name: CatalogModelName): CatalogModelEntry {
  const entry: CatalogModel = MODEL_CATALOG[name];
  return {
    name,
    aliases: entry.aliases,
    huggingFaceId: entry.huggingFaceId,
    spec: parseHuggingFaceConfig(entry.config, name, entry.huggingFaceId),
  };
}

/** Every catalog model, in catalog order. */
export function listModels(): CatalogModelEntry[] {
  return (Object.keys(MODEL_CATALOG) as CatalogModelName[]).map(entryFor);
}

/** A catalog model by name, alias or Hugging Face id (case-insensitive); undefined when there is none (`getModel` throws instead). */
export function findModel(nameOrAlias: ModelNameOrAlias): ModelSpec | undefined {
  const name = byName.get(nameOrAlias.toLowerCase());
  return name ? entryFor(name).spec : undefined;
}

/** A built-in model by name or alias; an unknown name is refused with the list of known ones. */
export function getModel(nameOrAlias: ModelNameOrAlias): ModelSpec {
  const spec = findModel(nameOrAlias);
  if (!spec) {
    throw new RooflineError(
      'UNKNOWN_MODEL',
      `unknown model '${nameOrAlias}'; known: ${Object.keys(MODEL_CATALOG).join(', ')} (or a path to a config.json)`,
    );
  }
  return spec;
}
