import { describe, expect, it } from 'vitest';
import { predictSeconds, type AnnotatedPoint } from './annotated-point.ts';
import { parseCalibrationFile, serializeCalibration, toEffectiveRoofline, toRooflineParameters, checkCalibrationMatch, evaluateCalibration } from './calibration-file.ts';
import { fitRooflineParameters } from './estimator.ts';
import { formatFitReport } from './fit-report.ts';

const peak = { peakFlopsPerSecond: 989e12, peakBandwidthBytesPerSecond: 3.35e12 };

// Operator lists shaped like a 7B dense model's step: weights read once, FLOPs 2 x params per token,
// attention FLOPs and KV bytes growing with context.
function layerOps(tokens: number, context: number) {
  const params = 6.5e9;
  return [
    { op: 'linear', flops: 2 * params * tokens, bytes: 2 * params + tokens * 4096 * 2 * 64 },
    { op: 'attention', flops: 4 * 4096 * 32 * tokens * context, bytes: context * 524_288 * (tokens > 1 ? 1 : 1) + tokens * 4096 * 4 },
  ];
}

function synthesise(phase: 'prefill' | 'decode', figures: { flopsPerSecond: number; bandwidthBytesPerSecond: number; overheadSeconds: number }, shapes: [number, number, number][], noise: number[] = []): AnnotatedPoint[] {
  return shapes.map(([batch, tokens, context], i) => {
    const p: AnnotatedPoint = { label: `${phase} b${batch} t${tokens} c${context}`, phase, measuredSeconds: 0, operators: layerOps(tokens, context), communicationSeconds: 0, batchSize: batch };
    return { ...p, measuredSeconds: predictSeconds(p, figures) * (1 + (noise[i] ?? 0)) };
  });
}

const prefillTruth = { flopsPerSecond: 610e12, bandwidthBytesPerSecond: 2.4e12, overheadSeconds: 0.0021 };
const decodeTruth = { flopsPerSecond: 300e12, bandwidthBytesPerSecond: 2.6e12, overheadSeconds: 0.0043 };
const prefillShapes: [number, number, number][] = [[1, 16, 8], [1, 64, 32], [1, 128, 64], [1, 512, 256], [1, 2048, 1024], [1, 8192, 4096], [4, 4096, 512]];
const decodeShapes: [number, number, number][] = [[1, 1, 512], [8, 8, 4096], [32, 32, 16384], [64, 64, 65536], [128, 128, 131072], [256, 256, 262144], [512, 512, 600000]];

