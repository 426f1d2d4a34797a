import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { kvCacheBytesForContext } from './model-spec.ts';
import { assertFits, assertHoldsMaxModelLen, planMemory } from './memory-plan.ts';
import { getXpu } from './xpu-catalog.ts';

describe('planMemory', () => {
  it('refuses Llama-3.1-70B in bf16 on one H100 and says how much it needs and has', () => {
    const options = { model: getModel('llama-3.1-70b'), xpu: getXpu('h100') };
    const plan = planMemory(options);
    expect(plan.fits).toBe(false);
    expect(plan.weightBytesPerDevice / 1e9).toBeCloseTo(141.1, 0);
    // 70.5 GB of weights per device at tp=2 still leave a few GB of KV cache on an 80 GB H100.
    expect(() => assertFits(plan, options)).toThrow(/llama-3.1-70b does not fit on h100-sxm at tp=1 pp=1: it needs 14\d\.\d GB .* but has 76\.4 GB .*; try --tp 2, or a larger xpu$/);
    expect(planMemory({ ...options, parallelism: { tp: 2 } }).fits).toBe(true);
  });
  it('says when the weights alone exceed the device: Llama-3.1-405B needs 811.7 GB on one H100, so tp=16', () => {
    const options = { model: getModel('llama-3.1-405b'), xpu: getXpu('h100-sxm') };
    const plan = planMemory(options);
    expect(plan.weightBytesPerDevice).toBe(405_853_388_800 * 2);
    // tp=11..15 would hold the weights but do not divide the 128 heads; past a node of 8, a pipeline is the other way.
    expect(() => assertFits(plan, options)).toThrow(
      expect.objectContaining({
        code: 'DOES_NOT_FIT',
        message: expect.stringMatching(/it needs 811\.7 GB per device for weights alone but has 76\.4 GB \(84\.9 GB at gpu_memory_utilization 0\.9\); try --tp 16 or --tp 8 --pp 2, or a larger xpu$/),
      }),
    );
    // fp8 weights halve it: eight H100s hold it then.
    assertFits(planMemory({ model: getModel('llama-3.1-405b'), xpu: getXpu('h100-sxm'), parallelism: { tp: 8 }, dtypes: { weights: 'fp8' } }));
  });
  it.each([
    ['llama-4-maverick', 'h100'],
    ['llama-4-maverick', 'l4'],
    ['kimi-k2', 'tpu-v5e'],
    ['llama-2-13b', 'l4'],
    ['qwen2.5-7b', 'tpu-v5e'],
    ['mixtral-8x22b', 'a100-40gb'],
  ])("suggests only layouts that %s then runs with on %s: valid for its heads, and fitting", (name, xpuName) => {
    const options = { model: getModel(name), xpu: getXpu(xpuName) };
    let message = '';
    try {
      assertFits(planMemory(options), options);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/does not fit/);
    const suggested = [...message.matchAll(/--tp (\d+)(?: --pp (\d+))?/g)].map((m) => ({ tp: Number(m[1]), pp: Number(m[2] ?? 1) }));
    expect(suggested.length, message).toBeGreaterThan(0);
    // Each one is accepted (heads divide) and fits: the case was Llama-4-Maverick's 40 heads told "try --tp 16".
    for (const parallelism of suggested) expect(planMemory({ ...options, parallelism }).fits, `${message} -> ${JSON.stringify(parallelism)}`).toBe(true);
  });

  it('fits Llama-3.1-70B at tp=4 on H100 with room for hundreds of thousands of KV tokens', () => {
    const plan = assertFits(planMemory({ model: getModel('llama-3.1-70b'), xpu: getXpu('h100'), parallelism: { tp: 4 } }));
    expect(plan.weightBytesPerDevice / 1e9).toBeCloseTo(141.1 / 4, 0);
    expect(plan.kvCacheBytesPerTokenPerDevice).toBe(327_680 / 4);
    expect(plan.maxKvCacheTokens).toBeGreaterThan(300_000);
  });
  it('sizes the KV cache from the 79.1 GiB an "80 GB" H100 reports: Llama-3.1-8B gets 27,736 blocks of 16 tokens', () => {
    const plan = planMemory({ model: getModel('llama-3.1-8b'), xpu: getXpu('h100') });
    // vLLM multiplies the total CUDA reports (85.0e9 bytes), not the spec sheet's 80e9: 0.9 x 79.1 GiB = 76.4 GB.
    expect(plan.deviceMemoryBytes).toBeCloseTo(79.1 * 1024 ** 3, -3);
    expect(plan.usableBytesPerDevice / 1e9).toBeCloseTo(76.44, 2);
    // 80e9 gave 25,619 blocks, 8% too few.
    expect(Math.floor(plan.maxKvCacheTokens / 16)).toBe(27_736);
    // Handed over as blocks, so that a simulation takes it as it is (vLLM's 16-token blocks by default).
    expect(plan.kvCacheBlocks).toBe(27_736);
    expect(planMemory({ model: getModel('llama-3.1-8b'), xpu: getXpu('h100'), blockSize: 32 }).kvCacheBlocks).toBe(Math.floor(plan.maxKvCacheTokens / 32));
  });
  it('fits Llama-2-7B on a GB10 (128 GB unified memory)', () => {
    const plan = assertFits(planMemory({ model: getModel('llama-7b'), xpu: getXpu('gb10') }));
    expect(plan.maxKvCacheTokens).toBeGreaterThan(150_000);
  });
  it('keeps every Mixtral expert in memory although a token reads two', () => {
    const plan = planMemory({ model: getModel('mixtral-8x7b'), xpu: getXpu('h100'), parallelism: { tp: 2 } });
    expect(plan.weightBytesPerDevice / 1e9).toBeCloseTo((46.7 * 2) / 2, 0);
  });
  it('needs room for all of Mixtral-8x22B\'s experts: not on one MI300X (192 GB), yes on two', () => {
    expect(planMemory({ model: getModel('mixtral-8x22b'), xpu: getXpu('mi300x') }).fits).toBe(false);
    const tp2 = assertFits(planMemory({ model: getModel('mixtral-8x22b'), xpu: getXpu('mi300x'), parallelism: { tp: 2 } }));
    expect(tp2.weightBytesPerDevice / 1e9).toBeCloseTo(140.6, 0);
  });
  it('refuses a gpu_memory_utilization outside (0, 1]', () => {
    expect(() => planMemory({ model: getModel('llama-7b'), xpu: getXpu('h100'), gpuMemoryUtilization: 1.2 })).toThrow(/gpu_memory_utilization/);
  });
  it('splits layers over pipeline stages', () => {
    const pp1 = planMemory({ model: getModel('llama-2-70b'), xpu: getXpu('a100-80gb'), parallelism: { tp: 2 } });
    const pp2 = planMemory({ model: getModel('llama-2-70b'), xpu: getXpu('a100-80gb'), parallelism: { tp: 2, pp: 2 } });
    expect(pp2.kvCacheBytesPerTokenPerDevice).toBe(pp1.kvCacheBytesPerTokenPerDevice / 2);
    expect(pp2.weightBytesPerDevice).toBeLessThan(pp1.weightBytesPerDevice * 0.51);
  });

  it('holds DeepSeek-V3 at tp=8 on H200 in fp8: 85.1 GB of weights and a 70,272-byte latent per token on every rank', () => {
    const plan = assertFits(planMemory({ model: getModel('deepseek-v3'), xpu: getXpu('h200'), parallelism: { tp: 8 } }));
    // Per layer and rank, fp8 (1 byte): q_a + kv_a whole, q_b, kv_b and o_proj split by 8; bf16 norms (2 bytes).
    const attention = 7168 * 1536 + 7168 * 576 + (1536 * 128 * 192 + 512 * 128 * 256 + 128 * 128 * 7168) / 8 + (1536 + 512 + 2 * 7168) * 2;
    const dense = attention + (3 * 7168 * 18432) / 8;
    // 256 experts (each sliced by 8) and the shared one in fp8, the router and its bias in bf16.
    const moe = attention + 257 * ((3 * 7168 * 2048) / 8) + (256 * 7168 + 256) * 2;
    const edges = ((2 * 129280 * 7168) / 8 + 7168) * 2;
    expect(plan.weightBytesPerDevice).toBe(3 * dense + 58 * moe + edges);
    expect(plan.weightBytesPerDevice / 1e9).toBeCloseTo(85.1, 1);
    // MLA's cache is not sharded over tp: each rank keeps all 61 layers x (512 + 64) bf16 per token.
    expect(plan.kvCacheBytesPerTokenPerDevice).toBe(61 * 576 * 2);
  });
  it('holds DeepSeek-V3 as DP8 + EP8 on H200: attention whole on every rank, 32 whole experts each, eight separate latent caches', () => {
    const model = getModel('deepseek-v3');
    const h200 = getXpu('h200');
    const plan = assertFits(planMemory({ model, xpu: h200, parallelism: { dp: 8, ep: 8 } }));
    // tp=1 inside each rank: every attention weight whole (fp8), norms bf16.
    const attention = 7168 * 1536 + 7168 * 576 + 1536 * 128 * 192 + 512 * 128 * 256 + 128 * 128 * 7168 + (1536 + 512 + 2 * 7168) * 2;
    const dense = attention + 3 * 7168 * 18432;
    // 256 / 8 = 32 routed experts whole, the shared expert whole, the router in bf16.
    const moe = attention + 33 * 3 * 7168 * 2048 + (256 * 7168 + 256) * 2;
    const edges = (2 * 129280 * 7168 + 7168) * 2;
    expect(plan.weightBytesPerDevice).toBe(3 * dense + 58 * moe + edges);
    expect(plan.weightBytesPerDevice / 1e9).toBeCloseTo(100.8, 1);
    // Each rank keeps the latents of its own sequences: the instance holds 8 devices' worth.
    expect(plan.kvCacheBytesPerTokenPerDevice).toBe(61 * 576 * 2);
    const perDevice = Math.floor(plan.kvCacheBytesAvailablePerDevice / (61 * 576 * 2));
    expect(plan.maxKvCacheTokens).toBe(8 * perDevice);
    // Against tp=8, whose ranks all keep the same latents: DP8 holds 4.5 times the tokens although each device holds more weights.
    const tp8 = planMemory({ model, xpu: h200, parallelism: { tp: 8 } });
    expect(plan.maxKvCacheTokens / tp8.maxKvCacheTokens).toBeCloseTo(4.52, 2);
  });
  it('fits gpt-oss-120b on one H100 with MXFP4 experts (the 60.8 GiB checkpoint) and not in bf16', () => {
    const model = getModel('gpt-oss-120b');
    const mxfp4 = assertFits(planMemory({ model, xpu: getXpu('h100') }));
    // The model card's checkpoint is 60.8 GiB: MXFP4 expert matrices, everything else bf16.
    expect(mxfp4.weightBytesPerDevice / 1024 ** 3).toBeCloseTo(60.8, 1);
    const bf16 = planMemory({ model, xpu: getXpu('h100'), dtypes: { weights: 'bf16' } });
    expect(bf16.fits).toBe(false);
    expect(bf16.weightBytesPerDevice / 1e9).toBeCloseTo(233.7, 1);
  });
  it('keeps Gemma 3\'s local layers to their 1024-token window: KV at 32k is the global layers\' full context plus the windows', () => {
    const gemma = getModel('gemma-3-27b');
    // 16 KV heads x 128 x (K and V) x bf16 per token and layer; 10 global layers hold 32,768 tokens, 52 local hold 1,024.
    const perTokenLayer = 2 * 16 * 128 * 2;
    expect(kvCacheBytesForContext(gemma, 32768)).toBe(perTokenLayer * (10 * 32768 + 52 * 1024));
    expect(kvCacheBytesForContext(gemma, 32768) / 2 ** 30).toBeCloseTo(2.906, 3);
    expect(kvCacheBytesForContext(gemma, 512)).toBe(perTokenLayer * 62 * 512);
    // The plan prices a token at sequences of max_model_len: at 32k the local layers add 52/32 of a layer.
    const plan = planMemory({ model: gemma, xpu: getXpu('h100'), maxModelLen: 32768 });
    expect(plan.kvCacheBytesPerTokenPerDevice).toBe(perTokenLayer * (10 + 52 * (1024 / 32768)));
  });
});

