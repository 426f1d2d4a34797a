import { assertFits, assertHoldsMaxModelLen, planMemory, quantizationDtypes, type DtypeConfig, type MemoryPlan, type ModelSpec, type ParallelismSpec, type RooflinePerformanceModel, type XpuSpec } from '@llm-sim/roofline';
import { vllmBatchDefaults, type SchedulerConfig } from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { resolveParallelLayout } from './parallel-layout.ts';
import { createPerformanceModel } from './performance-model.ts';
import { resolveXpu } from './specs.ts';

/** One pool's hardware and parallelism. */
export interface PoolLayout {
  readonly xpu: string;
  readonly tp: number;
  readonly pp: number;
}

/** One pool wired for simulation: hardware, parallelism, performance model, memory plan and KV cache blocks. */
export interface PoolSetup {
  readonly xpu: XpuSpec;
  readonly tp: number;
  readonly pp: number;
  /** The whole layout of one instance (dp > 1 only for a MoE model's data-parallel engine group). */
  readonly parallelism: ParallelismSpec;
  /** Independent replicas the data-parallel size adds to each instance: dp for a dense model, else 1. */
  readonly dataParallelReplicas: number;
  readonly performanceModel: RooflinePerformanceModel;
  readonly memoryPlan: MemoryPlan;
  readonly kvCacheBlocks: number;
  /**
   * The engine options this pool runs with: the config's, vLLM's per-device defaults where it is silent. With
   * data-parallel ranks in one instance every rank schedules its own max_num_seqs and max_num_batched_tokens, so
   * the instance's are dp times a rank's.
   */
  readonly scheduler: SchedulerConfig;
}

/**
 * The engine options of a pool on `xpu`, resolved as `vllm serve` resolves them (vLLM v0.11,
 * `EngineArgs._set_default_args`, vllm-project/vllm@99d7eb5): a budget and sequence cap the user left
 * out take `get_batch_defaults` for the device (8192 tokens and 1024 sequences on a GPU of at least
 * 70 GiB that is not an A100, 2048 and 256 otherwise); without chunked prefill the budget defaults to
 * max_model_len; max_num_seqs never exceeds the budget.
 */
export function resolveScheduler(config: SimulationConfig, model: ModelSpec, xpu: XpuSpec): SchedulerConfig {
  const s = config.scheduler;
  const maxModelLen = s.max_model_len ?? model.maxPositionEmbeddings;
  const defaults = vllmBatchDefaults(xpu.memoryBytes, xpu.name);
  const maxNumBatchedTokens = s.max_num_batched_tokens ?? (s.enable_chunked_prefill ? defaults.maxNumBatchedTokens : maxModelLen);
  const maxNumSeqs = s.max_num_seqs ?? Math.min(defaults.maxNumSeqs, maxNumBatchedTokens);
  return {
    maxNumSeqs,
    maxNumBatchedTokens,
    blockSize: s.block_size,
    enableChunkedPrefill: s.enable_chunked_prefill,
    enablePrefixCaching: s.enable_prefix_caching,
    maxModelLen,
    pipelineParallelSize: 1,
  };
}

/** The config's dtypes on `xpu`: its --quantization, when given, sets the weights and activations. */
export function poolDtypes(config: SimulationConfig, xpu: XpuSpec): Partial<DtypeConfig> {
  const base: Partial<DtypeConfig> = { weights: config.dtype.weights, activations: config.dtype.activations, kvCache: config.dtype.kv_cache };
  return config.quantization === undefined ? base : { ...base, ...quantizationDtypes(config.quantization, xpu) };
}

/**
 * A pool's performance model and KV-cache size from its memory plan; throws DOES_NOT_FIT when the model does not
 * fit, or when its KV cache cannot hold one request of max_model_len (vLLM does not start then).
 */
export async function setUpPool(config: SimulationConfig, model: ModelSpec, layout: PoolLayout, readTextFile: ReadTextFile): Promise<PoolSetup> {
  const xpu = await resolveXpu(layout.xpu, readTextFile);
  const { parallelism, dataParallelReplicas } = resolveParallelLayout(model, {
    tp: layout.tp,
    pp: layout.pp,
    ep: config.parallelism.ep,
    dp: config.parallelism.dp,
    enableExpertParallel: config.parallelism.enable_expert_parallel,
  });
  const dtypes = poolDtypes(config, xpu);
  const performanceModel = await createPerformanceModel(config.performance_model.model_type, {
    model,
    xpu,
    parallelism,
    dtypes,
    calibrationDataPath: config.performance_model.calibration_data_path,
    readTextFile,
  });
  const s = config.scheduler;
  const rankScheduler = resolveScheduler(config, model, xpu);
  const planOptions = {
    model,
    xpu,
    parallelism,
    dtypes,
    gpuMemoryUtilization: s.gpu_memory_utilization,
    maxNumBatchedTokens: rankScheduler.maxNumBatchedTokens,
    maxNumSeqs: rankScheduler.maxNumSeqs,
    blockSize: s.block_size,
    maxModelLen: rankScheduler.maxModelLen,
  };
  // As vLLM: the weights must fit, then the KV cache must hold one request of max_model_len.
  const memoryPlan = assertHoldsMaxModelLen(planOptions, assertFits(planMemory(planOptions), planOptions));
  const kvCacheBlocks = memoryPlan.kvCacheBlocks;
  const dp = parallelism.dp;
  // vLLM keeps one batch in flight per pipeline stage.
  const pipelined = { ...rankScheduler, pipelineParallelSize: parallelism.pp };
  const scheduler =
    dp === 1 ? pipelined : { ...pipelined, maxNumSeqs: dp * rankScheduler.maxNumSeqs, maxNumBatchedTokens: dp * rankScheduler.maxNumBatchedTokens };
  return { xpu, tp: layout.tp, pp: layout.pp, parallelism, dataParallelReplicas, performanceModel, memoryPlan, kvCacheBlocks, scheduler };
}
