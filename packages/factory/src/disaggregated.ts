import { assertFits, kvCacheBytesPerToken, planMemory, type MemoryPlan, type ModelSpec, type RooflinePerformanceModel, type XpuSpec } from '@llm-sim/roofline';
import {
  ROUTER_NAMES,
  arrivalForRate,
  generateRequests,
  parseTraceCsv,
  sampleRequestsFrom,
  simulateDisaggregated,
  summarizeDisaggregatedSimulation,
  type DisaggregatedSimulationResult,
  type DisaggregatedSummary,
  type KvTransferSettingsInput,
  type LengthDistribution,
  type RequestSet,
  type RouterName,
  type SchedulerConfigInput,
} from '@llm-sim/simulator';
import { z } from 'zod';
import type { SimulationConfig } from './config.ts';
import { readText, type ReadTextFile } from './file-access.ts';
import { createPerformanceModel } from './performance-model.ts';
import { resolveModel, resolveXpu } from './specs.ts';

const routerName = z.enum(ROUTER_NAMES as [RouterName, ...RouterName[]]);

/**
 * The `cluster` key of a JSON config, for both kinds of cluster; the flags of `llm-sim simulate`
 * (`--cluster`, `--prefill-instances`, `--kv-transfer-bandwidth-gbps`, ...) set the same keys.
 * Pool settings left out take the top-level `xpu` and `parallelism`.
 */
export const ClusterConfigSchema = z.object({
  type: z.enum(['aggregated', 'disaggregated']).default('aggregated'),
  /** Aggregated: identical replicas behind the router. */
  num_replicas: z.number().int().positive().default(1),
  /** Both kinds: how requests are spread; in a disaggregated cluster, over each pool. */
  router: routerName.default('round-robin'),
  prefill_router: routerName.optional(),
  decode_router: routerName.optional(),
  prefill_instances: z.number().int().positive().default(1),
  decode_instances: z.number().int().positive().default(1),
  prefill_tp: z.number().int().positive().optional(),
  decode_tp: z.number().int().positive().optional(),
  prefill_pp: z.number().int().positive().optional(),
  decode_pp: z.number().int().positive().optional(),
  /** Heterogeneous pools (Splitwise): a catalog name or xpu file per pool. */
  prefill_xpu: z.string().min(1).optional(),
  decode_xpu: z.string().min(1).optional(),
  /**
   * Bandwidth of one link between a prefill and a decode instance, in gigabits per second (network
   * convention); 400 is one NDR InfiniBand port (ConnectX-7), as one H100 of a DGX H100 has.
   */
  kv_transfer_bandwidth_gbps: z.number().positive().default(400),
  /** Fixed cost per transfer (setup and completion notice), in milliseconds; an assumption to set from measurements. */
  kv_transfer_latency_ms: z.number().nonnegative().default(0.5),
  kv_transfer_sharing: z.enum(['fair', 'fifo']).default('fair'),
  kv_transfer_links: z.enum(['per-pair', 'shared']).default('per-pair'),
});
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;

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

export interface DisaggregatedRun {
  readonly config: SimulationConfig;
  readonly cluster: ClusterConfig;
  readonly model: ModelSpec;
  readonly prefill: PoolSetup;
  readonly decode: PoolSetup;
  readonly kvBytesPerToken: number;
  readonly requests: RequestSet;
  readonly result: DisaggregatedSimulationResult;
  readonly summary: DisaggregatedSummary;
}

const asDistribution = (v: number | LengthDistribution): LengthDistribution =>
  typeof v === 'number' ? { kind: 'fixed', value: v } : v;

/** The config's workload as a request set (the same rules as `runSimulation`). */
export async function buildWorkloadRequests(config: SimulationConfig, readTextFile: ReadTextFile): Promise<RequestSet> {
  const w = config.workload;
  const arrival = arrivalForRate(w.request_rate === 'inf' ? Infinity : w.request_rate, w.burstiness);
  if (w.trace) {
    const trace = parseTraceCsv(await readText(readTextFile, w.trace, 'trace'), w.trace);
    return w.trace_sample ? sampleRequestsFrom(trace, w.num_requests, arrival, config.seed) : trace;
  }
  return generateRequests(
    { numRequests: w.num_requests, arrival, inputLength: asDistribution(w.input_len), outputLength: asDistribution(w.output_len) },
    config.seed,
  );
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

/** The link settings of a cluster config in SI units, with the model's KV bytes per prompt token. */
export function kvTransferSettings(cluster: ClusterConfig, kvBytesPerToken: number): KvTransferSettingsInput {
  return {
    bytesPerToken: kvBytesPerToken,
    bandwidthBytesPerSecond: (cluster.kv_transfer_bandwidth_gbps * 1e9) / 8,
    latencySeconds: cluster.kv_transfer_latency_ms / 1000,
    sharing: cluster.kv_transfer_sharing,
    links: cluster.kv_transfer_links,
  };
}

/**
 * Sets up and runs a disaggregated prefill/decode simulation: each pool with its own xpu, TP and PP
 * (defaults: the config's), its KV cache from its own memory plan, the prompt KV bytes from the
 * model (layers x KV heads x head_dim x 2 x KV dtype bytes per token), and the link from the cluster
 * config. `requests` may be passed to reuse a workload across runs.
 */
export async function runDisaggregatedSimulation(
  config: SimulationConfig,
  cluster: ClusterConfig,
  readTextFile: ReadTextFile,
  options: { readonly onProgress?: (done: number, total: number) => void; readonly requests?: RequestSet } = {},
): Promise<DisaggregatedRun> {
  const model = await resolveModel(config.model, readTextFile);
  const prefill = await setUpPool(
    config,
    model,
    { xpu: cluster.prefill_xpu ?? config.xpu, tp: cluster.prefill_tp ?? config.parallelism.tp, pp: cluster.prefill_pp ?? config.parallelism.pp },
    readTextFile,
  );
  const decode = await setUpPool(
    config,
    model,
    { xpu: cluster.decode_xpu ?? config.xpu, tp: cluster.decode_tp ?? config.parallelism.tp, pp: cluster.decode_pp ?? config.parallelism.pp },
    readTextFile,
  );
  const requests = options.requests ?? (await buildWorkloadRequests(config, readTextFile));
  const kvBytesPerToken = kvCacheBytesPerToken(model, config.dtype.kv_cache);
  const scheduler = schedulerOptions(config, model);
  const result = simulateDisaggregated({
    prefillPool: { performanceModel: prefill.performanceModel, instances: cluster.prefill_instances, kvCacheBlocks: prefill.kvCacheBlocks, scheduler },
    decodePool: { performanceModel: decode.performanceModel, instances: cluster.decode_instances, kvCacheBlocks: decode.kvCacheBlocks, scheduler },
    kvTransfer: kvTransferSettings(cluster, kvBytesPerToken),
    router: { prefill: cluster.prefill_router ?? cluster.router, decode: cluster.decode_router ?? cluster.router },
    requests,
    onProgress: options.onProgress,
  });
  return {
    config,
    cluster,
    model,
    prefill,
    decode,
    kvBytesPerToken,
    requests,
    result,
    summary: summarizeDisaggregatedSimulation(result, config.goodput),
  };
}
