import type { Dtype, DtypeConfig } from './dtype.ts';
import { RooflineError } from './errors.ts';
import type { XpuSpec } from './xpu-spec.ts';

/** vLLM's `--quantization` methods the roofline prices (`none`: the checkpoint's 16-bit weights). */
export const QUANTIZATIONS = ['none', 'fp8', 'awq', 'gptq'] as const;
/** A quantisation method as vLLM's `--quantization` names it. */
export type Quantization = (typeof QUANTIZATIONS)[number];

/**
 * The dtypes a vLLM quantisation method runs in on `xpu`. `fp8` is W8A8: fp8 weights and per-token fp8
 * activations on the fp8 tensor cores (Hopper, Ada, Blackwell, MI300), lm_head and embeddings left in
 * 16 bits; on a GPU without fp8 tensor cores (A100) vLLM runs the same checkpoint weight-only through
 * its Marlin kernels (W8A16). `awq` and `gptq` are 4-bit weights with 16-bit activations (W4A16).
 */
export function quantizationDtypes(quantization: Quantization, xpu: XpuSpec): Partial<DtypeConfig> {
  switch (quantization) {
    case 'none':
      return {};
    case 'fp8':
      return { weights: 'fp8', activations: xpu.peakFlopsPerSecond.fp8 !== undefined ? 'fp8' : 'bf16' };
    case 'awq':
    case 'gptq':
      return { weights: 'int4', activations: 'bf16' };
  }
}

/** vLLM's `--kv-cache-dtype` values, and the two explicit 16-bit dtypes the simulator also accepts. */
export const KV_CACHE_DTYPES = ['auto', 'fp8', 'fp8_e4m3', 'fp8_e5m2', 'bf16', 'fp16'] as const;
/** A KV-cache precision as vLLM's `--kv-cache-dtype` names it. */
export type KvCacheDtypeName = (typeof KV_CACHE_DTYPES)[number];

/**
 * The KV-cache dtype of a vLLM `--kv-cache-dtype` value: `auto` is the model's dtype, every fp8 variant
 * is one byte. vLLM has no integer KV cache, so `int8` (and anything else) is refused.
 */
export function kvCacheDtype(name: string, modelDtype: Dtype = 'bf16'): Dtype {
  switch (name) {
    case 'auto':
      return modelDtype;
    case 'fp8':
    case 'fp8_e4m3':
    case 'fp8_e5m2':
      return 'fp8';
    case 'bf16':
    case 'fp16':
      return name;
    default:
      throw new RooflineError(
        'UNSUPPORTED_DTYPE',
        `kv_cache_dtype '${name}' is not one vLLM runs; it takes ${KV_CACHE_DTYPES.join(', ')} (no integer KV cache)`,
      );
  }
}
