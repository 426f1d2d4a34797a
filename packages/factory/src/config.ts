import { DtypeSchema, QUANTIZATIONS, kvCacheDtype } from '@llm-sim/roofline';
import { LengthDistributionSchema, MAX_REQUEST_TOKENS } from '@llm-sim/simulator';
import { z } from 'zod';
import { ClusterConfigSchema, MAX_INSTANCES } from './cluster-config.ts';
import { FactoryError, formatIssues, unknownKeyHints } from './errors.ts';
import { DatasetNameSchema } from './datasets.ts';
import { SpeculativeConfigSchema } from './speculative.ts';

/** The performance models a config may name: `roofline` (spec-sheet peaks) and `vllm_roofline` (calibrated). */
export const PERFORMANCE_MODEL_TYPES = ['roofline', 'vllm_roofline'] as const;
export const PerformanceModelTypeSchema = z.enum(PERFORMANCE_MODEL_TYPES);
/** One of `PERFORMANCE_MODEL_TYPES`. */
export type PerformanceModelType = z.infer<typeof PerformanceModelTypeSchema>;

/** The `performance_model` key of a config: its type (default `vllm_roofline`) and, for that, a calibration file. */
export const PerformanceModelConfigSchema = z
  .strictObject({
    model_type: PerformanceModelTypeSchema.default('vllm_roofline'),
    /** For vllm_roofline; without it the shipped calibration for the xpu is used (and named in every output). */
    calibration_data_path: z.string().optional(),
  })
  .refine((c) => c.model_type !== 'roofline' || c.calibration_data_path === undefined, {
    message: "a calibration is read only by model_type 'vllm_roofline' (--performance-model vllm_roofline); the spec-sheet 'roofline' would ignore it",
    path: ['calibration_data_path'],
  });

/**
 * The largest runs a config may ask for: beyond these the arrays a run allocates outgrow memory (or
 * JavaScript's array limits) and the run hangs or dies instead of answering.
 */
export const CONFIG_LIMITS = {
  requests: 10_000_000,
  instances: MAX_INSTANCES,
  /** tp, pp, ep, dp. */
  parallelDegree: 1024,
  maxNumSeqs: 65_536,
  blockSizeTokens: 4096,
} as const;

const atMost = (limit: number, what: string) => z.number().int().positive().max(limit, { message: `must be at most ${limit.toLocaleString('en-US')} ${what}` });
const tokens = atMost(MAX_REQUEST_TOKENS, 'tokens');

const requestRate = z.union([z.number().positive(), z.literal('inf')]).describe('requests per second, or "inf"');

/**
 * A simulation as a JSON config: the same settings as the CLI flags, with the seeds' snake_case keys.
 * Flags given on the command line override the file.
 */
