import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { runSimulation, setUpSimulation } from './simulation.ts';

const readTextFile: ReadTextFile = (p) => readFile(p, 'utf8');

describe("vLLM's per-device scheduler defaults", () => {
  it('gives an H100 1024 sequences and 8192 tokens, an A100 and an L40S 256 and 2048 (vLLM v0.11 get_batch_defaults)', async () => {
    const on = async (xpu: string) => (await setUpSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu, workload: { num_requests: 1 } }), readTextFile)).scheduler;
    expect(await on('h100')).toMatchObject({ maxNumSeqs: 1024, maxNumBatchedTokens: 8192 });
    expect(await on('a100-80gb')).toMatchObject({ maxNumSeqs: 256, maxNumBatchedTokens: 2048 });
    expect(await on('l40s')).toMatchObject({ maxNumSeqs: 256, maxNumBatchedTokens: 2048 });
    // Flags still win.
    const set = await setUpSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', scheduler: { max_num_seqs: 64 }, workload: { num_requests: 1 } }), readTextFile);
    expect(set.scheduler).toMatchObject({ maxNumSeqs: 64, maxNumBatchedTokens: 8192 });
    // Without chunked prefill vLLM makes the budget max_model_len.
    const whole = await setUpSimulation(
      parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', scheduler: { enable_chunked_prefill: false, max_model_len: 16384 }, workload: { num_requests: 1 } }),
      readTextFile,
    );
    expect(whole.scheduler).toMatchObject({ maxNumSeqs: 1024, maxNumBatchedTokens: 16384 });
  });

  it('runs 2,000 requests of Llama-3.1-8B on an H100 with up to 1024 running, so the KV cache fills and requests are preempted', async () => {
    const run = await runSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { num_requests: 2000 } }), readTextFile);
    // At the old fixed 256 sequences: 0 preemptions and a mean TPOT of 42.6 ms; vLLM's 1024 batch more and slower.
    expect(run.summary.preemptions).toBeGreaterThan(0);
    expect(run.summary.mean_tpot_ms).toBeGreaterThan(55);
  });
});

describe('pipeline parallelism (#12 item 8)', () => {
  const throughput = async (parallelism: { tp: number; pp?: number }, model_type: 'roofline' | 'vllm_roofline') =>
    (await runSimulation(parseSimulationConfig({ model: 'llama-3.1-70b', xpu: 'h100', parallelism, performance_model: { model_type }, workload: { num_requests: 300 } }), readTextFile)).summary
      .output_throughput;

  it('keeps one micro-batch in flight per stage: Llama-3.1-70B at TP2 x PP2 serves about what TP4 does, not 58% of it', async () => {
    const set = await setUpSimulation(parseSimulationConfig({ model: 'llama-3.1-70b', xpu: 'h100', parallelism: { tp: 2, pp: 2 }, workload: { num_requests: 1 } }), readTextFile);
    expect(set.scheduler).toMatchObject({ pipelineParallelSize: 2 });
    // Spec-sheet roofline: one step in flight gave 1,217 output tok/s against TP4's 2,103. With two micro-batches
    // in flight the stages are busy; PP pays its stage hand-offs, TP4 its all-reduces, and each PP stage reads
    // its weights once a micro-batch.
    const ratio = (await throughput({ tp: 2, pp: 2 }, 'roofline')) / (await throughput({ tp: 4 }, 'roofline'));
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.2);
  });

  it('changes nothing at pp=1', async () => {
    const set = await setUpSimulation(parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100', workload: { num_requests: 1 } }), readTextFile);
    expect(set.scheduler.pipelineParallelSize).toBe(1);
  });
});

describe('max_model_len against the KV cache (#12 item 9)', () => {
  it("refuses, as vLLM does, Llama-3.1-70B at TP2 on H100 at its 131,072-token default, and suggests the --max-model-len that fits", async () => {
    const config = (max_model_len?: number) =>
      parseSimulationConfig({ model: 'llama-3.1-70b', xpu: 'h100', parallelism: { tp: 2 }, scheduler: { max_model_len }, workload: { num_requests: 5, input_len: 512, output_len: 16 } });
    const refusal = await runSimulation(config(), readTextFile).then(
      () => undefined,
      (error: unknown) => error as Error & { code: string },
    );
    expect(refusal?.code).toBe('DOES_NOT_FIT');
    expect(refusal?.message).toMatch(/one request of max_model_len 131072 needs 20\.00 GiB of KV cache per device, more than the \d\.\d\d GiB left for it/);
    const suggested = Number(/pass --max-model-len (\d+) or less/.exec(refusal!.message)![1]);
    const run = await runSimulation(config(suggested), readTextFile);
    expect(run.summary.completed).toBe(5);
    await expect(runSimulation(config(suggested + 16), readTextFile)).rejects.toThrow(/The longest that fits is/);
  });
});
