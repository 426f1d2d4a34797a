import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchmarkError } from '../errors.ts';
import { benchmarkDataPaths, sidecarPaths } from './benchmark-data-paths.ts';

describe('benchmark_data layout', () => {
  it('follows the seeds: raw/<xpu>/<model>, processed/<xpu>/<model>, calibration/<xpu>/<model>_roofline.json', () => {
    const paths = benchmarkDataPaths({ root: 'benchmark_data', xpu: 'gb10', model: 'llama-7b' });
    expect(paths.rawFile('run-2025-01-01')).toBe(join('benchmark_data', 'raw', 'gb10', 'llama-7b', 'run-2025-01-01.jsonl'));
    expect(paths.processedFile('run-2025-01-01')).toBe(join('benchmark_data', 'processed', 'gb10', 'llama-7b', 'run-2025-01-01.json'));
    expect(paths.calibrationFile).toBe(join('benchmark_data', 'calibration', 'gb10', 'llama-7b_roofline.json'));
  });

  it('refuses names that would escape the tree', () => {
    expect(() => benchmarkDataPaths({ root: 'd', xpu: '../etc', model: 'm' })).toThrow(BenchmarkError);
    expect(() => benchmarkDataPaths({ root: 'd', xpu: 'x', model: 'm' }).rawFile('a/b')).toThrow(/name 'a\/b'/);
  });

  it('looks for run settings beside a result file', () => {
    expect(sidecarPaths('runs/latency.json')).toEqual(['runs/latency.meta.json', 'runs/latency.json.meta.json']);
  });
});
