import { readFile } from 'node:fs/promises';
import { getModel } from '@llm-sim/roofline';
import { describe, expect, it } from 'vitest';
import { compareLayouts, enumerateLayouts, formatComparison, formatLayout, layoutDevices, parseLayout } from './compare.ts';
import { parseSimulationConfig } from './config.ts';

const readTextFile = (path: string) => readFile(path, 'utf8');

describe('layouts', () => {
  it('parses and prints aggregated and xPyD layouts', () => {
    expect(parseLayout('2xtp4')).toEqual({ kind: 'aggregated', replicas: 2, tp: 4 });
    expect(parseLayout('2p1d:tp2/tp4')).toEqual({ kind: 'disaggregated', prefillInstances: 2, prefillTp: 2, decodeInstances: 1, decodeTp: 4 });
    expect(formatLayout(parseLayout('2P1D TP2/TP4'))).toBe('2P1D TP2/TP4');
    expect(() => parseLayout('tp4')).toThrow(/layout 'tp4' must be RxTPn/);
  });

  it('enumerates every layout of Llama-3.1-70B on 8 devices, each using exactly 8', () => {
    const layouts = enumerateLayouts(getModel('llama-3.1-70b'), 8);
    const names = layouts.map(formatLayout);
    expect(names.filter((n) => n.includes('x'))).toEqual(['8xTP1', '4xTP2', '2xTP4', '1xTP8']);
    expect(names).toContain('1P1D TP4/TP4');
    expect(names).toContain('2P1D TP2/TP4');
    expect(names).toContain('7P1D TP1/TP1');
    expect(layouts.every((l) => layoutDevices(l) === 8)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('compareLayouts', () => {
  it('runs the worked example: Llama-3.1-70B on 8 x H100, 2xTP4 against 1P1D TP4/TP4 and 2P1D TP2/TP4, under a TTFT/TPOT SLO', async () => {
    const config = parseSimulationConfig({
      model: 'llama-3.1-70b',
      xpu: 'h100-sxm',
      // A TP2 instance's KV cache cannot hold one 131,072-token request: vLLM needs --max-model-len to start it.
      scheduler: { gpu_memory_utilization: 0.95, max_model_len: 8192 },
      workload: { num_requests: 300, request_rate: 6, input_len: 2048, output_len: 256 },
      goodput: { ttft: 1000, tpot: 50 },
    });
    const report = await compareLayouts({ config, numDevices: 8, layouts: ['2xtp4', '1p1d:tp4/tp4', '2p1d:tp2/tp4'].map(parseLayout) }, readTextFile);
    expect(report.rows.map((r) => r.layout).sort()).toEqual(['1P1D TP4/TP4', '2P1D TP2/TP4', '2xTP4']);
    expect(report.skipped).toEqual([]);
    for (const r of report.rows) {
      expect(r.completed).toBe(300);
      expect(r.devices).toBe(8);
      expect(r.goodput_per_device).toBeCloseTo(r.request_goodput! / 8, 12);
    }
    const goodputs = report.rows.map((r) => r.goodput_per_device);
    expect(goodputs).toEqual([...goodputs].sort((a, b) => b - a));
    const oneToOne = report.rows.find((r) => r.layout === '1P1D TP4/TP4')!;
    // 2048 prompt tokens x 327,680 bytes over four TP ranks' 50 GB/s links, plus 0.5 ms: the least a transfer takes.
    expect(oneToOne.mean_kv_transfer_ms!).toBeGreaterThanOrEqual((2048 * 327_680) / (4 * 50e9) * 1000 + 0.5 - 1e-9);
    expect(report.rows.find((r) => r.layout === '2xTP4')!.mean_kv_transfer_ms).toBeNull();
    const table = formatComparison(report);
    expect(table).toMatch(/llama-3.1-70b on 8 x h100-sxm/);
    expect(table).toMatch(/2P1D TP2\/TP4/);
  });

  it('skips layouts that do not fit and says why; refuses a layout of the wrong size', async () => {
    const config = parseSimulationConfig({ model: 'llama-3.1-70b', xpu: 'h100-sxm', workload: { num_requests: 20, input_len: 256, output_len: 16 } });
    const report = await compareLayouts({ config, numDevices: 8, layouts: ['8xtp1', '1xtp8'].map(parseLayout) }, readTextFile);
    expect(report.rows.map((r) => r.layout)).toEqual(['1xTP8']);
    expect(report.skipped[0]).toMatchObject({ layout: '8xTP1', code: 'DOES_NOT_FIT', reason: expect.stringMatching(/does not fit on h100-sxm at tp=1/) });
    expect(formatComparison(report)).toContain('1 layout skipped: do not fit in memory (8xTP1)');
    await expect(compareLayouts({ config, numDevices: 8, layouts: [parseLayout('1xtp4')] }, readTextFile)).rejects.toThrow(/uses 4 devices, not --num-devices 8/);
  });

  it('refuses to enumerate every layout of more devices than it can simulate in reasonable time, naming the limit', async () => {
    const config = parseSimulationConfig({ model: 'llama-3.1-8b', xpu: 'h100-sxm', workload: { num_requests: 20 } });
    await expect(compareLayouts({ config, numDevices: 256 }, readTextFile)).rejects.toThrow(/num_devices 256: every layout is simulated only up to 64 devices.*--layouts/);
  });
});
