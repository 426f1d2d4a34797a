import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arithmeticIntensity, predictSeconds } from './annotated-point.ts';
import { RooflineParameterEstimator, fitRooflineParameters } from './estimator.ts';
import { DECODE_SHAPES, H100_PEAK, PREFILL_SHAPES, synthesise } from './__fixtures__/synthetic.ts';

const prefillTruth = { flopsPerSecond: 610e12, bandwidthBytesPerSecond: 2.4e12, overheadSeconds: 0.0021 };
const decodeTruth = { flopsPerSecond: 300e12, bandwidthBytesPerSecond: 2.6e12, overheadSeconds: 0.0043 };
const ridge = H100_PEAK.peakFlopsPerSecond / H100_PEAK.peakBandwidthBytesPerSecond;

describe('RooflineParameterEstimator', () => {
  it('has synthetic prefill points on both sides of the ridge point', () => {
    const intensities = synthesise('prefill', prefillTruth, PREFILL_SHAPES).map(arithmeticIntensity);
    expect(intensities.some((i) => i < ridge)).toBe(true);
    expect(intensities.some((i) => i > ridge)).toBe(true);
  });

  it('recovers the figures that generated the points, prefill and decode apart', () => {
    const fit = fitRooflineParameters([...synthesise('prefill', prefillTruth, PREFILL_SHAPES), ...synthesise('decode', decodeTruth, DECODE_SHAPES)], H100_PEAK);
    for (const [phase, truth] of [['prefill', prefillTruth], ['decode', decodeTruth]] as const) {
      const f = fit[phase]!;
      expect(f.figures.flopsPerSecond / truth.flopsPerSecond).toBeCloseTo(1, 4);
      expect(f.figures.bandwidthBytesPerSecond / truth.bandwidthBytesPerSecond).toBeCloseTo(1, 4);
      expect(f.figures.overheadSeconds * 1000).toBeCloseTo(truth.overheadSeconds * 1000, 3);
      expect(f.mape).toBeLessThan(1e-5);
      expect(f.r2).toBeGreaterThan(0.999999);
      expect(f.unidentified).toEqual([]);
      expect(f.constraintsHit).toEqual([]);
    }
    expect(fit.prefill!.computeBoundPoints).toBeGreaterThan(0);
    expect(fit.prefill!.memoryBoundPoints).toBeGreaterThan(0);
    expect(fit.excluded).toEqual([]);
  });

  it('stays within a few percent of the figures with +-2% of deterministic noise', () => {
    const noise = [0.02, -0.015, 0.01, -0.02, 0.015, -0.01, 0.005];
    const fit = fitRooflineParameters([...synthesise('prefill', prefillTruth, PREFILL_SHAPES, noise), ...synthesise('decode', decodeTruth, DECODE_SHAPES, noise)], H100_PEAK);
    expect(fit.prefill!.figures.flopsPerSecond / prefillTruth.flopsPerSecond).toBeGreaterThan(0.95);
    expect(fit.prefill!.figures.flopsPerSecond / prefillTruth.flopsPerSecond).toBeLessThan(1.05);
    expect(fit.decode!.figures.bandwidthBytesPerSecond / decodeTruth.bandwidthBytesPerSecond).toBeGreaterThan(0.95);
    expect(fit.decode!.figures.bandwidthBytesPerSecond / decodeTruth.bandwidthBytesPerSecond).toBeLessThan(1.05);
    expect(Math.abs(fit.decode!.figures.overheadSeconds - decodeTruth.overheadSeconds)).toBeLessThan(0.001);
    expect(fit.prefill!.mape).toBeLessThan(0.02);
    expect(fit.decode!.mape).toBeLessThan(0.02);
  });

  it('recovers any figures below the peaks from noiseless points of either phase', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0, max: 0.02, noNaN: true }),
        (flopsFraction, bandwidthFraction, overheadSeconds) => {
          const truth = {
            flopsPerSecond: flopsFraction * H100_PEAK.peakFlopsPerSecond,
            bandwidthBytesPerSecond: bandwidthFraction * H100_PEAK.peakBandwidthBytesPerSecond,
            overheadSeconds,
          };
          for (const [phase, shapes] of [['prefill', PREFILL_SHAPES], ['decode', DECODE_SHAPES]] as const) {
            const f = fitRooflineParameters(synthesise(phase, truth, shapes), H100_PEAK)[phase]!;
            // A FLOP/s only one point is compute-bound by is held, not fitted: that point keeps its error.
            if (f.identification.flops.status === 'weakly-identified') {
              expect(f.identification.flops.points.length).toBeLessThan(2);
              continue;
            }
            expect(f.mape).toBeLessThan(1e-5);
            // A figure no operator is bound by is set by the default rule, not recovered.
            if (!f.unidentified.includes('flops')) expect(f.figures.flopsPerSecond / truth.flopsPerSecond).toBeCloseTo(1, 3);
            if (!f.unidentified.includes('bandwidth')) expect(f.figures.bandwidthBytesPerSecond / truth.bandwidthBytesPerSecond).toBeCloseTo(1, 3);
          }
        },
      ),
      { numRuns: 25, seed: 20231 },
    );
  });

  it('caps figures the data would put above the peaks at the peaks, and reports it', () => {
    const tooFast = { flopsPerSecond: 2 * H100_PEAK.peakFlopsPerSecond, bandwidthBytesPerSecond: 1.5 * H100_PEAK.peakBandwidthBytesPerSecond, overheadSeconds: 0.001 };
    const f = fitRooflineParameters(synthesise('prefill', tooFast, PREFILL_SHAPES), H100_PEAK).prefill!;
    expect(f.figures.flopsPerSecond).toBe(H100_PEAK.peakFlopsPerSecond);
    expect(f.figures.bandwidthBytesPerSecond).toBe(H100_PEAK.peakBandwidthBytesPerSecond);
    expect(f.constraintsHit).toEqual(expect.arrayContaining(['flops-at-peak', 'bandwidth-at-peak']));
    expect(f.notes.join('\n')).toMatch(/FLOP\/s held at the peak \(989\.4 TFLOP\/s\)/);
  });

  it('holds the overhead at zero when the counts overestimate every point, and reports it', () => {
    const negative = { ...decodeTruth, overheadSeconds: -0.002 };
    const f = fitRooflineParameters(synthesise('decode', negative, DECODE_SHAPES), H100_PEAK).decode!;
    expect(f.figures.overheadSeconds).toBe(0);
    expect(f.constraintsHit).toContain('overhead-at-zero');
  });

  it('sets the FLOP/s of a phase with only memory-bound points by the bandwidth efficiency, changing no prediction', () => {
    // Decode at batch <= 8: every operator memory-bound, so the points say nothing about the FLOP/s.
    const points = synthesise('decode', decodeTruth, [[1, 1, 512], [2, 1, 2048], [4, 1, 8192], [8, 1, 1024], [8, 1, 16384]]);
    const f = fitRooflineParameters(points, H100_PEAK).decode!;
    expect(f.unidentified).toEqual(['flops']);
    expect(f.figures.bandwidthBytesPerSecond / decodeTruth.bandwidthBytesPerSecond).toBeCloseTo(1, 4);
    const efficiency = decodeTruth.bandwidthBytesPerSecond / H100_PEAK.peakBandwidthBytesPerSecond;
    expect(f.figures.flopsPerSecond / (efficiency * H100_PEAK.peakFlopsPerSecond)).toBeCloseTo(1, 4);
    expect(f.mape).toBeLessThan(1e-5);
    expect(f.notes.join('\n')).toMatch(/do not determine the effective FLOP\/s/);
  });

  it('sets the bandwidth of a phase with only compute-bound operators by the FLOP/s efficiency', () => {
    // Long prompts without the embedding gather and lm_head (one token's logits per sequence: few FLOPs a byte).
    const points = synthesise('prefill', prefillTruth, [[1, 2048, 0], [1, 4096, 0], [2, 8192, 0], [8, 1024, 0]]).map((p) => {
      const operators = p.operators.filter((o) => o.op !== 'embedding' && o.op !== 'lm_head');
      return { ...p, operators, measuredSeconds: predictSeconds({ ...p, operators }, prefillTruth) };
    });
    expect(points.every((p) => p.operators.every((o) => o.flops / prefillTruth.flopsPerSecond > o.bytes / prefillTruth.bandwidthBytesPerSecond))).toBe(true);
    const f = fitRooflineParameters(points, H100_PEAK).prefill!;
    expect(f.unidentified).toEqual(['bandwidth']);
    expect(f.figures.flopsPerSecond / prefillTruth.flopsPerSecond).toBeCloseTo(1, 4);
    expect(f.figures.bandwidthBytesPerSecond / H100_PEAK.peakBandwidthBytesPerSecond).toBeCloseTo(f.figures.flopsPerSecond / H100_PEAK.peakFlopsPerSecond, 9);
    expect(f.mape).toBeLessThan(1e-5);
  });

  it('holds a FLOP/s that one point alone would set, so that no batch beyond the measured ones turns compute-bound', () => {
    // Decode at batch 1 to 8 memory-bound, and one batch-64 step 75% slower than batch 1 (the Splitwise H100 TP4
    // shape): a roofline can explain it only with a FLOP/s far below the peak, which that point alone then sets.
    const slowFlops = { ...decodeTruth, flopsPerSecond: 40e12 };
    const points = synthesise('decode', slowFlops, [[1, 1, 512], [2, 1, 512], [4, 1, 512], [8, 1, 512], [64, 1, 512]]);
    const unconstrainedFlops = points.filter((p) => p.operators.some((o) => o.flops / slowFlops.flopsPerSecond > o.bytes / slowFlops.bandwidthBytesPerSecond));
    expect(unconstrainedFlops.map((p) => p.label)).toEqual(['decode b64 n1 c512']);
    const f = fitRooflineParameters(points, H100_PEAK).decode!;
    expect(f.identification.flops).toEqual({ status: 'weakly-identified', points: ['decode b64 n1 c512'], held: true });
    expect(f.weaklyIdentified).toEqual(['flops']);
    expect(f.identification.bandwidth.status).toBe('identified');
    // Held at the bandwidth's fraction of the peak: the fitted ridge is the spec ridge.
    expect(f.fittedRidgeFlopsPerByte).toBeCloseTo(ridge, 6);
    expect(f.notes.join('\n')).toMatch(/effective FLOP\/s weakly identified: only decode b64 n1 c512 was mostly compute-bound at the best fit \(40\.0\d TFLOP\/s\)/);
    // The point shows its error rather than hiding it; every point is judged memory-bound at the fitted figures.
    expect(f.points.find((p) => p.label === 'decode b64 n1 c512')!.relativeError).toBeLessThan(-0.2);
    expect(f.computeBoundPoints).toBe(0);
    // A batch-256 step stays memory-bound: within 1.5x of batch 1, not 4x the batch-64 step.
    const [b1, b256] = synthesise('decode', slowFlops, [[1, 1, 512], [256, 1, 512]]);
    expect(predictSeconds(b256, f.figures) / predictSeconds(b1, f.figures)).toBeLessThan(1.5);
    expect(predictSeconds(b256, slowFlops) / predictSeconds(b1, slowFlops)).toBeGreaterThan(5);
  });

  it('keeps a FLOP/s two compute-bound points agree on, and judges regimes against the fitted ridge', () => {
    const slowFlops = { ...decodeTruth, flopsPerSecond: 40e12 };
    const points = synthesise('decode', slowFlops, [[1, 1, 512], [4, 1, 512], [8, 1, 512], [32, 1, 512], [64, 1, 512]]);
    const f = fitRooflineParameters(points, H100_PEAK).decode!;
    expect(f.identification.flops.status).toBe('identified');
    expect(f.figures.flopsPerSecond / slowFlops.flopsPerSecond).toBeCloseTo(1, 3);
    // Batch 32 and 64 sit far below the spec ridge (295 FLOP/byte) but are compute-bound at the fitted figures.
    expect(points.every((p) => arithmeticIntensity(p) < ridge)).toBe(true);
    expect(f.points.filter((p) => p.regime === 'compute').map((p) => p.label)).toEqual(['decode b32 n1 c512', 'decode b64 n1 c512']);
    expect(f.identification.flops.points).toEqual(['decode b32 n1 c512', 'decode b64 n1 c512']);
  });

  it('reports a bandwidth that a single memory-bound point sets as weakly identified', () => {
    const points = synthesise('prefill', prefillTruth, [[1, 16, 0], [1, 2048, 0], [1, 4096, 0], [2, 8192, 0], [8, 1024, 0]]);
    const f = fitRooflineParameters(points, H100_PEAK).prefill!;
    expect(f.identification.bandwidth).toEqual({ status: 'weakly-identified', points: ['prefill b1 n16 c0'], held: false });
    expect(f.identification.flops.status).toBe('identified');
    expect(f.notes.join('\n')).toMatch(/effective bandwidth weakly identified: only prefill b1 n16 c0 is mostly memory-bound/);
  });

  it('lets a heavier point pull the fit towards itself', () => {
    const [a] = synthesise('decode', decodeTruth, [[1, 1, 512]]);
    const rest = synthesise('decode', decodeTruth, DECODE_SHAPES.slice(1));
    const slow = { ...a, label: 'slow', measuredSeconds: a.measuredSeconds * 1.1 };
    const plain = fitRooflineParameters([a, slow, ...rest], H100_PEAK).decode!;
    const weighted = fitRooflineParameters([{ ...a, weight: 9 }, slow, ...rest], H100_PEAK).decode!;
    const errorOfA = (f: typeof plain) => Math.abs(f.points[0].relativeError);
    expect(errorOfA(weighted)).toBeLessThan(errorOfA(plain));
  });

  it('excludes unusable points with the reason and fits the rest', () => {
    const good = synthesise('decode', decodeTruth, DECODE_SHAPES);
    const fit = fitRooflineParameters(
      [
        ...good,
        { ...good[0], label: 'negative', measuredSeconds: -1 },
        { ...good[0], label: 'mixed', phase: 'mixed' },
        { ...good[0], label: 'no counts', operators: [] },
        { ...good[0], label: 'slower link', communicationSeconds: 1 },
        { ...good[0], label: 'bad batch', batchSize: 0 },
      ],
      H100_PEAK,
    );
    expect(fit.excluded.map((e) => [e.index, e.label])).toEqual([[7, 'negative'], [8, 'mixed'], [9, 'no counts'], [10, 'slower link'], [11, 'bad batch']]);
    expect(fit.excluded.map((e) => e.reason)).toEqual([
      expect.stringMatching(/measuredSeconds must be positive, got -1/),
      expect.stringMatching(/phase 'mixed'/),
      expect.stringMatching(/no operator FLOPs or bytes/),
      expect.stringMatching(/communication \(1000 ms\) is not below the measured time/),
      expect.stringMatching(/invalid point: batchSize:/),
    ]);
    expect(fit.decode!.points).toHaveLength(good.length);
    expect(fit.decode!.mape).toBeLessThan(1e-5);
    expect(fit.prefill).toBeUndefined();
  });

  it('warns when a phase has fewer points than parameters', () => {
    const f = fitRooflineParameters(synthesise('decode', decodeTruth, DECODE_SHAPES.slice(0, 2)), H100_PEAK).decode!;
    expect(f.notes[0]).toMatch(/only 2 point\(s\) for three parameters/);
  });

  it('refuses peak figures that are not positive', () => {
    expect(() => new RooflineParameterEstimator({ peakFlopsPerSecond: 0, peakBandwidthBytesPerSecond: 1e12 })).toThrow(
      expect.objectContaining({ code: 'INVALID_PEAK_FIGURES', message: expect.stringMatching(/peakFlopsPerSecond must be a positive finite number, got 0/) }),
    );
    expect(() => new RooflineParameterEstimator(H100_PEAK, { robustScale: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_FIT_OPTIONS' }));
  });
});
