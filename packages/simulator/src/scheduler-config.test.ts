import { describe, expect, it } from 'vitest';
import { SchedulerConfigSchema, vllmBatchDefaults } from './scheduler-config.ts';

describe('SchedulerConfigSchema', () => {
  it("defaults to vLLM V1's online-serving values", () => {
    expect(SchedulerConfigSchema.parse({})).toEqual({
      blockSize: 16,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 8192,
      enableChunkedPrefill: true,
      enablePrefixCaching: true,
      pipelineParallelSize: 1,
    });
  });

  it('rejects a token budget smaller than max_num_seqs, as vLLM does', () => {
    const r = SchedulerConfigSchema.safeParse({ maxNumSeqs: 512, maxNumBatchedTokens: 256 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].path).toEqual(['maxNumBatchedTokens']);
  });
});

describe('vllmBatchDefaults', () => {
  it('gives H100-class GPUs 8192 tokens and 1024 sequences, A100 and smaller GPUs 2048 and 256 (vLLM v0.11)', () => {
    expect(vllmBatchDefaults(80e9, 'NVIDIA H100 80GB HBM3')).toEqual({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(vllmBatchDefaults(80e9, 'NVIDIA A100-SXM4-80GB')).toEqual({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(vllmBatchDefaults(48e9, 'NVIDIA L40S')).toEqual({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
  });
});
