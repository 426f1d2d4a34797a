import { assertFits, planMemory, type MemoryPlan, type ModelSpec, type RooflinePerformanceModel, type XpuSpec } from '@llm-sim/roofline';
import type { SchedulerConfigInput } from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { createPerformanceModel } from './performance-model.ts';
import { resolveXpu } from './specs.ts';

/** One pool's hardware and parallelism. */
export interface PoolLayout {
  readonly xpu: string;
  readonly tp: number;
  readonly pp: number;
}

export interface PoolSetup {
  readonly xpu: XpuSpec;
  readonly tp: number;
  readonly pp: number;
  readonly performanceModel: RooflinePerformanceModel;
  readonly memoryPlan: MemoryPlan;
  readonly kvCacheBlocks: number;
}

/** A pool's performance model and KV-cache size from its memory plan; throws DOES_NOT_FIT when the model does not fit. */
export async function setUpPool(config: SimulationConfig, model: ModelSpec, layout: PoolLayout, readTextFile: ReadTextFile): Promise<PoolSetup> {
  const xpu = await resolveXpu(layout.xpu, readTextFile);
  const parallelism = { tp: layout.tp, pp: layout.pp, ep: config.parallelism.ep };
  const dtypes = { weights: config.dtype.weights, activations: config.dtype.activations, kvCache: config.dtype.kv_cache };
  const performanceModel = await createPerformanceModel(config.performance_model.model_type, {
    model,
    xpu,
    parallelism,
    dtypes,
    calibrationDataPath: config.performance_model.calibration_data_path,
    readTextFile,
  });
  const s = config.scheduler;
  const memoryPlan = assertFits(
    planMemory({
      model,
      xpu,
      parallelism,
      dtypes,
      gpuMemoryUtilization: s.gpu_memory_utilization,
      maxNumBatchedTokens: s.max_num_batched_tokens,
      maxNumSeqs: s.max_num_seqs,
    }),
  );
  return { xpu, tp: layout.tp, pp: layout.pp, performanceModel, memoryPlan, kvCacheBlocks: Math.floor(memoryPlan.maxKvCacheTokens / s.block_size) };
}

export function schedulerOptions(config: SimulationConfig, model: ModelSpec): SchedulerConfigInput {
  const s = config.scheduler;
  return {
    maxNumSeqs: s.max_num_seqs,
    maxNumBatchedTokens: s.max_num_batched_tokens,
    blockSize: s.block_size,
    enableChunkedPrefill: s.enable_chunked_prefill,
    maxModelLen: s.max_model_len ?? model.maxPositionEmbeddings,
  };
}
