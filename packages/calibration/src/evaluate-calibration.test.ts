import { describe, expect, it } from 'vitest';
import { predictSeconds } from './annotated-point.ts';
import { checkFitQuality } from './check-fit-quality.ts';
import { checkDrift, evaluateCalibration } from './evaluate-calibration.ts';
import { fitRooflineParameters } from './estimator.ts';
import { DECODE_SHAPES, H100_PEAK, PREFILL_SHAPES, synthesise } from './__fixtures__/synthetic.ts';

const prefill = { effective_tflops: 610, effective_bandwidth_gb_per_s: 2400, overhead_ms: 2.1 };
const decode = { effective_tflops: 300, effective_bandwidth_gb_per_s: 2600, overhead_ms: 4.3 };
const figures = (p: typeof prefill) => ({ flopsPerSecond: p.effective_tflops * 1e12, bandwidthBytesPerSecond: p.effective_bandwidth_gb_per_s * 1e9, overheadSeconds: p.overhead_ms / 1000 });

describe('predictSeconds', () => {
  it('is overhead + communication + the sum over operators of the slower of compute and memory', () => {
    const point = { operators: [{ op: 'mlp', flops: 2e12, bytes: 1e9 }, { op: 'attention', flops: 1e9, bytes: 4e9 }], communicationSeconds: 0.0015 };
    const f = { flopsPerSecond: 500e12, bandwidthBytesPerSecond: 2e12, overheadSeconds: 0.002 };
    expect(predictSeconds(point, f)).toBeCloseTo(0.002 + 0.0015 + 2e12 / 500e12 + 4e9 / 2e12, 15);
  });
});

describe('evaluateCalibration', () => {
  it('predicts with the calibration figures and the same formula as the fit', () => {
    const points = [...synthesise('prefill', figures(prefill), PREFILL_SHAPES), ...synthesise('decode', figures(decode), DECODE_SHAPES)];
    const e = evaluateCalibration({ prefill, decode }, points);
    expect(e.mape).toBeLessThan(1e-12);
    expect(e.points).toHaveLength(points.length);
    expect(e.prefill!.points).toHaveLength(PREFILL_SHAPES.length);
    expect(e.excluded).toEqual([]);
  });

  it('reports per-point error and MAPE against new measurements', () => {
    const slower = synthesise('decode', figures(decode), DECODE_SHAPES, DECODE_SHAPES.map((_, i) => (i % 2 === 0 ? 0.25 : 0)));
    const e = evaluateCalibration({ prefill, decode }, slower);
    // Measured 25% slower: predicted / measured - 1 = 1 / 1.25 - 1 = -20%.
    expect(e.decode!.points[0].relativeError).toBeCloseTo(-0.2, 10);
    expect(e.decode!.points[1].relativeError).toBeCloseTo(0, 10);
    expect(e.mape).toBeCloseTo((0.2 * 4) / 7, 10);
    expect(e.maxAbsoluteRelativeError).toBeCloseTo(0.2, 10);
    expect(() => checkDrift(e, { maxMape: 0.15 })).not.toThrow();
    expect(() => checkDrift(e, { maxMape: 0.1 })).toThrow(
      expect.objectContaining({ code: 'DRIFT_ABOVE_THRESHOLD', message: expect.stringMatching(/MAPE 11\.43%, above the allowed 10\.00% \(worst: decode b1 n1 c512/) }),
    );
  });

  it('sets aside points it cannot evaluate, with the reason', () => {
    const [good] = synthesise('decode', figures(decode), DECODE_SHAPES);
    const e = evaluateCalibration({ prefill, decode }, [good, { ...good, label: 'mixed', phase: 'mixed' }, { ...good, label: 'zero', measuredSeconds: 0 }]);
    expect(e.excluded.map((x) => [x.index, x.label])).toEqual([[1, 'mixed'], [2, 'zero']]);
    expect(e.points).toHaveLength(1);
  });
});

describe('checkFitQuality', () => {
  it('passes a good fit and refuses a poor one, naming the phase and the worst point', () => {
    const noise = [0.3, -0.3, 0.3, -0.3, 0.3, -0.3, 0.3];
    const fit = fitRooflineParameters([...synthesise('prefill', figures(prefill), PREFILL_SHAPES), ...synthesise('decode', figures(decode), DECODE_SHAPES, noise)], H100_PEAK);
    expect(() => checkFitQuality(fit, { maxMape: 0.5 })).not.toThrow();
    expect(() => checkFitQuality(fit, { maxMape: 0.05 })).toThrow(
      expect.objectContaining({ code: 'FIT_TOO_POOR', message: expect.stringMatching(/^the fit is worse than the allowed MAPE 5\.00%: decode MAPE \d+\.\d\d% \(worst: decode /) }),
    );
  });
});
