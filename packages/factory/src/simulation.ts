import { assertFits, planMemory, type MemoryPlan, type ModelSpec, type RooflinePerformanceModel, type XpuSpec } from '@llm-sim/roofline';
import {
  arrivalForRate,
  generateRequests,
  parseTraceCsv,
  sampleRequestsFrom,
  simulate,
  summarizeSimulation,
  type BenchmarkSummary,
  type LengthDistribution,
  type RequestSet,
  type RouterName,
  type SimulationResult,
} from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import { readText, type ReadTextFile } from './file-access.ts';
import { createPerformanceModel } from './performance-model.ts';
import { resolveModel, resolveXpu } from './specs.ts';

export interface SimulationSetup {
  readonly config: SimulationConfig;
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly performanceModel: RooflinePerformanceModel;
  readonly memoryPlan: MemoryPlan;
  readonly kvCacheBlocksPerReplica: number;
  readonly maxModelLen: number;
  readonly requests: RequestSet;
}

export interface SimulationRun extends SimulationSetup {
  readonly result: SimulationResult;
  readonly summary: BenchmarkSummary;
}

const asDistribution = (v: number | LengthDistribution): LengthDistribution =>
  typeof v === 'number' ? { kind: 'fixed', value: v } : v;

async function buildRequests(config: SimulationConfig, readTextFile: ReadTextFile): Promise<RequestSet> {
  const w = config.workload;
  const rate = w.request_rate === 'inf' ? Infinity : w.request_rate;
  const arrival = arrivalForRate(rate, w.burstiness);
  if (w.trace) {
    const trace = parseTraceCsv(await readText(readTextFile, w.trace, 'trace'), w.trace);
    return w.trace_sample ? sampleRequestsFrom(trace, w.num_requests, arrival, config.seed) : trace;
  }
  return generateRequests(
    { numRequests: w.num_requests, arrival, inputLength: asDistribution(w.input_len), outputLength: asDistribution(w.output_len) },
    config.seed,
  );
}

/** Resolves every name and file of a config into wired objects, checking that the model fits. */
export async function setUpSimulation(config: SimulationConfig, readTextFile: ReadTextFile): Promise<SimulationSetup> {
  const model = await resolveModel(config.model, readTextFile);
  const xpu = await resolveXpu(config.xpu, readTextFile);
  const parallelism = { tp: config.parallelism.tp, pp: config.parallelism.pp, ep: config.parallelism.ep };
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
  const kvCacheBlocksPerReplica = Math.floor(memoryPlan.maxKvCacheTokens / s.block_size);
  const maxModelLen = s.max_model_len ?? model.maxPositionEmbeddings;
  const requests = await buildRequests(config, readTextFile);
  return { config, model, xpu, performanceModel, memoryPlan, kvCacheBlocksPerReplica, maxModelLen, requests };
}

/** Sets up and runs a simulation, and summarises it as vLLM's benchmark would. */
export async function runSimulation(
  config: SimulationConfig,
  readTextFile: ReadTextFile,
  onProgress?: (done: number, total: number) => void,
): Promise<SimulationRun> {
  const setup = await setUpSimulation(config, readTextFile);
  const s = config.scheduler;
  const result = simulate({
    performanceModel: setup.performanceModel,
    requests: setup.requests,
    numReplicas: config.cluster.num_replicas,
    kvCacheBlocksPerReplica: setup.kvCacheBlocksPerReplica,
    scheduler: {
      maxNumSeqs: s.max_num_seqs,
      maxNumBatchedTokens: s.max_num_batched_tokens,
      blockSize: s.block_size,
      enableChunkedPrefill: s.enable_chunked_prefill,
      maxModelLen: setup.maxModelLen,
    },
    router: config.cluster.router as RouterName,
    onProgress,
  });
  return { ...setup, result, summary: summarizeSimulation(result, config.goodput) };
}
