import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { decodeBatch, getModel, getXpu } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import { createPerformanceModel } from './performance-model.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('createPerformanceModel', () => {
  it('builds a deployment once and hands the same model back; another dtype or tp gets its own', async () => {
    const reads: string[] = [];
    const readTextFile = (path: string) => (reads.push(path), readFile(path, 'utf8'));
    const options = { model: getModel('llama-3.1-70b'), xpu: getXpu('h100-sxm'), parallelism: { tp: 4 }, readTextFile };
    const first = await createPerformanceModel('vllm_roofline', options);
    expect(await createPerformanceModel('vllm_roofline', { ...options, parallelism: { tp: 4 } })).toBe(first);
    const fp8 = await createPerformanceModel('vllm_roofline', { ...options, dtypes: { weights: 'fp8' } });
    const tp8 = await createPerformanceModel('vllm_roofline', { ...options, parallelism: { tp: 8 } });
    expect(fp8).not.toBe(first);
    expect(tp8).not.toBe(first);
    expect(tp8.stepSeconds(decodeBatch(32, 2048))).toBeLessThan(first.stepSeconds(decodeBatch(32, 2048)));
    // The spec-sheet roofline of the same deployment is another model.
    expect(await createPerformanceModel('roofline', options)).not.toBe(first);
    expect(reads).toEqual([]);
  });

  it('reads a calibration file every time it is named (it may have changed)', async () => {
    const reads: string[] = [];
    const readTextFile = (path: string) => (reads.push(path), readFile(path, 'utf8'));
    const path = `${root}benchmark_data/calibration/h100-sxm/kernels.json`;
    const options = { model: getModel('llama-2-7b'), xpu: getXpu('h100-sxm'), calibrationDataPath: path, readTextFile };
    const a = await createPerformanceModel('vllm_roofline', options);
    const b = await createPerformanceModel('vllm_roofline', options);
    expect(reads).toEqual([path, path]);
    expect(b).not.toBe(a);
    expect(b.stepSeconds(decodeBatch(8, 1000))).toBe(a.stepSeconds(decodeBatch(8, 1000)));
  });
});
