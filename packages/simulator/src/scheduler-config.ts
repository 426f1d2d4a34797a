import * as z from 'zod/mini';
import { ENGLISH_ISSUES } from './english-issues.ts';

/**
 * The engine options of one replica, named as vLLM's engine arguments are. Defaults follow vLLM V1
 * (v0.11, `vllm/config/cache.py`, `vllm/engine/arg_utils.py`) for online serving on a datacenter
 * GPU: block size 16, chunked prefill on, max_num_batched_tokens 8192, max_num_seqs 256. vLLM picks
 * the last two per GPU (see `vllmBatchDefaults`), and the factory passes those.
 */
export const SchedulerConfigSchema = z
  .object({
    /** Tokens per KV-cache block (vLLM `--block-size`). */
    blockSize: z._default(z.int().check(z.positive()), 16),
    /** At most this many requests running at once (vLLM `--max-num-seqs`). */
    maxNumSeqs: z._default(z.int().check(z.positive()), 256),
    /** Token budget of one step, summed over its requests (vLLM `--max-num-batched-tokens`). */
    maxNumBatchedTokens: z._default(z.int().check(z.positive()), 8192),
    /** Split a prompt across steps when it exceeds the budget left (vLLM `--enable-chunked-prefill`). */
    enableChunkedPrefill: z._default(z.boolean(), true),
    /** Longest prompt + output a request may have (vLLM `--max-model-len`); none by default. */
    maxModelLen: z.optional(z.int().check(z.positive())),
    /**
     * vLLM V1's automatic prefix caching (`--enable-prefix-caching`, on by default since V1): a
     * prompt's full blocks already cached are not computed again. Hits need requests whose
     * `RequestSet.promptSegments` share prefixes; without them the run is the same either way.
     */
    enablePrefixCaching: z._default(z.boolean(), true),
    /**
     * Pipeline stages of the instance (vLLM `--pipeline-parallel-size`). vLLM V1 keeps as many batches in
     * flight as there are stages (`EngineCore.batch_queue_size = executor.max_concurrent_batches`, the pp
     * size; `step_with_batch_queue` schedules a new batch whenever the queue has room), each within its own
     * `maxNumBatchedTokens`, a request in one batch at a time. The simulator schedules the micro-batches of
     * one pipeline cycle together: up to `pipelineParallelSize x maxNumBatchedTokens` tokens, split into
     * min(pp, sequences) equal micro-batches; the cycle takes one micro-batch's time through every stage
     * (with pp equal stages, each stage is busy for that whole time), and fewer sequences than stages leave
     * stages idle (the bubble). 1 (no pipeline): every step is priced as before.
     */
    pipelineParallelSize: z._default(z.int().check(z.positive()), 1),
    /**
     * Speculative decoding (vLLM `--speculative-config`): each decode step verifies the last token and
     * `numSpeculativeTokens` drafts; draft i is accepted with `acceptanceProbabilities[i]` given the
     * ones before it were, sampled per step per request from `seed`. Off when absent.
     */
    speculative: z.optional(z
      .object({
        numSpeculativeTokens: z.int().check(z.positive()).check(z.lte(32)),
        acceptanceProbabilities: z.array(z.number().check(z.gte(0)).check(z.lte(1))).check(z.minLength(1)),
        seed: z._default(z.int(), 0),
      })
      .check(z.refine((s) => s.acceptanceProbabilities.length === s.numSpeculativeTokens, {
        message: 'give one acceptance probability per speculative token',
        path: ['acceptanceProbabilities'],
      }))
      ),
  })
  .check(z.refine((o) => o.maxNumBatchedTokens >= o.maxNumSeqs, {
    // vLLM's SchedulerConfig rejects this too: every running decode must fit one step's budget.
    message: 'maxNumBatchedTokens must be at least maxNumSeqs',
    path: ['maxNumBatchedTokens'],
  }))
  .check(z.refine((o) => o.enableChunkedPrefill || o.maxModelLen === undefined || o.maxNumBatchedTokens >= o.maxModelLen, {
    message: 'without chunked prefill maxNumBatchedTokens must be at least maxModelLen, or long prompts never run',
    path: ['maxNumBatchedTokens'],
  }));
/** The vLLM V1 scheduler settings of one replica, defaults applied (block size, max sequences, token budget, chunked prefill, prefix caching, speculation). */
export type SchedulerConfig = z.infer<typeof SchedulerConfigSchema>;
/** Scheduler settings as a caller writes them: every field optional, vLLM's defaults fill the rest. */
export type SchedulerConfigInput = z.input<typeof SchedulerConfigSchema>;

/** vLLM V1's default fraction of device memory the engine may use (`--gpu-memory-utilization`). */
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * vLLM V1's per-GPU defaults for `vllm serve` (the OPENAI_API_SERVER usage context of
 * `EngineArgs.get_batch_defaults`, vllm-project/vllm@99d7eb5, v0.11): a GPU reporting at least 70 GiB
 * whose name does not contain "a100" gets 8192 tokens and 1024 sequences, any other 2048 and 256.
 * `deviceMemoryBytes` is what the device reports (an H100 80GB: 79.1 GiB), as vLLM reads it.
 */
export function vllmBatchDefaults(
  deviceMemoryBytes: number,
  deviceName: string,
): { maxNumBatchedTokens: number; maxNumSeqs: number } {
  const big = deviceMemoryBytes >= 70 * 2 ** 30 && !deviceName.toLowerCase().includes('a100');
  return big ? { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 } : { maxNumBatchedTokens: 2048, maxNumSeqs: 256 };
}

/** The scheduler settings with every default applied. */
export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = SchedulerConfigSchema.parse({}, ENGLISH_ISSUES);
