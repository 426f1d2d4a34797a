import { deviceShard } from './device-shard.ts';
import { bytesPerElement, expertWeightDtype, unquantizedWeightBytes, type DtypeConfig } from './dtype.ts';
import { RooflineError } from './errors.ts';
import { isMla, modelDtypes, type ModelSpec } from './model-spec.ts';
import { describeParallelism, SINGLE_DEVICE, validateParallelism, type ParallelismSpec } from './parallelism.ts';
import type { XpuSpec } from './xpu-spec.ts';

/**
 * Memory that is neither weights, KV cache nor activations: the CUDA context, CUDA graphs, NCCL buffers.
 * vLLM measures it at start-up; 1 GiB is typical on a datacenter GPU.
 */
export const DEFAULT_RUNTIME_OVERHEAD_BYTES = 1024 ** 3;

/** What `planMemory` needs: the model, the xpu, the parallelism and precisions, and vLLM's memory settings. */
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
  /** Longest sequence (vLLM's `--max-model-len`, default the model's max_position_embeddings): sizes windowed layers' share. */
  readonly maxModelLen?: number;
  /** Tokens per KV-cache block (vLLM's `--block-size`, default 16): sizes `kvCacheBlocks`. */
  readonly blockSize?: number;
}

/** Where each device's memory goes (weights, activations, runtime overhead, KV cache) and how many tokens and blocks the KV cache holds. */
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
  /** Tokens the KV cache of one model instance holds (of all its data-parallel ranks, each holding its own). */
  readonly maxKvCacheTokens: number;
  /** Whole blocks of `blockSize` tokens in that cache: what a simulation takes as `kvCacheBlocksPerReplica`. */
  readonly kvCacheBlocks: number;
  readonly blockSize: number;
  readonly fits: boolean;
  readonly model: string;
  readonly xpu: string;
  readonly parallelism: ParallelismSpec;
  readonly gpuMemoryUtilization: number;
  readonly maxModelLen: number;
}

/**
 * Where device memory goes for one model instance: weights split as vLLM shards them (see deviceShard: tp splits
 * heads, MLPs and every expert, ep spreads whole experts, MLA's down-projections and the routers are replicated,
 * embeddings and lm_head are vocabulary-parallel) and by pp (the fullest stage counts), each tensor in its dtype
 * (experts in theirs; embeddings, norms and routers in 16 bits), activations of the largest step, runtime
 * overhead, and what is left for the KV cache.
 *
 * With data-parallel attention (dp > 1, MoE models) every rank holds the attention weights and its own KV cache, and
 * the routed experts are spread over all tp x dp devices: the instance's cache is dp times one device's.
 *
 * KV cache per token: MLA keeps one latent per token and layer, whole on every tp rank; ordinary attention keeps
 * its rank's KV heads. Sliding-window and chunked layers keep at most their window per sequence, so their share
 * of a token is priced at sequences of max_model_len: attentionWindow / maxModelLen of a full layer's.
 */
