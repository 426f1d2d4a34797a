import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import { runSimulation } from './simulation.ts';

const root = new URL('../../../', import.meta.url);
const splitwise = readFileSync(new URL('benchmark_data/raw/splitwise/perf_model.csv', root), 'utf8');
const readTextFile = (path: string) => readFile(path, 'utf8');

/** Median end-to-end time of each (batch, prompt, output) run of one Splitwise deployment. */
function measuredE2e(hardware: string, tp: number): { batch: number; prompt: number; output: number; e2eMs: number }[] {
  const [header, ...lines] = splitwise.trim().split('\n');
  const cols = header.split(',');
  const at = (cells: string[], name: string) => cells[cols.indexOf(name)];
  const groups = new Map<string, number[]>();
  for (const line of lines) {
    const c = line.split(',');
    if (at(c, 'hardware') !== hardware || Number(at(c, 'tensor_parallel')) !== tp) continue;
    const key = `${at(c, 'batch_size')}:${at(c, 'prompt_size')}:${at(c, 'token_size')}`;
    groups.set(key, [...(groups.get(key) ?? []), Number(at(c, 'e2e_time'))]);
  }
  return [...groups].map(([key, times]) => {
    const [batch, prompt, output] = key.split(':').map(Number);
    const sorted = times.sort((a, b) => a - b);
    return { batch, prompt, output, e2eMs: sorted[Math.floor(sorted.length / 2)] };
  });
}

describe('calibrated simulation against end-to-end times the calibration never saw', () => {
  // The calibration was fitted to prompt_time and token_time only; e2e_time is a separate measurement of
  // whole requests: a batch sent at once, its prefill, then every decode step with a growing context.
  it('predicts Splitwise end-to-end latencies of Llama-2-70B on H100 at TP4 within a few percent up to batch 4', async () => {
    const calibration = fileURLToPath(new URL('benchmark_data/calibration/h100-sxm/llama-2-70b_tp4_roofline.json', root));
    const runs = measuredE2e('h100-80gb', 4);
    expect(runs.length).toBeGreaterThanOrEqual(5);
    const errors: string[] = [];
    let worst = 0;
    for (const run of runs) {
      const config = parseSimulationConfig({
        model: 'llama-2-70b',
        xpu: 'h100-sxm',
        parallelism: { tp: 4 },
        // As Splitwise ran it: every prompt of the batch prefilled in one step, then decoding together.
        // Splitwise ran 8k prompts, beyond Llama-2's 4k context: the same max_model_len here.
        scheduler: { enable_chunked_prefill: false, max_num_batched_tokens: Math.max(8192, run.batch * run.prompt, run.prompt + run.output), max_model_len: run.prompt + run.output },
        workload: { num_requests: run.batch, request_rate: 'inf', input_len: run.prompt, output_len: run.output },
        performance_model: { model_type: 'vllm_roofline', calibration_data_path: calibration },
      });
      const { summary } = await runSimulation(config, readTextFile);
      expect(summary.completed).toBe(run.batch);
      const error = (summary.mean_e2el_ms - run.e2eMs) / run.e2eMs;
      // Batch 64: the decode FLOP/s its one step point would set is held (#12 item 1), so this run is under-predicted.
      if (run.batch === 64) expect(error).toBeLessThan(-0.15);
      else worst = Math.max(worst, Math.abs(error));
      errors.push(`b${run.batch} in${run.prompt} out${run.output}: simulated ${summary.mean_e2el_ms.toFixed(0)} ms, measured ${run.e2eMs.toFixed(0)} ms (${(100 * error).toFixed(1)}%)`);
    }
    expect(worst, errors.join('\n')).toBeLessThan(0.05);
  });
});
