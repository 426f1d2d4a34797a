import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { devicesPerInstance, kvHeadsPerDevice, validateParallelism } from './parallelism.ts';

describe('validateParallelism', () => {
  it('defaults every degree to 1', () => {
    expect(validateParallelism(getModel('llama-2-7b'), {})).toEqual({ tp: 1, pp: 1, ep: 1, dp: 1 });
  });

  it('refuses a tp that does not divide the attention heads, naming both', () => {
    expect(() => validateParallelism(getModel('llama-2-7b'), { tp: 3 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARALLELISM', message: expect.stringMatching(/tp=3 does not divide llama-2-7b's 32 attention heads/) }),
    );
  });

  it('refuses a tp where neither tp nor the KV heads divide the other (Qwen2.5-7B: 28 heads, 4 KV heads, tp=7)', () => {
    expect(() => validateParallelism(getModel('qwen2.5-7b'), { tp: 7 })).toThrow(/tp=7 and qwen2.5-7b's 4 KV heads/);
  });

  it('replicates KV heads when tp exceeds them, as vLLM does (Llama-3.1-70B: 8 KV heads at tp=16)', () => {
    const model = getModel('llama-3.1-70b');
    expect(validateParallelism(model, { tp: 16 }).tp).toBe(16);
    expect(kvHeadsPerDevice(model, 16)).toBe(1);
    expect(kvHeadsPerDevice(model, 4)).toBe(2);
  });

  it('refuses more pipeline stages than layers and expert parallelism on a dense model', () => {
    expect(() => validateParallelism(getModel('llama-2-70b'), { pp: 81 })).toThrow(/pp=81 exceeds llama-2-70b's 80 layers/);
    expect(() => validateParallelism(getModel('llama-2-70b'), { tp: 2, ep: 2 })).toThrow(/ep=2 needs a mixture-of-experts model/);
    expect(validateParallelism(getModel('mixtral-8x7b'), { tp: 4, ep: 4 }).ep).toBe(4);
  });

  it('names the field of a degree that is not a positive integer', () => {
    expect(() => validateParallelism(getModel('llama-2-7b'), { tp: 0 })).toThrow(/invalid parallelism: tp:/);
    expect(() => validateParallelism(getModel('llama-2-7b'), { pp: 1.5 })).toThrow(/pp:/);
  });

  it('counts tp x pp x dp devices per instance: a MoE model\'s data-parallel ranks are one engine group', () => {
    expect(devicesPerInstance({ tp: 4, pp: 2, ep: 1, dp: 3 })).toBe(24);
  });

  it('spreads experts over the tp x dp devices: ep must divide them and the experts; dp needs a MoE model', () => {
    const v3 = getModel('deepseek-v3');
    expect(validateParallelism(v3, { dp: 8, ep: 8 })).toEqual({ tp: 1, pp: 1, dp: 8, ep: 8 });
    expect(validateParallelism(v3, { tp: 2, dp: 4, ep: 4 }).ep).toBe(4);
    expect(() => validateParallelism(v3, { tp: 2, dp: 2, ep: 8 })).toThrow(/ep=8 does not divide the tp x dp = 4 devices/);
    expect(() => validateParallelism(getModel('mixtral-8x7b'), { dp: 16, ep: 16 })).toThrow(/ep=16 does not divide mixtral-8x7b's 8 experts/);
    expect(() => validateParallelism(getModel('llama-3.1-8b'), { dp: 2 })).toThrow(/dp=2 couples data-parallel ranks of a mixture-of-experts model; llama-3.1-8b is dense/);
  });
});
