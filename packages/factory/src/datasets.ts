import { MAX_REQUEST_TOKENS, MOONCAKE_BLOCK_TOKENS, type RequestSet } from '@llm-sim/simulator';
import { z } from 'zod';
import { FactoryError } from './errors.ts';

/**
 * A shipped dataset (`benchmark_data/datasets/`, provenance in its README): `lengths` are observed
 * (prompt, output) token pairs drawn with replacement at the workload's request rate; a `trace` also has
 * arrival times and is replayed as `--trace` would replay it. Each loads lazily (its own chunk), so
 * that runs without `--dataset` never parse it.
 */
interface DatasetEntry {
  readonly kind: 'lengths' | 'trace';
  readonly description: string;
  readonly load: () => Promise<unknown>;
}

/** The shipped datasets by name: what each is, and its loader (its own chunk, imported on first use). */
export const DATASETS = {
  sharegpt: {
    kind: 'lengths',
    description: 'ShareGPT conversations (8k-token filter, Llama-2 tokenizer), 30,731 prompts: prompt median 1,730, output median 415 tokens',
    /** Imports the dataset's JSON file. */
    load: () => import('../../../benchmark_data/datasets/sharegpt.json', { with: { type: 'json' } }),
  },
  arxiv: {
    kind: 'lengths',
    description: 'arXiv summarisation (4k-token filter, Llama-2 tokenizer), 28,257 prompts: prompt median 2,730, output median 167 tokens',
    /** Imports the dataset's JSON file. */
    load: () => import('../../../benchmark_data/datasets/arxiv.json', { with: { type: 'json' } }),
  },
  'azure-conv-2023': {
    kind: 'trace',
    description: 'Azure LLM inference trace 2023, conversation service: 19,366 requests in one hour',
    /** Imports the dataset's JSON file. */
    load: () => import('../../../benchmark_data/datasets/azure2023_conv.json', { with: { type: 'json' } }),
  },
  'azure-code-2023': {
    kind: 'trace',
    description: 'Azure LLM inference trace 2023, code completion: 8,819 requests in one hour',
    /** Imports the dataset's JSON file. */
    load: () => import('../../../benchmark_data/datasets/azure2023_code.json', { with: { type: 'json' } }),
  },
  'mooncake-conversation': {
    kind: 'trace',
    description: "Mooncake (Kimi) conversation trace, FAST'25: 12,031 requests in one hour, with prompt block hashes (prefix sharing)",
    /** Imports the dataset's JSON file. */
    load: () => import('../../../benchmark_data/datasets/mooncake_conversation.json', { with: { type: 'json' } }),
  },
  'mooncake-synthetic': {
    kind: 'trace',
    description: "Mooncake synthetic trace, FAST'25: 3,993 requests in 17 minutes, with prompt block hashes (prefix sharing)",
    /** Imports the dataset's JSON file. */
    load: () => import('../../../benchmark_data/datasets/mooncake_synthetic.json', { with: { type: 'json' } }),
  },
} as const satisfies Record<string, DatasetEntry>;

/** The name of a shipped dataset (a key of `DATASETS`). */
export type DatasetName = keyof typeof DATASETS;
/** The names of the shipped datasets. */
export const DATASET_NAMES = Object.keys(DATASETS) as [DatasetName, ...DatasetName[]];
/** Validates a `DatasetName`. */
export const DatasetNameSchema = z.enum(DATASET_NAMES);

const tokenColumn = z.array(z.number().int().positive().max(MAX_REQUEST_TOKENS));
const DatasetFileSchema = z
  .object({
    arrived_at: z.array(z.number().nonnegative()).optional(),
    num_prefill_tokens: tokenColumn.min(1),
    num_decode_tokens: tokenColumn.min(1),
    /** Mooncake's `hash_ids` per request as runs of consecutive ids, `[first, count, first, count, ...]` (lossless, a quarter the size). */
    hash_id_runs: z.array(z.array(z.number().int().nonnegative())).optional(),
  })
  .refine(
    (d) =>
      d.num_prefill_tokens.length === d.num_decode_tokens.length &&
      (d.arrived_at === undefined || d.arrived_at.length === d.num_prefill_tokens.length) &&
      (d.hash_id_runs === undefined || d.hash_id_runs.length === d.num_prefill_tokens.length),
    { message: 'columns must have one entry per request' },
  );

/** The runs expanded to one prompt segment per 512-token block, as `parseMooncakeTrace` reads `hash_ids`. */
function mooncakeSegments(runs: readonly (readonly number[])[], inputTokens: readonly number[], name: string): NonNullable<RequestSet['promptSegments']> {
  const offsets = [0];
  const ids: number[] = [];
  const tokens: number[] = [];
  runs.forEach((r, i) => {
    for (let k = 0; k + 1 < r.length; k += 2) for (let j = 0; j < r[k + 1]; j++) ids.push(r[k] + j);
    const blocks = ids.length - offsets[i];
    if (blocks !== Math.ceil(inputTokens[i] / MOONCAKE_BLOCK_TOKENS)) throw new FactoryError('INVALID_CONFIG', `shipped dataset '${name}' is malformed: request ${i + 1} has ${blocks} block hashes for ${inputTokens[i]} prompt tokens`);
    for (let j = 0; j < blocks; j++) tokens.push(Math.min(MOONCAKE_BLOCK_TOKENS, inputTokens[i] - j * MOONCAKE_BLOCK_TOKENS));
    offsets.push(ids.length);
  });
  return { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), tokens: Int32Array.from(tokens) };
}

/** A shipped dataset as a request set: its pairs (arrivals from 0, or from the trace's first request). */
export async function loadDataset(name: DatasetName): Promise<{ readonly kind: 'lengths' | 'trace'; readonly requests: RequestSet }> {
  const entry: DatasetEntry = DATASETS[name];
  const module = (await entry.load()) as { default?: unknown };
  const parsed = DatasetFileSchema.safeParse(module.default ?? module);
  if (!parsed.success) throw new FactoryError('INVALID_CONFIG', `shipped dataset '${name}' is malformed: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
  const d = parsed.data;
  const first = d.arrived_at?.[0] ?? 0;
  return {
    kind: entry.kind,
    requests: {
      arrivalSeconds: d.arrived_at ? Float64Array.from(d.arrived_at, (a) => a - first) : new Float64Array(d.num_prefill_tokens.length),
      inputTokens: Int32Array.from(d.num_prefill_tokens),
      outputTokens: Int32Array.from(d.num_decode_tokens),
      ...(d.hash_id_runs && { promptSegments: mooncakeSegments(d.hash_id_runs, d.num_prefill_tokens, name) }),
    },
  };
}
