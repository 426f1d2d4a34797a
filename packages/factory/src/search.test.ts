import { readFile } from 'node:fs/promises';
import { countGoodRequests } from '@llm-sim/simulator';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig, type SimulationConfigInput } from './config.ts';
import { runDisaggregatedSimulation } from './disaggregated.ts';
import { evaluateDeployment, formatSearch, mergeSearchShards, searchDeployments, type SearchReport, type SearchRequest } from './search.ts';
import { runSimulation } from './simulation.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');

const base: SimulationConfigInput = {
  model: 'llama-3.1-8b',
  xpu: 'h100',
  workload: { num_requests: 1000, input_len: { kind: 'uniform', min: 512, max: 3072 }, output_len: { kind: 'uniform', min: 64, max: 384 } },
  goodput: { ttft: 400, tpot: 25 },
  seed: 7,
};

// One xpu, one model, two devices: 2xTP1, 1xTP2 and 1P1D TP1/TP1, nothing else.
const request: SearchRequest = {
  config: parseSimulationConfig(base),
  space: { xpus: ['h100'], num_devices: [2], max_num_seqs: [256], max_num_batched_tokens: [8192] },
  sloPercentile: 90,
};

/** The run `llm-sim simulate` does with these flags at this rate: the share of requests within every SLO, and its summary. */
async function simulateAt(config: SimulationConfigInput, rate: number) {
  const c = parseSimulationConfig({ ...config, workload: { ...config.workload, request_rate: rate } });
  const run = c.cluster.type === 'disaggregated' ? await runDisaggregatedSimulation(c, c.cluster, readTextFile) : await runSimulation(c, readTextFile);
  return { share: countGoodRequests(run.result, c.goodput!) / run.result.requests.status.length, summary: run.summary };
}

const simulateFlags: Record<string, SimulationConfigInput> = {
  '2xTP1 h100-sxm bf16 seqs=256 tokens=8192': { ...base, parallelism: { tp: 1 }, cluster: { num_replicas: 2 } },
  '1xTP2 h100-sxm bf16 seqs=256 tokens=8192': { ...base, parallelism: { tp: 2 }, cluster: { num_replicas: 1 } },
  '1P1D TP1/TP1 h100-sxm bf16 seqs=256 tokens=8192': { ...base, cluster: { type: 'disaggregated', prefill_instances: 1, decode_instances: 1, prefill_tp: 1, decode_tp: 1 } },
};

describe('searchDeployments', () => {
  let serial: SearchReport;

  it('on three layouts, ranks and finds the rates that separate simulate runs confirm', async () => {
    serial = await searchDeployments(request, { readTextFile });
    expect(serial.candidates).toBe(3);
    expect(serial.points.map((p) => p.label).sort()).toEqual(Object.keys(simulateFlags).sort());
    const goodputPerDevice: Record<string, number> = {};
    for (const point of serial.points) {
      const flags = simulateFlags[point.label];
      const at = await simulateAt(flags, point.max_request_rate);
      // The metrics reported are those of the simulate run at the rate found ...
      expect(point.p90_ttft_ms).toBe(at.summary.p90_ttft_ms);
      expect(point.mean_tpot_ms).toBe(at.summary.mean_tpot_ms);
      expect(point.output_throughput_per_device).toBe(at.summary.output_throughput / 2);
      // ... which meets the SLOs for 90% of requests, while 5% more load does not.
      expect(at.share).toBeGreaterThanOrEqual(0.9);
      expect((await simulateAt(flags, point.max_request_rate * 1.05)).share).toBeLessThan(0.9);
      goodputPerDevice[point.label] = at.summary.request_goodput! / 2;
    }
    const expectedOrder = Object.keys(goodputPerDevice).sort((a, b) => goodputPerDevice[b] - goodputPerDevice[a]);
    expect(serial.points.map((p) => p.label)).toEqual(expectedOrder);
    expect(serial.pareto.length).toBeGreaterThan(0);
    expect(formatSearch(serial)).toContain('vllm serve meta-llama/Llama-3.1-8B');
  });

  it('gives the same report when tasks run concurrently and finish out of order', async () => {
    let calls = 0;
    const parallel = await searchDeployments(request, {
      readTextFile,
      evaluate: async (task) => {
        const delay = 30 * (3 - calls++);
        await new Promise((resolve) => setTimeout(resolve, delay));
        return structuredClone(await evaluateDeployment(task, readTextFile));
      },
    });
    expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
  });

  it('merges shards into the unsharded report, byte for byte', async () => {
    const shards: SearchReport[] = [];
    for (const index of [2, 1]) shards.push(JSON.parse(JSON.stringify(await searchDeployments({ ...request, shard: { index, count: 2 } }, { readTextFile }))));
    expect(shards.map((s) => s.points.length).sort()).toEqual([1, 2]);
    expect(JSON.stringify(mergeSearchShards(shards), null, 2)).toBe(JSON.stringify(serial, null, 2));
    expect(() => mergeSearchShards([shards[0]])).toThrow(/shards missing from the merge: 1\/2/);
    expect(() => mergeSearchShards([shards[0], shards[0]])).toThrow(/shard 2\/2 appears twice/);
  });

  it('counts layouts that do not fit, prices output tokens, and writes vLLM command lines', async () => {
    const report = await searchDeployments(
      {
        // vLLM does not start TP2 with a KV cache that cannot hold one 131,072-token request: --max-model-len 8192.
        config: parseSimulationConfig({ ...base, model: 'llama-3.1-70b', scheduler: { gpu_memory_utilization: 0.95, max_model_len: 8192 }, workload: { num_requests: 300, input_len: 1024, output_len: 128 }, goodput: { ttft: 2000, tpot: 100 } }),
        space: { xpus: ['h100'], num_devices: [2], max_num_seqs: [256], max_num_batched_tokens: [8192], disaggregated: false },
        pricePerDeviceHour: { h100: 2.5 },
      },
      { readTextFile },
    );
    // 70B in bf16 needs 141 GB of weights: a TP1 replica never fits on one 80 GB H100; TP2 does at 95% of memory.
    expect(report.skipped).toEqual({ 'do not fit in memory': 1 });
    expect(report.points).toHaveLength(1);
    const p = report.points[0];
    expect(p.cost_per_million_output_tokens).toBeCloseTo((2.5 / 3600 / p.output_throughput_per_device!) * 1e6, 9);
    expect(p.vllm_serve).toEqual([
      'vllm serve meta-llama/Llama-3.1-70B --tensor-parallel-size 2 --pipeline-parallel-size 1 --max-num-seqs 256 --max-num-batched-tokens 8192 --gpu-memory-utilization 0.95 --block-size 16 --max-model-len 8192',
    ]);
    expect(formatSearch(report)).toContain('1 layout skipped: do not fit in memory');
  });

  it("skips, as vLLM refuses to start, a layout whose KV cache cannot hold one request of the model's 131,072 tokens (#12 item 9)", async () => {
    const report = await searchDeployments(
      {
        config: parseSimulationConfig({ ...base, model: 'llama-3.1-70b', scheduler: { gpu_memory_utilization: 0.95 }, workload: { num_requests: 50, input_len: 1024, output_len: 128 }, goodput: { ttft: 2000, tpot: 100 } }),
        space: { xpus: ['h100'], num_devices: [2], max_num_seqs: [256], max_num_batched_tokens: [8192], disaggregated: false },
      },
      { readTextFile },
    );
    expect(report.skipped).toEqual({ 'do not fit in memory': 2 });
    expect(report.points).toHaveLength(0);
  });
});
