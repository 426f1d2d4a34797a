import { describe, expect, it } from 'vitest';
import { getModel } from './model-catalog.ts';
import { kvCacheDtype, quantizationDtypes } from './quantization.ts';
import { RooflinePerformanceModel } from './roofline-model.ts';
import { getXpu } from './xpu-catalog.ts';

const prefillMs = (dtypes: object) =>
  new RooflinePerformanceModel({ model: getModel('llama-3.1-8b'), xpu: getXpu('h100'), dtypes }).prefillTime(1, 2048).totalSeconds * 1e3;

describe("vLLM's fp8 quantisation", () => {
  it('is W8A8 on Hopper: a 2048-token Llama-3.1-8B prefill on an H100 takes about half the bf16 time, not the same', () => {
    const h100 = getXpu('h100');
    const bf16 = prefillMs({});
    const w8a8 = prefillMs(quantizationDtypes('fp8', h100));
    expect(quantizationDtypes('fp8', h100)).toEqual({ weights: 'fp8', activations: 'fp8' });
    expect(bf16).toBeCloseTo(31.0, 1);
    // Weight-only fp8 (all that --weight-dtype fp8 priced) barely helps a compute-bound prefill.
    expect(prefillMs({ weights: 'fp8' })).toBeGreaterThan(30.5);
    expect(w8a8).toBeGreaterThan(15.5);
    expect(w8a8).toBeLessThan(17.5);
  });

  it('keeps lm_head, embeddings and attention in 16 bits: they run at the bf16 peak under W8A8', () => {
    const model = new RooflinePerformanceModel({ model: getModel('llama-3.1-8b'), xpu: getXpu('h100'), dtypes: { weights: 'fp8', activations: 'fp8' } });
    const bf16 = new RooflinePerformanceModel({ model: getModel('llama-3.1-8b'), xpu: getXpu('h100') });
    const op = (m: RooflinePerformanceModel, name: string) => m.prefillTime(1, 2048).breakdown.find((o) => o.op === name)!;
    // lm_head reads 16-bit weights and computes at the bf16 rate: the same time as in bf16.
    expect(op(model, 'lm_head').seconds / op(bf16, 'lm_head').seconds).toBeCloseTo(1, 3);
    expect(op(model, 'attention').seconds / op(bf16, 'attention').seconds).toBeCloseTo(1, 3);
    // The MLP runs on the fp8 tensor cores: twice the rate.
    expect(op(model, 'mlp').seconds / op(bf16, 'mlp').seconds).toBeCloseTo(0.5, 3);
  });

  it('falls back to weight-only fp8 (Marlin, W8A16) on an A100, which has no fp8 tensor cores', () => {
    expect(quantizationDtypes('fp8', getXpu('a100'))).toEqual({ weights: 'fp8', activations: 'bf16' });
    expect(quantizationDtypes('awq', getXpu('h100'))).toEqual({ weights: 'int4', activations: 'bf16' });
  });

  it("reads vLLM's --kv-cache-dtype names and refuses an int8 KV cache, which vLLM does not run", () => {
    expect(kvCacheDtype('fp8_e4m3')).toBe('fp8');
    expect(kvCacheDtype('fp8_e5m2')).toBe('fp8');
    expect(kvCacheDtype('auto', 'bf16')).toBe('bf16');
    expect(() => kvCacheDtype('int8')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_DTYPE', message: expect.stringMatching(/kv_cache_dtype 'int8' is not one vLLM runs/) }));
  });
});
