import { describe, expect, it } from 'vitest';
import { fitRooflineParameters } from './estimator.ts';
import { formatFitReport } from './fit-report.ts';
import { H100_NVLINK } from './__fixtures__/llama-2-70b-work.ts';
import { H100_PEAK } from './__fixtures__/synthetic.ts';
import { splitwiseLlama2_70bPoints } from './__fixtures__/splitwise.ts';

describe('formatFitReport', () => {
  const points = splitwiseLlama2_70bPoints('h100-80gb', { tp: 4, ...H100_NVLINK });
  const fit = fitRooflineParameters([...points, { ...points[0], label: 'failed request', measuredSeconds: 0 }], H100_PEAK);
  const report = formatFitReport(fit);
  const lines = report.split('\n');

  it('lists each phase with its figures and quality', () => {
    expect(lines[0]).toBe('spec ridge point 295.3 FLOP/byte (peak 989.4 TFLOP/s, 3350 GB/s)');
    expect(report).toMatch(/^prefill: effective \d+\.\d TFLOP\/s, \d+ GB\/s, overhead \d+\.\d{3} ms \(fitted ridge \d+\.\d FLOP\/byte\)$/m);
    expect(report).toMatch(/^ {2}5 points \(3 compute-bound, 2 memory-bound at the fitted figures\), MAPE \d\.\d\d%, max error \d+\.\d\d%, R\^2 0\.99\d\d$/m);
  });

  it('says which figures the data determine, and by which points', () => {
    expect(report).toMatch(/^ {2}FLOP\/s: determined by the data \(mostly compute-bound: prefill b1 in8192, prefill b4 in512, prefill b64 in512\)$/m);
    expect(report).toMatch(/^ {2}FLOP\/s: WEAKLY IDENTIFIED \(mostly compute-bound at the unconstrained fit: decode b64 ctx576\), set by the default rule$/m);
  });

  it('has one table row per point with measured and predicted ms and the signed error', () => {
    const header = lines.findIndex((l) => l.startsWith('point'));
    expect(lines[header].split(/\s{2,}/)).toEqual(['point', 'phase', 'measured ms', 'predicted ms', 'error %', 'bound']);
    const rows = lines.slice(header + 2, header + 12);
    expect(rows).toHaveLength(10);
    const decodeB64 = fit.decode!.points.find((p) => p.label === 'decode b64 ctx576')!;
    const row = rows.find((r) => r.startsWith('decode b64 ctx576'))!.split(/\s+/);
    expect(row.slice(3)).toEqual(['decode', (decodeB64.measuredSeconds * 1000).toFixed(3), (decodeB64.predictedSeconds * 1000).toFixed(3), expect.stringMatching(/^[+-]\d+\.\d\d%$/), 'memory']);
    // Right-aligned numbers: every row is as wide as the header's measured-ms column end.
    const end = lines[header].indexOf('measured ms') + 'measured ms'.length;
    for (const r of rows) expect(r[end - 4]).toBe('.');
  });

  it('ends with the excluded points and why', () => {
    expect(report.endsWith('excluded 1 point(s):\n  failed request: measuredSeconds must be positive, got 0\n')).toBe(true);
  });

  it('says when nothing was fitted', () => {
    expect(formatFitReport(fitRooflineParameters([], H100_PEAK))).toMatch(/no usable point: nothing was fitted/);
  });
});