describe('RooflineParameterEstimator', () => {
  it('recovers the figures that generated the points, prefill and decode apart', () => {
    const fit = fitRooflineParameters([...synthesise('prefill', prefillTruth, prefillShapes), ...synthesise('decode', decodeTruth, decodeShapes)], peak);
    expect(fit.prefill!.figures.flopsPerSecond / prefillTruth.flopsPerSecond).toBeCloseTo(1, 3);
    expect(fit.prefill!.figures.bandwidthBytesPerSecond / prefillTruth.bandwidthBytesPerSecond).toBeCloseTo(1, 3);
    expect(fit.prefill!.figures.overheadSeconds * 1000).toBeCloseTo(2.1, 3);
    expect(fit.decode!.figures.bandwidthBytesPerSecond / decodeTruth.bandwidthBytesPerSecond).toBeCloseTo(1, 3);
    expect(fit.decode!.figures.overheadSeconds * 1000).toBeCloseTo(4.3, 3);
    expect(fit.prefill!.mape).toBeLessThan(1e-4);
    expect(fit.prefill!.computeBoundPoints).toBeGreaterThan(0);
    expect(fit.prefill!.memoryBoundPoints).toBeGreaterThan(0);
  });

  it('stays close with a few percent of deterministic noise', () => {
    const noise = [0.02, -0.015, 0.01, -0.02, 0.015, -0.01, 0.005];
    const fit = fitRooflineParameters([...synthesise('prefill', prefillTruth, prefillShapes, noise), ...synthesise('decode', decodeTruth, decodeShapes, noise)], peak);
    expect(fit.prefill!.figures.flopsPerSecond / prefillTruth.flopsPerSecond).toBeGreaterThan(0.95);
    expect(fit.prefill!.figures.flopsPerSecond / prefillTruth.flopsPerSecond).toBeLessThan(1.05);
    expect(fit.decode!.figures.bandwidthBytesPerSecond / decodeTruth.bandwidthBytesPerSecond).toBeGreaterThan(0.95);
    expect(fit.decode!.figures.bandwidthBytesPerSecond / decodeTruth.bandwidthBytesPerSecond).toBeLessThan(1.05);
    expect(fit.decode!.mape).toBeLessThan(0.02);
  });

  it('caps a figure the data would put above the peak, and says so', () => {
    const tooFast = { flopsPerSecond: 2 * peak.peakFlopsPerSecond, bandwidthBytesPerSecond: 1e12, overheadSeconds: 0.001 };
    const fit = fitRooflineParameters(synthesise('prefill', tooFast, prefillShapes.slice(3)), peak);
    expect(fit.prefill!.figures.flopsPerSecond).toBeLessThanOrEqual(peak.peakFlopsPerSecond);
    expect(fit.prefill!.constraintsHit).toContain('effective FLOP/s capped at the peak');
  });

  it('keeps a figure no point informs at the peak and reports it unidentified', () => {
    const fit = fitRooflineParameters(synthesise('decode', decodeTruth, decodeShapes.slice(0, 3)), peak);
    expect(fit.decode!.unidentified).toEqual(['flops']);
    expect(fit.decode!.figures.flopsPerSecond).toBe(peak.peakFlopsPerSecond);
  });

  it('excludes unusable points with the reason', () => {
    const good = synthesise('decode', decodeTruth, decodeShapes);
    const fit = fitRooflineParameters(
      [...good, { ...good[0], label: 'negative', measuredSeconds: -1 }, { ...good[0], label: 'mixed', phase: 'mixed' }, { ...good[0], label: 'empty', operators: [] }],
      peak,
    );
    expect(fit.excluded.map((e) => e.label)).toEqual(['negative', 'mixed', 'empty']);
    expect(fit.excluded[0].reason).toMatch(/positive/);
    expect(formatFitReport(fit)).toMatch(/excluded 3 point/);
  });
});

describe('calibration file', () => {
  const fit = fitRooflineParameters([...synthesise('prefill', prefillTruth, prefillShapes), ...synthesise('decode', decodeTruth, decodeShapes)], peak);
  const params = toRooflineParameters(fit, { model: 'llama-2-7b', xpu: 'h100-sxm', tp: 1, createdAt: '2026-11-24T00:00:00Z', files: ['synthetic'] });

  it('round-trips through JSON with SI conversion', () => {
    const back = parseCalibrationFile(serializeCalibration(params), 'cal.json');
    expect(back).toEqual(params);
    const eff = toEffectiveRoofline(back);
    expect(eff.decode.overheadSeconds).toBeCloseTo(0.0043, 6);
    expect(evaluateCalibration(back, synthesise('decode', decodeTruth, decodeShapes), fit.ridgePointFlopsPerByte).mape).toBeLessThan(1e-4);
  });

  it('names the file and the field of a malformed calibration', () => {
    expect(() => parseCalibrationFile('{', 'cal.json')).toThrow(/cal.json is not valid JSON/);
    const broken = JSON.parse(serializeCalibration(params));
    delete broken.decode.effective_bandwidth_gbps;
    expect(() => parseCalibrationFile(JSON.stringify(broken), 'cal.json')).toThrow(/decode\.effective_bandwidth_gbps/);
    expect(() => parseCalibrationFile(JSON.stringify({ ...params, format_version: 9 }), 'cal.json')).toThrow(/format_version 9 is not supported/);
  });

  it('refuses a calibration for another model, xpu or tp', () => {
    expect(() => checkCalibrationMatch(params, { model: 'llama-2-7b', xpu: 'a100-80gb', tp: 2 })).toThrow(/xpu 'h100-sxm' \(requested 'a100-80gb'\), tp 1 \(requested 2\)/);
  });
});
