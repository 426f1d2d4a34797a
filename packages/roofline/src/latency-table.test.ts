import { describe, expect, it } from 'vitest';
import { lookUpLatency, prepareLatencyTable, type PreparedLatencyTable } from './latency-table.ts';

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

/** The lookup as first written, every corner weighted on its own: what the built-up corner weights must equal to the bit. */
function referenceLookUp(table: PreparedLatencyTable, shape: readonly number[]): number {
  const dims = table.logAxes.length;
  let base = 0;
  const fractions: number[] = [];
  for (let d = 0; d < dims; d++) {
    const axis = table.logAxes[d];
    const n = axis.length;
    const x = Math.log(shape[d] > 0 ? shape[d] : 1);
    let i = 0;
    let t = 0;
    if (x >= axis[n - 1]) {
      i = n - 2;
      t = (x - axis[n - 2]) / (axis[n - 1] - axis[n - 2]);
    } else if (x > axis[0]) {
      while (axis[i + 1] < x) i++;
      t = (x - axis[i]) / (axis[i + 1] - axis[i]);
    }
    base += i * table.strides[d];
    fractions[d] = t;
  }
  let logSum = 0;
  for (let c = 0; c < 1 << dims; c++) {
    let weight = 1;
    let index = base;
    for (let d = 0; d < dims; d++) {
      if (c & (1 << d)) {
        weight *= fractions[d];
        index += table.strides[d];
      } else {
        weight *= 1 - fractions[d];
      }
    }
    if (weight !== 0) logSum += weight * table.logLatency[index];
  }
  return Math.exp(logSum);
}

describe('lookUpLatency arithmetic', () => {
  it('equals the corner-by-corner interpolation to the bit, on 2, 3 and 4 axes, below, inside and beyond the grid, repeated shapes included', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const dims of [2, 3, 4]) {
      const axes = Array.from({ length: dims }, (_, d) => Array.from({ length: 3 + d }, (_, i) => 2 ** (i * (d + 1))));
      const size = axes.reduce((n, a) => n * a.length, 1);
      const table = prepareLatencyTable({ axes, latencySeconds: Array.from({ length: size }, () => 1e-6 + random() * 1e-3) }, 'table');
      let previous: number[] = axes.map((a) => a[0]);
      for (let k = 0; k < 2000; k++) {
        // Half the time keep some of the last shape's values, as consecutive steps do.
        const shape = axes.map((a, d) => (random() < 0.5 ? previous[d] : random() < 0.1 ? a[Math.floor(random() * a.length)] : random() * 2 * a[a.length - 1]));
        expect(lookUpLatency(table, shape)).toBe(referenceLookUp(table, shape));
        previous = shape;
      }
    }
  });
});
