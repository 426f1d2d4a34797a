import * as z from 'zod/mini';

/** Every numeric precision the roofline prices, from fp32 down to MXFP4. */
export const DTYPES = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4', 'mxfp4'] as const;
/** Validates a precision name (one of `DTYPES`). */
export const DtypeSchema = z.enum(DTYPES);
/** A numeric precision (one of `DTYPES`). */
export type Dtype = z.infer<typeof DtypeSchema>;

const BYTES_PER_ELEMENT: Record<Dtype, number> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  int4: 0.5,
  fp4: 0.5,
  // OCP Microscaling FP4: 4-bit elements plus one 8-bit (E8M0) scale per block of 32, 4.25 bits each.
  mxfp4: 0.5 + 1 / 32,
};

/** Bytes one element occupies in this precision (0.5 for 4-bit formats; MXFP4 includes its shared scales). */
export function bytesPerElement(dtype: Dtype): number {
  return BYTES_PER_ELEMENT[dtype];
}

/** Weights, activations and KV cache are stored in their own dtypes (e.g. int4 weights, bf16 math, fp8 KV). */
export const DtypeConfigSchema = z.object({
  weights: z._default(DtypeSchema, 'bf16'),
  activations: z._default(DtypeSchema, 'bf16'),
  kvCache: z._default(DtypeSchema, 'bf16'),
  /** Routed experts' weights when they differ from the rest (gpt-oss: MXFP4 experts, bf16 attention). */
  experts: z.optional(DtypeSchema),
});
/** The precisions of a deployment: weights, activations (the tensor-core math), KV cache, and optionally expert weights apart. */
export type DtypeConfig = z.infer<typeof DtypeConfigSchema>;

/** bf16 everywhere, as vLLM serves an unquantised model. */
export const DEFAULT_DTYPES: DtypeConfig = { weights: 'bf16', activations: 'bf16', kvCache: 'bf16' };

/**
 * The dtype whose tensor-core peak prices a matmul: weight-only quantisation (int4/fp4 weights with bf16
 * activations) still computes in the activation dtype, so the slower of the two sets the rate.
 */
export function computeDtype(dtypes: DtypeConfig): Dtype {
  const order: Dtype[] = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'fp4', 'mxfp4', 'int4'];
  const rank = (d: Dtype) => order.indexOf(d);
  return rank(dtypes.weights) < rank(dtypes.activations) ? dtypes.weights : dtypes.activations;
}

/**
 * The dtype the operators quantisation leaves alone compute in (attention, embeddings, norms, lm_head):
 * vLLM's W8A8 fp8 quantises the linear layers' inputs, not these, which stay in the 16-bit model dtype.
 */
export function unquantizedComputeDtype(dtypes: DtypeConfig): Dtype {
  return dtypes.activations === 'fp16' || dtypes.activations === 'fp32' ? dtypes.activations : 'bf16';
}

/** The routed experts' weight dtype: their own when set, else the weights'. */
export function expertWeightDtype(dtypes: DtypeConfig): Dtype {
  return dtypes.experts ?? dtypes.weights;
}

/**
 * Bytes per element of the weights quantisation leaves alone: embeddings, lm_head, norms and routers stay in
 * 16 bits in vLLM's fp8/int4/MXFP4 checkpoints (they are only as wide as the weights when those are wider).
 */
export function unquantizedWeightBytes(dtypes: DtypeConfig): number {
  return Math.max(2, bytesPerElement(dtypes.weights));
}
