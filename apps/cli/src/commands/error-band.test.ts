import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { createTestIo } from '../test-io.ts';

const shipped = JSON.parse(await readFile(new URL('../../../../packages/factory/src/error-bands.json', import.meta.url), 'utf8')) as {
  bands: { performance_model: string; xpu: string; cases: number; mape_pct: number }[];
};
const band = (model: string, xpu: string) => shipped.bands.find((b) => b.performance_model === model && b.xpu === xpu);

describe('every prediction carries the error band of its model on its xpu', () => {
  it('step --json: the shipped band of the default (calibrated) model on mi300x, with a sentence for people', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-3.1-8b', '--xpu', 'mi300x', '--phase', 'decode', '--context-len', '512', '--json'], t.io)).toBe(0);
    const { error_band } = JSON.parse(t.stdout);
    expect(error_band.band).toEqual(band('vllm_roofline', 'mi300x'));
    expect(error_band.text).toBe(
      `typically within ±${band('vllm_roofline', 'mi300x')?.mape_pct.toFixed(1)}% (mean absolute error of vllm_roofline over ${band('vllm_roofline', 'mi300x')?.cases} validated mi300x runs; worst ${error_band.band.max_abs_pct.toFixed(1)}%)`,
    );
  });

  it('step as text ends with the accuracy line; an xpu with no validated runs says so', async () => {
    const t = createTestIo();
    expect(await main(['step', '--model', 'llama-3.1-8b', '--xpu', 'b200', '--phase', 'prefill', '--input-len', '512'], t.io)).toBe(0);
    expect(t.stdout.trim().split('\n').at(-1)).toBe('accuracy: no validated b200 runs for vllm_roofline: accuracy on this xpu is unknown');
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
