import type { AnnotatedPointInput } from '../annotated-point.ts';

/**
 * A hand count of one engine step of Llama-2-70B at tensor parallel 4, per GPU, in bf16: what the roofline
 * will hand the estimator through the factory, approximated here so that this package's tests need no
 * other package of ours.
 *
 * Architecture from meta-llama/Llama-2-70b-hf config.json: hidden_size 8192, intermediate_size 28672,
 * num_attention_heads 64, num_key_value_heads 8 (head_dim 128), num_hidden_layers 80, vocab_size 32000.
 * Interconnect from NVIDIA's H100 SXM datasheet: NVLink 4, 900 GB/s bidirectional, so 450 GB/s a direction;
 * a fixed 8 us per collective is an assumed latency (the figure the roofline's xpu catalog uses).
 *
 * Counted per GPU (weights and heads split over TP 4), summed over the 80 layers:
 * - each projection reads its weights once per step and its input and output activations per token,
 *   2 FLOPs per weight per token; the gated MLP has three matrices;
 * - attention: 4 * heads * head_dim FLOPs per (query, key) pair, causal pairs in prefill; the KV cache read
 *   for the whole context and written for the new tokens, Q read and the output written;
 * - lm_head for one token per sequence (vLLM computes logits for the last position only), the embedding as
 *   a gather of one row per token;
 * - communication: two ring all-reduces of tokens x hidden per layer, 2(tp-1)/tp of the bytes each.
 * Norms, rotary embedding and residual adds are left out: a few bytes per element of activations.
 */
const HIDDEN = 8192;
const INTERMEDIATE = 28672;
const HEADS = 64;
const KV_HEADS = 8;
const HEAD_DIM = 128;
const LAYERS = 80;
const VOCAB = 32000;
const TP = 4;
const BYTES = 2;
const LINK_BYTES_PER_SECOND = 450e9;
const LINK_LATENCY_SECONDS = 8e-6;

const qHeads = HEADS / TP;
const kvHeads = KV_HEADS / TP;
const qkvOut = (qHeads + 2 * kvHeads) * HEAD_DIM;
const qkvWeights = HIDDEN * qkvOut;
const oWeights = qHeads * HEAD_DIM * HIDDEN;
const mlpIntermediate = INTERMEDIATE / TP;
const mlpWeights = 3 * HIDDEN * mlpIntermediate;
const lmHeadWeights = HIDDEN * (VOCAB / TP);

export interface StepShape {
  readonly batchSize: number;
  /** New tokens each sequence computes this step: the prompt in prefill, 1 in decode. */
  readonly newTokens: number;
  /** Tokens already in each sequence's KV cache. */
  readonly cachedTokens: number;
}

export function llama2_70bTp4StepWork({ batchSize: b, newTokens: n, cachedTokens: c }: StepShape): Pick<AnnotatedPointInput, 'operators' | 'communicationSeconds'> {
  const tokens = b * n;
  // Query i (1-based) of a sequence attends to the c cached keys and the first i new ones.
  const pairs = b * n * (c + (n + 1) / 2);
  const kvBytesPerToken = 2 * kvHeads * HEAD_DIM * BYTES;
  const linear = (weights: number, inPerToken: number, outPerToken: number) => ({
    flops: LAYERS * 2 * tokens * weights,
    bytes: LAYERS * (weights * BYTES + tokens * (inPerToken + outPerToken) * BYTES),
  });
  const allReduceBytes = tokens * HIDDEN * BYTES;
  return {
    operators: [
      { op: 'embedding', flops: 0, bytes: tokens * HIDDEN * BYTES * 2 },
      { op: 'qkv_proj', ...linear(qkvWeights, HIDDEN, qkvOut) },
      {
        op: 'attention',
        flops: LAYERS * 4 * qHeads * HEAD_DIM * pairs,
        bytes: LAYERS * (b * (c + n) * kvBytesPerToken + tokens * kvBytesPerToken + 2 * tokens * qHeads * HEAD_DIM * BYTES),
      },
      { op: 'o_proj', ...linear(oWeights, qHeads * HEAD_DIM, HIDDEN) },
      { op: 'mlp', ...linear(mlpWeights, 2 * HIDDEN, 3 * mlpIntermediate) },
      {
        op: 'lm_head',
        flops: 2 * b * lmHeadWeights,
        bytes: lmHeadWeights * BYTES + b * (HIDDEN + VOCAB / TP) * BYTES,
      },
    ],
    communicationSeconds: 2 * LAYERS * (((2 * (TP - 1)) / TP) * allReduceBytes / LINK_BYTES_PER_SECOND + LINK_LATENCY_SECONDS),
  };
}

/** Weights one GPU holds and reads each step: 68.7e9 parameters of the layers and lm_head over 4 GPUs. */
export const WEIGHT_BYTES_PER_GPU = (LAYERS * (qkvWeights + oWeights + mlpWeights) + lmHeadWeights) * BYTES;
