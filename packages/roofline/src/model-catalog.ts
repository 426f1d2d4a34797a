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
} as const satisfies Record<string, CatalogModel>;

export type CatalogModelName = keyof typeof MODEL_CATALOG;

const byName = new Map<string, CatalogModelName>();
for (const [name, entry] of Object.entries(MODEL_CATALOG) as [CatalogModelName, CatalogModel][]) {
  byName.set(name, name);
  for (const alias of entry.aliases) byName.set(alias, name);
}

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

export function listModels(): CatalogModelEntry[] {
  return (Object.keys(MODEL_CATALOG) as CatalogModelName[]).map(entryFor);
}

export function findModel(nameOrAlias: string): ModelSpec | undefined {
  const name = byName.get(nameOrAlias.toLowerCase());
  return name ? entryFor(name).spec : undefined;
}

/** A built-in model by name or alias; an unknown name is refused with the list of known ones. */
export function getModel(nameOrAlias: string): ModelSpec {
  const spec = findModel(nameOrAlias);
  if (!spec) {
    throw new RooflineError(
      'UNKNOWN_MODEL',
      `unknown model '${nameOrAlias}'; known: ${Object.keys(MODEL_CATALOG).join(', ')} (or a path to a config.json)`,
    );
  }
  return spec;
}
