import { bytesPerElement, DEFAULT_DTYPES, type DtypeConfig } from './dtype.ts';
import { RooflineError } from './errors.ts';
import { attentionParameters, moeLayerCount, type ModelSpec } from './model-spec.ts';
import { kvHeadsPerDevice, SINGLE_DEVICE, validateParallelism, type ParallelismSpec } from './parallelism.ts';
import type { XpuSpec } from './xpu-spec.ts';

/**
 * Memory that is neither weights, KV cache nor activations: the CUDA context, CUDA graphs, NCCL buffers.
 * vLLM measures it at start-up; 1 GiB is typical on a datacenter GPU.
 */
export const DEFAULT_RUNTIME_OVERHEAD_BYTES = 1024 ** 3;

export interface MemoryPlanOptions {
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly parallelism?: Partial<ParallelismSpec>;
  readonly dtypes?: Partial<DtypeConfig>;
  /** Share of device memory vLLM may use (its `--gpu-memory-utilization`, default 0.9). */
  readonly gpuMemoryUtilization?: number;
  /** The largest step's token count, which sizes the activations (vLLM's `--max-num-batched-tokens`). */
  readonly maxNumBatchedTokens?: number;
  /** Sequences per step, which sizes the logits buffer (vLLM's `--max-num-seqs`). */
  readonly maxNumSeqs?: number;
  readonly runtimeOverheadBytes?: number;
}

export interface MemoryPlan {
  readonly deviceMemoryBytes: number;
  readonly usableBytesPerDevice: number;
  readonly weightBytesPerDevice: number;
  readonly activationBytesPerDevice: number;
  readonly runtimeOverheadBytes: number;
  /** Weights + activations + runtime: what must fit before any KV cache. */
  readonly requiredBytesPerDevice: number;
  readonly kvCacheBytesPerTokenPerDevice: number;
  readonly kvCacheBytesAvailablePerDevice: number;
  /** Tokens the KV cache of one model instance holds. */
  readonly maxKvCacheTokens: number;
  readonly fits: boolean;
  readonly model: string;
  readonly xpu: string;
  readonly parallelism: ParallelismSpec;
  readonly gpuMemoryUtilization: number;
}

/** Per-layer weights of a layer with a dense MLP and of one with routed experts, before any split. */
function layerWeights(model: ModelSpec): { dense: number; moe: number } {
  const h = model.hiddenSize;
  const common = attentionParameters(model) + 2 * h;
  const dense = common + 3 * h * model.intermediateSize;
  const shared = model.numSharedExperts > 0 ? 3 * h * model.sharedExpertIntermediateSize : 0;
  const moe = common + model.numExperts * 3 * h * model.moeIntermediateSize + shared + h * model.numExperts;
  return { dense, moe };
}

/**
 * Where device memory goes for one model instance: weights split by tp (vocabulary-parallel embeddings and
 * lm_head, every expert kept: ep spreads experts over the same tp group) and by pp (the fullest stage
 * counts), activations of the largest step, runtime overhead, and what is left for the KV cache.
 */
