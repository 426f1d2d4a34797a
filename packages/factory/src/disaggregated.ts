import { kvCacheBytesPerToken, type ModelSpec } from '@llm-sim/roofline';
import {
  simulateDisaggregated,
  summarizeDisaggregatedSimulation,
  type DisaggregatedSimulationResult,
  type DisaggregatedSummary,
  type KvTransferSettingsInput,
  type RequestSet,
} from '@llm-sim/simulator';
import type { ClusterConfig } from './cluster-config.ts';
import { FactoryError } from './errors.ts';
import type { SimulationConfig } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { setUpPool, type PoolSetup } from './pool-setup.ts';
import { resolveModel } from './specs.ts';
import { buildWorkloadRequests } from './workload-requests.ts';

/** A disaggregated simulation as set up and run: both pools, the KV bytes per token, requests, result and summary. */
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

/**
 * The link settings of a cluster config in SI units, with the model's KV bytes per prompt token.
 * `parallelRanks` is how many ranks move their own shard at once: each TP rank of the prefill instance
 * sends its heads' KV over its own NIC to its peer (vLLM's NIXL connector), so a transfer between TP4
 * pools runs at 4 links' bandwidth; between pools of different TP, the smaller TP bounds it.
 */
export function kvTransferSettings(cluster: ClusterConfig, kvBytesPerToken: number, parallelRanks = 1): KvTransferSettingsInput {
  return {
    bytesPerToken: kvBytesPerToken,
    bandwidthBytesPerSecond: ((cluster.kv_transfer_gbit_per_s * 1e9) / 8) * parallelRanks,
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
  options: { readonly onProgress?: (done: number, total: number) => void; readonly requests?: RequestSet; readonly recordTokenTimes?: boolean } = {},
): Promise<DisaggregatedRun> {
  if (config.speculative_config !== undefined) {
    throw new FactoryError('INVALID_CONFIG', 'speculative_config: speculative decoding is simulated on aggregated clusters only; drop it or use --cluster aggregated');
  }
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
  const result = simulateDisaggregated({
    prefillPool: { performanceModel: prefill.performanceModel, instances: cluster.prefill_instances * prefill.dataParallelReplicas, kvCacheBlocks: prefill.kvCacheBlocks, scheduler: prefill.scheduler },
    decodePool: { performanceModel: decode.performanceModel, instances: cluster.decode_instances * decode.dataParallelReplicas, kvCacheBlocks: decode.kvCacheBlocks, scheduler: decode.scheduler },
    kvTransfer: kvTransferSettings(cluster, kvBytesPerToken, Math.min(prefill.tp, decode.tp)),
    router: { prefill: cluster.prefill_router ?? cluster.router, decode: cluster.decode_router ?? cluster.router },
    requests,
    maxConcurrency: config.workload.max_concurrency,
    onProgress: options.onProgress,
    recordTokenTimes: options.recordTokenTimes,
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
