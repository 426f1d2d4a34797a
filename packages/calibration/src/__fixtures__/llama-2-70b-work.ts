import type { AnnotatedPointInput } from '../annotated-point.ts';

/**
 * A hand count of one engine step of Llama-2-70B with tensor parallelism, per GPU, in 16-bit weights,
 * activations and KV cache: what the roofline will hand the estimator through the factory, approximated
 * here so that this package's tests need no other package of ours.
 *
 * Architecture from meta-llama/Llama-2-70b-hf config.json: hidden_size 8192, intermediate_size 28672,
 * num_attention_heads 64, num_key_value_heads 8 (head_dim 128), num_hidden_layers 80, vocab_size 32000.
 *
 * Counted per GPU (weights and heads split over the TP group), summed over the 80 layers:
 * - each projection reads its weights once per step and its input and output activations per token, and
 *   does 2 FLOPs per weight per token; the gated MLP has three matrices;
 * - attention: 4 * heads * head_dim FLOPs per (query, key) pair, causal pairs in prefill; the KV cache read
 *   for the whole context and written for the new tokens, Q read and the output written;
 * - lm_head for one token per sequence (vLLM computes logits for the last position only); the embedding as
 *   a gather of one row per token;
 * - communication: two ring all-reduces of tokens x hidden per layer, 2(tp-1)/tp of the bytes each at the
 *   link's per-direction bandwidth, plus a fixed latency each.
 * Norms, rotary embedding and residual adds are left out: a few bytes per element of activations.
 */
const HIDDEN = 8192;
const INTERMEDIATE = 28672;
const HEADS = 64;
const KV_HEADS = 8;
const HEAD_DIM = 128;
const LAYERS = 80;
const VOCAB = 32000;
const BYTES = 2;

export interface Interconnect {
  readonly tp: number;
  /** Per direction. */
  readonly linkBytesPerSecond: number;
  readonly linkLatencySeconds: number;
}

/**
 * NVLink per direction, from NVIDIA's datasheets: H100 SXM NVLink 4 900 GB/s and A100 SXM NVLink 3 600 GB/s
 * bidirectional. The 8 us per collective is an assumed latency (the figure the roofline's xpu catalog uses).
 */
export const H100_NVLINK = { linkBytesPerSecond: 450e9, linkLatencySeconds: 8e-6 } as const;
export const A100_NVLINK = { linkBytesPerSecond: 300e9, linkLatencySeconds: 8e-6 } as const;

export interface StepShape {
  readonly batchSize: number;
  /** New tokens each sequence computes this step: the prompt in prefill, 1 in decode. */
  readonly newTokens: number;
  /** Tokens already in each sequence's KV cache. */
  readonly cachedTokens: number;
}

export function weightBytesPerGpu(tp: number): number {
  const { qkv, o, mlp, lmHead } = weightsPerGpu(tp);
  return (LAYERS * (qkv + o + mlp) + lmHead) * BYTES;
}

function weightsPerGpu(tp: number) {
  const qOut = (HEADS / tp) * HEAD_DIM;
  const kvOut = (2 * KV_HEADS * HEAD_DIM) / tp;
  return {
    qOut,
    kvOut,
    qkv: HIDDEN * (qOut + kvOut),
    o: qOut * HIDDEN,
    mlpIntermediate: INTERMEDIATE / tp,
    mlp: (3 * HIDDEN * INTERMEDIATE) / tp,
    lmHead: (HIDDEN * VOCAB) / tp,
  };
}

export function llama2_70bStepWork(
  { batchSize: b, newTokens: n, cachedTokens: c }: StepShape,
  { tp, linkBytesPerSecond, linkLatencySeconds }: Interconnect,
): Pick<AnnotatedPointInput, 'operators' | 'communicationSeconds'> {
  const w = weightsPerGpu(tp);
  const tokens = b * n;
  // Query i (1-based) of a sequence attends to the c cached keys and the first i new ones.
  const pairs = b * n * (c + (n + 1) / 2);
  const linear = (weights: number, inPerToken: number, outPerToken: number) => ({
    flops: LAYERS * 2 * tokens * weights,
    bytes: LAYERS * (weights * BYTES + tokens * (inPerToken + outPerToken) * BYTES),
  });
  const allReduceBytes = tokens * HIDDEN * BYTES;
  return {
    operators: [
      { op: 'embedding', flops: 0, bytes: tokens * HIDDEN * BYTES * 2 },
      { op: 'qkv_proj', ...linear(w.qkv, HIDDEN, w.qOut + w.kvOut) },
      {
        op: 'attention',
        flops: LAYERS * 4 * w.qOut * pairs,
        bytes: LAYERS * (b * (c + n) * w.kvOut * BYTES + tokens * w.kvOut * BYTES + 2 * tokens * w.qOut * BYTES),
      },
      { op: 'o_proj', ...linear(w.o, w.qOut, HIDDEN) },
      { op: 'mlp', ...linear(w.mlp, 2 * HIDDEN, 3 * w.mlpIntermediate) },
      { op: 'lm_head', flops: 2 * b * w.lmHead, bytes: w.lmHead * BYTES + b * (HIDDEN + VOCAB / tp) * BYTES },
    ],
    communicationSeconds:
      tp > 1 ? 2 * LAYERS * ((((2 * (tp - 1)) / tp) * allReduceBytes) / linkBytesPerSecond + linkLatencySeconds) : 0,
  };
}
