import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeBenchmarkFs } from '@llm-sim/benchmark';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrateFromFiles } from './calibrate.ts';

const data = (path: string) => fileURLToPath(new URL(`../../../benchmark_data/${path}`, import.meta.url));
/** Splitwise's Llama-2-70B on H100 (TP2/4/8), as committed points. */
const splitwiseH100 = data('raw/h100-sxm/llama-2-70b/splitwise.jsonl');
/** Real vllm bench serve results of Llama-3.2-3B-Instruct on 4x L40S. */
const llmD = data('raw/vllm-bench-serve-llm-d-l40s/results.json');
const fs = createNodeBenchmarkFs();
const dir = mkdtempSync(join(tmpdir(), 'llm-sim-calibrate-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const createdAt = '2026-11-30T00:00:00Z';

describe('calibrate --from files that record their deployment', () => {
  it('refuses to calibrate a Llama-3.2-3B on 4x L40S file as Llama-3.1-8B on H100', async () => {
    await expect(calibrateFromFiles({ model: 'llama-3.1-8b', xpu: 'h100', files: [llmD], fs, createdAt })).rejects.toMatchObject({
      code: 'CONTRADICTS_FILE',
      message: expect.stringContaining('the file records model meta-llama/Llama-3.2-3B-Instruct, but --model says llama-3.1-8b'),
    });
  });

  it('finds points stored under aliases (llama-70b on h100) when asked for the catalog names', async () => {
    const aliased = join(dir, 'aliased.jsonl');
    writeFileSync(aliased, readFileSync(splitwiseH100, 'utf8').replaceAll('"model":"llama-2-70b"', '"model":"llama-70b"').replaceAll('"xpu":"h100-sxm"', '"xpu":"h100"'));
    const { parameters } = await calibrateFromFiles({ model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4, files: [aliased], fs, createdAt });
    expect(parameters).toMatchObject({ model: 'llama-2-70b', xpu: 'h100-sxm', tp: 4 });
    expect(parameters.fit.points).toBeGreaterThanOrEqual(10);
  });

  it('takes tp from the files when --tp is absent, and asks when they hold several', async () => {
    await expect(calibrateFromFiles({ model: 'llama-2-70b', xpu: 'h100-sxm', files: [splitwiseH100], fs, createdAt })).rejects.toThrow(
      /the measurements of llama-2-70b on h100-sxm are at tp 2, 4, 8: pass --tp/,
    );
    const tp4 = join(dir, 'tp4.jsonl');
    writeFileSync(tp4, readFileSync(splitwiseH100, 'utf8').split('\n').filter((l) => l.includes('"tp":4')).join('\n'));
    const { parameters } = await calibrateFromFiles({ model: 'llama-2-70b', xpu: 'h100-sxm', files: [tp4], fs, createdAt });
    expect(parameters.tp).toBe(4);
  });

  it('sets a --max-concurrency 32 TTFT aside as a mixed step: the prefill figures stay those of the real prefills', async () => {
    // A serve result at C=32, input 1024, median TTFT 24 ms (the shape of issue #12 item 5), on top of real points.
    const sweep = JSON.parse(readFileSync(data('raw/vllm-bench-sweep-rtx3090/summary.json'), 'utf8')) as Record<string, unknown>[];
    const c32 = join(dir, 'c32.json');
    writeFileSync(c32, JSON.stringify({
      ...sweep[0], model_id: 'meta-llama/Llama-2-70b-hf', tp: 4, gpu: 'NVIDIA H100 80GB HBM3', max_concurrency: 32, num_prompts: 320, completed: 320,
      total_input_tokens: 320 * 1024, total_output_tokens: 320 * 128, median_ttft_ms: 24, mean_ttft_ms: 25, median_tpot_ms: 30, mean_tpot_ms: 30,
    }));
    const tp4 = join(dir, 'tp4-only.jsonl');
    writeFileSync(tp4, readFileSync(splitwiseH100, 'utf8').split('\n').filter((l) => l.includes('"tp":4')).join('\n'));
    const alone = await calibrateFromFiles({ model: 'llama-2-70b', xpu: 'h100', tp: 4, files: [tp4], fs, createdAt });
    const both = await calibrateFromFiles({ model: 'llama-2-70b', xpu: 'h100', tp: 4, files: [tp4, c32], fs, createdAt });
    expect(both.parameters.prefill).toEqual(alone.parameters.prefill);
    expect(both.fit.excluded.map((e) => e.label)).toContain('mixed b32 in1024');
    expect(both.warnings).toHaveLength(1);
    expect(both.parameters.fit.notes.at(-1)).toMatch(/^import: .*c32\.json:1: median TTFT kept as a mixed step and set aside by the fit: max_concurrency 32/);
    // Alone, the file gives no prefill point to fit, and says why.
    await expect(calibrateFromFiles({ model: 'llama-2-70b', xpu: 'h100', tp: 4, files: [c32], fs, createdAt })).rejects.toThrow(/no usable prefill point/);
  });
});
