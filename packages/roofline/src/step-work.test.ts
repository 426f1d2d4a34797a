import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { RooflinePerformanceModel } from './roofline-model.ts';
import { decodeBatch, prefillBatch } from './step-batch.ts';
import { expectedMaxGroupLoad, expectedMaxOfNormals } from './expert-load.ts';
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

describe('DeepSeek-V3 at tp=8 on H200: MLA and fine-grained MoE against a hand calculation', () => {
  const v3 = getModel('deepseek-v3');
  const h200 = getXpu('h200');

  it('prices a batch-64 decode at context 4096, operator by operator', () => {
    // Per device at tp=8: 16 of 128 heads. Weights fp8 (1 byte) as published; embeddings, norms, router bf16.
    // Activations and the KV cache bf16 (2 bytes). 61 layers: 3 dense, 58 with 256 experts (each 1/8 per rank).
    const L = 61, T = 64, ctx = 4096, hq = 16;
    const qkvWeights = 7168 * 1536 + 7168 * (512 + 64) + (1536 * 128 * (128 + 64)) / 8; // q_a, kv_a whole; q_b split
    const kvUpWeights = (512 * 128 * (128 + 128)) / 8; // kv_b_proj, absorbed into q and the output in decode
    const oWeights = (128 * 128 * 7168) / 8;
    const expert = (3 * 7168 * 2048) / 8;
    const router = 256 * 7168 + 256; // gate and e_score_correction_bias, replicated
    const distinct = 256 * (1 - (1 - 8 / 256) ** 64); // experts the 64 tokens touch, expected
    const pairs = T * (ctx + 1);
    const normWidth = L * (2 * 7168 + 1536 + 512) + 7168;
    const expected = {
      embedding: { flops: 0, bytes: T * 7168 * 4 },
      qkv_proj: { flops: 2 * T * qkvWeights * L, bytes: L * (qkvWeights + T * (7168 + hq * 192 + 576) * 2) },
      kv_up_proj: { flops: 2 * T * kvUpWeights * L, bytes: L * (kvUpWeights + T * hq * (128 + 2 * 512 + 128) * 2) },
      // Absorbed decode: each pair scores a 576-wide latent key and sums a 512-wide latent value per head.
      attention: { flops: L * hq * (2 * 576 + 2 * 512) * pairs, bytes: L * ((pairs + T) * 576 * 2 + T * hq * (576 + 512) * 2) },
      o_proj: { flops: 2 * T * oWeights * L, bytes: L * (oWeights + T * (hq * 128 + 7168) * 2) },
      mlp: { flops: 3 * 2 * T * ((3 * 7168 * 18432) / 8), bytes: 3 * ((3 * 7168 * 18432) / 8 + T * (2 * 7168 + (3 * 18432) / 8) * 2) },
      moe: {
        flops: 58 * (2 * T * (8 * expert + expert) + 2 * T * router),
        bytes: 58 * (distinct * expert + expert + router * 2 + T * (2 * 7168 + 3 * 8 * 256) * 2),
      },
      norm: { flops: 4 * T * normWidth, bytes: 2 * T * normWidth * 2 + normWidth * 2 },
      lm_head: { flops: 2 * T * 16160 * 7168, bytes: 16160 * 7168 * 2 + T * (7168 + 16160) * 2 },
    };
    const work = countStepWork(v3, { tp: 8 }, {}, decodeBatch(T, ctx), h200);
    for (const [name, { flops, bytes }] of Object.entries(expected)) {
      expect(op(work, name).flops, name).toBeCloseTo(flops, -3);
      expect(op(work, name).bytes, name).toBeCloseTo(bytes, -3);
    }
    // 123 ring all-reduces of 64 x 7168 bf16 plus the logits gather, over NVLink 4 (450 GB/s each way, 8 us).
    const allReduce = T * 7168 * 2;
    const comm = 123 * ((1.75 * allReduce) / 450e9 + 8e-6) + ((7 / 8) * T * 129280 * 2) / 450e9 + 8e-6;
    expect(work.communicationSeconds).toBeCloseTo(comm, 12);

    // The step: every operator memory-bound at bf16 peak 989.4 TFLOP/s and 4.8 TB/s, plus communication.
    const step = new RooflinePerformanceModel({ model: v3, xpu: h200, parallelism: { tp: 8 } }).decodeTime(T, ctx);
    let seconds = comm;
    for (const { flops, bytes } of Object.values(expected)) seconds += Math.max(flops / 989.4e12, bytes / h200.memoryBandwidthBytesPerSecond);
    expect(step.totalSeconds).toBeCloseTo(seconds, 9);
    // Most of it is reading the ~75% of experts 64 tokens touch: about 13.6 ms of an 18 ms step.
    expect(step.breakdown.find((o) => o.op === 'moe')!.seconds * 1e3).toBeCloseTo((58 * (distinct * expert + expert + router * 2 + T * (2 * 7168 + 3 * 8 * 256) * 2)) / 4.8e9, 6);
    expect(step.breakdown.map((o) => o.op)).toContain('kv_up_proj');
  });

  it('reads 576 latent elements per cached token and layer, about 1/57 of what the same heads would read as MHA', () => {
    const work = countStepWork(v3, { tp: 8 }, {}, decodeBatch(1, 32768), h200);
    const latentRead = 61 * 32769 * 576 * 2;
    const mhaRead = 61 * 32769 * 2 * 16 * 192 * 2;
    expect(op(work, 'attention').bytes).toBeGreaterThan(latentRead);
    expect(op(work, 'attention').bytes).toBeLessThan(latentRead * 1.01);
    expect(mhaRead / latentRead).toBeGreaterThan(10);
  });

  it('decompresses the latent of every context token in prefill (kv_b_proj) and attends with 192-wide keys', () => {
    const work = countStepWork(v3, { tp: 8 }, {}, prefillBatch(1, 1024, 3072), h200);
    expect(op(work, 'kv_up_proj').flops).toBe(61 * 2 * ((512 * 128 * 256) / 8) * 4096);
    const pairs = 1024 * 3072 + (1024 * 1025) / 2;
    expect(op(work, 'attention').flops).toBe(61 * 16 * (2 * 192 + 2 * 128) * pairs);
  });
});

