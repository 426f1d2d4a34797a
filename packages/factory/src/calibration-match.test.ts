import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSimulationConfig } from './config.ts';
import type { ReadTextFile } from './file-access.ts';
import { setUpSimulation } from './simulation.ts';

const readTextFile: ReadTextFile = (p) => readFile(p, 'utf8');
// Fitted by the pipeline from Splitwise's H100 measurements: Llama-2-70B, tp=4, pp=1, fp16.
const file = new URL('../../../benchmark_data/calibration/h100-sxm/llama-2-70b_tp4_roofline.json', import.meta.url).pathname;

const setUp = (extra: object) =>
  setUpSimulation(
    parseSimulationConfig({
      model: 'llama-2-70b',
      xpu: 'h100',
      parallelism: { tp: 4 },
      performance_model: { model_type: 'vllm_roofline', calibration_data_path: file },
      workload: { num_requests: 1 },
      ...extra,
    }),
    readTextFile,
  );

describe('a deployment calibration applies only to the deployment it was fitted on', () => {
  it('prices the deployment it was fitted for (fp16 and bf16 are one family)', async () => {
    await expect(setUp({})).resolves.toBeDefined();
  });
  it('refuses a pp=1 fp16 fit for pp=2, and for fp8 weights, naming what differs', async () => {
    await expect(setUp({ parallelism: { tp: 4, pp: 2 } })).rejects.toThrow(expect.objectContaining({ code: 'CALIBRATION_MISMATCH', message: expect.stringMatching(/was fitted for pp 1 \(requested 2\)/) }));
    await expect(setUp({ parallelism: { tp: 4, pp: 2 }, quantization: 'fp8' })).rejects.toThrow(/pp 1 \(requested 2\), dtype 'fp16' \(requested 'fp8'\)/);
  });
});