export function planMemory(options: MemoryPlanOptions): MemoryPlan {
  const { model, xpu } = options;
  const parallelism = validateParallelism(model, { ...SINGLE_DEVICE, ...options.parallelism });
  const dtypes = { ...DEFAULT_DTYPES, ...options.dtypes };
  const utilization = options.gpuMemoryUtilization ?? 0.9;
  if (!(utilization > 0 && utilization <= 1)) {
    throw new RooflineError('INVALID_MEMORY_OPTIONS', `gpu_memory_utilization must be in (0, 1], got ${utilization}`);
  }
  const maxTokens = options.maxNumBatchedTokens ?? 8192;
  if (!(Number.isInteger(maxTokens) && maxTokens > 0)) {
    throw new RooflineError('INVALID_MEMORY_OPTIONS', `max_num_batched_tokens must be a positive integer, got ${maxTokens}`);
  }
  const maxSeqs = options.maxNumSeqs ?? 256;
  const runtime = options.runtimeOverheadBytes ?? DEFAULT_RUNTIME_OVERHEAD_BYTES;
  const { tp, pp } = parallelism;
  const wb = bytesPerElement(dtypes.weights);
  const ab = bytesPerElement(dtypes.activations);
  const kb = bytesPerElement(dtypes.kvCache);

  const layersPerStage = Math.ceil(model.numLayers / pp);
  const moeLayers = moeLayerCount(model);
  const { dense, moe } = layerWeights(model);
  // The fullest stage: as many MoE layers as it can get.
  const stageMoe = Math.min(layersPerStage, moeLayers);
  const stageDense = layersPerStage - stageMoe;
  const kvHeads = kvHeadsPerDevice(model, tp);
  const kvReplicatedParams = (kvHeads * tp - model.numKeyValueHeads) * 2 * model.headDim * model.hiddenSize;
  const stageLayerWeights = (stageDense * dense + stageMoe * moe + layersPerStage * kvReplicatedParams) / tp;
  const embedding = (model.vocabSize * model.hiddenSize) / tp;
  // The last stage holds the final norm and lm_head (a copy of the embedding when tied and pp > 1).
  const lastStage = (model.tieWordEmbeddings && pp === 1 ? 0 : embedding) + model.hiddenSize;
  const edgeWeights = pp === 1 ? embedding + lastStage : Math.max(embedding, lastStage);
  const weightBytesPerDevice = (stageLayerWeights + edgeWeights) * wb;

  const qkvOut = ((model.numAttentionHeads / tp) + 2 * kvHeads) * model.headDim;
  const mlpOut = Math.max(model.intermediateSize, model.numExpertsPerToken * model.moeIntermediateSize) / tp;
  // A few live tensors of the largest step (residual, normed input, qkv, gated MLP), and fp32 logits.
  const activationBytesPerDevice =
    maxTokens * (3 * model.hiddenSize + qkvOut + 3 * mlpOut) * ab + (maxSeqs * model.vocabSize * 4) / tp;

  const kvCacheBytesPerTokenPerDevice = 2 * layersPerStage * kvHeads * model.headDim * kb;
  const usableBytesPerDevice = xpu.memoryBytes * utilization;
  const requiredBytesPerDevice = weightBytesPerDevice + activationBytesPerDevice + runtime;
  const kvCacheBytesAvailablePerDevice = Math.max(0, usableBytesPerDevice - requiredBytesPerDevice);
  const maxKvCacheTokens = Math.floor(kvCacheBytesAvailablePerDevice / kvCacheBytesPerTokenPerDevice);
  return {
    deviceMemoryBytes: xpu.memoryBytes,
    usableBytesPerDevice,
    weightBytesPerDevice,
    activationBytesPerDevice,
    runtimeOverheadBytes: runtime,
    requiredBytesPerDevice,
    kvCacheBytesPerTokenPerDevice,
    kvCacheBytesAvailablePerDevice,
    maxKvCacheTokens,
    fits: maxKvCacheTokens > 0,
    model: model.name,
    xpu: xpu.name,
    parallelism,
    gpuMemoryUtilization: utilization,
  };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/**
 * Throws DOES_NOT_FIT with how much memory is needed and how much there is. The message keeps one shape,
 * "<model> does not fit on <xpu> at tp=.. pp=..: it needs .. GB per device .. but has .. GB ..", which the
 * CLI's tests read.
 */
export function assertFits(plan: MemoryPlan): MemoryPlan {
  if (plan.fits) return plan;
  const { tp, pp } = plan.parallelism;
  const ratio = plan.requiredBytesPerDevice / plan.usableBytesPerDevice;
  // Weights and most activations shrink about linearly with tp, so the ratio says how far tp must grow.
  const hint =
    ratio > 1
      ? `; try --tp ${Math.min(2 ** Math.ceil(Math.log2(tp * ratio * 1.1)), 64)} or more, or a larger xpu`
      : '; lower --max-num-batched-tokens or raise --gpu-memory-utilization';
  const need =
    plan.weightBytesPerDevice > plan.usableBytesPerDevice
      ? `${gb(plan.weightBytesPerDevice)} per device for weights alone`
      : `${gb(plan.requiredBytesPerDevice)} per device (weights ${gb(plan.weightBytesPerDevice)}, ` +
        `activations ${gb(plan.activationBytesPerDevice)}, runtime ${gb(plan.runtimeOverheadBytes)}) plus KV cache`;
  throw new RooflineError(
    'DOES_NOT_FIT',
    `${plan.model} does not fit on ${plan.xpu} at tp=${tp} pp=${pp}: it needs ${need} but has ` +
      `${gb(plan.usableBytesPerDevice)} (${gb(plan.deviceMemoryBytes)} at gpu_memory_utilization ${plan.gpuMemoryUtilization})${hint}`,
  );
}