describe('fine-grained MoE and windowed attention', () => {
  it('reads only the 8 active experts of Qwen3-30B-A3B in a batch-1 decode step', () => {
    const work = countStepWork(getModel('qwen3-30b-a3b'), {}, {}, decodeBatch(1, 1000), h100);
    const expert = 3 * 2048 * 768;
    const router = 2048 * 128;
    expect(op(work, 'moe').bytes).toBe(48 * ((8 * expert + router) * 2 + (2 * 2048 + 3 * 8 * 768) * 2));
    // 8 of 128: the step reads 1/16 of the expert weights the model holds.
    expect((48 * 8 * expert * 2) / (48 * 128 * expert * 2)).toBe(1 / 16);
    expect(op(work, 'mlp').bytes).toBe(0);
  });

  it('reads gpt-oss experts in MXFP4 (4.25 bits) and their biases in bf16', () => {
    const model = getModel('gpt-oss-120b');
    const work = countStepWork(model, {}, {}, decodeBatch(1, 0), h100);
    const expert = 3 * 2880 * 2880;
    const bias = 2 * 2880 + 2880;
    const router = 128 * 2881;
    expect(op(work, 'moe').bytes).toBeCloseTo(36 * (4 * (expert * (4.25 / 8) + bias * 2) + router * 2 + (2 * 2880 + 3 * 4 * 2880) * 2), 0);
    const bf16 = countStepWork(model, {}, { weights: 'bf16' }, decodeBatch(1, 0), h100);
    expect(op(bf16, 'moe').bytes - op(work, 'moe').bytes).toBeCloseTo(36 * 4 * expert * (2 - 4.25 / 8), 0);
  });

  it('bounds sliding-window layers by their window: gpt-oss at context 4096 reads 128 tokens in half its layers', () => {
    const work = countStepWork(getModel('gpt-oss-120b'), {}, {}, decodeBatch(1, 4096), h100);
    const kvPerTokenLayer = 2 * 8 * 64 * 2;
    expect(op(work, 'attention').flops).toBe(4 * 64 * 64 * (18 * 4097 + 18 * 128));
    expect(op(work, 'attention').bytes).toBe((18 * (4097 + 1) + 18 * (128 + 1)) * kvPerTokenLayer + 36 * 2 * 64 * 64 * 2);
  });

  it('bounds Gemma 3 local layers to 1024 keys and Llama 4 chunked layers to 8192 in a long prefill', () => {
    const gemma = countStepWork(getModel('gemma-3-27b'), {}, {}, prefillBatch(1, 32768), h100);
    // 1..1024 keys for the first 1024 queries, 1024 for each after: 1024*1025/2 + (32768 - 1024) * 1024.
    const local = (1024 * 1025) / 2 + (32768 - 1024) * 1024;
    const full = (32768 * 32769) / 2;
    expect(op(gemma, 'attention').flops).toBe(4 * 32 * 128 * (10 * full + 52 * local));
    const scout = countStepWork(getModel('llama-4-scout'), {}, {}, prefillBatch(1, 32768), h100);
    const chunked = (8192 * 8193) / 2 + (32768 - 8192) * 8192;
    expect(op(scout, 'attention').flops).toBe(4 * 40 * 128 * (12 * full + 36 * chunked));
  });
});