export function planMemory(options: MemoryPlanOptions): MemoryPlan {
  const { model, xpu } = options;
  const parallelism = validateParallelism(model, { ...SINGLE_DEVICE, ...options.parallelism });
  const dtypes = modelDtypes(model, options.dtypes);
  const utilization = options.gpuMemoryUtilization ?? 0.9;
  if (!(utilization > 0 && utilization <= 1)) {
    throw new RooflineError('INVALID_MEMORY_OPTIONS', `gpu_memory_utilization must be in (0, 1], got ${utilization}`);
  }
  const maxTokens = options.maxNumBatchedTokens ?? 8192;
  if (!(Number.isInteger(maxTokens) && maxTokens > 0)) {
    throw new RooflineError('INVALID_MEMORY_OPTIONS', `max_num_batched_tokens must be a positive integer, got ${maxTokens}`);
  }
  const maxModelLen = options.maxModelLen ?? model.maxPositionEmbeddings;
  if (!(Number.isInteger(maxModelLen) && maxModelLen > 0)) {
    throw new RooflineError('INVALID_MEMORY_OPTIONS', `max_model_len must be a positive integer, got ${maxModelLen}`);
  }
  const maxSeqs = options.maxNumSeqs ?? 256;
  const runtime = options.runtimeOverheadBytes ?? DEFAULT_RUNTIME_OVERHEAD_BYTES;
  const { tp, pp } = parallelism;
  const wb = bytesPerElement(dtypes.weights);
  const eb = bytesPerElement(expertWeightDtype(dtypes));
  const pb = unquantizedWeightBytes(dtypes);
  const ab = bytesPerElement(dtypes.activations);
  const kb = bytesPerElement(dtypes.kvCache);
  const shard = deviceShard(model, parallelism);
  const h = model.hiddenSize;

  const layersPerStage = Math.ceil(model.numLayers / pp);
  const common =
    (shard.qkvWeights + shard.kvUpWeights + shard.oWeights) * wb + (shard.attentionPlainWeights + model.normsPerLayer * h) * pb;
  const dense = common + shard.denseMlpWeights * wb;
  const moe =
    common +
    shard.expertsPerDevice * (shard.expertWeights * eb + shard.expertBiasWeights * pb) +
    shard.sharedExpertWeights * wb +
    shard.routerWeights * pb;
  // The fullest stage: as many MoE layers as it can get.
  const stageMoe = Math.min(layersPerStage, shard.moeLayers);
  const stageDense = layersPerStage - stageMoe;
  const stageLayerBytes = stageDense * dense + stageMoe * moe;
  const embedding = shard.vocabPerDevice * h;
  // The last stage holds the final norm and lm_head (a copy of the embedding when tied and pp > 1).
  const lastStage = (model.tieWordEmbeddings && pp === 1 ? 0 : embedding) + h;
  const edgeWeights = pp === 1 ? embedding + lastStage : Math.max(embedding, lastStage);
  const weightBytesPerDevice = stageLayerBytes + edgeWeights * pb;

  const qkvOut = shard.qOutPerToken + shard.kvElementsPerToken + (isMla(model) ? shard.qHeads * (model.qkNopeHeadDim + model.vHeadDim) : 0);
  const mlpOut = Math.max(shard.denseIntermediate, model.numExpertsPerToken * shard.expertIntermediate);
  // A few live tensors of the largest step (residual, normed input, qkv, gated MLP), and fp32 logits.
  const activationBytesPerDevice =
    maxTokens * (3 * h + qkvOut + 3 * mlpOut) * ab + (maxSeqs * model.vocabSize * 4) / tp;

  const stageShare = layersPerStage / model.numLayers;
  const windowShare = Math.min(1, model.attentionWindow / maxModelLen);
  const kvCacheBytesPerTokenPerDevice =
    shard.kvElementsPerToken * kb * stageShare * (shard.fullAttentionLayers + shard.windowedLayers * windowShare);
  const usableBytesPerDevice = xpu.memoryBytes * utilization;
  const requiredBytesPerDevice = weightBytesPerDevice + activationBytesPerDevice + runtime;
  const kvCacheBytesAvailablePerDevice = Math.max(0, usableBytesPerDevice - requiredBytesPerDevice);
  const maxKvCacheTokens = parallelism.dp * Math.floor(kvCacheBytesAvailablePerDevice / kvCacheBytesPerTokenPerDevice);
  const blockSize = options.blockSize ?? 16;
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
    kvCacheBlocks: Math.floor(maxKvCacheTokens / blockSize),
    blockSize,
    fits: maxKvCacheTokens > 0,
    model: model.name,
    xpu: xpu.name,
    parallelism,
    gpuMemoryUtilization: utilization,
    maxModelLen,
  };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/** Whether this layout is one vLLM accepts and the model then fits (with one request of max_model_len, when it is set). */
function fitsWith(options: MemoryPlanOptions, parallelism: ParallelismSpec): boolean {
  try {
    const plan = planMemory({ ...options, parallelism });
    return plan.fits && (options.maxModelLen === undefined || Math.ceil(plan.maxModelLen / plan.blockSize) <= rankBlocks(plan));
  } catch {
    return false;
  }
}

/** Devices per node that `--tp` stays within before a pipeline is the better way to spread a model. */
const DEVICES_PER_NODE = 8;
/** The largest tensor-parallel degree tried for a hint. */
const MAX_HINT_TP = 1024;

/**
 * A layout that fits, checked: the smallest larger `--tp` that divides the model's heads as vLLM requires
 * and leaves room for a KV cache, and, when that spans more than a node, the node's largest valid tp
 * with the fewest pipeline stages that fit. Nothing is suggested that would then be refused.
 */
export function suggestLayoutThatFits(options: MemoryPlanOptions): { tp?: number; tpWithPp?: { tp: number; pp: number } } {
  const current = { ...SINGLE_DEVICE, ...options.parallelism };
  const validTp = (tp: number) => {
    try {
      validateParallelism(options.model, { ...current, tp });
      return true;
    } catch {
      return false;
    }
  };
  let tp: number | undefined;
  for (let t = current.tp + 1; t <= MAX_HINT_TP && tp === undefined; t++) if (validTp(t) && fitsWith(options, { ...current, tp: t })) tp = t;
  if (tp !== undefined && tp <= DEVICES_PER_NODE) return { tp };
  let nodeTp = current.tp;
  for (let t = Math.max(DEVICES_PER_NODE, current.tp); t > current.tp; t--) {
    if (validTp(t)) {
      nodeTp = t;
      break;
    }
  }
  for (let pp = current.pp + 1; pp <= options.model.numLayers; pp++) {
    if (fitsWith(options, { ...current, tp: nodeTp, pp })) return { tp, tpWithPp: { tp: nodeTp, pp } };
  }
  return { tp };
}

