import type { MemoryPlan, ModelSpec, RooflinePerformanceModel, XpuSpec } from '@llm-sim/roofline';
import type { PerformanceModel, SchedulerConfig, SchedulerConfigInput } from '@llm-sim/simulator';
import {
  simulate,
  summarizeSimulation,
  type BenchmarkSummary,
  type RequestSet,
  type RouterName,
  type SimulationResult,
} from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import { setUpPool } from './pool-setup.ts';
import { buildWorkloadRequests } from './workload-requests.ts';
import type { ReadTextFile } from './file-access.ts';
import { resolveModel } from './specs.ts';
import { resolveSpeculation } from './speculative.ts';

/** A config resolved into wired objects: model, xpu, performance model, memory plan, scheduler and requests. */
export interface SimulationSetup {
  readonly config: SimulationConfig;
  readonly model: ModelSpec;
  readonly xpu: XpuSpec;
  readonly performanceModel: RooflinePerformanceModel;
  readonly memoryPlan: MemoryPlan;
  readonly kvCacheBlocksPerReplica: number;
  /** Instances behind the router: num_replicas, times the data-parallel size of a dense model (its ranks are replicas). */
  readonly numReplicas: number;
  readonly maxModelLen: number;
  /** The engine options resolved for the xpu (vLLM's per-device defaults where the config is silent). */
  readonly scheduler: SchedulerConfig;
  readonly requests: RequestSet;
}

/** A simulation as set up and run, with vLLM's benchmark summary. */
export interface SimulationRun extends SimulationSetup {
  readonly result: SimulationResult;
  readonly summary: BenchmarkSummary;
  /** With `speculative_config`: the same run without speculation, for the speed-up. */
  readonly withoutSpeculation?: BenchmarkSummary;
}

/** Resolves every name and file of a config into wired objects, checking that the model fits. */
export async function setUpSimulation(config: SimulationConfig, readTextFile: ReadTextFile): Promise<SimulationSetup> {
  const model = await resolveModel(config.model, readTextFile);
  const pool = await setUpPool(config, model, { xpu: config.xpu, tp: config.parallelism.tp, pp: config.parallelism.pp }, readTextFile);
  const requests = await buildWorkloadRequests(config, readTextFile);
  return {
    config,
    model,
    xpu: pool.xpu,
    performanceModel: pool.performanceModel,
    memoryPlan: pool.memoryPlan,
    kvCacheBlocksPerReplica: pool.kvCacheBlocks,
    numReplicas: config.cluster.num_replicas * pool.dataParallelReplicas,
    maxModelLen: pool.scheduler.maxModelLen!,
    scheduler: pool.scheduler,
    requests,
  };
}

/** Sets up and runs a simulation, and summarises it as vLLM's benchmark would. */
export async function runSimulation(
  config: SimulationConfig,
  readTextFile: ReadTextFile,
  onProgress?: (done: number, total: number) => void,
  options: { readonly recordTokenTimes?: boolean } = {},
): Promise<SimulationRun> {
  const setup = await setUpSimulation(config, readTextFile);
  // The comparison run without speculation reports figures only: it keeps no token times.
  const run = (scheduler: SchedulerConfigInput, proposer?: PerformanceModel, progress?: typeof onProgress, recordTokenTimes = false) =>
    simulate({
      performanceModel: setup.performanceModel,
      requests: setup.requests,
      numReplicas: setup.numReplicas,
      kvCacheBlocksPerReplica: setup.kvCacheBlocksPerReplica,
      scheduler,
      router: config.cluster.router as RouterName,
      maxConcurrency: config.workload.max_concurrency,
      proposer,
      onProgress: progress,
      recordTokenTimes,
    });
  const spec = config.speculative_config;
  if (spec === undefined) {
    const result = run(setup.scheduler, undefined, onProgress, options.recordTokenTimes);
    return { ...setup, result, summary: summarizeSimulation(result, config.goodput) };
  }
  const speculation = await resolveSpeculation(spec, setup.model, setup.xpu, { tp: config.parallelism.tp, seed: config.seed, readTextFile });
  const result = run({ ...setup.scheduler, speculative: speculation.speculative }, speculation.proposer, onProgress, options.recordTokenTimes);
  const without = run(setup.scheduler);
  return { ...setup, result, summary: summarizeSimulation(result, config.goodput), withoutSpeculation: summarizeSimulation(without, config.goodput) };
}
