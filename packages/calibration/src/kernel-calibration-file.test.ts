import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitKernelTables, parseKernelCalibration, serializeKernelCalibration, KernelCalibrationSchema } from './kernel-calibration-file.ts';
import { buildGrid, rejectSlowOutliers } from './kernel-tables.ts';

const shared = (name: string) => readFileSync(new URL(`../../../../shared/data/${name}`, import.meta.url), 'utf8');
const H100 = { name: 'h100-sxm', peakBf16FlopsPerSecond: 989.4e12, memoryBandwidthBytesPerSecond: 3350e9, linkBandwidthBytesPerSecond: 450e9, linkLatencySeconds: 8e-6 };

describe('kernel grids', () => {
  it('fills an unmeasured cell from its measured neighbours (geometric mean)', () => {
    const grid = buildGrid(
      [
        { coordinates: [1, 1], seconds: 1 },
        { coordinates: [1, 2], seconds: 4 },
        { coordinates: [2, 1], seconds: 4 },
      ],
      'test',
    );
    expect(grid.filledCells).toBe(1);
    expect(grid.latencySeconds[3]).toBeCloseTo(4, 9);
  });

  it("replaces aiconfigurator's H100 glitch (m=2048, n=8192, k=16384 at 233 TFLOP/s between neighbours at ~850)", () => {
    const rows = shared('aic_gemm_bf16_vllm0.14.0.csv').split('\n').slice(1).map((l) => l.split(','));
    const points = rows
      .filter((r) => r[0] === 'h100_sxm' && [1024, 2048, 4096].includes(Number(r[2])) && [4096, 8192, 16384].includes(Number(r[3])) && [8192, 16384].includes(Number(r[4])))
      .map((r) => ({ coordinates: [Number(r[2]), Number(r[3]), Number(r[4])], seconds: Number(r[5]) / 1000 }));
    const grid = buildGrid(points, 'gemm');
    const index = 1 * 6 + 1 * 2 + 1; // m=2048, n=8192, k=16384
    expect(grid.latencySeconds[index] * 1000).toBeCloseTo(2.36024, 4);
    expect(rejectSlowOutliers(grid, ([m, n, k]) => 2 * m * n * k)).toBe(1);
    const tflops = (2 * 2048 * 8192 * 16384) / grid.latencySeconds[index] / 1e12;
    expect(tflops).toBeGreaterThan(700);
    expect(tflops).toBeLessThan(950);
  });
});

describe('calibration file format 2', () => {
  const tables = fitKernelTables(
    {
      gemm: shared('aic_gemm_bf16_vllm0.14.0.csv'),
      attention: shared('aic_attention_bf16_vllm0.14.0.csv'),
      collectives: shared('aic_comm_allreduce.csv'),
      vidurOperators: shared('vidur_mlp_op_medians_ms.csv'),
    },
    H100,
  );
  const file = {
    ...tables,
    engine_overhead: { per_step_ms: 0, per_sequence_ms: 0, fitted_on: [], points: 0, mape: 0 },
    checks: [],
    source: { files: [], description: 'test' },
  };

  it('fits H100 figures below its spec-sheet peaks: large GEMMs at 70-90% of 989 TFLOP/s', () => {
    expect(tables.fallback.effective_tflops).toBeGreaterThan(0.7 * 989.4);
    expect(tables.fallback.effective_tflops).toBeLessThan(0.9 * 989.4);
    expect(tables.elementwise.bandwidth_gbps).toBeLessThan(3350);
    expect(tables.gemm.axes.m).toContain(8192);
  });

  it("prices all-reduces with vLLM's measured custom all-reduce up to 8 MiB and NCCL above", () => {
    const { devices, message_bytes } = tables.all_reduce.axes;
    const at = (d: number, bytes: number) => tables.all_reduce.latency_us[devices.indexOf(d) * message_bytes.length + message_bytes.indexOf(bytes)];
    // One decode token of an 8k-hidden model over 8 H100s: 8192 bf16 elements, 5.168 us measured (custom, CUDA graph).
    expect(at(8, 16384)).toBeCloseTo(5.168, 3);
    // 64 MiB (32 Mi elements) goes to NCCL 2.29: 0.3-1 ms.
    expect(at(8, 64 * 1024 * 1024)).toBeGreaterThan(300);
    expect(at(8, 64 * 1024 * 1024)).toBeLessThan(1000);
  });

  it('round-trips through its text, and refuses an unknown key naming it', () => {
    const text = serializeKernelCalibration(file);
    expect(parseKernelCalibration(JSON.parse(text), 'kernels.json')).toEqual(KernelCalibrationSchema.parse(file));
    expect(() => parseKernelCalibration({ ...JSON.parse(text), extra: 1 }, 'kernels.json')).toThrow(/kernels.json.*extra/);
  });
});
