import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { assertFits, planMemory } from './memory-plan.ts';
import { getXpu } from './xpu-catalog.ts';

describe('planMemory', () => {
  it('refuses Llama-3.1-70B in bf16 on one H100 and says how much it needs and has', () => {
    const plan = planMemory({ model: getModel('llama-3.1-70b'), xpu: getXpu('h100') });
    expect(plan.fits).toBe(false);
    expect(plan.weightBytesPerDevice / 1e9).toBeCloseTo(141.1, 0);
    expect(() => assertFits(plan)).toThrow(/llama-3.1-70b does not fit on h100-sxm at tp=1 pp=1: it needs 14\d\.\d GB .* but has 76\.4 GB .*try --tp 4/);
  });
  it('says when the weights alone exceed the device: Llama-3.1-405B needs 811.7 GB on one H100, so tp=16', () => {
    const plan = planMemory({ model: getModel('llama-3.1-405b'), xpu: getXpu('h100-sxm') });
    expect(plan.weightBytesPerDevice).toBe(405_853_388_800 * 2);
    expect(() => assertFits(plan)).toThrow(
      expect.objectContaining({
        code: 'DOES_NOT_FIT',
        message: expect.stringMatching(/it needs 811\.7 GB per device for weights alone but has 76\.4 GB \(84\.9 GB at gpu_memory_utilization 0\.9\); try --tp 16 or more/),
      }),
    );
    // fp8 weights halve it: eight H100s hold it then.
    assertFits(planMemory({ model: getModel('llama-3.1-405b'), xpu: getXpu('h100-sxm'), parallelism: { tp: 8 }, dtypes: { weights: 'fp8' } }));
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
});
