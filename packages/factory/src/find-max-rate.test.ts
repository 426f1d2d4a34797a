import { readFile } from 'node:fs/promises';
import { countGoodRequests } from '@llm-sim/simulator';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig, type SimulationConfig } from './config.ts';
import { bisectMaxRate, findMaxRate } from './find-max-rate.ts';
import { runDisaggregatedSimulation } from './disaggregated.ts';
import { runSimulation } from './simulation.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');

async function goodShareAt(config: SimulationConfig, rate: number): Promise<number> {
  const at = { ...config, workload: { ...config.workload, request_rate: rate } };
  const run = at.cluster.type === 'disaggregated' ? await runDisaggregatedSimulation(at, at.cluster, readTextFile) : await runSimulation(at, readTextFile);
  return countGoodRequests(run.result, config.goodput!) / run.result.requests.status.length;
}

describe('findMaxRate', () => {
  it('finds a rate that meets the SLOs at p90 while 5% more does not (Llama-3.1-8B on one H100)', async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-8b',
      xpu: 'h100',
      workload: { num_requests: 2000, input_len: { kind: 'uniform', min: 256, max: 2048 }, output_len: { kind: 'uniform', min: 32, max: 256 } },
      goodput: { ttft: 300, tpot: 25 },
      seed: 3,
    });
    const found = await findMaxRate(config, readTextFile, { sloPercentile: 90 });
    expect(found.maxRate).toBeGreaterThan(1);
    expect(await goodShareAt(config, found.maxRate)).toBeGreaterThanOrEqual(0.9);
    expect(await goodShareAt(config, found.maxRate * 1.05)).toBeLessThan(0.9);
    // The summary kept is the run at the rate found, as `simulate --request-rate` prints it.
    const direct = await runSimulation({ ...config, workload: { ...config.workload, request_rate: found.maxRate } }, readTextFile);
    expect(found.best!.summary).toEqual(direct.summary);
  });

  it('searches a disaggregated deployment with the same rule', async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-8b',
      xpu: 'h100',
      cluster: { type: 'disaggregated', prefill_instances: 1, decode_instances: 1 },
      workload: { num_requests: 2000, input_len: 2048, output_len: 128 },
      goodput: { ttft: 500, tpot: 20 },
      seed: 1,
    });
    const found = await findMaxRate(config, readTextFile, { sloPercentile: 95 });
    expect(found.maxRate).toBeGreaterThan(0);
    expect(await goodShareAt(config, found.maxRate)).toBeGreaterThanOrEqual(0.95);
    expect(await goodShareAt(config, found.maxRate * 1.05)).toBeLessThan(0.95);
  });

  it('reports 0 when no rate meets an SLO tighter than one prefill', async () => {
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { num_requests: 200, input_len: 8000, output_len: 16 }, goodput: { ttft: 1 } });
    const found = await findMaxRate(config, readTextFile);
    expect(found.maxRate).toBe(0);
    expect(found.best).toBeNull();
  });

  it('refuses a search without SLOs, naming the key', async () => {
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100' });
    await expect(findMaxRate(config, readTextFile)).rejects.toThrow(/goodput: a capacity search needs at least one SLO/);
  });
});

describe('bisectMaxRate', () => {
  it('brackets from the saturation throughput and stops within the tolerance', async () => {
    // An M/D/1-like stand-in: 90% of requests are good below 7.3 req/s.
    const result = await bisectMaxRate(async (rate) => ({ goodShare: rate <= 7.3 ? 1 : 0.5, throughput: rate === Infinity ? 10 : rate, summary: rate }), {
      relativeTolerance: 0.01,
    });
    expect(result.maxRate).toBeLessThanOrEqual(7.3);
    expect(result.firstMiss!.rate).toBeGreaterThan(7.3);
    expect(result.firstMiss!.rate - result.maxRate).toBeLessThanOrEqual(0.01 * result.firstMiss!.rate);
    expect(result.probes[0].rate).toBe(10);
  });
});