describe('multi-node tensor and pipeline parallelism', () => {
  it('rings tp=16 through the 400 Gb/s NICs of two 8-GPU H800 nodes, and hands pipeline stages over them', () => {
    const h800 = getXpu('h800');
    expect(h800.network).toMatchObject({ bandwidthBytesPerSecond: 50e9, devicesPerNode: 8 });
    const batch = decodeBatch(8, 512);
    const llama405b = getModel('llama-3.1-405b');
    const tp16 = countStepWork(llama405b, { tp: 16 }, {}, batch, h800);
    const perAllReduce = 8 * 16384 * 2;
    const logits = 8 * 128256 * 2;
    expect(tp16.communicationSeconds).toBeCloseTo(253 * ((30 / 16) * perAllReduce / 50e9 + 8e-6) + ((15 / 16) * logits) / 50e9 + 8e-6, 12);
    // Within a node the same collectives run on NVLink (200 GB/s each way on the H800).
    const tp8 = countStepWork(llama405b, { tp: 8 }, {}, batch, h800);
    expect(tp8.communicationSeconds).toBeCloseTo(253 * ((14 / 8) * perAllReduce / 200e9 + 8e-6) + ((7 / 8) * logits) / 200e9 + 8e-6, 12);
    const pp2 = countStepWork(llama405b, { tp: 8, pp: 2 }, {}, batch, h800);
    expect(pp2.pipelineSeconds).toBeCloseTo((2 * 8 * 16384 * 2) / 50e9 + 8e-6, 12);
  });

  it('rings tp=16 of two DGX H100 nodes through their 400 Gb/s ConnectX-7s, not NVLink', () => {
    const batch = decodeBatch(8, 512);
    const tp16 = countStepWork(getModel('llama-3.1-405b'), { tp: 16 }, {}, batch, h100);
    const perAllReduce = 8 * 16384 * 2;
    expect(tp16.communicationSeconds).toBeCloseTo(253 * ((30 / 16) * perAllReduce / 50e9 + 8e-6) + ((15 / 16) * 8 * 128256 * 2) / 50e9 + 8e-6, 12);
  });
});

