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

  it('counts tp x pp devices per instance (dp replicas are separate instances)', () => {
    expect(devicesPerInstance({ tp: 4, pp: 2, ep: 1, dp: 3 })).toBe(8);
  });
});
