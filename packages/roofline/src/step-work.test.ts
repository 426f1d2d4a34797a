import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { RooflinePerformanceModel } from './roofline-model.ts';
import { decodeBatch, prefillBatch } from './step-batch.ts';
import { countStepWork, type StepWork } from './step-work.ts';
import { getXpu } from './xpu-catalog.ts';

const h100 = getXpu('h100-sxm');
const llama8b = getModel('llama-3.1-8b');
const op = (work: StepWork, name: string) => work.operators.find((o) => o.op === name)!;

describe('countStepWork', () => {
  it('prices grouped-query q/k/v projections: 32 q heads and 8 KV heads of 128 (Llama-3.1-8B)', () => {
    const work = countStepWork(llama8b, {}, {}, decodeBatch(1, 0), h100);
    const qkvWeights = 4096 * (32 * 128 + 2 * 8 * 128);
    expect(op(work, 'qkv_proj').flops).toBe(2 * qkvWeights * 32);
    expect(op(work, 'qkv_proj').bytes).toBe(32 * (qkvWeights * 2 + (4096 + 6144) * 2));
  });

  it('reads the KV cache of the whole context in decode and writes one new entry per sequence', () => {
    const work = countStepWork(llama8b, {}, {}, decodeBatch(4, 1000), h100);
    const kvBytesPerTokenPerLayer = 2 * 8 * 128 * 2;
    // Each of the 4 new tokens attends to its 1000 cached tokens and itself, with all 32 query heads.
    expect(op(work, 'attention').flops).toBe(32 * 4 * 32 * 128 * 4 * 1001);
    expect(op(work, 'attention').bytes).toBe(32 * ((4 * 1001 + 4) * kvBytesPerTokenPerLayer + 2 * 4 * 4096 * 2));
    const fp8 = countStepWork(llama8b, {}, { kvCache: 'fp8' }, decodeBatch(4, 1000), h100);
    expect(op(fp8, 'attention').bytes).toBe(32 * ((4 * 1001 + 4) * kvBytesPerTokenPerLayer * 0.5 + 2 * 4 * 4096 * 2));
  });

  it('keeps weight, activation and KV-cache dtypes apart: int4 weights read half the bytes of int8 ones', () => {
    const batch = decodeBatch(1, 0);
    const int8 = op(countStepWork(llama8b, {}, { weights: 'int8' }, batch, h100), 'mlp').bytes;
    const int4 = op(countStepWork(llama8b, {}, { weights: 'int4' }, batch, h100), 'mlp').bytes;
    const mlpWeights = 32 * 3 * 4096 * 14336;
    expect(int8 - int4).toBe(mlpWeights * 0.5);
  });

  it('computes logits for one token per scheduled sequence, not per prompt token (vLLM V1)', () => {
    const prompt = countStepWork(llama8b, {}, {}, prefillBatch(1, 1000), h100);
    expect(op(prompt, 'lm_head').flops).toBe(2 * 128256 * 4096);
    const mixed = countStepWork(llama8b, {}, {}, { ...prefillBatch(2, 500), decodeSequences: 30, decodeCachedTokens: 3000 }, h100);
    expect(op(mixed, 'lm_head').flops).toBe(32 * 2 * 128256 * 4096);
  });

  it('reads E(1 - (1 - k/E)^T) distinct experts for T tokens with top-k routing (Mixtral: 3 tokens, 8 experts, top-2)', () => {
    const work = countStepWork(getModel('mixtral-8x7b'), {}, {}, decodeBatch(3, 0), h100);
    const expert = 3 * 4096 * 14336;
    const distinct = 8 * (1 - (6 / 8) ** 3);
    const activations = 3 * (2 * 4096 + 3 * 2 * 14336) * 2;
    expect(op(work, 'moe').bytes).toBeCloseTo(32 * ((distinct * expert + 4096 * 8) * 2 + activations), 0);
    // FLOPs follow the k experts each token goes through, not the distinct ones.
    expect(op(work, 'moe').flops).toBe(32 * (2 * 3 * 2 * expert + 2 * 3 * 4096 * 8));
    expect(op(work, 'mlp').flops).toBe(0);
  });

  it('replicates KV heads over tensor-parallel ranks when tp exceeds them (Llama-3.1-70B at tp=16)', () => {
    const work = countStepWork(getModel('llama-3.1-70b'), { tp: 16 }, {}, decodeBatch(1, 0), h100);
    // 64 / 16 = 4 query heads and one (replicated) KV head per rank, head_dim 128.
    expect(op(work, 'qkv_proj').flops).toBe(2 * 8192 * (4 * 128 + 2 * 128) * 80);
  });

  it('all-reduces tokens x hidden twice per layer and once after the vocabulary-parallel embedding under TP', () => {
    const batch = decodeBatch(8, 512);
    const work = countStepWork(getModel('llama-2-70b'), { tp: 4 }, {}, batch, h100);
    expect(work.communicationBytes).toBe(161 * 8 * 8192 * 2 + 8 * 32000 * 2);
    expect(countStepWork(getModel('llama-2-70b'), {}, {}, batch, h100).communicationSeconds).toBe(0);
  });

  it('hands hidden states and residual across each pipeline boundary and still counts every layer', () => {
    const llama70b = getModel('llama-2-70b');
    const batch = prefillBatch(1, 512);
    const pp1 = countStepWork(llama70b, {}, {}, batch, h100);
    const pp2 = countStepWork(llama70b, { pp: 2 }, {}, batch, h100);
    expect(pp2.operators).toEqual(pp1.operators);
    expect(pp2.pipelineBytes).toBe(2 * 512 * 8192 * 2);
    expect(pp2.pipelineSeconds).toBeCloseTo((2 * 512 * 8192 * 2) / 450e9 + 8e-6, 15);
    const step = new RooflinePerformanceModel({ model: llama70b, xpu: h100, parallelism: { pp: 2 } }).stepTime(batch);
    expect(step.breakdown.find((o) => o.op === 'pipeline')).toMatchObject({ bytes: pp2.pipelineBytes, bound: 'communication' });
  });

  it('is what RooflinePerformanceModel.stepWork reports', () => {
    const batch = { ...prefillBatch(1, 300, 700), decodeSequences: 12, decodeCachedTokens: 9000 };
    const model = new RooflinePerformanceModel({ model: llama8b, xpu: h100, parallelism: { tp: 2 }, dtypes: { kvCache: 'fp8' } });
    expect(countStepWork(llama8b, { tp: 2 }, { kvCache: 'fp8' }, batch, h100)).toEqual(model.stepWork(batch));
  });

  it('refuses a negative batch', () => {
    expect(() => countStepWork(llama8b, {}, {}, { ...decodeBatch(1, 0), prefillTokens: -5 }, h100)).toThrow(
      expect.objectContaining({ code: 'INVALID_BATCH' }),
    );
  });
});