export const SimulationConfigSchema = z.strictObject({
  model: z.string().min(1),
  xpu: z.string().min(1),
  parallelism: z
    .strictObject({
      tp: atMost(CONFIG_LIMITS.parallelDegree, 'devices').default(1),
      pp: atMost(CONFIG_LIMITS.parallelDegree, 'devices').default(1),
      /** Devices the routed experts are spread over whole (a MoE model); 1 slices every expert over tp x dp. */
      ep: atMost(CONFIG_LIMITS.parallelDegree, 'devices').default(1),
      /**
       * vLLM's --data-parallel-size: a MoE model's ranks form one engine group (attention and KV cache per rank,
       * experts over all tp x dp devices); a dense model's are independent replicas.
       */
      dp: atMost(CONFIG_LIMITS.parallelDegree, 'devices').default(1),
      /** vLLM's --enable-expert-parallel: ep = tp x dp. */
      enable_expert_parallel: z.boolean().default(false),
    })
    .prefault({}),
  dtype: z
    .strictObject({
      /** Unset: the precision the model is published in (fp8 for DeepSeek-V3 and Kimi-K2, MXFP4 experts for gpt-oss, else bf16). */
      weights: z.optional(DtypeSchema),
      activations: z._default(DtypeSchema, 'bf16'),
      /** vLLM's --kv-cache-dtype: auto (the model's), fp8, fp8_e4m3, fp8_e5m2, or bf16/fp16; int8 is refused. */
      kv_cache: z
        .string()
        .default('bf16')
        .transform((name, ctx) => {
          try {
            return kvCacheDtype(name);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return z.NEVER;
          }
        }),
    })
    .prefault({}),
  /**
   * vLLM's --quantization: fp8 is W8A8 on fp8 tensor cores (weight-only on GPUs without them), awq and
   * gptq 4-bit weights; it sets the weights and activations dtypes for each pool's xpu.
   */
  quantization: z.enum(QUANTIZATIONS).optional(),
  cluster: ClusterConfigSchema.prefault({}),
  scheduler: z
    .strictObject({
      /** Left out: vLLM's default for the device (1024 on a GPU of at least 70 GiB that is not an A100, else 256). */
      max_num_seqs: atMost(CONFIG_LIMITS.maxNumSeqs, 'sequences').optional(),
      /** Left out: vLLM's default for the device (8192 on a GPU of at least 70 GiB that is not an A100, else 2048). */
      max_num_batched_tokens: tokens.optional(),
      block_size: atMost(CONFIG_LIMITS.blockSizeTokens, 'tokens').default(16),
      gpu_memory_utilization: z.number().gt(0).lte(1).default(0.9),
      enable_chunked_prefill: z.boolean().default(true),
      /** vLLM V1's automatic prefix caching, on by default as in vLLM (`--no-enable-prefix-caching` turns it off). */
      enable_prefix_caching: z.boolean().default(true),
      max_model_len: tokens.optional(),
    })
    .prefault({}),
  workload: z
    .strictObject({
      num_requests: atMost(CONFIG_LIMITS.requests, 'requests').default(1000),
      request_rate: requestRate.default('inf'),
      burstiness: z.number().positive().default(1),
      input_len: z.union([tokens, LengthDistributionSchema]).default(1024),
      output_len: z.union([tokens, LengthDistributionSchema]).default(128),
      /** A trace CSV (arrived_at, num_prefill_tokens, num_decode_tokens): replaces arrivals and lengths. */
      trace: z.string().optional(),
      /**
       * A shipped dataset by name (`DATASETS`): a length dataset (sharegpt, arxiv) draws num_requests
       * (prompt, output) pairs at request_rate; a trace (azure-conv-2023, azure-code-2023, mooncake-conversation, mooncake-synthetic) is replayed as `trace` is.
       */
      dataset: DatasetNameSchema.optional(),
      /** With a trace: keep its lengths but draw this many requests at request_rate instead of replaying. */
      trace_sample: z.boolean().default(false),
      /** With a trace replayed: only its first N requests (all by default). */
      trace_requests: z.number().int().positive().optional(),
      /** With a trace replayed: arrival times multiplied by this (2 stretches the trace to half the load, 0.5 doubles it). */
      trace_scale: z.number().positive().default(1),
      /**
       * At most this many requests outstanding (vLLM bench's `--max-concurrency`); with request_rate
       * "inf" a closed loop. None by default.
       */
      max_concurrency: z.number().int().positive().optional(),
      /**
       * vLLM's `--random-range-ratio` r: a fixed input_len or output_len L becomes uniform on
       * [floor(L(1-r)), ceil(L(1+r))] (v0.11 `RandomDataset.sample`); 0 keeps it fixed.
       */
      random_range_ratio: z.number().min(0).lt(1).default(0),
      /**
       * vLLM's prefix-repetition workload: each prompt is one of `num_prefixes` shared prefixes of
       * `prefix_len` tokens followed by its own `input_len` tokens (what prefix caching saves).
       */
      prefix_len: z.number().int().positive().optional(),
      num_prefixes: z.number().int().positive().default(1),
      /**
       * Multi-turn conversations (vLLM's `benchmarks/multi_turn`): user turns per conversation. Each
       * turn's prompt holds the conversation so far (prefix_len's shared prefix, every earlier
       * input_len question and output_len answer) plus a new input_len question; a turn is sent when
       * the answer before it is complete; request_rate paces conversation starts.
       */
      multi_turn_turns: z.union([atMost(10_000, 'turns'), LengthDistributionSchema]).optional(),
      /** With multi_turn_turns: how many conversations (default: num_requests / the mean turns, rounded up). */
      num_conversations: atMost(CONFIG_LIMITS.requests, 'conversations').optional(),
    })
    .refine((w) => w.trace === undefined || w.dataset === undefined, {
      message: 'give a trace file or a dataset name, not both',
      path: ['dataset'],
    })
    .refine((w) => w.multi_turn_turns === undefined || (w.trace === undefined && w.dataset === undefined), {
      message: 'multi-turn conversations are synthetic: drop the trace or dataset',
      path: ['multi_turn_turns'],
    })
    .refine((w) => w.num_conversations === undefined || w.multi_turn_turns !== undefined, {
      message: 'takes effect only with multi_turn_turns (--multi-turn-turns)',
      path: ['num_conversations'],
    })
    .prefault({}),
  /**
   * Several simulations at once, as vLLM's benchmark sweeps: one run per request rate and per
   * concurrency (every pair when both are given), each otherwise the same config.
   */
  sweep: z
    .object({
      request_rate: z.array(requestRate).min(1).optional(),
      max_concurrency: z.array(z.number().int().positive()).min(1).optional(),
    })
    .strict()
    .optional(),
  performance_model: PerformanceModelConfigSchema.prefault({}),
  goodput: z
    .strictObject({ ttft: z.number().positive().optional(), tpot: z.number().positive().optional(), e2el: z.number().positive().optional() })
    .optional(),
  seed: z.number().int().default(0),
  /** vLLM's `--speculative-config`, plus how often drafts are accepted (see `SpeculativeConfigSchema`). */
  speculative_config: SpeculativeConfigSchema.optional(),
});
/** A simulation config, defaults filled in (see `SimulationConfigSchema`). */
export type SimulationConfig = z.infer<typeof SimulationConfigSchema>;
/** A simulation config as written: keys with defaults may be left out. */
export type SimulationConfigInput = z.input<typeof SimulationConfigSchema>;

/** Parses a JSON config (already JSON.parse'd) with errors that name the key. */
export function parseSimulationConfig(json: unknown, origin = 'config'): SimulationConfig {
  const parsed = SimulationConfigSchema.safeParse(json, { error: unknownKeyHints(SimulationConfigSchema) });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map((k) => (typeof k === 'number' ? k : String(k))), message: i.message }));
    throw new FactoryError('INVALID_CONFIG', `invalid ${origin}: ${formatIssues(parsed.error.issues)}`, { issues, origin });
  }
  return parsed.data;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge for config layers: later layers win, `undefined` leaves the earlier value. */
export function mergeConfig(...layers: unknown[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    if (!isPlain(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isPlain(value) && isPlain(out[key]) ? mergeConfig(out[key], value) : value;
    }
  }
  return out;
}