/**
 * Throws DOES_NOT_FIT with how much memory is needed and how much there is. The message keeps one shape,
 * "<model> does not fit on <xpu> at tp=.. pp=..: it needs .. GB per device .. but has .. GB ..", which the
 * CLI's tests read. Given the options the plan was made with, the hint names a layout checked to fit.
 */
export function assertFits(plan: MemoryPlan, options?: MemoryPlanOptions): MemoryPlan {
  if (plan.fits) return plan;
  const { tp, pp } = plan.parallelism;
  const ratio = plan.requiredBytesPerDevice / plan.usableBytesPerDevice;
  let hint: string;
  if (ratio <= 1) hint = '; lower --max-num-batched-tokens or raise --gpu-memory-utilization';
  else if (options) {
    const found = suggestLayoutThatFits(options);
    const layouts = [
      found.tp !== undefined ? `--tp ${found.tp}` : undefined,
      found.tpWithPp ? `--tp ${found.tpWithPp.tp} --pp ${found.tpWithPp.pp}` : undefined,
    ].filter((l): l is string => l !== undefined);
    hint = layouts.length > 0 ? `; try ${layouts.join(' or ')}, or a larger xpu` : '; no tensor or pipeline split fits it: use a larger xpu';
  } else {
    // Without the options no layout can be checked, and an unchecked --tp may not divide the heads.
    hint = `; it needs about ${Math.ceil(tp * pp * ratio)} devices' memory: a larger --tp or --pp, or a larger xpu`;
  }
  const need =
    plan.weightBytesPerDevice > plan.usableBytesPerDevice
      ? `${gb(plan.weightBytesPerDevice)} per device for weights alone`
      : `${gb(plan.requiredBytesPerDevice)} per device (weights ${gb(plan.weightBytesPerDevice)}, ` +
        `activations ${gb(plan.activationBytesPerDevice)}, runtime ${gb(plan.runtimeOverheadBytes)}) plus KV cache`;
  throw new RooflineError(
    'DOES_NOT_FIT',
    `${plan.model} does not fit on ${plan.xpu} at ${describeParallelism(plan.parallelism)}: it needs ${need} but has ` +
      `${gb(plan.usableBytesPerDevice)} (${gb(plan.deviceMemoryBytes)} at gpu_memory_utilization ${plan.gpuMemoryUtilization})${hint}`,
  );
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);

/** KV-cache blocks one engine (one data-parallel rank) has, and the blocks one request of `tokens` takes. */
function rankBlocks(plan: MemoryPlan): number {
  return Math.floor(Math.floor(plan.kvCacheBytesAvailablePerDevice / plan.kvCacheBytesPerTokenPerDevice) / plan.blockSize);
}

/**
 * vLLM refuses to start when its KV cache cannot hold one request of max_model_len (v0.11
 * `vllm/v1/core/kv_cache_utils.py` `check_enough_kv_cache_memory`: the memory one max_model_len sequence
 * needs, in whole blocks, against the KV memory available), and says the longest that would fit
 * (`estimate_max_model_len`, a binary search on that same test). The same here, per engine (a
 * data-parallel rank holds its own requests), with the estimate and the flags that help: throws
 * DOES_NOT_FIT, or returns the plan.
 */
export function assertHoldsMaxModelLen(options: MemoryPlanOptions, plan: MemoryPlan = planMemory(options)): MemoryPlan {
  const fitsAt = (p: MemoryPlan) => Math.ceil(p.maxModelLen / p.blockSize) <= rankBlocks(p);
  if (fitsAt(plan)) return plan;
  let lo = 0;
  let hi = plan.maxModelLen;
  // The largest length that fits: windowed layers take a smaller share of each token at longer lengths, so
  // each candidate is planned again, as vLLM estimates it.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fitsAt(planMemory({ ...options, maxModelLen: mid }))) lo = mid;
    else hi = mid;
  }
  const needed = Math.ceil(plan.maxModelLen / plan.blockSize) * plan.blockSize * plan.kvCacheBytesPerTokenPerDevice;
  const estimate =
    lo > 0
      ? ` The longest that fits is ${lo} tokens: pass --max-model-len ${lo} or less, or raise --gpu-memory-utilization, or add devices (--tp).`
      : ' No length fits: raise --gpu-memory-utilization or add devices (--tp).';
  throw new RooflineError(
    'DOES_NOT_FIT',
    `${plan.model} on ${plan.xpu} at ${describeParallelism(plan.parallelism)}: one request of max_model_len ${plan.maxModelLen} needs ` +
      `${gib(needed)} GiB of KV cache per device, more than the ${gib(plan.kvCacheBytesAvailablePerDevice)} GiB left for it ` +
      `(${rankBlocks(plan)} blocks of ${plan.blockSize} tokens, gpu_memory_utilization ${plan.gpuMemoryUtilization}), and vLLM does not start with a KV cache that cannot hold one request of max_model_len.${estimate}`,
  );
}
