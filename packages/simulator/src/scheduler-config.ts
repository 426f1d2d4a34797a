import { z } from 'zod';

/**
 * vLLM V1's scheduler limits, with the defaults of `vllm serve` (v0.10/v0.11, V1 engine) on a datacenter
 * GPU: 16-token KV blocks, 256 sequences, 8192 batched tokens for online serving with chunked prefill on.
 * Older releases and other GPUs use other values, so every limit is an explicit option.
 */
export const SchedulerConfigSchema = z.object({
  maxNumSeqs: z.number().int().positive().default(256),
  maxNumBatchedTokens: z.number().int().positive().default(8192),
  blockSize: z.number().int().positive().default(16),
  enableChunkedPrefill: z.boolean().default(true),
  /** The longest prompt + output a request may have (vLLM's `--max-model-len`). */
  maxModelLen: z.number().int().positive().optional(),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfigSchema>;
export type SchedulerConfigInput = z.input<typeof SchedulerConfigSchema>;

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = SchedulerConfigSchema.parse({});