describe('assertHoldsMaxModelLen (vLLM check_enough_kv_cache_memory)', () => {
  const tp2 = { model: getModel('llama-3.1-70b'), xpu: getXpu('h100'), parallelism: { tp: 2 }, maxNumSeqs: 1024 } as const;

  it("refuses Llama-3.1-70B at tp=2 on H100 at its 131,072-token maximum, naming the GiB needed and left and the longest that fits", () => {
    const plan = assertFits(planMemory(tp2));
    // 320 KiB of KV a token over 80 layers, half on each device: 131072 tokens need 20 GiB per device.
    expect(plan.kvCacheBytesPerTokenPerDevice * 131_072).toBe(20 * 2 ** 30);
    const blocks = Math.floor(Math.floor(plan.kvCacheBytesAvailablePerDevice / plan.kvCacheBytesPerTokenPerDevice) / 16);
    expect(blocks * 16).toBeLessThan(131_072);
    expect(() => assertHoldsMaxModelLen(tp2, plan)).toThrow(
      expect.objectContaining({
        code: 'DOES_NOT_FIT',
        message: expect.stringMatching(
          new RegExp(
            `^llama-3\\.1-70b on h100-sxm at tp=2 pp=1: one request of max_model_len 131072 needs 20\\.00 GiB of KV cache per device, more than the \\d\\.\\d\\d GiB left for it \\(${blocks} blocks of 16 tokens, gpu_memory_utilization 0\\.9\\).* The longest that fits is ${blocks * 16} tokens: pass --max-model-len ${blocks * 16} or less`,
          ),
        ),
      }),
    );
    // The suggested length is accepted, one block more is not.
    expect(() => assertHoldsMaxModelLen({ ...tp2, maxModelLen: blocks * 16 })).not.toThrow();
    expect(() => assertHoldsMaxModelLen({ ...tp2, maxModelLen: blocks * 16 + 1 })).toThrow(/The longest that fits is/);
  });

  it('accepts what holds one max_model_len request: Llama-3.1-8B on an H100 at 131,072 tokens', () => {
    const options = { model: getModel('llama-3.1-8b'), xpu: getXpu('h100') };
    expect(assertHoldsMaxModelLen(options).maxModelLen).toBe(131_072);
  });
});
