import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const shipped = JSON.parse(await readFile(new URL('../../../../packages/factory/src/error-bands.json', import.meta.url), 'utf8')) as {
  bands: { performance_model: string; xpu: string; model_class: string; cases: number; mape_pct: number }[];
};
const band = (model: string, xpu: string, modelClass = 'dense') => shipped.bands.find((b) => b.performance_model === model && b.xpu === xpu && b.model_class === modelClass);

describe('every prediction carries the error band of its performance model on its xpu for its class of model', () => {
  it('step --json: the shipped band of the default (calibrated) model on mi300x, with a sentence for people', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-3.1-8b', '--xpu', 'mi300x', '--phase', 'decode', '--context-len', '512', '--json'], t.io)).toBe(0);
    const { error_band } = JSON.parse(t.stdout);
    expect(error_band.band).toEqual(band('vllm_roofline', 'mi300x'));
    expect(error_band.model_class).toBe('dense');
    expect(error_band.text).toBe(
      `typically within ±${band('vllm_roofline', 'mi300x')?.mape_pct.toFixed(1)}% (mean absolute error of vllm_roofline over ${band('vllm_roofline', 'mi300x')?.cases} validated runs of dense models on mi300x; worst ${error_band.band.max_abs_pct.toFixed(1)}%)`,
    );
  });

  it('step as text ends with the accuracy line; an xpu with no validated runs of the class says so, naming the nearest', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-3.1-8b', '--xpu', 'b200', '--phase', 'prefill', '--input-len', '512'], t.io)).toBe(0);
    expect(t.stdout.trim().split('\n').at(-1)).toMatch(
      /^accuracy: no validated runs of dense models on b200 for vllm_roofline: accuracy unknown; nearest \(not a band for this prediction\): dense models on mi300x ±\d+\.\d% over 20 runs; /,
    );
    // H200's validated runs are all DeepSeek-R1: a dense model there gets no band, DeepSeek-R1 gets that one.
    const u = createTestIo();
    expect(await main(['step', '--model', 'qwen3-8b', '--xpu', 'h200', '--phase', 'decode', '--context-len', '512', '--json'], u.io)).toBe(0);
    const dense = JSON.parse(u.stdout).error_band;
    expect(dense.band).toBeNull();
    expect(dense.nearest[0]).toEqual(band('vllm_roofline', 'h200', 'moe-mla'));
    expect(dense.text).toMatch(/^no validated runs of dense models on h200 for vllm_roofline: accuracy unknown; nearest \(not a band for this prediction\): MoE models with MLA attention on h200 ±/);
    const v = createTestIo();
    expect(await main(['step', '--model', 'deepseek-r1', '--xpu', 'h200', '--tp', '8', '--phase', 'decode', '--batch-size', '4', '--context-len', '512', '--json'], v.io)).toBe(0);
    expect(JSON.parse(v.stdout).error_band.band).toEqual(band('vllm_roofline', 'h200', 'moe-mla'));
  });

  it('simulate: in --json as error_band, and as the last line of the text output (an alias finds the catalog xpu)', async () => {
    const args = ['simulate', '--model', 'llama-3.1-8b', '--xpu', 'h100', '--num-requests', '20', '--input-len', '256', '--output-len', '32', '--quiet'];
    const t = createTestIo();
    expect(await main([...args, '--json'], t.io)).toBe(0);
    const json = JSON.parse(t.stdout);
    expect(json.error_band.xpu).toBe('h100-sxm');
    expect(json.error_band.band).toEqual(band('vllm_roofline', 'h100-sxm'));
    const u = createTestIo();
    expect(await main(args, u.io)).toBe(0);
    expect(u.stdout.trim().split('\n').at(-1)).toBe(`accuracy: ${json.error_band.text}`);
  });
});
