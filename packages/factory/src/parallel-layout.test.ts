import { readFile } from 'node:fs/promises';
import { getModel } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { resolveParallelLayout } from './parallel-layout.ts';
import { runSimulation, setUpSimulation } from './simulation.ts';

const readTextFile: ReadTextFile = (p) => readFile(p, 'utf8');

describe('expert and data parallelism as vLLM lays them out', () => {
  it('makes --enable-expert-parallel ep = tp x dp, and refuses an --ep that disagrees', () => {
    const v3 = getModel('deepseek-v3');
    expect(resolveParallelLayout(v3, { tp: 1, pp: 1, dp: 8, enableExpertParallel: true })).toEqual({ parallelism: { tp: 1, pp: 1, dp: 8, ep: 8 }, dataParallelReplicas: 1 });
    expect(resolveParallelLayout(v3, { tp: 2, pp: 1, dp: 4, enableExpertParallel: true }).parallelism.ep).toBe(8);
    expect(resolveParallelLayout(v3, { tp: 8, pp: 1, ep: 4 }).parallelism.ep).toBe(4);
    expect(() => resolveParallelLayout(v3, { tp: 8, pp: 1, ep: 4, enableExpertParallel: true })).toThrow(/ep=4 disagrees with enable_expert_parallel, which spreads the experts over tp x dp = 8 devices/);
  });

  it("makes a dense model's data-parallel ranks replicas, and ignores --enable-expert-parallel on it as vLLM does", () => {
    expect(resolveParallelLayout(getModel('llama-3.1-8b'), { tp: 1, pp: 1, dp: 4, enableExpertParallel: true })).toEqual({
      parallelism: { tp: 1, pp: 1, dp: 1, ep: 1 },
      dataParallelReplicas: 4,
    });
  });

  it('sizes a DP8 + EP8 DeepSeek-V3 instance on H200: eight ranks of KV cache and eight ranks of scheduler limits', async () => {
    const config = (parallelism: object) => parseSimulationConfig({ model: 'deepseek-v3', xpu: 'h200', parallelism, workload: { num_requests: 1 } });
    const dpep = await setUpSimulation(config({ dp: 8, enable_expert_parallel: true }), readTextFile);
    expect(dpep.performanceModel.parallelism).toEqual({ tp: 1, pp: 1, dp: 8, ep: 8 });
    // Each rank schedules vLLM's H200 defaults (1024 sequences, 8192 tokens): the group eight times that.
    expect(dpep.scheduler).toMatchObject({ maxNumSeqs: 8 * 1024, maxNumBatchedTokens: 8 * 8192 });
    expect(dpep.memoryPlan.maxKvCacheTokens % 8).toBe(0);
    expect(dpep.kvCacheBlocksPerReplica).toBe(Math.floor(dpep.memoryPlan.maxKvCacheTokens / 16));
    expect(dpep.performanceModel.describe()).toContain('tp=1 pp=1 dp=8 ep=8');
    const tp8 = await setUpSimulation(config({ tp: 8 }), readTextFile);
    expect(dpep.memoryPlan.maxKvCacheTokens / tp8.memoryPlan.maxKvCacheTokens).toBeGreaterThan(4);
  });

  it('serves DeepSeek-V3 as DP8 + EP8 on H200: every request completes and the steps spend time in all-to-alls', async () => {
    const run = await runSimulation(
      parseSimulationConfig({
        model: 'deepseek-v3',
        xpu: 'h200',
        parallelism: { dp: 8, enable_expert_parallel: true },
        performance_model: { model_type: 'roofline' },
        workload: { num_requests: 64, input_len: 256, output_len: 16 },
      }),
      readTextFile,
    );
    expect(run.summary.completed).toBe(64);
    expect(run.result.operatorSeconds.all_to_all).toBeGreaterThan(0);
    expect(run.numReplicas).toBe(1);
  });

  it('serves a dense model with --data-parallel-size 2 as two replicas', async () => {
    const run = await runSimulation(
      parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', parallelism: { dp: 2 }, performance_model: { model_type: 'roofline' }, workload: { num_requests: 20, input_len: 128, output_len: 16 } }),
      readTextFile,
    );
    expect(run.numReplicas).toBe(2);
    expect(run.summary.completed).toBe(20);
  });

  it('names the field of a parallelism the model cannot take', async () => {
    await expect(setUpSimulation(parseSimulationConfig({ model: 'mixtral-8x7b', xpu: 'h100', parallelism: { dp: 16, enable_expert_parallel: true }, workload: { num_requests: 1 } }), readTextFile)).rejects.toThrow(
      /ep=16 does not divide mixtral-8x7b's 8 experts/,
    );
  });
});
