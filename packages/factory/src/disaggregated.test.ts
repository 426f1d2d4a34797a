import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import { ClusterConfigSchema } from './cluster-config.ts';
import { kvTransferSettings, runDisaggregatedSimulation } from './disaggregated.ts';
import { runSimulation } from './simulation.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');

// 20 requests of 1024 prompt / 32 output tokens about every 2 s (gamma arrivals with burstiness 1000
// are nearly evenly spaced): no request ever shares a step with another.
const lowLoad = {
  model: 'llama-3.1-70b',
  xpu: 'h100-sxm',
  parallelism: { tp: 4 },
  workload: { num_requests: 20, request_rate: 0.5, burstiness: 1000, input_len: 1024, output_len: 32 },
};

describe('runDisaggregatedSimulation', () => {
  it('reads the cluster keys with their defaults: 400 Gb/s is 50 GB/s per link', () => {
    const cluster = ClusterConfigSchema.parse({ type: 'disaggregated' });
    expect(cluster).toMatchObject({ prefill_instances: 1, decode_instances: 1, router: 'round-robin', kv_transfer_sharing: 'fair', kv_transfer_links: 'per-pair' });
    expect(kvTransferSettings(cluster, 327_680).bandwidthBytesPerSecond).toBe(50e9);
  });

  it('moves each TP rank\'s shard over its own link: a TP4 70B transfer of 1024 tokens takes 1.68 ms + latency, not 6.71 ms; 32k tokens 54 ms, not 215 ms', () => {
    const cluster = ClusterConfigSchema.parse({ type: 'disaggregated', kv_transfer_gbit_per_s: 400, kv_transfer_latency_ms: 0 });
    const link = kvTransferSettings(cluster, 327_680, 4);
    expect(link.bandwidthBytesPerSecond).toBe(200e9);
    expect(((1024 * 327_680) / link.bandwidthBytesPerSecond) * 1e3).toBeCloseTo(1.68, 2);
    expect(((32_768 * 327_680) / link.bandwidthBytesPerSecond) * 1e3).toBeCloseTo(53.7, 1);
  });

  it('at low load, Llama-3.1-70B 1P1D TP4 finishes later than one TP4 replica by the KV transfer of 1024 x 327,680 bytes over 4 links, plus the decode side’s first step', async () => {
    const config = parseSimulationConfig(lowLoad);
    const aggregated = await runSimulation(config, readTextFile);
    const cluster = ClusterConfigSchema.parse({ type: 'disaggregated', kv_transfer_bandwidth_gbps: 400, kv_transfer_latency_ms: 0.5 });
    const run = await runDisaggregatedSimulation(config, cluster, readTextFile);
    // Llama-3.1-70B's config.json: 80 layers x 8 KV heads x 128 head_dim x K and V x 2 bytes (bf16).
    expect(run.kvBytesPerToken).toBe(327_680);
    // Four TP ranks, four NICs of 50 GB/s each: 1.68 ms, not the 6.71 ms of one link.
    const transferMs = ((1024 * 327_680) / (4 * 50e9)) * 1000 + 0.5;
    expect(run.summary.mean_kv_transfer_ms).toBeCloseTo(transferMs, 6);
    const recomputeMs =
      run.decode.performanceModel.stepSeconds({
        prefillSequences: 1,
        prefillTokens: 1,
        prefillCachedTokens: 1023,
        prefillAttentionPairs: 1024,
        decodeSequences: 0,
        decodeCachedTokens: 0,
      }) * 1000;
    expect(run.summary.mean_e2el_ms - aggregated.summary.mean_e2el_ms).toBeCloseTo(transferMs + recomputeMs, 6);
    expect(run.summary.mean_tpot_ms).toBeCloseTo(aggregated.summary.mean_tpot_ms, 6);
    expect(run.summary.completed).toBe(20);
    expect(run.summary.num_prefill_instances + run.summary.num_decode_instances).toBe(2);
  });

  it('with a very fast link, agrees with aggregated serving within the decode side’s one-token step', async () => {
    const config = parseSimulationConfig(lowLoad);
    const aggregated = await runSimulation(config, readTextFile);
    const cluster = ClusterConfigSchema.parse({ type: 'disaggregated', kv_transfer_bandwidth_gbps: 1e9, kv_transfer_latency_ms: 0 });
    const run = await runDisaggregatedSimulation(config, cluster, readTextFile);
    expect(run.summary.mean_kv_transfer_ms).toBeLessThan(0.001);
    expect(run.summary.mean_e2el_ms / aggregated.summary.mean_e2el_ms).toBeGreaterThan(1);
    expect(run.summary.mean_e2el_ms / aggregated.summary.mean_e2el_ms).toBeLessThan(1.03);
  });

  it('heterogeneous pools (Splitwise): H100 prefill keeps the H100 prompt time, A100 decode sets the A100 TPOT', async () => {
    const config = parseSimulationConfig(lowLoad);
    const onA100 = await runSimulation(parseSimulationConfig({ ...lowLoad, xpu: 'a100-80gb' }), readTextFile);
    const cluster = ClusterConfigSchema.parse({ type: 'disaggregated', prefill_xpu: 'h100-sxm', decode_xpu: 'a100-80gb', decode_tp: 4 });
    const run = await runDisaggregatedSimulation(config, cluster, readTextFile);
    expect(run.prefill.xpu.name).toBe('h100-sxm');
    expect(run.decode.xpu.name).toBe('a100-80gb');
    expect(run.summary.mean_tpot_ms).toBeCloseTo(onA100.summary.mean_tpot_ms, 6);
    const h100Prefill = run.prefill.performanceModel.prefillTime(1, 1024).totalSeconds;
    expect(run.result.pools.prefill.busySecondsPerInstance[0]).toBeCloseTo(20 * h100Prefill, 9);
  });

  it('refuses a pool that does not fit, naming the pool’s xpu and tp', async () => {
    const config = parseSimulationConfig(lowLoad);
    await expect(runDisaggregatedSimulation(config, ClusterConfigSchema.parse({ type: 'disaggregated', prefill_tp: 1 }), readTextFile)).rejects.toThrow(
      /llama-3.1-70b does not fit on h100-sxm at tp=1/,
    );
  });
});

describe('the KV link is named in its unit (#12, also)', () => {
  it('reads kv_transfer_gbit_per_s (gigabits per second), and kv_transfer_bandwidth_gbps as its old name; refuses the two disagreeing', () => {
    expect(ClusterConfigSchema.parse({}).kv_transfer_gbit_per_s).toBe(400);
    expect(ClusterConfigSchema.parse({ kv_transfer_gbit_per_s: 200 }).kv_transfer_gbit_per_s).toBe(200);
    const old = ClusterConfigSchema.parse({ kv_transfer_bandwidth_gbps: 100 });
    expect(old.kv_transfer_gbit_per_s).toBe(100);
    expect(old).not.toHaveProperty('kv_transfer_bandwidth_gbps');
    const both = ClusterConfigSchema.safeParse({ kv_transfer_gbit_per_s: 200, kv_transfer_bandwidth_gbps: 100 });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]).toMatchObject({ path: ['kv_transfer_gbit_per_s'], message: expect.stringMatching(/kv_transfer_bandwidth_gbps is its old name/) });
  });
});