describe('expert parallelism', () => {
  const v3 = getModel('deepseek-v3');
  const h200 = getXpu('h200');
  const expertWhole = 3 * 7168 * 2048;
  const shared = (3 * 7168 * 2048) / 1; // one shared expert, split by tp (tp=1 below)
  const router = 256 * 7168 + 256;

  it('reads only its own whole experts at ep=8 and waits for the busiest: DeepSeek-V3 at tp=8 ep=8, batch 64', () => {
    const batch = decodeBatch(64, 4096);
    const sliced = op(countStepWork(v3, { tp: 8 }, {}, batch, h200), 'moe');
    const whole = op(countStepWork(v3, { tp: 8, ep: 8 }, {}, batch, h200), 'moe');
    // 32 whole experts per device against 256 eighths: the same expected expert bytes per device...
    const load = expectedMaxGroupLoad(64, 8, 256, 8, expectedMaxOfNormals(8));
    expect(load).toBeCloseTo(64 + Math.sqrt((64 * 8 * 248) / 255 / 8) * 1.4236, 2); // 75.2 of a mean of 64
    const activations = (assignments: number, intermediate: number) => 58 * assignments * 3 * intermediate * 2;
    expect(whole.bytes - activations(load, 2048)).toBeCloseTo(sliced.bytes - activations(64 * 8, 256), -3);
    // ...but the busiest device computes 75.2 whole-expert token passes where the slices compute a mean 64.
    expect(whole.flops - sliced.flops).toBeCloseTo(58 * 2 * (load - 64) * expertWhole, -3);
  });

  it('runs DeepSeek-V3 as vLLM\'s DP8 + EP8 on H200: attention on 64 of 512 sequences, experts on all 512 tokens, two all-to-alls per MoE layer', () => {
    const T = 512;
    const group = countStepWork(v3, { tp: 1, dp: 8, ep: 8 }, {}, decodeBatch(T, 4096), h200);
    const oneRank = countStepWork(v3, { tp: 1 }, {}, decodeBatch(T / 8, 4096), h200);
    for (const name of ['embedding', 'qkv_proj', 'kv_up_proj', 'attention', 'o_proj', 'mlp', 'norm', 'lm_head']) {
      expect(op(group, name), name).toEqual(op(oneRank, name));
    }
    // MoE: the busiest of 8 devices holds 32 whole experts and takes 543.8 of the 4096 token-expert assignments;
    // shared expert and router run on the rank's 64 tokens.
    const load = 512 + Math.sqrt((512 * 8 * 248) / 255 / 8) * expectedMaxOfNormals(8);
    expect(op(group, 'moe').flops).toBeCloseTo(58 * (2 * load * expertWhole + 2 * 64 * (shared + router)), -3);
    const distinct = 32 * (1 - (1 - 8 / 256) ** 512);
    expect(op(group, 'moe').bytes).toBeCloseTo(58 * (distinct * expertWhole + shared + router * 2 + (64 * 2 * 7168 + load * 3 * 2048) * 2), -3);
    // Dispatch and combine: each device sends its 64 tokens to the 5.29 devices their 8 experts live on on average,
    // 7/8 of that buffer leaving the device, over NVLink 4 at 450 GB/s with 8 us per collective; no all-reduce at tp=1.
    let none = 1;
    for (let i = 0; i < 8; i++) none *= (224 - i) / (256 - i);
    const buffer = 64 * 8 * (1 - none) * 7168 * 2;
    expect(group.allToAllBytes).toBeCloseTo(116 * buffer, 0);
    expect(group.allToAllSeconds).toBeCloseTo(116 * (8e-6 + ((7 / 8) * buffer) / 450e9), 12);
    expect(group.communicationSeconds).toBe(0);
    const step = new RooflinePerformanceModel({ model: v3, xpu: h200, parallelism: { tp: 1, dp: 8, ep: 8 } }).decodeTime(T, 4096);
    expect(step.breakdown.find((o) => o.op === 'all_to_all')!.seconds).toBeCloseTo(group.allToAllSeconds, 12);
  });

  it('crosses the 400 Gb/s NICs when the expert-parallel group outgrows an 8-GPU node (DP16 + EP16 on H800)', () => {
    const h800 = getXpu('h800');
    const work = countStepWork(v3, { dp: 16, ep: 16 }, {}, decodeBatch(256, 1024), h800);
    let none = 1;
    for (let i = 0; i < 8; i++) none *= (240 - i) / (256 - i);
    const buffer = 16 * 16 * (1 - none) * 7168 * 2;
    expect(work.allToAllSeconds).toBeCloseTo(116 * (8e-6 + ((15 / 16) * buffer) / 50e9), 12);
  });

  it('slices every expert over tp x dp devices without expert parallelism, so no device waits on a busier one', () => {
    const work = countStepWork(v3, { dp: 8 }, {}, decodeBatch(512, 4096), h200);
    // Each of the 8 devices computes 1/8 of each of the 4096 assignments and receives every token (an all-gather).
    expect(op(work, 'moe').flops).toBeCloseTo(58 * (2 * 4096 * (expertWhole / 8) + 2 * 64 * (shared + router)), -3);
    expect(work.allToAllBytes).toBeCloseTo(116 * 64 * 8 * 7168 * 2, 0);
  });
});
