import { describe, expect, it } from 'vitest';
import { lookUpLatency, prepareLatencyTable } from './latency-table.ts';

// aiconfigurator's H100 bf16 GEMM latencies (vLLM 0.14.0), m x n x k with n = k = 8192, m = 1024 / 2048 / 4096.
const h100 = prepareLatencyTable(
  { axes: [[1024, 2048, 4096], [8192, 16384]], latencySeconds: [0.151308e-3, 0.333459e-3, 0.323662e-3, 0.635336e-3, 0.639695e-3, 1.4109e-3] },
  'gemm',
);

describe('lookUpLatency', () => {
  it('returns the measured latency at a grid point', () => {
    expect(lookUpLatency(h100, [2048, 8192])).toBeCloseTo(0.323662e-3, 9);
    expect(lookUpLatency(h100, [4096, 16384])).toBeCloseTo(1.4109e-3, 9);
  });

  it('interpolates geometrically between grid points (log shape, log latency)', () => {
    const between = lookUpLatency(h100, [Math.sqrt(1024 * 2048), 8192]);
    expect(between).toBeCloseTo(Math.sqrt(0.151308e-3 * 0.323662e-3), 9);
  });

  it('never goes below the smallest measured shape and follows the last slope beyond the largest', () => {
    expect(lookUpLatency(h100, [1, 8192])).toBeCloseTo(0.151308e-3, 9);
    // 4096 -> 8192 continues the 2048 -> 4096 slope (about linear in m for a compute-bound GEMM).
    const slope = Math.log(0.639695 / 0.323662) / Math.log(2);
    expect(lookUpLatency(h100, [8192, 8192])).toBeCloseTo(0.639695e-3 * 2 ** slope, 9);
  });

  it('refuses a table whose latencies do not fill its grid', () => {
    expect(() => prepareLatencyTable({ axes: [[1, 2], [1, 2]], latencySeconds: [1, 2, 3] }, 'gemm')).toThrow(/3 latencies for a grid of 4/);
  });

  it('refuses more axes than a lookup interpolates over', () => {
    const axes = [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]];
    expect(() => prepareLatencyTable({ axes, latencySeconds: new Array(32).fill(1) }, 'gemm')).toThrow(/5 axes, at most 4/);
  });
});
